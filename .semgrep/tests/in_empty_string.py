# Fixtures for .semgrep/rules/in_empty_string.yml (semgrep --test); never imported.
import frappe


def cleanup(users: list[str], customers: list[str], rows: list):
	# ruleid: bizlink-get-all-in-empty-string
	frappe.get_all("Contact", {"user": ("in", users or [""])}, pluck="name")
	# ruleid: bizlink-get-all-in-empty-string
	frappe.get_all("Field Visit", filters={"customer": ("in", customers or [""]), "docstatus": 0})
	# ruleid: bizlink-get-all-in-empty-string
	frappe.db.get_values("Sales Order", {"customer": ("in", customers or [""])}, "name")
	# ok: bizlink-get-all-in-empty-string
	frappe.get_all("Field Visit", {"name": ("in", [row.name for row in rows] or [""])}, pluck="name")
	# ok: bizlink-get-all-in-empty-string
	frappe.get_all("Contact", {"user": ("in", users)}, pluck="name") if users else []
	# ok: bizlink-get-all-in-empty-string
	frappe.db.delete("Contact Email", {"email_id": ("in", users or [""])})
