"""Portal: a customer's own Service Tickets, one ticket, and a form to record a new one.
/service-tickets and /service-tickets/<ticket>."""

import frappe
from frappe import _
from frappe.utils.html_utils import sanitize_html

from bizlink.api.service_ticket import get_portal_customers, get_portal_ticket
from bizlink.service.doctype.service_ticket.service_ticket import RESOLVED_STATUSES

no_cache = 1


def get_context(context):
	if frappe.session.user == "Guest":
		frappe.throw(_("Log in to see your requests."), frappe.PermissionError)
	context.show_sidebar = True
	context.resolved_statuses = RESOLVED_STATUSES
	name = frappe.form_dict.name
	if name:
		context.ticket = get_portal_ticket(name)
		context.title = context.ticket.subject
		# Text Editor HTML is shown as HTML: sanitised here too, as a stored value may have passed the
		# sanitiser unchanged on save (it leaves a JSON-quoted string alone) or been written around it
		context.description_html = sanitize_html(context.ticket.description or "", always_sanitize=True)
		context.resolution_html = sanitize_html(context.ticket.resolution_details or "", always_sanitize=True)
	else:
		customers = get_portal_customers()
		context.tickets = (
			frappe.get_all(
				"Service Ticket",
				filters={"customer": ("in", customers)},
				fields=["name", "subject", "status", "creation", "serial_no"],
				order_by="creation desc",
				limit=100,
			)
			if customers
			else []
		)
		context.title = _("Service Requests")
	return context
