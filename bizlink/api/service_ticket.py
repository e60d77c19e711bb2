"""The customer's feedback on a resolved Service Ticket, through a signed link that expires.

The link carries the ticket, an expiry time and an HMAC of both made with the site's encryption key:
it cannot be made for another ticket or extended without the key, and it works once (a ticket is
rated once)."""

import frappe
from frappe import _
from frappe.rate_limiter import rate_limit
from frappe.utils import add_days, add_to_date, cint, get_url, now_datetime

from bizlink.bizlink.signed import is_signed, sign
from bizlink.exceptions import FeedbackLinkExpiredError, InvalidFeedbackLinkError
from bizlink.service.doctype.service_ticket.service_ticket import (
	RESOLVED_STATUSES,
	get_delivery_of_serial,
	is_desk_user,
	throw_not_your_serial,
)
from bizlink.service.knowledge import similar_cases

LINK_VALID_DAYS = 14
# guest and portal writes (over them: 429). Frappe's rate limiter keys on the client address, which
# a client can claim (X-Forwarded-For): the feedback limit keys on the link alone (its token, which
# cannot be guessed: a stranger's tries with tokens of their own never lock the customer out), and the
# portal limit is also counted per user in the database
FEEDBACK_TRIES_PER_HOUR = 10  # per link, whoever tries
PORTAL_TICKETS_PER_HOUR = 20  # per address and per user: each one mails the customer and assigns an agent


def get_feedback_url(ticket: str, valid_days: int = LINK_VALID_DAYS) -> str:
	"""The link sent to the customer when the ticket is resolved (also usable in Notification Jinja)."""
	expires = int(add_days(now_datetime(), valid_days).timestamp())
	return get_url(f"/ticket-feedback?ticket={ticket}&expires={expires}&token={sign(ticket, expires)}")


def check_link(ticket: str, expires, token: str) -> None:
	expires = cint(expires)
	if not ticket or not is_signed(token, ticket, expires):
		frappe.throw(
			_("This feedback link is not valid."), title=_("Invalid Link"), exc=InvalidFeedbackLinkError
		)
	if expires < now_datetime().timestamp():
		frappe.throw(
			_("This feedback link has expired. Please contact us to tell us how it went."),
			title=_("Link Expired"),
			exc=FeedbackLinkExpiredError,
		)


@frappe.whitelist(allow_guest=True, methods=["POST"])
@rate_limit(key="token", limit=FEEDBACK_TRIES_PER_HOUR, seconds=60 * 60, ip_based=False)
def submit_feedback(
	ticket: str, expires: int, token: str, rating: int | str, feedback: str | None = None
) -> dict:
	check_link(ticket, expires, token)
	doc = frappe.get_doc("Service Ticket", ticket)
	doc.rate(rating, feedback)
	return {"ticket": ticket, "rating": cint(rating)}


# Portal ----------------------------------------------------------------------------------------


def get_portal_customers() -> list[str]:
	"""The customers whose portal users include the session user (ERPNext's Customer → Portal Users)."""
	from erpnext.controllers.website_list_for_contact import get_parents_for_user

	return get_parents_for_user("Customer")


def get_portal_ticket(name: str) -> "frappe.model.document.Document":
	"""A ticket the portal user may see: one of their own customers' tickets."""
	customers = get_portal_customers()
	customer = frappe.db.get_value("Service Ticket", name, "customer")
	if not customer or customer not in customers:
		frappe.throw(_("Not Permitted"), frappe.PermissionError)
	return frappe.get_doc("Service Ticket", name)


