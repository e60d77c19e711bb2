"""Deflection on the portal: as a customer types a request at /service-tickets, the public articles
matching it are shown; "this solved it" closes the attempt without a ticket.

Each request typed while articles were shown is a Knowledge Deflection (an *attempt*, named to the
page by a random key): Open while the customer types, Solved when an article solved it (no ticket
made; the article's helped count is recounted), Ticket Filed when the customer sent the request
anyway (the page reports the ticket once `create_portal_ticket` answered). The Deflection Rate report
reads them.

Only published public articles ever reach the portal, through `search_articles(public_only=True)`,
with their problem and steps sanitised again here (the stored HTML may have skipped the sanitiser);
what the customer typed is only text for the search (no SQL or FULLTEXT operator)."""

from functools import wraps

import frappe
from frappe import _
from frappe.utils import now_datetime

from bizlink.api.service_ticket import get_portal_customers
from bizlink.exceptions import DeflectionError
from bizlink.service.doctype.knowledge_article.knowledge_article import recount_helped
from bizlink.service.doctype.service_ticket.service_ticket import get_delivery_of_serial, is_desk_user
from bizlink.service.knowledge import clean_article_html, search_articles

ATTEMPT = "Knowledge Deflection"
ARTICLE = "Knowledge Article"
MAX_ARTICLES = 5
QUERY_KEPT = 1000  # characters of the request kept on the attempt (the search reads its own share)
# per user, whoever's address it comes from (a client can claim any address): the page asks at most
# every 400 ms while the customer types, one request at a time; over these: 429
SUGGESTIONS_PER_HOUR = 600
CLOSES_PER_HOUR = 60


def limit_per_user(limit: int, seconds: int):
	"""Frappe's rate limit (`frappe.rate_limiter.rate_limit`, the same counter and 429), counted per
	session user: its `key` is read from the request's own arguments, which the client chooses."""

	def decorator(fn):
		@wraps(fn)
		def wrapper(*args, **kwargs):
			if not frappe.request:  # called from Python, not over HTTP
				return fn(*args, **kwargs)
			key = frappe.cache.make_key(f"rl:{fn.__module__}.{fn.__name__}:user:{frappe.session.user}")
			if not frappe.cache.get(key):  # nosemgrep (make_key: the site's own key)
				frappe.cache.setex(key, seconds, 0)
			if frappe.cache.incrby(key, 1) > limit:
				frappe.throw(
					_("You hit the rate limit because of too many requests. Please try after sometime."),
					frappe.RateLimitExceededError,
				)
			return fn(*args, **kwargs)

		return wrapper

	return decorator


def check_portal_reader(desk_too: bool = True) -> list[str]:
	"""The session user's customers (none for a desk user, who may only look unless `desk_too` is
	False); guests and users of no customer are refused."""
	if frappe.session.user == "Guest":
		frappe.throw(_("Log in to see your requests."), frappe.PermissionError)
	customers = get_portal_customers()
	if not customers and not (desk_too and is_desk_user()):
		frappe.throw(_("Your user is not linked to a customer."), frappe.PermissionError)
	return customers


@frappe.whitelist(methods=["POST"])
@limit_per_user(SUGGESTIONS_PER_HOUR, 60 * 60)
def suggest(query: str | None = None, serial_no: str | None = None, attempt: str | None = None) -> dict:
	"""Up to five published public articles matching what the customer typed (any text: operators
	are only characters), an article about the unit of their own serial number scoring more.

	A customer's first answer with articles starts an attempt and names it; later calls with that key
	update it (what was typed, the articles shown so far). A desk user gets the articles only."""
	customers = check_portal_reader()
	query = str(query or "")
	doc = get_open_attempt(attempt) if attempt else None
	own = own_serial(serial_no, customers)
	articles = (
		[present(row) for row in search_articles(query, public_only=True, item=own.item, limit=MAX_ARTICLES)]
		if query.strip()
		else []
	)
	if customers and (doc or articles):
		doc = record_attempt(doc, customers, own, query, [a["name"] for a in articles])
	return {"attempt": doc.attempt_key if doc else None, "articles": articles}


@frappe.whitelist(methods=["POST"])
@limit_per_user(CLOSES_PER_HOUR, 60 * 60)
def solved(attempt: str, article: str) -> dict:
	"""The customer's "this solved it": the attempt is Solved by one of the articles it showed (still
	published and public), no ticket is made, and the article's helped count is recounted. Once."""
	check_portal_reader(desk_too=False)
	doc = get_open_attempt(attempt)
	article = str(article or "")
	if article not in shown_on(doc) or not frappe.db.exists(
		ARTICLE, {"name": article, "status": "Published", "visibility": "Public"}
	):
		frappe.throw(
			_("This article was not among those shown for your request."),
			title=_("Unknown Article"),
			exc=DeflectionError,
		)
	doc.outcome, doc.article, doc.closed_on = "Solved", article, now_datetime()
	doc.save(ignore_permissions=True)  # in_create: written by the portal's calls only
	recount_helped(article)
	return {"attempt": doc.attempt_key, "outcome": doc.outcome}


