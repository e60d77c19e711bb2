# Copyright (c) 2026, BizLink contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document


class OrderStageLog(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		company: DF.Link | None
		customer: DF.Link | None
		customer_group: DF.Link | None
		duration_hours: DF.Float
		entered_on: DF.Datetime
		is_reversal: DF.Check
		left_on: DF.Datetime | None
		next_stage: DF.Literal[
			"",
			"Ordered",
			"In Production",
			"Ready to Ship",
			"In Transit",
			"Delivered",
			"Installed",
			"Billed",
			"Completed",
		]
		note: DF.Data | None
		reference_doctype: DF.Link | None
		reference_name: DF.DynamicLink | None
		sales_order: DF.Link
		stage: DF.Literal[
			"Ordered",
			"In Production",
			"Ready to Ship",
			"In Transit",
			"Delivered",
			"Installed",
			"Billed",
			"Completed",
		]
		territory: DF.Link | None
	# end: auto-generated types

	pass


def on_doctype_update():
	frappe.db.add_index("Order Stage Log", ["stage", "entered_on"])
	frappe.db.add_index("Order Stage Log", ["sales_order", "left_on"])
