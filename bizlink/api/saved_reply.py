"""Saved replies: Frappe's Email Templates marked "Saved Reply for Service Tickets", offered in a Service
Ticket's reply box (Frappe's own composer, see bizlink/public/js/saved_replies.js) in the customer's
language first, and filled with the ticket's fields as the server stores them.

Frappe's own `get_email_template` renders a template with the document the browser sends, as sent,
and checks no permission; here the ticket is read on the server by a user who may read it, and the
values that go into the message (HTML) are escaped."""

import json

import frappe
from frappe import _
from frappe.model import no_value_fields, table_fields
from frappe.model.document import Document
from frappe.translate import print_language
from frappe.utils import escape_html, get_fullname
from frappe.utils.html_utils import sanitize_html

from bizlink.exceptions import SavedReplyError
from bizlink.service.doctype.service_ticket.service_ticket import is_desk_user

TEMPLATE = "Email Template"
TICKET = "Service Ticket"
HTML_FIELDTYPES = ("Text Editor", "HTML Editor")  # stored as HTML (sanitised on save): kept as HTML


@frappe.whitelist()
@frappe.read_only()
@frappe.validate_and_sanitize_search_inputs
def search_saved_replies(
	doctype: str,
	txt: str,
	searchfield: str,
	start: int,
	page_len: int,
	filters: dict | str | None = None,
) -> list[list[str]]:
	"""The reply box's Email Template picker on a Service Ticket (`filters`: {"ticket": name}): the saved
	replies for tickets in the ticket's language first, then those for any language (no language set),
	then the others; each with its language as the description."""
	if isinstance(filters, str):
		filters = json.loads(filters or "{}")
	ticket = readable_ticket((filters or {}).get("ticket"))
	language = reply_language(ticket)
	txt = str(txt or "").strip()
	or_filters = {"name": ("like", f"%{txt}%"), "subject": ("like", f"%{txt}%")} if txt else None
	templates = frappe.get_list(
		TEMPLATE,
		filters={"bizlink_service_reply": 1},
		or_filters=or_filters,
		fields=["name", "bizlink_language"],
		limit_page_length=0,  # a handful: sorted here by language
	)
	templates.sort(key=lambda t: (language_rank(t.bizlink_language, language), t.name.casefold()))
	names = language_names({t.bizlink_language for t in templates if t.bizlink_language})
	return [
		# the picker shows the description as HTML
		[t.name, escape_html(names.get(t.bizlink_language) or _("Any language"))]
		for t in templates[start : start + page_len]
	]


@frappe.whitelist()
@frappe.read_only()
def render_saved_reply(template: str, ticket: str) -> dict:
	"""The saved reply `template` filled with the ticket's fields: {subject (text), message (HTML),
	language}. Its own `_()` calls speak the reply's language (else the customer's)."""
	doc = readable_ticket(ticket)
	reply = saved_reply(template)
	return render(reply, doc)


# Checks -----------------------------------------------------------------------------------------


def readable_ticket(ticket: str | None) -> Document:
	"""The Service Ticket `ticket` for a desk user who may read it and read Email Templates."""
	if not is_desk_user():
		frappe.throw(_("Not permitted"), frappe.PermissionError)
	frappe.has_permission(TEMPLATE, "read", throw=True)
	frappe.has_permission(TICKET, "read", throw=True)
	if not ticket or not isinstance(ticket, str) or not frappe.db.exists(TICKET, ticket):
		frappe.throw(
			_("A saved reply answers a Service Ticket: {0} is none.").format(
				frappe.bold(escape_html(str(ticket or "")))
			),
			title=_("Saved Reply"),
			exc=SavedReplyError,
		)
	frappe.has_permission(TICKET, "read", doc=ticket, throw=True)
	return frappe.get_doc(TICKET, ticket)


