"""Knowledge Articles: made from a resolved ticket, reviewed, published, and marked "this solved it".

An agent (Support Team) turns a ticket's resolution into a draft (`make_from_ticket`) and sends it for
review; the Support Manager publishes it, sends it back with a note, or archives it. Each move is the
only way the article's status changes, and each leaves a comment on its timeline. On a ticket the
agent sees the published articles like it (`for_ticket`, internal ones too: agents are staff) and marks
the one that solved it (`mark_helped`), which links the ticket to the article and recounts how often
the article helped."""

import frappe
from frappe import _
from frappe.utils import cint, now_datetime, strip_html

from bizlink.bizlink.guard import system_write
from bizlink.exceptions import ArticleReviewError, ArticleSourceError
from bizlink.service.doctype.knowledge_article.knowledge_article import is_reviewer, recount_helped
from bizlink.service.doctype.service_ticket.service_ticket import RESOLVED_STATUSES, is_desk_user
from bizlink.service.knowledge import ARTICLE_FIELDS, present_article, search_articles

ARTICLE = "Knowledge Article"
TICKET = "Service Ticket"
LINK = "Knowledge Article Ticket"
MAX_NOTE = 2000  # characters of a review note
FOR_TICKET_LIMIT = 5


# Making an article -----------------------------------------------------------------------------


@frappe.whitelist(methods=["POST"])
def make_from_ticket(ticket: str) -> str:
	"""A draft article from a resolved ticket: its subject, description and resolution, its item and
	the item's group; the ticket linked as the first it solved. Asked again for the same ticket, the
	article already made from it."""
	frappe.has_permission(ARTICLE, "create", throw=True)
	source = frappe.get_doc(TICKET, str(ticket or ""))
	source.check_permission("read")
	if source.status not in RESOLVED_STATUSES or not strip_html(source.resolution_details or "").strip():
		frappe.throw(
			_("Ticket {0} is not resolved with a resolution yet: resolve it first.").format(
				frappe.bold(source.name)
			),
			title=_("Ticket Not Resolved"),
			exc=ArticleSourceError,
		)
	# one article per ticket, however many agents ask at once: they queue on the ticket's row
	frappe.db.get_value(TICKET, source.name, "name", for_update=True)
	if existing := frappe.db.get_value(ARTICLE, {"from_ticket": source.name}, "name"):
		return existing
	article = frappe.get_doc(
		{
			"doctype": ARTICLE,
			"title": (source.subject or source.name)[:140],
			"problem": source.description or source.subject,
			"steps": source.resolution_details,
			"item": source.item,
			"item_group": frappe.db.get_value("Item", source.item, "item_group") if source.item else None,
			"from_ticket": source.name,
			"tickets": [ticket_row(source.name)],
		}
	)
	with system_write(article, "from_ticket", "tickets"):
		article.insert()
	recount_helped(article.name)
	article.add_comment("Info", _("Made from Service Ticket {0}").format(source.name))
	return article.name


def ticket_row(ticket: str) -> dict:
	return {"ticket": ticket, "linked_by": frappe.session.user, "linked_on": now_datetime()}


# Review ----------------------------------------------------------------------------------------


@frappe.whitelist(methods=["POST"])
def send_for_review(article: str) -> str:
	"""A draft, to the Support Manager (Draft → In Review): by whoever may write the article."""
	doc = writable_article(article)
	expect_status(doc, ("Draft",), _("Only a draft can be sent for review."))
	move(doc, "In Review", _("Sent for review"), submitted_by=frappe.session.user)
	return doc.status


