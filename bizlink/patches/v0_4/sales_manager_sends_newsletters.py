"""The BizLink Sales Manager role profile sends its campaigns' emails: Frappe's Newsletter Manager
role joins it on sites made before (its users get it with the profile, as Frappe updates them)."""

import frappe

PROFILE = "BizLink Sales Manager"
ROLE = "Newsletter Manager"


def execute():
	if not frappe.db.exists("Role Profile", PROFILE) or not frappe.db.exists("Role", ROLE):
		return
	profile = frappe.get_doc("Role Profile", PROFILE)
	if ROLE not in {row.role for row in profile.roles}:
		profile.append("roles", {"role": ROLE})
		profile.save(ignore_permissions=True)
