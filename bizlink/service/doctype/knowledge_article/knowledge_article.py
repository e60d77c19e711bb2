# Copyright (c) 2026, BizLink contributors
# For license information, please see license.txt

"""What solved a problem, written once: made from a resolved ticket, reviewed and published by the
Support Manager, versioned (track changes), found by the Spanish text search
(`bizlink.service.knowledge`).

Its status moves only through `bizlink.api.knowledge_article` (Draft → In Review → Published, sent back
to Draft, Archived): status, reviewer, dates, counts and the tickets it solved are read-only fields,
which no request can write (`bizlink.bizlink.guard`). Support agents write drafts; once published (or
archived) what the article says is the Support Manager's to change."""

import frappe
from frappe import _
from frappe.model.document import Document

from bizlink.bizlink.text_search import ensure_tables
from bizlink.bizlink.validation import validate_input
from bizlink.exceptions import ArticleItemGroupError, ArticleReviewError
from bizlink.service.knowledge import item_groups_of, queue_article, unindex_article

REVIEWER_ROLES = ("Support Manager", "System Manager")
# what the article says: once published, changed only by a reviewer
CONTENT_FIELDS = ("title", "problem", "steps", "item", "item_group", "visibility")
# an article in review is what the Support Manager is reading: its author changes it once sent back
LOCKED_STATUSES = ("In Review", "Published", "Archived")


class KnowledgeArticle(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from bizlink.service.doctype.knowledge_article_ticket.knowledge_article_ticket import (
			KnowledgeArticleTicket,
		)

		from_ticket: DF.Link | None
		helped_count: DF.Int
		item: DF.Link | None
		item_group: DF.Link | None
		naming_series: DF.Literal["KA-.#####"]
		problem: DF.TextEditor
		published_on: DF.Datetime | None
		review_note: DF.SmallText | None
		reviewed_by: DF.Link | None
		search_terms: DF.LongText | None
		status: DF.Literal["Draft", "In Review", "Published", "Archived"]
		steps: DF.TextEditor
		submitted_by: DF.Link | None
		tickets: DF.Table[KnowledgeArticleTicket]
		title: DF.Data
		visibility: DF.Literal["Internal", "Public"]
	# end: auto-generated types

	def validate(self):
		validate_input(self)
		self.validate_content_change()
		self.validate_item_group()

	def on_update(self):
		queue_article(self)  # its terms and postings, on the short queue

	def on_trash(self):
		unindex_article(self)

	def validate_content_change(self):
		"""An article in review, published or archived says what the Support Manager reads or approved:
		an agent changing it is refused (judged on the stored status, whatever the request sent)."""
		before = self.get_doc_before_save()
		if not before or before.status not in LOCKED_STATUSES or self.flags.ignore_permissions:
			return
		if is_reviewer():
			return
		changed = [field for field in CONTENT_FIELDS if self.has_value_changed(field)]
		if changed:
			frappe.throw(
				_("Article {0} is {1}: only a Support Manager can change its {2}.").format(
					frappe.bold(self.name),
					_(before.status),
					", ".join(_(self.meta.get_label(field)) for field in changed),
				),
				title=_("Article Reviewed"),
				exc=ArticleReviewError,
			)

	def validate_item_group(self):
		"""An article for an item and a group: the item's own group or one above it."""
		if not (self.item and self.item_group):
			return
		if not (self.is_new() or self.has_value_changed("item") or self.has_value_changed("item_group")):
			return  # as saved (the item may have moved to another group since)
		groups = item_groups_of(self.item)
		if self.item_group not in groups:
			frappe.throw(
				_("Item {0} is in item group {1}, not in {2}: choose its group or one above it.").format(
					frappe.bold(self.item),
					frappe.bold(groups[0] if groups else ""),
					frappe.bold(self.item_group),
				),
				title=_("Item Group"),
				exc=ArticleItemGroupError,
			)


def is_reviewer(user: str | None = None) -> bool:
	"""Whether `user` reviews articles: publishes, sends back, archives and edits published ones."""
	user = user or frappe.session.user
	return user == "Administrator" or bool(set(REVIEWER_ROLES) & set(frappe.get_roles(user)))


def on_doctype_update():
	ensure_tables()


def recount_helped(article: str) -> int:
	"""How often an article helped: the tickets agents marked it solved, and the portal requests it
	solved without a ticket. Counted from those records, never incremented."""
	count = frappe.db.count(
		"Knowledge Article Ticket", {"parent": article, "parenttype": "Knowledge Article"}
	) + frappe.db.count("Knowledge Deflection", {"article": article, "outcome": "Solved"})
	frappe.db.set_value("Knowledge Article", article, "helped_count", count, update_modified=False)
	return count
