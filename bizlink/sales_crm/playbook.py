"""Similar-case playbook: which customers resemble this one, and what worked with them.

Similarity is a plain sum of shared traits, every point explained: same customer group (+2), same
territory (+2), same age band (+1), same city (+1), and +1 for each item both have bought (up to 3).
What worked is read from the similar customers' history with SQL aggregates: the interaction types
and sequences in the 90 days before each of their orders, the days from first interaction to first
order, the outcomes with which their lost interactions ended, and which Segment Campaign channel
converted them: of the similar customers a campaign reached, by channel (call list, visit list,
email), how many ordered within that campaign's window (the campaigns' own attribution rule,
bizlink.market_analysis.campaigns), best conversion first, each with its sentence ("Call List: 1 of
3 reached ordered (33.3%)").
"""

import statistics
from collections import Counter

import frappe
from frappe import _
from frappe.query_builder import Case, Criterion
from frappe.query_builder.functions import Count, IfNull, Min
from frappe.utils import date_diff, getdate
from pypika.terms import Function

from bizlink.market_analysis.campaigns import outcomes_by_channel
from bizlink.market_analysis.market import customers_by_market_address
from bizlink.sales_crm import customers

WEIGHTS = {"customer_group": 2, "territory": 2, "age_band": 1, "city": 1, "item": 1}
MAX_ITEM_POINTS = 3
LOOKBACK_DAYS = 90
SEQUENCE_SEPARATOR = ">"


class OrderedGroupConcat(Function):
	"""MariaDB's GROUP_CONCAT(term ORDER BY order_by SEPARATOR separator)."""

	def __init__(self, term, order_by, separator: str):
		super().__init__("GROUP_CONCAT", term)
		self.order_by = order_by
		self.separator = separator

	def get_function_sql(self, **kwargs):
		return "GROUP_CONCAT({} ORDER BY {} SEPARATOR {})".format(
			self.args[0].get_sql(**kwargs), self.order_by.get_sql(**kwargs), frappe.db.escape(self.separator)
		)


class Least(Function):
	def __init__(self, *terms):
		super().__init__("LEAST", *terms)


def points_if_same(field, value, weight):
	"""SQL: `weight` points where `field` equals `value` (none when there is no value to compare)."""
	return Case().when(field == value, weight).else_(0) if value else 0


def similarity_profile(customer: str) -> frappe._dict:
	"""The customer's profile (sales_crm.customers) with what similarity is scored on: its age band
	and the items it has ordered."""
	profile = customers.get_profile(customer)
	profile["age_band"] = profile.bizlink_age_band
	order = frappe.qb.DocType("Sales Order")
	order_item = frappe.qb.DocType("Sales Order Item")
	profile["items"] = (
		frappe.qb.from_(order_item)
		.join(order)
		.on(order.name == order_item.parent)
		.select(order_item.item_code)
		.distinct()
		.where(order.customer == customer)
		.where(order.docstatus == 1)
		.run(pluck=True)
	)
	return profile


def find_similar_customers(customer: str, limit: int = 10) -> list[dict]:
	"""The customers most like `customer`, best first, each with its score and the reasons for it."""
	target = similarity_profile(customer)
	query, c, address = customers_by_market_address()
	order = frappe.qb.DocType("Sales Order")
	order_item = frappe.qb.DocType("Sales Order Item")

	shared_items = IfNull(0, 0)
	if target["items"]:
		shared = (
			frappe.qb.from_(order_item)
			.join(order)
			.on(order.name == order_item.parent)
			.select(order.customer, Count(order_item.item_code).distinct().as_("shared_items"))
			.where(order.docstatus == 1)
			.where(order_item.item_code.isin(target["items"]))
			.where(order.customer != customer)
			.groupby(order.customer)
		).as_("shared")
		query = query.left_join(shared).on(shared.customer == c.name)
		shared_items = IfNull(shared.shared_items, 0)

	score = (
		points_if_same(c.customer_group, target.customer_group, WEIGHTS["customer_group"])
		+ points_if_same(c.territory, target.territory, WEIGHTS["territory"])
		+ points_if_same(c.bizlink_age_band, target.age_band, WEIGHTS["age_band"])
		+ points_if_same(address.city, target.city, WEIGHTS["city"])
		+ Least(shared_items, MAX_ITEM_POINTS) * WEIGHTS["item"]
	)
	rows = (
		query.select(
			c.name.as_("customer"),
			c.customer_name,
			c.customer_group,
			c.territory,
			c.bizlink_age_band.as_("age_band"),
			address.city,
			shared_items.as_("shared_items"),
			score.as_("score"),
		)
		.where(c.name != customer)
		.where(c.disabled == 0)
		.where(score > 0)
		.orderby(score, order=frappe.qb.desc)
		.orderby(c.name)
		.limit(limit * 3)
		.run(as_dict=True)
	)
	similar = []
	for row in rows:
		if not frappe.has_permission("Customer", "read", row.customer):
			continue
		row["score"] = int(row.score)
		row["reasons"] = explain(target, row)
		similar.append(row)
		if len(similar) == limit:
			break
	return similar