@frappe.whitelist(methods=["POST"])
@rate_limit(limit=PORTAL_TICKETS_PER_HOUR, seconds=60 * 60)
def create_portal_ticket(
	subject: str,
	description: str | None = None,
	serial_no: str | None = None,
	request_key: str | None = None,
) -> str:
	"""A portal customer records a problem; the ticket is theirs, never another customer's.

	`request_key` names one filled-in form: sent again (a double tap, a retry after a timeout) it
	returns the ticket the first one made instead of making another."""
	if frappe.session.user == "Guest":
		frappe.throw(_("Log in to record a request."), frappe.PermissionError)
	customers = get_portal_customers()
	if not customers:
		frappe.throw(_("Your user is not linked to a customer."), frappe.PermissionError)
	key = f"{frappe.session.user}:{request_key}"[:140] if request_key else None
	if key and (made := made_from_request(key)):
		return made
	recent = frappe.db.count(
		"Service Ticket",
		{
			"owner": frappe.session.user,
			"channel": "Portal",
			"creation": (">", add_to_date(now_datetime(), hours=-1)),
		},
	)
	if recent >= PORTAL_TICKETS_PER_HOUR:
		frappe.throw(
			_("You hit the rate limit because of too many requests. Please try after sometime."),
			frappe.RateLimitExceededError,
		)
	description = frappe.utils.escape_html(description or "")
	customer, serial_no = customers[0], (serial_no or "").strip()[:140] or None
	if serial_no:
		delivery = get_delivery_of_serial(serial_no)  # None for a serial that does not exist
		if delivery and delivery.customer in customers:
			customer = delivery.customer
		else:
			# a mistyped (or someone else's) serial does not stop the request: it is recorded as text
			# for the agent, who finds the right one; the customer (who sees it on the request's page)
			# is told the same whether the serial exists or not
			note = _("Serial number given, not found among the products delivered to you: {0}").format(
				frappe.utils.escape_html(serial_no)
			)
			description = f"<p>{note}</p>{description}"
			serial_no = None
	ticket = frappe.get_doc(
		{
			"doctype": "Service Ticket",
			"subject": frappe.utils.strip_html(subject or "").strip()[:140],
			"description": description,
			"serial_no": serial_no,
			"customer": customer,
			"channel": "Portal",
			"raised_by": frappe.db.get_value("User", frappe.session.user, "email"),
			"portal_request_key": key,
		}
	)
	try:
		ticket.insert(ignore_permissions=True)
	except frappe.UniqueValidationError:
		# the same form, sent at the same moment, was inserted by the other request (the unique key
		# made this one wait for it to commit): that is the ticket, read past this transaction's snapshot
		if key and (made := made_from_request(key, latest=True)):
			frappe.clear_last_message()  # "must be unique": not the customer's concern
			return made
		raise
	return ticket.name


def made_from_request(key: str, latest: bool = False) -> str | None:
	return frappe.db.get_value("Service Ticket", {"portal_request_key": key}, "name", for_update=latest)


# The customer of a serial number, for the ticket form ----------------------------------------


@frappe.whitelist()
@frappe.read_only()
def get_serial_customer(serial_no: str) -> dict:
	"""Who a serial number was delivered to, for a new ticket filed from it: the form fills the customer
	as saving would (`ServiceTicket.set_from_serial_no`), so the agent sees it before saving."""
	if not is_desk_user() or not frappe.has_permission("Service Ticket", "create"):
		frappe.throw(_("Not permitted"), frappe.PermissionError)
	delivery = get_delivery_of_serial(str(serial_no or ""))
	if not delivery:
		return {}
	return {
		"customer": delivery.customer,
		"customer_name": frappe.db.get_value("Customer", delivery.customer, "customer_name"),
	}


# Similar resolved tickets ----------------------------------------------------------------------


@frappe.whitelist()
@frappe.read_only()
def get_similar_resolved(ticket: str, limit: int = 5) -> list[dict]:
	"""Resolved tickets like this one, by the words of its subject and description (Spanish text
	search) and by what it concerns (same item +3, same type +2, same customer group +1), best first,
	each with why it scored."""
	frappe.has_permission("Service Ticket", "read", doc=ticket, throw=True)
	return similar_cases(ticket, limit=limit)
