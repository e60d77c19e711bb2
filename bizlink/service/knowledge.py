# Copyright (c) 2026, BizLink contributors
# For license information, please see license.txt
"""Knowledge from past resolutions: Spanish text search over resolved tickets and articles.

Each Service Ticket and Knowledge Article stores the terms of its text (`search_terms`, see
`bizlink.bizlink.text_search`); resolved tickets and every article are in the BM25 postings (kinds
"T" and "A"), kept in step on save and delete. A search ranks by BM25 over the query's terms, scaled
so that the best match of the query scores `TEXT_POINTS`, plus the evidence a ticket already had (same
item +3, same type +2, same customer group +1); each result says why it scored ("Same item +3",
"Words: caldera, presión (+8.2)").
"""

import re

import frappe
from frappe import _
from frappe.query_builder.functions import Coalesce
from frappe.utils import add_to_date, cint, now_datetime
from frappe.utils.nestedset import get_ancestors_of

from bizlink.bizlink.queue import after_commit
from bizlink.bizlink.text_search import index_text, matched_words, query_terms, rank, set_postings
from bizlink.service.doctype.service_ticket.service_ticket import RESOLVED_STATUSES

TICKETS, ARTICLES = "T", "A"
# the best text match of a query scores this; the others in proportion to their relevance
TEXT_POINTS = 10
EVIDENCE = {"item": 3, "ticket_type": 2, "customer_group": 1}
ARTICLE_EVIDENCE = {"item": 3, "item_group": 2}
# how many rows each ranking reads before they are merged, scored and cut to the limit
CANDIDATES = 60
# articles of every status and visibility are ranked, then the readable ones kept: room for those
ARTICLE_CANDIDATES = 300
# the least an article scores to be offered (the best text match of a request scores TEXT_POINTS)
MIN_ARTICLE_SCORE = 2.5
MAX_LIMIT = 50


# Indexing -------------------------------------------------------------------------------------


def ticket_terms(doc) -> str:
	return index_text(doc.subject, doc.subject, doc.description, doc.resolution_details)


def article_terms(doc) -> str:
	return index_text(doc.title, doc.title, doc.problem, doc.steps)


def queue_ticket(doc, method=None) -> None:
	"""Service Ticket on_update: its postings follow on the `short` queue when it enters or leaves the
	resolved statuses, or its words change while resolved (only resolved tickets are searched). A new
	open ticket, a reply, a change among open statuses queue nothing: each job costs a worker a process
	of its own (a fork that imports the apps again), far more than the few ms of indexing it does; the
	ticket's terms are stored as it is saved (`ServiceTicket.before_save`)."""
	before = doc.get_doc_before_save()
	was = bool(before) and before.status in RESOLVED_STATUSES
	resolved = doc.status in RESOLVED_STATUSES
	if was != resolved or (resolved and before.search_terms != doc.search_terms):
		after_commit("bizlink.service.knowledge.sync_ticket", name=doc.name)


def sync_ticket(name: str) -> None:
	"""The job: a ticket's terms from what it says now, and its postings once resolved (the knowledge is
	past resolutions; a reopened or deleted ticket leaves the index)."""
	row = frappe.db.get_value(
		"Service Ticket",
		name,
		["name", "subject", "description", "resolution_details", "status", "search_terms"],
		as_dict=True,
	)
	terms = ticket_terms(row) if row else None
	if row and terms != row.search_terms:
		frappe.db.set_value("Service Ticket", name, "search_terms", terms, update_modified=False)
	set_postings(TICKETS, name, terms if row and row.status in RESOLVED_STATUSES else None)


def unindex_ticket(doc, method=None) -> None:
	set_postings(TICKETS, doc.name, None)


def queue_article(doc, method=None) -> None:
	after_commit("bizlink.service.knowledge.sync_article", name=doc.name)


def sync_article(name: str) -> None:
	"""The job: an article's terms and postings (every status: readers are filtered at search time)."""
	row = frappe.db.get_value(
		"Knowledge Article", name, ["name", "title", "problem", "steps", "search_terms"], as_dict=True
	)
	terms = article_terms(row) if row else None
	if row and terms != row.search_terms:
		frappe.db.set_value("Knowledge Article", name, "search_terms", terms, update_modified=False)
	set_postings(ARTICLES, name, terms)


def unindex_article(doc, method=None) -> None:
	set_postings(ARTICLES, doc.name, None)


# what an hourly sweep looks back over: a queued indexing lost (a worker down, a failed job) is redone
SWEEP_HOURS = 3


