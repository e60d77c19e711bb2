"""Record-level permissions, written once: an Installation Technician sees and changes only the
Installation Jobs whose crew they are in; Installation and System Managers see all, and sales roles
may read all."""

import frappe

MANAGER_ROLES = {"Installation Manager", "System Manager"}
READER_ROLES = {"Sales User", "Sales Manager"}
TECHNICIAN_ROLE = "Installation Technician"


def is_crew_restricted(user: str, ptype: str = "read") -> bool:
	if user == "Administrator":
		return False
	roles = set(frappe.get_roles(user))
	if roles & MANAGER_ROLES:
		return False
	if ptype in ("read", "report", "print", "export") and roles & READER_ROLES:
		return False
	return TECHNICIAN_ROLE in roles


def installation_job_query(user: str | None = None) -> str:
	user = user or frappe.session.user
	if not is_crew_restricted(user):
		return ""
	crew = frappe.qb.DocType("Installation Job Technician")
	in_crew = (
		frappe.qb.from_(crew)
		.select(crew.parent)
		.where(crew.parenttype == "Installation Job")
		.where(crew.user == user)
	)
	return f"`tabInstallation Job`.`name` in ({in_crew.get_sql()})"


def installation_job_has_permission(doc, ptype: str | None = None, user: str | None = None) -> bool | None:
	user = user or frappe.session.user
	if not is_crew_restricted(user, ptype or "read"):
		return None  # the role permissions decide
	return any(row.user == user for row in doc.get("crew") or [])
