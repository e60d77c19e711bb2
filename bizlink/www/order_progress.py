"""Portal: the customer's orders with their fulfilment stage, and each order's stage timeline and
installation appointment. /order-progress and /order-progress/<sales order>."""

import frappe
from frappe import _

from bizlink.api.fulfilment import get_timeline
from bizlink.fulfilment import STAGES

no_cache = 1


def get_context(context):
	if frappe.session.user == "Guest":
		frappe.throw(_("Log in to see your orders."), frappe.PermissionError)
	context.show_sidebar = True
	context.stages = STAGES
	name = frappe.form_dict.name
	if name:
		order = frappe.get_doc("Sales Order", name)
		if order.docstatus != 1 or not frappe.has_website_permission(order):
			frappe.throw(_("Not Permitted"), frappe.PermissionError)
		context.order = order
		context.timeline = get_timeline(order.name)
		context.installation = frappe.db.get_value(
			"Installation Job",
			{"sales_order": order.name, "status": ("!=", "Cancelled")},
			["status", "scheduled_start", "scheduled_end"],
			as_dict=True,
			order_by="creation desc",
		)
		context.title = _("Order {0}").format(order.name)
	else:
		context.orders = get_my_orders()
		context.title = _("Order Progress")
	return context


def get_my_orders() -> list[dict]:
	"""The submitted orders of the customers whose portal users include the session user."""
	from bizlink.api.service_ticket import get_portal_customers

	customers = get_portal_customers()
	if not customers:
		return []
	return frappe.get_all(
		"Sales Order",
		filters={"customer": ("in", customers), "docstatus": 1},
		fields=[
			"name",
			"transaction_date",
			"grand_total",
			"currency",
			"bizlink_stage",
			"bizlink_stage_since",
		],
		order_by="transaction_date desc",
		limit=50,
	)