@frappe.whitelist(methods=["POST"])
def publish(article: str, modified: str | None = None) -> str:
	"""A reviewed article, published (In Review → Published): by a Support Manager, as they read it
	(`modified`, from the form: an article changed since is refused, to be read again)."""
	doc = writable_article(article)
	require_reviewer(_("Only a Support Manager can publish an article."))
	expect_status(doc, ("In Review",), _("Only an article in review can be published."))
	if modified and str(doc.modified) != str(modified):
		frappe.throw(
			_("Article {0} has changed since you opened it: read it again before publishing.").format(
				frappe.bold(doc.name)
			),
			title=_("Article Changed"),
			exc=ArticleReviewError,
		)
	move(doc, "Published", _("Published"), reviewed_by=frappe.session.user, published_on=now_datetime())
	return doc.status


@frappe.whitelist(methods=["POST"])
def send_back(article: str, note: str | None = None) -> str:
	"""An article in review, back to its author with what to change (In Review → Draft)."""
	doc = writable_article(article)
	require_reviewer(_("Only a Support Manager can send an article back."))
	expect_status(doc, ("In Review",), _("Only an article in review can be sent back."))
	note = strip_html(str(note or "")).strip()
	if not note:
		frappe.throw(
			_("Say what to change before sending the article back."),
			title=_("Note Missing"),
			exc=ArticleReviewError,
		)
	if len(note) > MAX_NOTE:
		frappe.throw(
			_("The note is limited to {0} characters.").format(MAX_NOTE),
			title=_("Note Too Long"),
			exc=ArticleReviewError,
		)
	move(doc, "Draft", _("Sent back: {0}").format(note), review_note=note)
	return doc.status


@frappe.whitelist(methods=["POST"])
def archive(article: str) -> str:
	"""An article no longer shown to anyone (any status → Archived): by a Support Manager."""
	doc = writable_article(article)
	require_reviewer(_("Only a Support Manager can archive an article."))
	expect_status(doc, ("Draft", "In Review", "Published"), _("This article is already archived."))
	move(doc, "Archived", _("Archived"))
	return doc.status


def writable_article(article: str):
	frappe.has_permission(ARTICLE, "write", throw=True)  # before anything is looked up
	# a move waits for another on the same article, then sees its result
	doc = frappe.get_doc(ARTICLE, str(article or ""), for_update=True)
	doc.check_permission("write")
	return doc


def require_reviewer(message: str) -> None:
	if not is_reviewer():
		frappe.throw(message, title=_("Not a Reviewer"), exc=ArticleReviewError)


def expect_status(doc, statuses: tuple[str, ...], message: str) -> None:
	if doc.status not in statuses:
		frappe.throw(
			_("{0} Article {1} is {2}.").format(message, frappe.bold(doc.name), _(doc.status)),
			title=_("Wrong Step"),
			exc=ArticleReviewError,
		)


def move(doc, status: str, comment: str, **values) -> None:
	"""Save the article in its new status (a Version names who moved it), with a comment."""
	values = {"status": status, **values}
	with system_write(doc, *values):
		doc.update(values)
		doc.save()
	doc.add_comment("Info", comment)


# This solved it --------------------------------------------------------------------------------


@frappe.whitelist(methods=["POST"])
def mark_helped(article: str, ticket: str) -> dict:
	"""The published article solved the ticket: the ticket is linked to it (once) and the article's
	count of the times it helped is recounted. The article itself is not saved: whoever may work the
	ticket and read the article may say so, whatever they may change in the article."""
	doc, ticket = helped_pair(article, ticket)
	if frappe.db.get_value(TICKET, ticket, "status") == "Closed":
		frappe.throw(
			_("Ticket {0} is closed: say which article solved it while it is being worked.").format(
				frappe.bold(ticket)
			),
			title=_("Ticket Closed"),
			exc=ArticleReviewError,
		)
	if doc.status != "Published":
		frappe.throw(
			_("Article {0} is {1}: only a published article can be marked as having solved a ticket.").format(
				frappe.bold(doc.name), _(doc.status)
			),
			title=_("Not Published"),
			exc=ArticleReviewError,
		)
	if not frappe.db.exists(LINK, link_filters(doc.name, ticket)):
		idx = frappe.db.count(LINK, {"parent": doc.name, "parenttype": ARTICLE}) + 1
		row = frappe.get_doc(
			{
				"doctype": LINK,
				"parent": doc.name,
				"parenttype": ARTICLE,
				"parentfield": "tickets",
				"idx": idx,
				**ticket_row(ticket),
			}
		)
		row.db_insert()
		frappe.get_doc(TICKET, ticket).add_comment(
			"Info", _("Solved with Knowledge Article {0}").format(doc.name)
		)
	return {"article": doc.name, "ticket": ticket, "marked": True, "helped_count": recount_helped(doc.name)}


