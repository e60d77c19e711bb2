# Copyright (c) 2026, BizLink contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from bizlink.bizlink.validation import validate_customer_links, validate_input
from bizlink.exceptions import DuplicatePlanError, PlanNotActiveError
from bizlink.field_service.maintenance import check_interval, schedule_next


class MaintenancePlan(Document):
	def validate(self):
		validate_input(self)
		check_interval(self.interval_months)
		if self.serial_no:
			self.item_code = frappe.db.get_value("Serial No", self.serial_no, "item_code") or self.item_code
			other = self.status == "Active" and frappe.db.get_value(
				"Maintenance Plan",
				{"serial_no": self.serial_no, "status": "Active", "name": ("!=", self.name or "")},
			)
			if other:
				frappe.throw(
					_("Serial No {0} already has the active Maintenance Plan {1}: change that one.").format(
						frappe.bold(self.serial_no), frappe.bold(other)
					),
					title=_("Plan Exists"),
					exc=DuplicatePlanError,
				)
		validate_customer_links(self)
		if self.is_new() or self.has_value_changed("interval_months") or self.has_value_changed("start_date"):
			schedule_next(self)

	@frappe.whitelist(methods=["POST"])
	def cancel_plan(self):
		"""No more visits: the plan's open visit, if it is not booked yet, is cancelled with it."""
		self.check_permission("write")
		if frappe.db.get_value(self.doctype, self.name, "status") != "Active":  # judged on the stored plan
			frappe.throw(
				_("Maintenance Plan {0} is already cancelled.").format(frappe.bold(self.name)),
				title=_("Plan Not Active"),
				exc=PlanNotActiveError,
			)
		from bizlink.field_service.maintenance import cancel_plan

		cancel_plan(self)


def on_doctype_update():
	# the daily run reads only the plans due (see bizlink.field_service.maintenance.create_due_visits)
	frappe.db.add_index("Maintenance Plan", ["status", "visit_on"])
