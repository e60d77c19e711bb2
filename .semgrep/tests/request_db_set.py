# Fixtures for .semgrep/request_db_set.yml (semgrep --test); never imported.
import frappe
from frappe.utils import cint, flt, strip_html


@frappe.whitelist(allow_guest=True, methods=["POST"])
def rate(ticket: str, rating: str, feedback: str | None = None):
	doc = frappe.get_doc("Service Ticket", ticket)
	# ruleid: bizlink-request-data-db-set
	doc.db_set("feedback", feedback)
	# ruleid: bizlink-request-data-db-set
	doc.db_set({"rating": int(rating) / 5, "rated_on": frappe.utils.now_datetime()})
	# ok: bizlink-request-data-db-set
	doc.db_set({"rating": cint(rating) / 5, "feedback": strip_html(feedback)})
	# ok: bizlink-request-data-db-set
	doc.db_set("feedback", frappe.utils.escape_html(feedback))
	# ok: bizlink-request-data-db-set
	doc.db_set("status", doc.status)


@frappe.whitelist(allow_guest=True)
def guest_note(name, note):
	# ruleid: bizlink-request-data-db-set
	frappe.db.set_value("Service Ticket", name, "feedback", note)
	# ruleid: bizlink-request-data-db-set
	frappe.db.set_value("Service Ticket", name, {"feedback": note.strip()})
	# ok: bizlink-request-data-db-set
	frappe.db.set_value("Service Ticket", name, "rating", flt(note) / 5)


def get_context(context):
	args = frappe.form_dict
	# ruleid: bizlink-request-data-db-set
	frappe.db.set_value("Service Ticket", args.ticket, "feedback", args.get("feedback"))
	# ruleid: bizlink-request-data-db-set
	frappe.get_doc("Service Ticket", args.ticket).db_set("feedback", frappe.request.get_data(as_text=True))
	# ok: bizlink-request-data-db-set
	frappe.db.set_value("Service Ticket", args.ticket, "feedback", strip_html(args.get("feedback")))


@frappe.whitelist()
def staff_note(name, note):
	# a signed-in user's call: the controller's permission checks are the concern, not this rule
	# ok: bizlink-request-data-db-set
	frappe.db.set_value("Service Ticket", name, "internal_note", note)
