"""Knowledge search for the desk: past resolutions and articles matching a problem in words.

The same search the ticket form's "How similar tickets were resolved" uses (`bizlink.service.knowledge`),
for a query typed on the Knowledge Search page or sent over the API."""

import frappe
from frappe import _

from bizlink.service.doctype.service_ticket.service_ticket import is_desk_user
from bizlink.service.knowledge import search_articles, search_tickets


@frappe.whitelist()
@frappe.read_only()
def search(query: str | None = None, item: str | None = None, limit: int = 10) -> dict:
	"""Resolved tickets and published articles matching `query` (any text: operators are only
	characters), an item's own scoring more. Tickets for those who may read tickets (and only the ones
	they may read), articles (internal ones too) for those who may read articles."""
	if not is_desk_user():
		frappe.throw(_("Not permitted"), frappe.PermissionError)
	can_tickets = frappe.has_permission("Service Ticket", "read")
	can_articles = frappe.has_permission("Knowledge Article", "read")
	if not (can_tickets or can_articles):
		frappe.throw(_("Not permitted"), frappe.PermissionError)
	query = str(query or "")
	item = str(item) if item else None
	return {
		"tickets": search_tickets(query, item=item, limit=limit) if can_tickets else [],
		"articles": search_articles(query, public_only=False, item=item, limit=limit) if can_articles else [],
	}
