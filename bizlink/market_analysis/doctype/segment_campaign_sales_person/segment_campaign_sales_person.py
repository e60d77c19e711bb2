# Copyright (c) 2026, BizLink contributors
# For license information, please see license.txt

from bizlink.bizlink.guard import ChildRow


class SegmentCampaignSalesPerson(ChildRow):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		sales_person: DF.Link
	# end: auto-generated types

	pass
