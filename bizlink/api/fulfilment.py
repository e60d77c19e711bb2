"""The fulfilment stage timeline of a Sales Order, for its form and the customer's portal."""

import frappe
from frappe.utils import now_datetime, time_diff_in_hours

from bizlink.fulfilment.stages import STAGES, read_note


@frappe.whitelist()
@frappe.read_only()
def get_stage_timeline(sales_order: str) -> list[dict]:
	"""Every stage the order entered, oldest first, with hours spent (so far, for the current one)."""
	frappe.has_permission("Sales Order", "read", doc=sales_order, throw=True)
	return get_timeline(sales_order)


def set_timeline_onload(doc, method=None) -> None:
	"""doc_event onload of Sales Order: the form gets its timeline with the document (no request of its
	own when the form opens, is saved or reloaded); get_stage_timeline stays for other callers."""
	if doc.docstatus > 0 and not doc.is_new():
		doc.set_onload("bizlink_stage_timeline", get_timeline(doc.name))


def get_timeline(sales_order: str) -> list[dict]:
	rows = frappe.get_all(
		"Order Stage Log",
		filters={"sales_order": sales_order},
		fields=[
			"stage",
			"entered_on",
			"left_on",
			"duration_hours",
			"is_reversal",
			"note",
			"reference_doctype",
			"reference_name",
		],
		order_by="entered_on asc, creation asc",
	)
	for row in rows:
		if not row.left_on:
			row.duration_hours = max(time_diff_in_hours(now_datetime(), row.entered_on), 0)
		row.step = STAGES.index(row.stage) + 1
		row.note = read_note(row.note)
	return rows
