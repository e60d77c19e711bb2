"""Field Visits from the desk: the Sales Order's "Create Field Visit" button."""

import frappe
from frappe import _

from bizlink.exceptions import NothingToInstallError, OrderNotOpenError
from bizlink.field_service.installation import create_field_visit, get_active_job, get_open_job


@frappe.whitelist(methods=["POST"])
def make_field_visit(sales_order: str) -> str:
	"""The order's open Field Visit, created if it has none; returns its name."""
	frappe.has_permission("Field Visit", "create", throw=True)
	order = frappe.get_doc("Sales Order", sales_order)
	order.check_permission("read")
	if order.docstatus != 1 or order.status in ("Closed", "Cancelled"):
		frappe.throw(
			_("Sales Order {0} is not open: submit it (or reopen it) first.").format(
				frappe.bold(sales_order)
			),
			title=_("Order Not Open"),
			exc=OrderNotOpenError,
		)
	# the job still to do (made for what is left to install), else the completed one
	name = get_open_job(sales_order) or create_field_visit(order) or get_active_job(sales_order)
	if not name:
		frappe.throw(
			_("No item of Sales Order {0} requires installation.").format(frappe.bold(sales_order)),
			title=_("Nothing to Install"),
			exc=NothingToInstallError,
		)
	return name
