"""Existing Service Tickets and Knowledge Articles get their Spanish search terms, and the resolved
tickets and the articles their search postings: in batches, straight to the tables, without touching
`modified`."""

import frappe

from bizlink.bizlink.text_search import POSTINGS, STATS, ensure_tables, index_many
from bizlink.service.doctype.service_ticket.service_ticket import RESOLVED_STATUSES
from bizlink.service.knowledge import ARTICLES, TICKETS, article_terms, ticket_terms

BATCH = 2000


def execute():
	ensure_tables()
	for kind in (TICKETS, ARTICLES):
		frappe.db.sql(f"delete from `{POSTINGS}` where kind = %s", kind)  # nosemgrep (constant tables)
		frappe.db.sql(f"delete from `{STATS}` where kind = %s", kind)  # nosemgrep
	index("Service Ticket", TICKETS, ["subject", "description", "resolution_details", "status"], ticket_terms)
	index("Knowledge Article", ARTICLES, ["title", "problem", "steps"], article_terms)


def index(doctype: str, kind: str, fields: list[str], terms_of) -> None:
	last = ""
	while True:
		rows = frappe.get_all(
			doctype,
			filters={"name": (">", last)},
			fields=["name", *fields],
			order_by="name asc",
			limit=BATCH,
		)
		if not rows:
			break
		searched = {}
		for row in rows:
			terms = terms_of(row)
			frappe.db.set_value(doctype, row.name, "search_terms", terms, update_modified=False)
			if kind == ARTICLES or row.status in RESOLVED_STATUSES:
				searched[row.name] = terms
		index_many(kind, searched)
		frappe.db.commit()  # nosemgrep (a patch over every ticket, batch by batch)
		last = rows[-1].name
