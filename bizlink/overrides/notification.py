"""BizLink's own Notifications are written in each recipient's language.

Frappe renders a Notification once, in the language of whoever's action (or scheduler run) sent it,
and mails every recipient that text: a Spanish technician was told "You are in the crew of…" because
an English-speaking dispatcher scheduled the job. For a Notification of the BizLink module (the
standard ones an administrator may edit), the recipients are grouped by language and the subject and
message rendered once per group: a user reads theirs in their own language (User's Language, else
the system's), a customer's contact in the customer's Print Language (else the system's).
Notifications of other modules are sent as Frappe sends them.
"""

import frappe
from frappe import _
from frappe.email.doctype.notification.notification import Notification
from frappe.translate import get_user_lang

from bizlink.bizlink import is_bizlink_module


class BizLinkNotification(Notification):
	def send_an_email(self, doc, context):
		self.in_each_language(super().send_an_email, doc, context)

	def create_system_notification(self, doc, context):
		self.in_each_language(super().create_system_notification, doc, context)

	def get_list_of_recipients(self, doc, context):
		recipients, cc, bcc = super().get_list_of_recipients(doc, context)
		only = self.flags.bizlink_recipients
		if only is None:
			return recipients, cc, bcc
		return ([email for email in emails if email in only] for emails in (recipients, cc, bcc))

	def in_each_language(self, send, doc, context) -> None:
		if not is_bizlink_module(self.module) or self.flags.bizlink_recipients is not None:
			send(doc, context)
			return
		recipients, cc, bcc = self.get_list_of_recipients(doc, context)
		groups = recipients_by_language([*recipients, *cc, *bcc], doc)
		language = frappe.local.lang
		try:
			for lang, emails in groups.items():
				frappe.local.lang = lang
				self.flags.bizlink_recipients = emails
				send(doc, context)
		finally:
			frappe.local.lang = language
			self.flags.bizlink_recipients = None


def recipients_by_language(emails: list[str], doc) -> dict[str, set[str]]:
	"""{language: emails}: a user's language, else the document's customer's print language, else
	the system's."""
	if not emails:
		return {}
	default = frappe.db.get_single_value("System Settings", "language") or "en"
	customer = doc.get("customer")
	customer_language = (
		frappe.db.get_value("Customer", customer, "language")
		if customer and doc.meta.has_field("customer")
		else None
	)
	users = frappe.get_all(
		"User", filters={"email": ("in", emails)}, fields=["email", "language"]
	) + frappe.get_all("User", filters={"name": ("in", emails)}, fields=["name as email", "language"])
	user_language = {user.email.lower(): user.language or default for user in users}
	groups: dict[str, set[str]] = {}
	for email in emails:
		lang = user_language.get(email.lower()) or customer_language or default
		groups.setdefault(lang, set()).add(email)
	return groups


def todo_in_assignees_language(doc, method=None) -> None:
	"""doc_event before_insert of ToDo: the To Do that the service tickets' Assignment Rule makes for an
	agent describes itself in the agent's language (the rule stores it in English)."""
	from bizlink.install import TICKET_ASSIGNMENT_DESCRIPTION, TICKET_ASSIGNMENT_RULE

	if doc.assignment_rule == TICKET_ASSIGNMENT_RULE and doc.description == TICKET_ASSIGNMENT_DESCRIPTION:
		language = get_user_lang(doc.allocated_to)
		doc.description = _(
			"Open service tickets are assigned to the agent with the fewest open ones.", lang=language
		)
