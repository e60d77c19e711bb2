"""The service tickets' Assignment Rule stores its description in English (each agent's To Do is
written in the agent's language): a description stored translated by an earlier install goes back to
the English it came from. One the administrator wrote themselves is left alone."""

import frappe

from bizlink.install import TICKET_ASSIGNMENT_DESCRIPTION, TICKET_ASSIGNMENT_RULE


def execute():
	stored = frappe.db.get_value("Assignment Rule", TICKET_ASSIGNMENT_RULE, "description")
	if not stored or stored == TICKET_ASSIGNMENT_DESCRIPTION:
		return
	languages = frappe.get_all("Language", filters={"enabled": 1}, pluck="name")
	if any(frappe._(TICKET_ASSIGNMENT_DESCRIPTION, lang=lang) == stored for lang in languages):
		frappe.db.set_value(
			"Assignment Rule", TICKET_ASSIGNMENT_RULE, "description", TICKET_ASSIGNMENT_DESCRIPTION
		)
