# Copyright (c) 2026, BizLink contributors
# For license information, please see license.txt

"""Campaign Results: per Segment Campaign, with its segment's dimensions, what it reached and what it
brought (bizlink.market_analysis.campaigns.results: the attribution rule and the lift)."""

import frappe
from frappe import _

from bizlink.bizlink.validation import check_report_period
from bizlink.market_analysis import campaigns

MAX_CAMPAIGNS = 200


def execute(filters: dict | None = None):
	filters = frappe._dict(filters or {})
	check_report_period(filters.from_date, filters.to_date)
	return get_columns(), get_data(filters)


def get_campaigns(filters) -> list[dict]:
	"""The campaigns with work made that the user may read (User Permissions on Company apply), newest
	first."""
	conditions = {"status": ("in", ("Active", "Closed"))}
	for key in ("company", "channel", *campaigns.DIMENSIONS):
		if filters.get(key):
			conditions[key] = filters.get(key)
	if filters.campaign:
		conditions["name"] = filters.campaign
	if filters.from_date and filters.to_date:
		conditions["started_on"] = ("between", (filters.from_date, filters.to_date))
	elif filters.from_date:
		conditions["started_on"] = (">=", filters.from_date)
	elif filters.to_date:
		conditions["started_on"] = ("<=", filters.to_date)
	return frappe.get_list(
		campaigns.CAMPAIGN,
		filters=conditions,
		fields=[
			"name",
			"title",
			"channel",
			"audience",
			"status",
			"company",
			"started_on",
			"attribution_days",
			"cost",
			*campaigns.DIMENSIONS,
		],
		order_by="started_on desc, name desc",
		limit_page_length=MAX_CAMPAIGNS,
	)


def get_data(filters) -> list[dict]:
	rows = []
	default_currency = frappe.db.get_default("currency")
	for campaign in get_campaigns(filters):
		figures = campaigns.results(frappe._dict(campaign))
		currency = (
			frappe.get_cached_value("Company", campaign.company, "default_currency")
			if campaign.company
			else default_currency
		)
		rows.append(
			{
				**campaign,
				**figures,
				"window_end": campaigns.window_end(campaign.started_on, campaign.attribution_days),
				"currency": currency,
			}
		)
	return rows


def get_columns() -> list[dict]:
	def column(fieldname, label, fieldtype, width, description=None, **extra):
		if fieldtype == "Percent":
			extra.setdefault("precision", 1)  # "66.7%", not "66.667%"
		return {
			"fieldname": fieldname,
			"label": label,
			"fieldtype": fieldtype,
			"width": width,
			"description": description,
			**extra,
		}

	return [
		column("name", _("Campaign"), "Link", 130, options="Segment Campaign"),
		column("title", _("Title"), "Data", 180),
		column("channel", _("Channel"), "Data", 130),
		column("status", _("Status"), "Data", 80),
		column("age_band", _("Age Band"), "Data", 90),
		column("city", _("City"), "Data", 110),
		column("customer_group", _("Customer Group"), "Data", 120),
		column("territory", _("Territory"), "Data", 110),
		column("started_on", _("Started On"), "Date", 125),
		column(
			"window_end",
			_("Window Ends"),
			"Date",
			125,
			_("The last day an order counts: the start plus the campaign's attribution days."),
		),
		column("customers", _("Customers"), "Int", 125, _("Customers in the campaign (left out included).")),
		column(
			"left_out",
			_("Left Out"),
			"Int",
			125,
			_("Not contacted: unsubscribed, no email, interaction deleted."),
		),
		column(
			"reached",
			_("Reached"),
			"Int",
			125,
			_("Planned interaction done (outcome or follow-up Done), or email sent."),
		),
		column(
			"positive",
			_("Positive Outcomes"),
			"Int",
			125,
			_("Campaign interactions with an outcome of category Positive or Won."),
		),
		column(
			"orders",
			_("Orders"),
			"Int",
			125,
			_(
				"Submitted Sales Orders of reached customers dated from the day they were reached to the attribution days later."
			),
		),
		column("revenue", _("Revenue"), "Currency", 125, _("Net total of those orders."), options="currency"),
		column(
			"conversion", _("Conversion %"), "Percent", 125, _("Customers with an order / customers reached.")
		),
		column("cost", _("Cost"), "Currency", 125, options="currency"),
		column("cost_per_order", _("Cost per Order"), "Currency", 125, options="currency"),
		column(
			"control_customers",
			_("Not Contacted"),
			"Int",
			125,
			_("Enabled customers of the same segments not in the campaign (held out or new)."),
		),
		column(
			"control_conversion",
			_("Their Conversion %"),
			"Percent",
			125,
			_("Of them, those with a submitted Sales Order from the campaign's start to its window's end."),
		),
		column("lift", _("Lift"), "Float", 70, _("Conversion / their conversion."), precision=2),
		column("currency", _("Currency"), "Data", 80, hidden=1),
	]
