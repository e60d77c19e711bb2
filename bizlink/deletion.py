"""What BizLink's records do when an ERPNext document they point to is deleted.

ERPNext lets a user delete a draft or a cancelled document. BizLink's links must not stop that, and
must not leave a record pointing at nothing:
- an order's stage logs are a view of the order: they go with it;
- calls, tickets and field visits are the customer's history: they stay, without the link, and
  a comment on each names the document that was deleted and who deleted it;
- a stage log that points at a deleted delivery, invoice, payment or production document keeps its
  place in the order's timeline, with the reference replaced by a note.

Customers, items, contacts, addresses, serial numbers and leads stay as ERPNext has them: a record
that links to one stops its deletion (a merge or a rename moves the links instead).
"""

import frappe
from frappe import _
from frappe.utils import escape_html

from bizlink.fulfilment.stages import LOG, LOGGED, event_note

# the document deleted -> the BizLink records (DocType, link field) that keep everything but the link
RELEASED_LINKS = {
	"Sales Order": (
		("Sales Interaction", "sales_order"),
		("Service Ticket", "sales_order"),
		("Field Visit", "sales_order"),
	),
	"Quotation": (("Sales Interaction", "quotation"),),
	"Opportunity": (("Sales Interaction", "opportunity"),),
	"Delivery Note": (
		("Service Ticket", "delivery_note"),
		("Field Visit Item", "delivery_note"),
	),
	"Installation Note": (("Field Visit", "installation_note"),),
	# a visit's parts, bill and ERPNext service record, deleted once cancelled
	"Stock Entry": (("Field Visit", "stock_entry"),),
	"Sales Invoice": (("Field Visit", "sales_invoice"),),
	"Maintenance Visit": (("Field Visit", "maintenance_visit"),),
}
# the documents a stage log refers to (fulfilment.on_document_change's doc_events)
DOCTYPES = tuple(dict.fromkeys((*RELEASED_LINKS, *LOGGED)))


def on_trash(doc, method=None) -> None:
	"""doc_event on_trash of every DocType in DOCTYPES. Frappe runs it before it checks links, in the
	deletion's transaction: if something else still stops the deletion, all of this is undone."""
	if doc.doctype == "Sales Order":
		frappe.db.delete(LOG, {"sales_order": doc.name})  # its logs that name it go with the rest
	elif doc.doctype in LOGGED:
		logs = frappe.get_all(
			LOG, {"reference_doctype": doc.doctype, "reference_name": doc.name}, ["name", "note"]
		)
		deleted = event_note(doc.doctype, doc.name, "deleted")
		for log in logs:
			# "Delivery Note X cancelled" (the move back its cancel made) stays, with the deletion added
			note = f"{log.note}; {deleted}" if log.note else deleted
			frappe.db.set_value(
				LOG,
				log.name,
				{"reference_doctype": None, "reference_name": None, "note": note[:140]},
				update_modified=False,
			)
	for doctype, field in RELEASED_LINKS.get(doc.doctype, ()):
		release(doc, doctype, field)


def release(doc, doctype: str, field: str) -> None:
	meta = frappe.get_meta(doctype)
	fields = ["name", "parent", "parenttype"] if meta.istable else ["name"]
	rows = frappe.get_all(doctype, {field: doc.name}, fields)
	if not rows:
		return
	frappe.db.set_value(doctype, {field: doc.name}, field, None, update_modified=False)
	label = _(meta.get_label(field))
	# a comment is shown as HTML in the timeline: the names in it are only text
	comment = _("{0} {1} was deleted by {2}; this record keeps its history without the link ({3}).").format(
		_(doc.doctype), escape_html(doc.name), escape_html(frappe.session.user), escape_html(label)
	)
	owners = {(row.parenttype, row.parent) if meta.istable else (doctype, row.name) for row in rows}
	for owner_doctype, owner in sorted(owners):
		frappe.get_doc(
			{
				"doctype": "Comment",
				"comment_type": "Info",
				"reference_doctype": owner_doctype,
				"reference_name": owner,
				"content": comment,
			}
		).insert(ignore_permissions=True)
