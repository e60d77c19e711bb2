# Copyright (c) 2026, BizLink contributors
# For license information, please see license.txt

"""A customer's request typed on the portal while matching public articles were shown: closed as
Solved when an article solved it (no ticket made) or as Ticket Filed. Written by the portal's calls
only (`bizlink.api.deflection`); the Deflection Rate report reads them."""

import frappe
from frappe import _
from frappe.model.document import Document

from bizlink.exceptions import DeflectionError


class KnowledgeDeflection(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		article: DF.Link | None
		articles_shown: DF.SmallText | None
		attempt_key: DF.Data | None
		closed_on: DF.Datetime | None
		customer: DF.Link | None
		item_group: DF.Link | None
		outcome: DF.Literal["Open", "Solved", "Ticket Filed"]
		query: DF.SmallText | None
		service_ticket: DF.Link | None
		user: DF.Link | None
	# end: auto-generated types

	def validate(self):
		self.check_outcome()

	def check_outcome(self):
		"""An outcome is closed once, with what closed it: Solved by an article, Ticket Filed with a ticket."""
		before = self.get_doc_before_save()
		if before and before.outcome != "Open" and self.has_value_changed("outcome"):
			frappe.throw(_("This request is already closed."), title=_("Request Closed"), exc=DeflectionError)
		needs = {"Solved": "article", "Ticket Filed": "service_ticket"}.get(self.outcome)
		if needs and not (self.get(needs) and self.closed_on):
			frappe.throw(
				_("A closed request needs what closed it and when."),
				title=_("Request Closed"),
				exc=DeflectionError,
			)