def reindex_recent() -> int:
	"""Hourly: the tickets and articles changed in the last hours indexed again (each job brings a
	document to what it says, and changes nothing when it already is); how many were looked at."""
	since = add_to_date(now_datetime(), hours=-SWEEP_HOURS)
	done = 0
	for doctype, sync in (("Service Ticket", sync_ticket), ("Knowledge Article", sync_article)):
		for name in frappe.get_all(doctype, filters={"modified": (">=", since)}, pluck="name"):
			sync(name)
			done += 1
	return done


# Tickets --------------------------------------------------------------------------------------


def search_tickets(
	query: str | None = None,
	*,
	item: str | None = None,
	ticket_type: str | None = None,
	customer_group: str | None = None,
	exclude: str | None = None,
	limit: int = 10,
) -> list[dict]:
	"""Resolved tickets like a problem described in words (and, when known, its item, type and customer
	group), best first, each with its score and reasons; only those the user may read."""
	limit = max(1, min(cint(limit), MAX_LIMIT))
	terms = query_terms(query)
	exclude = exclude or ""
	by_text = {name: score for name, score in rank(TICKETS, terms, CANDIDATES + 1).items() if name != exclude}
	context = {"item": item, "ticket_type": ticket_type, "customer_group": customer_group}
	by_evidence = _by_evidence(context, exclude) if any(context.values()) else []
	names = list(dict.fromkeys([*by_text, *by_evidence]))
	if not names:
		return []
	readable = set(frappe.get_list("Service Ticket", filters={"name": ("in", names)}, pluck="name"))
	t = frappe.qb.DocType("Service Ticket")
	c = frappe.qb.DocType("Customer")
	rows = (
		frappe.qb.from_(t)
		.left_join(c)
		.on(c.name == t.customer)
		.select(
			t.name,
			t.subject,
			t.item,
			t.ticket_type,
			c.customer_group,
			t.resolution_details,
			t.resolved_on,
			t.search_terms,
		)
		.where(t.name.isin([name for name in names if name in readable] or [""]))
		.where(t.status.isin(RESOLVED_STATUSES))
		.run(as_dict=True)
	)
	top = max(by_text.values(), default=0) or 1
	for row in rows:
		row.reasons = []
		row.score = 0.0
		for field, points in EVIDENCE.items():
			if context[field] and row[field] == context[field]:
				row.score += points
				row.reasons.append(evidence_label(field, points))
		if row.name in by_text:
			points = round(TEXT_POINTS * by_text[row.name] / top, 1)
			row.score += points
			row.words = matched_words(query, row.search_terms)
			row.reasons.append(_("Words: {0} (+{1})").format(", ".join(row.words), points))
		row.score = round(row.score, 1)
	rows.sort(key=lambda row: (-row.score, -(row.resolved_on.timestamp() if row.resolved_on else 0)))
	rows = rows[:limit]
	for row in rows:  # the resolution's text for the tickets returned only
		row.resolution = frappe.utils.strip_html(row.resolution_details or "")[:300]
		for field in ("resolution_details", "search_terms"):
			del row[field]
	return rows


def evidence_label(field: str, points: int) -> str:
	return {
		"item": _("Same item +{0}"),
		"ticket_type": _("Same type +{0}"),
		"customer_group": _("Same customer group +{0}"),
	}[field].format(points)


def _by_evidence(context: dict, exclude: str) -> list[str]:
	"""The newest resolved tickets of the same item (else of the same type), read by index: candidates
	the words may have missed. Their type and customer group are scored with the others' (a ranking of
	every resolved ticket by that evidence read the whole table: 1.5 s at 200,000 tickets)."""
	for field in ("item", "ticket_type"):
		if context.get(field):
			return frappe.get_all(
				"Service Ticket",
				filters={field: context[field], "status": ("in", RESOLVED_STATUSES), "name": ("!=", exclude)},
				order_by="resolved_on desc",
				pluck="name",
				limit=CANDIDATES,
			)
	return []


def similar_cases(ticket: str, limit: int = 5) -> list[dict]:
	"""Resolved tickets like this one, by what it says and what it concerns."""
	current = frappe.db.get_value(
		"Service Ticket",
		ticket,
		["name", "subject", "description", "item", "ticket_type", "customer"],
		as_dict=True,
	)
	group = frappe.db.get_value("Customer", current.customer, "customer_group") if current.customer else None
	return search_tickets(
		f"{current.subject or ''} {current.description or ''}",
		item=current.item,
		ticket_type=current.ticket_type,
		customer_group=group,
		exclude=current.name,
		limit=limit,
	)


# Articles -------------------------------------------------------------------------------------


