"""Frappe's generic `frappe.client.get_count` counts any DocType without checking permissions (v15):
with filters it reveals, one filter at a time, field values of documents the user may not read. For
BizLink's DocTypes (and their child tables) it counts only what `frappe.get_list` would list; other
DocTypes get Frappe's own answer unchanged."""

import frappe
from frappe.client import get_count as frappe_get_count
from frappe.utils import get_safe_filters

from bizlink.bizlink import is_bizlink_module
from bizlink.bizlink.permissions import parents_of


@frappe.whitelist()
def get_count(doctype: str, filters=None, debug: bool = False, cache: bool = False) -> int:
	meta = frappe.get_meta(doctype)
	if not is_bizlink_module(meta.module):
		return frappe_get_count(doctype, filters, debug, cache)
	# a child table is counted through a parent (its rows then follow their parents' rules)
	parent_doctype = (frappe.form_dict.get("parent") or readable_parent(doctype)) if meta.istable else None
	rows = frappe.get_list(
		doctype,
		filters=get_safe_filters(filters),
		fields=["count(*) as count"],
		parent_doctype=parent_doctype,
	)
	return rows[0].count if rows else 0


def readable_parent(child_doctype: str) -> str:
	"""A parent of the child table that the user may read (the status log is both a job's and a
	ticket's: a technician's count goes through the job), else the first one (refused then)."""
	parents = sorted(parents_of(child_doctype))
	return next((parent for parent in parents if frappe.has_permission(parent, "read")), parents[0])