def explain(target: dict, row: dict) -> list[str]:
	reasons = []
	for field, label in (
		("customer_group", _("Same customer group")),
		("territory", _("Same territory")),
		("age_band", _("Same age band")),
		("city", _("Same city")),
	):
		if target.get(field) and row.get(field) == target.get(field):
			reasons.append(f"{label} ({row[field]}) +{WEIGHTS[field]}")
	if row.get("shared_items"):
		points = min(int(row["shared_items"]), MAX_ITEM_POINTS) * WEIGHTS["item"]
		reasons.append(_("Items bought by both: {0}").format(int(row["shared_items"])) + f" +{points}")
	return reasons


def what_worked(customers: list[str]) -> dict:
	"""Interaction types and sequences before orders, days to first order, and lost reasons."""
	empty = {
		"types_before_orders": [],
		"sequences": [],
		"median_days_to_order": None,
		"lost_reasons": [],
		"campaign_channels": [],
	}
	if not customers:
		return empty
	si = frappe.qb.DocType("Sales Interaction")
	order = frappe.qb.DocType("Sales Order")

	before_order = Criterion.all(
		[
			si.customer == order.customer,
			si.interaction_date <= order.transaction_date + frappe.qb.terms.Interval(days=1),
			si.interaction_date >= order.transaction_date - frappe.qb.terms.Interval(days=LOOKBACK_DAYS),
		]
	)
	orders = (
		frappe.qb.from_(order)
		.join(si)
		.on(before_order)
		.select(
			order.name,
			OrderedGroupConcat(si.interaction_type, si.interaction_date, SEQUENCE_SEPARATOR).as_("sequence"),
		)
		.where(order.customer.isin(customers))
		.where(order.docstatus == 1)
		.groupby(order.name)
		.run(as_dict=True)
	)
	types = (
		frappe.qb.from_(order)
		.join(si)
		.on(before_order)
		.select(
			si.interaction_type,
			Count(si.name).as_("interactions"),
			Count(order.name).distinct().as_("orders"),
		)
		.where(order.customer.isin(customers))
		.where(order.docstatus == 1)
		.groupby(si.interaction_type)
		.orderby(Count(order.name).distinct(), order=frappe.qb.desc)
		.orderby(Count(si.name), order=frappe.qb.desc)
		.run(as_dict=True)
	)

	first_order = (
		frappe.qb.from_(order)
		.select(order.customer, Min(order.transaction_date).as_("first_order"))
		.where(order.customer.isin(customers))
		.where(order.docstatus == 1)
		.groupby(order.customer)
	).as_("first_order")
	first_contacts = (
		frappe.qb.from_(first_order)
		.join(si)
		.on((si.customer == first_order.customer) & (si.interaction_date <= first_order.first_order))
		.select(first_order.first_order, Min(si.interaction_date).as_("first_interaction"))
		.groupby(first_order.customer, first_order.first_order)
		.run(as_dict=True)
	)
	days = [max(date_diff(r.first_order, getdate(r.first_interaction)), 0) for r in first_contacts]

	lost = (
		frappe.qb.from_(si)
		.select(si.outcome, Count(si.name).as_("count"))
		.where(si.customer.isin(customers))
		.where(si.outcome_category == "Lost")
		.groupby(si.outcome)
		.orderby(Count(si.name), order=frappe.qb.desc)
		.orderby(si.outcome)
		.limit(5)
		.run(as_dict=True)
	)
	sequences = Counter(row.sequence for row in orders if row.sequence)
	return {
		"orders": len(orders),
		"types_before_orders": types,
		"sequences": [
			{"sequence": sequence.split(SEQUENCE_SEPARATOR), "orders": n}
			for sequence, n in sorted(sequences.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
		],
		"median_days_to_order": statistics.median(days) if days else None,
		"lost_reasons": lost,
		"campaign_channels": campaign_channels(customers),
	}


def campaign_channels(customers: list[str]) -> list[dict]:
	"""Which campaign channel converted the similar customers: per channel, the customers a campaign
	reached and those who then ordered within its window, with the sentence that says so."""
	rows = outcomes_by_channel(customers)
	for row in rows:
		row["explanation"] = _("{0}: {1} of {2} reached ordered ({3}%)").format(
			_(row.channel), row.ordered, row.reached, row.conversion
		)
	return rows


def get_playbook(customer: str, limit: int = 10) -> dict:
	similar = find_similar_customers(customer, limit)
	return {"similar": similar, **what_worked([row["customer"] for row in similar])}