@frappe.whitelist(methods=["POST"])
@limit_per_user(CLOSES_PER_HOUR, 60 * 60)
def filed(attempt: str, ticket: str) -> dict:
	"""The customer sent the request anyway: the attempt is Ticket Filed with the ticket they just made
	(from the portal, for one of their customers, after the attempt began, and no other attempt's)."""
	customers = check_portal_reader(desk_too=False)
	doc = get_open_attempt(attempt)
	row = frappe.db.get_value(
		"Service Ticket",
		str(ticket or ""),
		["name", "customer", "owner", "channel", "item", "creation"],
		as_dict=True,
	)
	if (
		not row
		or row.owner != frappe.session.user
		or row.channel != "Portal"
		or row.customer not in customers
		or row.creation < doc.creation
		or frappe.db.exists(ATTEMPT, {"service_ticket": row.name})
	):
		frappe.throw(
			_("This request is not one you have just sent."), title=_("Unknown Request"), exc=DeflectionError
		)
	doc.outcome, doc.service_ticket, doc.closed_on = "Ticket Filed", row.name, now_datetime()
	doc.customer = row.customer
	if row.item and not doc.item_group:  # the ticket's unit, checked as theirs when it was made
		doc.item_group = frappe.db.get_value("Item", row.item, "item_group")
	doc.save(ignore_permissions=True)
	return {"attempt": doc.attempt_key, "outcome": doc.outcome}


# Helpers ---------------------------------------------------------------------------------------


def get_open_attempt(attempt: str | None):
	"""The session user's own Open attempt named by `attempt`, locked; the same refusal whether it
	does not exist, is someone else's or is closed."""
	name = frappe.db.get_value(
		ATTEMPT,
		{"attempt_key": str(attempt or "")[:64], "user": frappe.session.user, "outcome": "Open"},
		"name",
		for_update=True,
	)
	if not attempt or not name:
		frappe.throw(
			_("This request is closed or not yours: start again from the form."),
			title=_("Request Closed"),
			exc=DeflectionError,
		)
	return frappe.get_doc(ATTEMPT, name)


def own_serial(serial_no: str | None, customers: list[str]) -> frappe._dict:
	"""The customer and item of a serial number delivered to one of `customers` (else empty: another
	customer's or an unknown serial tells nothing, not even its item)."""
	serial_no = str(serial_no or "").strip()[:140]
	delivery = get_delivery_of_serial(serial_no) if serial_no and customers else None
	if not delivery or delivery.customer not in customers:
		return frappe._dict(customer=None, item=None, item_group=None)
	item = frappe.db.get_value("Serial No", serial_no, "item_code")
	return frappe._dict(
		customer=delivery.customer,
		item=item,
		item_group=frappe.db.get_value("Item", item, "item_group") if item else None,
	)


def present(row: dict) -> dict:
	"""What the portal gets of an article: its name, title and sanitised problem and steps (sanitised
	always: the sanitiser leaves a stored value alone that merely looks like JSON)."""
	return {
		"name": row["name"],
		"title": row["title"],
		"problem": clean_article_html(row["problem"]),
		"steps": clean_article_html(row["steps"]),
	}


def shown_on(doc) -> list[str]:
	return [name for name in (doc.articles_shown or "").split("\n") if name]


def record_attempt(doc, customers: list[str], own: frappe._dict, query: str, articles: list[str]):
	"""A new Open attempt, or the open one brought up to date."""
	if not doc:
		doc = frappe.new_doc(ATTEMPT)
		doc.attempt_key = frappe.generate_hash(length=32)
		doc.user = frappe.session.user
		doc.outcome = "Open"
		doc.customer = customers[0]
	if own.customer:
		doc.customer, doc.item_group = own.customer, own.item_group
	doc.query = frappe.utils.escape_html(query[:QUERY_KEPT])  # shown as text in the desk
	doc.articles_shown = "\n".join(dict.fromkeys([*shown_on(doc), *articles]))
	if doc.is_new():
		doc.insert(ignore_permissions=True)  # in_create: written by the portal's calls only
	else:
		doc.save(ignore_permissions=True)
	return doc
