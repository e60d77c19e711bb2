"""The page a customer reaches from the resolution email: rate the ticket 1 to 5 and comment, once."""

import frappe

from bizlink.api.service_ticket import check_link
from bizlink.service.doctype.service_ticket.service_ticket import RESOLVED_STATUSES

no_cache = 1


def get_context(context):
	args = frappe.form_dict
	context.ticket_name, context.expires, context.token = (
		args.get("ticket"),
		args.get("expires"),
		args.get("token"),
	)
	context.error = None
	try:
		check_link(context.ticket_name, context.expires, context.token)
		ticket = frappe.db.get_value(
			"Service Ticket", context.ticket_name, ["subject", "status", "rating"], as_dict=True
		)
		context.subject, context.already_rated = ticket.subject, bool(ticket.rating)
		if ticket.status not in RESOLVED_STATUSES:
			context.error = frappe._("Only a resolved ticket can be rated.")
	except frappe.ValidationError as e:
		context.error = str(e)
	context.title = frappe._("How did we do?")
	return context