def item_groups_of(item: str | None) -> list[str]:
	"""An item's group and the groups above it: an article for "Calderas" fits a boiler of a sub-group."""
	group = frappe.db.get_value("Item", item, "item_group") if item else None
	return [group, *get_ancestors_of("Item Group", group)] if group else []


def search_articles(
	query: str | None = None,
	*,
	public_only: bool = True,
	item: str | None = None,
	item_group: str | None = None,
	limit: int = 5,
) -> list[dict]:
	"""Published articles matching what was typed, best first; only public ones unless asked (and the
	caller has checked that the reader is staff). An article for the item or its group scores more."""
	limit = max(1, min(cint(limit), MAX_LIMIT))
	by_text = rank(ARTICLES, query_terms(query), ARTICLE_CANDIDATES)
	if not by_text:
		return []
	filters = {"name": ("in", list(by_text)), "status": "Published"}
	if public_only:
		filters["visibility"] = "Public"
	groups = item_groups_of(item) if item else []
	if item_group:
		groups = list(dict.fromkeys([*groups, item_group, *get_ancestors_of("Item Group", item_group)]))
	rows = frappe.get_all("Knowledge Article", filters=filters, fields=[*ARTICLE_FIELDS, "search_terms"])
	top = max((by_text[row.name] for row in rows), default=0) or 1
	for row in rows:
		points = round(TEXT_POINTS * by_text[row.name] / top, 1)
		row.score = points
		row.words = matched_words(query, row.search_terms)
		row.reasons = []
		if item and row.item == item:
			row.score += ARTICLE_EVIDENCE["item"]
			row.reasons.append(_("Same item +{0}").format(ARTICLE_EVIDENCE["item"]))
		elif not row.item and row.item_group and row.item_group in groups:
			row.score += ARTICLE_EVIDENCE["item_group"]
			row.reasons.append(_("Same item group +{0}").format(ARTICLE_EVIDENCE["item_group"]))
		row.reasons.append(_("Words: {0} (+{1})").format(", ".join(row.words), points))
		row.score = round(row.score, 1)
		del row["search_terms"]
	# an article sharing one common word with the request is noise, not help
	rows = [row for row in rows if row.score >= MIN_ARTICLE_SCORE]
	rows.sort(key=lambda row: (-row.score, -cint(row.helped_count)))
	rows = rows[:limit]
	for row in rows:  # the HTML cleaned for the articles returned only
		present_article(row)
	return rows


ARTICLE_FIELDS = ("name", "title", "visibility", "item", "item_group", "helped_count", "problem", "steps")


# what an article's problem and steps may hold when shown: text, emphasis, lists, tables, headings and
# links out; no style, form, input, image or frame (Frappe's sanitiser keeps <style>: a published
# article could restyle the portal, hide its send button)
ARTICLE_TAGS = frozenset(
	"p br b strong i em u s ul ol li h1 h2 h3 h4 h5 h6 blockquote pre code table thead tbody tr th td a span div".split()
)
UNSAFE_BLOCK = re.compile(
	r"<(style|script|template|noscript|textarea|title|iframe|object)\b.*?</\1\s*>", re.I | re.S
)


def clean_article_html(html: str | None) -> str:
	import bleach

	html = UNSAFE_BLOCK.sub("", str(html or ""))
	return bleach.clean(
		html,
		tags=ARTICLE_TAGS,
		attributes={"a": ["href", "title"]},
		protocols=["http", "https", "mailto"],
		strip=True,
		strip_comments=True,
	)


def present_article(row) -> None:
	"""An article as a reader gets it: its problem and steps as sanitised HTML (no script, no handler)."""
	row.problem = clean_article_html(row.problem)
	row.steps = clean_article_html(row.steps)
	row.helped_count = cint(row.helped_count)


def articles_for_item(item: str | None, *, public_only: bool = False, limit: int = 5) -> list[dict]:
	"""Published articles about an item or one of its groups, those that helped most first."""
	if not item:
		return []
	groups = item_groups_of(item)
	a = frappe.qb.DocType("Knowledge Article")
	query = (
		frappe.qb.from_(a)
		.select(*(a[field] for field in ARTICLE_FIELDS))
		.where(a.status == "Published")
		# an article about an item is for that item; one about a group (no item) for the group's items
		.where((a.item == item) | ((Coalesce(a.item, "") == "") & a.item_group.isin(groups or [""])))
		.orderby(a.helped_count, order=frappe.qb.desc)
		.orderby(a.modified, order=frappe.qb.desc)
		.limit(max(1, min(cint(limit), MAX_LIMIT)))
	)
	if public_only:
		query = query.where(a.visibility == "Public")
	rows = query.run(as_dict=True)
	for row in rows:
		present_article(row)
	return rows
