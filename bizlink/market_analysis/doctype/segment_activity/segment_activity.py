# Copyright (c) 2026, BizLink contributors
# For license information, please see license.txt

from frappe.model.document import Document


class SegmentActivity(Document):
	"""One cell of the market segments rollup, kept by bizlink.market_analysis.segments; never edited by hand."""

	pass
