# Copyright (c) 2026, BizLink contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document


class SegmentActivity(Document):
	"""One cell of the market segments rollup, kept by bizlink.segments; never edited by hand."""

	pass


def on_doctype_update():
	frappe.db.add_index("Segment Activity", ["segment"])
