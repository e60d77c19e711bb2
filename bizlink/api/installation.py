"""Installation Jobs from the desk: the Sales Order's "Create Installation Job" button."""

import frappe
from frappe import _

from bizlink.exceptions import NothingToInstallError, OrderNotOpenError
from bizlink.field_service.installation import create_installation_job, get_active_job, get_open_job


@frappe.whitelist(methods=["POST"])
def make_installation_job(sales_order: str) -> str:
	"""The order's open Installation Job, created if it has none; returns its name."""
	frappe.has_permission("Installation Job", "create", throw=True)
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
	name = get_open_job(sales_order) or create_installation_job(order) or get_active_job(sales_order)
	if not name:
		frappe.throw(
			_("No item of Sales Order {0} requires installation.").format(frappe.bold(sales_order)),
			title=_("Nothing to Install"),
			exc=NothingToInstallError,
		)
	return name
