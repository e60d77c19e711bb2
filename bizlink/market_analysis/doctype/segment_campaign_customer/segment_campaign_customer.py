# Copyright (c) 2026, BizLink contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document


class SegmentCampaignCustomer(Document):
	"""One customer of one Segment Campaign: written only by BizLink (bizlink.market_analysis.campaigns),
	in bulk; a customer is in a campaign once (unique campaign and customer)."""

	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		campaign: DF.Link
		contact: DF.Link | None
		customer: DF.Link
		customer_name: DF.Data | None
		email: DF.Data | None
		left_out_reason: DF.Literal["", "Unsubscribed", "No Email", "Interaction Deleted"]
		reached_on: DF.Date | None
		sales_interaction: DF.Link | None
		sales_person: DF.Link | None
		status: DF.Literal["Planned", "Reached", "Left Out"]
	# end: auto-generated types

	pass


def on_doctype_update():
	frappe.db.add_unique("Segment Campaign Customer", ["campaign", "customer"], "campaign_customer")
	frappe.db.add_index("Segment Campaign Customer", ["campaign", "status"])
