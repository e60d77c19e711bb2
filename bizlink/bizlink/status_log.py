"""Status changes kept on the document itself, with when and by whom (child table BizLink Status Log)."""

import frappe
from frappe.utils import now_datetime


def log_status_change(doc) -> None:
	"""Append a row when `doc.status` differs from what was saved last (or on a new document)."""
	before = doc.get_doc_before_save()
	previous = before.status if before else None
	if previous == doc.status and not doc.is_new():
		return
	doc.append(
		"status_log",
		{
			"status": doc.status,
			"previous_status": previous,
			"changed_on": now_datetime(),
			"changed_by": frappe.session.user,
		},
	)


def set_status(doc, status: str) -> None:
	"""Change the status of a saved document outside a save (e.g. on submit or cancel) and log it."""
	previous = doc.status
	if previous == status:
		return
	doc.db_set("status", status)
	row = doc.append(
		"status_log",
		{
			"status": status,
			"previous_status": previous,
			"changed_on": now_datetime(),
			"changed_by": frappe.session.user,
		},
	)
	row.db_insert()
