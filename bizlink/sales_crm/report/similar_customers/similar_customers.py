# Copyright (c) 2026, BizLink contributors
# For license information, please see license.txt

import frappe
from frappe import _

from bizlink.market_analysis.market import sales_query
from bizlink.sales_crm.customers import check_customer
from bizlink.sales_crm.playbook import get_playbook

MAX_LIMIT = 50


def execute(filters: dict | None = None):
	filters = frappe._dict(filters or {})
	if not filters.customer:
		return get_columns(), []
	check_customer(filters.customer)  # it exists and the user may read it
	playbook = get_playbook(filters.customer, max(1, min(int(filters.limit or 10), MAX_LIMIT)))
	data = add_sales(playbook["similar"])
	return get_columns(), data, get_message(playbook), get_chart(playbook)


def get_columns() -> list[dict]:
	return [
		{
			"fieldname": "customer",
			"label": _("Customer"),
			"fieldtype": "Link",
			"options": "Customer",
			"width": 220,
		},
		{"fieldname": "score", "label": _("Score"), "fieldtype": "Int", "width": 70},
		{"fieldname": "why", "label": _("Why Similar"), "fieldtype": "Data", "width": 360},
		{
			"fieldname": "customer_group",
			"label": _("Customer Group"),
			"fieldtype": "Link",
			"options": "Customer Group",
			"width": 120,
		},
		{
			"fieldname": "territory",
			"label": _("Territory"),
			"fieldtype": "Link",
			"options": "Territory",
			"width": 110,
		},
		{"fieldname": "city", "label": _("City"), "fieldtype": "Data", "width": 100},
		{"fieldname": "age_band", "label": _("Age Band"), "fieldtype": "Data", "width": 90},
		{"fieldname": "orders", "label": _("Orders"), "fieldtype": "Int", "width": 80},
		{"fieldname": "revenue", "label": _("Revenue"), "fieldtype": "Currency", "width": 120},
	]


def add_sales(similar: list[dict]) -> list[dict]:
	"""Orders and invoiced revenue of each similar customer (market_analysis.market's sales)."""
	names = [row["customer"] for row in similar]
	if not names:
		return []
	orders = {
		row.customer: row.orders for row in sales_query("Sales Order", customers=names).run(as_dict=True)
	}
	revenue = {
		row.customer: row.revenue for row in sales_query("Sales Invoice", customers=names).run(as_dict=True)
	}
	return [
		{
			**row,
			"why": " · ".join(row["reasons"]),
			"orders": orders.get(row["customer"], 0),
			"revenue": revenue.get(row["customer"], 0),
		}
		for row in similar
	]


def get_message(playbook: dict) -> str:
	parts = []
	if playbook.get("median_days_to_order") is not None:
		parts.append(
			_("Median days from first interaction to order: {0}").format(
				frappe.bold(playbook["median_days_to_order"])
			)
		)
	if playbook.get("sequences"):
		best = playbook["sequences"][0]
		parts.append(
			_("Most common sequence before an order: {0} ({1} orders)").format(
				frappe.bold(" → ".join(_(step) for step in best["sequence"])), best["orders"]
			)
		)
	if playbook.get("lost_reasons"):
		parts.append(
			_("Common lost reasons: {0}").format(
				", ".join(
					f"{frappe.utils.escape_html(r.outcome)} ({r['count']})" for r in playbook["lost_reasons"]
				)
			)
		)
	if playbook.get("campaign_channels"):
		parts.append(
			_("Campaigns with these customers: {0}").format(
				"; ".join(
					frappe.utils.escape_html(row["explanation"]) for row in playbook["campaign_channels"]
				)
			)
		)
	return "<br>".join(parts)


def get_chart(playbook: dict) -> dict | None:
	types = playbook.get("types_before_orders") or []
	if not types:
		return None
	return {
		"data": {
			"labels": [_(row.interaction_type) for row in types],
			"datasets": [{"name": _("Orders preceded by it"), "values": [row.orders for row in types]}],
		},
		"type": "bar",
		"colors": ["#2490ef"],
	}
