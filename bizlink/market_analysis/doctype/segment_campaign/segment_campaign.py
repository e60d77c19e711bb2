# Copyright (c) 2026, BizLink contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import cint, flt

from bizlink.bizlink.status_log import log_status_change
from bizlink.bizlink.validation import validate_input
from bizlink.exceptions import (
	CampaignBusyError,
	CampaignIncompleteError,
	CampaignLockedError,
	NegativeCampaignCostError,
)
from bizlink.market_analysis import campaigns

# what decides the campaign's customers, how they are worked and what its results count: fixed once
# its work is made (the cost is an input of the results, not their definition: it may be corrected)
AUDIENCE_FIELDS = (
	"attribution_days",
	"channel",
	"audience",
	"company",
	*campaigns.DIMENSIONS,
	"top_customers",
	"top_from_date",
	"top_to_date",
	"holdout_percent",
)


class SegmentCampaign(Document):
	"""A campaign to a market segment (or to look-alikes of the top customers): its call list, visit
	list or email, and its results (bizlink.market_analysis.campaigns)."""

	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from bizlink.bizlink.doctype.bizlink_status_log.bizlink_status_log import BizLinkStatusLog
		from bizlink.market_analysis.doctype.segment_campaign_sales_person.segment_campaign_sales_person import (
			SegmentCampaignSalesPerson,
		)

		age_band: DF.Literal["", "Under 25", "25-34", "35-44", "45-54", "55-64", "65+"]
		attribution_days: DF.Int
		audience: DF.Literal["Segment", "Look-alikes of Top Customers"]
		channel: DF.Literal["Call List", "Visit List", "Email"]
		city: DF.Data | None
		company: DF.Link | None
		cost: DF.Currency
		creation_error: DF.SmallText | None
		customer_group: DF.Link | None
		customers: DF.Int
		email_group: DF.Link | None
		email_message: DF.TextEditor | None
		email_subject: DF.Data | None
		first_contact_date: DF.Date | None
		held_out: DF.Int
		holdout_percent: DF.Int
		left_out: DF.Int
		left_out_unsubscribed: DF.Int
		naming_series: DF.Literal["CAMP-.YYYY.-"]
		newsletter: DF.Link | None
		notes: DF.TextEditor | None
		reached: DF.Int
		sales_people: DF.Table[SegmentCampaignSalesPerson]
		started_on: DF.Date | None
		status: DF.Literal["Draft", "Creating", "Active", "Closed"]
		status_log: DF.Table[BizLinkStatusLog]
		subject: DF.Data | None
		territory: DF.Link | None
		title: DF.Data
		top_customers: DF.Int
		top_from_date: DF.Date | None
		top_to_date: DF.Date | None
	# end: auto-generated types

	def validate(self):
		validate_input(self)
		self.set_defaults()
		self.validate_ranges()
		self.validate_cost()
		self.validate_audience_fixed()
		log_status_change(self)

	def on_trash(self):
		if self.status == "Creating":
			frappe.throw(
				_("Campaign {0} is being made: wait until it is done.").format(frappe.bold(self.name)),
				title=_("Campaign Busy"),
				exc=CampaignBusyError,
			)
		campaigns.on_campaign_trash(self)

	def set_defaults(self):
		if self.is_new() and not self.get("attribution_days"):
			self.attribution_days = campaigns.default_attribution_days()
		self.city = (self.city or "").strip() or None

	def validate_ranges(self):
		for fieldname, low, high in (
			("attribution_days", 0, campaigns.MAX_ATTRIBUTION_DAYS),
			("holdout_percent", 0, campaigns.MAX_HOLDOUT),
			("top_customers", 1, 500),
		):
			value = cint(self.get(fieldname))
			if fieldname == "top_customers" and self.audience != campaigns.LOOKALIKES:
				continue
			if not low <= value <= high:
				frappe.throw(
					_("{0} must be between {1} and {2}, not {3}.").format(
						frappe.bold(_(self.meta.get_label(fieldname))), low, high, value
					),
					title=_("Out of Range"),
					exc=CampaignIncompleteError,
				)

	def validate_cost(self):
		if flt(self.cost) < 0:
			frappe.throw(
				_("The campaign's cost cannot be negative, not {0}.").format(frappe.bold(self.cost)),
				title=_("Negative Cost"),
				exc=NegativeCampaignCostError,
			)

	def validate_audience_fixed(self):
		"""Once the work is made, who the campaign is for, how they are worked and how many days its
		orders count stay as they were: its figures are read against them."""
		if self.is_new() or not self.started_on:
			return
		changed = [f for f in AUDIENCE_FIELDS if self.has_value_changed(f)]
		if changed:
			frappe.throw(
				_("The work of campaign {0} is made: {1} can no longer change. Make a new campaign.").format(
					frappe.bold(self.name), ", ".join(_(self.meta.get_label(f)) for f in changed)
				),
				title=_("Campaign Started"),
				exc=CampaignLockedError,
			)


def on_doctype_update():
	frappe.db.add_index("Segment Campaign", ["company", "started_on"])
