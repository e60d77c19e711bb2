"""Frappe's generic `frappe.client.get_count` counts any DocType without checking permissions (v15):
with filters it reveals, one filter at a time, field values of documents the user may not read. For
BizLink's DocTypes (and their child tables) it counts only what `frappe.get_list` would list; other
DocTypes get Frappe's own answer unchanged."""

import frappe
from frappe.client import get_count as frappe_get_count
from frappe.utils import get_safe_filters


@frappe.whitelist()
def get_count(doctype: str, filters=None, debug: bool = False, cache: bool = False) -> int:
	if not is_bizlink(doctype):
		return frappe_get_count(doctype, filters, debug, cache)
	meta = frappe.get_meta(doctype)
	parent_doctype = None
	if meta.istable:
		parent_doctype = frappe.form_dict.get("parent") or "Installation Job"
	rows = frappe.get_list(
		doctype,
		filters=get_safe_filters(filters),
		fields=["count(*) as count"],
		parent_doctype=parent_doctype,
	)
	return rows[0].count if rows else 0


def is_bizlink(doctype: str) -> bool:
	return frappe.db.get_value("DocType", doctype, "module", cache=True) == "BizLink"