@frappe.whitelist(methods=["POST"])
def unmark_helped(article: str, ticket: str) -> dict:
	"""A "this solved it" given by mistake, taken back (the ticket the article was written from stays)."""
	doc, ticket = helped_pair(article, ticket)
	if doc.from_ticket == ticket:
		frappe.throw(
			_("Article {0} was written from ticket {1}: that link stays.").format(
				frappe.bold(doc.name), frappe.bold(ticket)
			),
			title=_("Source Ticket"),
			exc=ArticleReviewError,
		)
	if frappe.db.exists(LINK, link_filters(doc.name, ticket)):
		frappe.db.delete(LINK, link_filters(doc.name, ticket))
		frappe.get_doc(TICKET, ticket).add_comment(
			"Info", _("Knowledge Article {0} no longer marked as the solution").format(doc.name)
		)
	return {"article": doc.name, "ticket": ticket, "marked": False, "helped_count": recount_helped(doc.name)}


def helped_pair(article: str, ticket: str):
	"""The article (read, locked while its links change) and the ticket (written) of a "this solved it"."""
	frappe.has_permission(ARTICLE, "read", throw=True)
	frappe.has_permission(TICKET, "write", throw=True)
	ticket_doc = frappe.get_doc(TICKET, str(ticket or ""))
	ticket_doc.check_permission("write")
	doc = frappe.get_doc(ARTICLE, str(article or ""), for_update=True)
	doc.check_permission("read")
	return doc, ticket_doc.name


def link_filters(article: str, ticket: str) -> dict:
	return {"parent": article, "parenttype": ARTICLE, "parentfield": "tickets", "ticket": ticket}


# On the ticket form ----------------------------------------------------------------------------


@frappe.whitelist()
@frappe.read_only()
def for_ticket(ticket: str) -> list[dict]:
	"""The published articles like the ticket (internal ones too: the reader is staff), best first, each
	saying whether it is marked as having solved this ticket; then any other published article marked so."""
	if not is_desk_user():
		frappe.throw(_("Not permitted"), frappe.PermissionError)
	frappe.has_permission(ARTICLE, "read", throw=True)
	frappe.has_permission(TICKET, "read", doc=str(ticket or ""), throw=True)
	doc = frappe.get_doc(TICKET, ticket)
	rows = search_articles(
		f"{doc.subject or ''} {doc.description or ''}",
		public_only=False,
		item=doc.item,
		limit=FOR_TICKET_LIMIT,
	)
	marked = set(frappe.get_all(LINK, filters={"parenttype": ARTICLE, "ticket": doc.name}, pluck="parent"))
	shown = {row.name for row in rows}
	others = [name for name in marked if name not in shown]
	if others:
		for row in frappe.get_all(
			ARTICLE,
			filters={"name": ("in", others), "status": "Published"},
			fields=list(ARTICLE_FIELDS),
			order_by="helped_count desc",
		):
			present_article(row)
			row.update(score=None, reasons=[], words=[])
			rows.append(row)
	sources = dict(
		frappe.get_all(
			ARTICLE,
			filters={"name": ("in", [row.name for row in rows] or [""])},
			fields=["name", "from_ticket"],
			as_list=True,
		)
	)
	for row in rows:
		row.solved = row.name in marked
		row.from_this_ticket = sources.get(row.name) == doc.name
		row.helped_count = cint(row.helped_count)
	return rows
