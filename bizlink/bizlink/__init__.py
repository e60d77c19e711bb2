"""The "BizLink" module: what every BizLink domain shares (settings, status log, record permissions,
input validation, system-held fields, the queue policy). It imports no domain module."""

import frappe


def is_bizlink_module(module: str | None) -> bool:
	"""Whether `module` (a DocType's or a record's) is one of BizLink's (modules.txt)."""
	return bool(module) and frappe.local.module_app.get(frappe.scrub(module)) == "bizlink"