def saved_reply(template: str) -> Document:
	"""The Email Template `template`, if it is a saved reply for tickets that the user may read."""
	if (
		not template
		or not isinstance(template, str)
		or not frappe.db.get_value(TEMPLATE, template, "bizlink_service_reply")
	):
		frappe.throw(
			_("{0} is not a saved reply for Service Tickets.").format(
				frappe.bold(escape_html(str(template or "")))
			),
			title=_("Saved Reply"),
			exc=SavedReplyError,
		)
	frappe.has_permission(TEMPLATE, "read", doc=template, throw=True)
	return frappe.get_doc(TEMPLATE, template)


# Language ---------------------------------------------------------------------------------------


def reply_language(ticket: Document) -> str:
	"""The language to answer `ticket` in: its customer's (Customer's language), else its contact's or
	sender's (the language of their user: a portal customer), else the site's."""
	if ticket.customer and (language := frappe.db.get_value("Customer", ticket.customer, "language")):
		return language
	for user in (
		ticket.contact and frappe.db.get_value("Contact", ticket.contact, "user"),
		ticket.raised_by and frappe.db.get_value("User", {"email": ticket.raised_by}, "name"),
	):
		if user and (language := frappe.db.get_value("User", user, "language")):
			return language
	return frappe.db.get_single_value("System Settings", "language") or "en"


def language_rank(template_language: str | None, language: str) -> int:
	"""0: the customer's language; 1: its variant (es-MX for es); 2: any language; 3: another one."""
	if not template_language:
		return 2
	if template_language == language:
		return 0
	if template_language.split("-")[0] == language.split("-")[0]:
		return 1
	return 3


def language_names(codes: set[str]) -> dict[str, str]:
	if not codes:
		return {}
	return dict(
		frappe.get_all(
			"Language", filters={"name": ("in", list(codes))}, fields=["name", "language_name"], as_list=True
		)
	)


# Rendering --------------------------------------------------------------------------------------


def render(reply: Document, ticket: Document) -> dict:
	"""Frappe renders the template (its sandboxed Jinja) with the ticket's fields; in the message (HTML)
	every value is escaped, in the subject (text) it is as stored."""
	language = reply.bizlink_language or reply_language(ticket)
	values = reply_values(ticket)
	with print_language(language):
		subject = frappe.render_template(reply.subject, values)
		message = frappe.render_template(reply.response_, escaped(ticket, values))
	return {"subject": " ".join(subject.split()), "message": message, "language": language}


def reply_values(ticket: Document) -> dict:
	"""The ticket's fields (None as empty, no tables) and what a reply names besides: the contact's
	name, the item's name and the agent's (the user writing)."""
	values = {"name": ticket.name, "owner": ticket.owner, "creation": ticket.creation}
	for field in ticket.meta.fields:
		if field.fieldtype not in table_fields and field.fieldtype not in no_value_fields:
			values[field.fieldname] = ticket.get(field.fieldname)
	contact = (
		frappe.db.get_value("Contact", ticket.contact, ["first_name", "full_name"], as_dict=True)
		if ticket.contact
		else None
	) or frappe._dict()
	values.update(
		contact_name=contact.full_name or contact.first_name or "",
		contact_first_name=contact.first_name or "",
		item_name=(frappe.db.get_value("Item", ticket.item, "item_name") if ticket.item else None) or "",
		agent_name=get_fullname(frappe.session.user),
	)
	values = {key: "" if value is None else value for key, value in values.items()}
	values["doc"] = values.copy()  # {{ doc.customer_name }} as well as {{ customer_name }}
	return values


def escaped(ticket: Document, values: dict) -> dict:
	"""`values` for an HTML message: text escaped, the ticket's HTML fields sanitised (again)."""
	html_fields = {f.fieldname for f in ticket.meta.fields if f.fieldtype in HTML_FIELDTYPES}
	out = {}
	for key, value in values.items():
		if key == "doc":
			continue
		if isinstance(value, str):
			value = sanitize_html(value) if key in html_fields else escape_html(value)
		out[key] = value
	out["doc"] = out.copy()
	return out
