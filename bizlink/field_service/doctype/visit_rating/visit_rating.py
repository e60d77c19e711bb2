# Copyright (c) 2026, BizLink contributors
# For license information, please see license.txt

"""A customer's rating of a completed visit: a record of its own, so that only those who may read
ratings (its permissions) reach it on any path Frappe has (lists, counts, filters, reports, number
cards, exports), while the visit stays readable by its crew. Written by the rating link only
(`bizlink.field_service.ratings.rate`); nobody creates or edits one in the desk."""

import frappe
from frappe.model.document import Document


class VisitRating(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		company: DF.Link | None
		customer: DF.Link | None
		customer_name: DF.Data | None
		rated_on: DF.Datetime | None
		rating: DF.Rating
		rating_comment: DF.SmallText | None
		rating_ticket: DF.Link | None
		visit: DF.Link
		visit_type: DF.Data | None
	# end: auto-generated types

	pass


def on_doctype_update():
	frappe.db.add_index("Visit Rating", ["customer", "rated_on"])
