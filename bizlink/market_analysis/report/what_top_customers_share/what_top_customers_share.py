# Copyright (c) 2026, BizLink contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.query_builder import Case
from frappe.query_builder.functions import Count, Sum

from bizlink.bizlink.permissions import readable_customers, scope_report_to_companies
from bizlink.market_analysis.market import base_query, customers_by_market_address, normalise, run_aggregate

ATTRIBUTES = (
	("age_band", "Age Band"),
	("city", "City"),
	("customer_group", "Customer Group"),
	("territory", "Territory"),
)
MAX_TOP = 500


def execute(filters: dict | None = None):
	filters = normalise(filters)
	scope_report_to_companies(filters)
	selection = get_selection(filters)
	data = get_lift(selection)
	message = _("{0} customers selected: the top {1} by revenue from {2} to {3}{4}.").format(
		len(selection),
		int(filters.top or 10),
		frappe.format(filters.from_date, "Date"),
		frappe.format(filters.to_date, "Date"),
		_(", in the chosen segment") if any(filters.get(k) for k, _label in ATTRIBUTES) else "",
	)
	return get_columns(), data, message


def get_columns() -> list[dict]:
	return [
		{"fieldname": "attribute", "label": _("Attribute"), "fieldtype": "Data", "width": 130},
		{"fieldname": "value", "label": _("Value"), "fieldtype": "Data", "width": 200},
		{"fieldname": "selected", "label": _("Selected Customers"), "fieldtype": "Int", "width": 140},
		{
			"fieldname": "selected_share",
			"label": _("Share of Selected"),
			"fieldtype": "Percent",
			"width": 130,
		},
		{"fieldname": "all_share", "label": _("Share of All"), "fieldtype": "Percent", "width": 110},
		{"fieldname": "lift", "label": _("Lift"), "fieldtype": "Float", "precision": 2, "width": 80},
	]


def get_selection(filters) -> list[str]:
	"""The top customers by revenue in the period, within the segment the filters describe."""
	query, customer, _fields, measures = base_query(filters)
	top = max(1, min(int(filters.top or 10), MAX_TOP))
	query = (
		query.select(customer.name)
		.where(measures["revenue"] > 0)
		.where(readable_customers(customer))
		.orderby(measures["revenue"], order=frappe.qb.desc)
		.orderby(customer.name)
		.limit(top)
	)
	return run_aggregate(query, pluck=True)


def get_lift(selection: list[str]) -> list[dict]:
	"""Attributes over-represented among the selection compared with all enabled customers."""
	if not selection:
		return []
	customers, c, address = customers_by_market_address()
	attribute_terms = {
		"age_band": c.bizlink_age_band,
		"city": address.city,
		"customer_group": c.customer_group,
		"territory": c.territory,
	}
	total = frappe.qb.from_(c).select(Count(c.name)).where(c.disabled == 0).run()[0][0]
	rows = []
	for key, label in ATTRIBUTES:
		term = attribute_terms[key]
		query = (
			customers.select(
				term.as_("value"),
				Count(c.name).as_("all_count"),
				Sum(c.name.isin(selection)).as_("selected"),
			)
			.where(c.disabled == 0)
			.where(term.isnotnull() & (term != ""))
			.groupby(term)
		)
		rows += [dict(row, attribute=_(label)) for row in query.run(as_dict=True)]

	order, item = frappe.qb.DocType("Sales Order"), frappe.qb.DocType("Sales Order Item")
	items = (
		frappe.qb.from_(item)
		.join(order)
		.on(order.name == item.parent)
		.select(
			item.item_name.as_("value"),
			Count(order.customer).distinct().as_("all_count"),
			Count(Case().when(order.customer.isin(selection), order.customer)).distinct().as_("selected"),
		)
		.where(order.docstatus == 1)
		.groupby(item.item_code, item.item_name)
		.run(as_dict=True)
	)
	rows += [dict(row, attribute=_("Item")) for row in items]

	result = []
	for row in rows:
		selected = int(row["selected"] or 0)
		if not selected:
			continue
		selected_share = selected / len(selection) * 100
		all_share = row["all_count"] / total * 100 if total else 0
		lift = selected_share / all_share if all_share else 0
		if lift >= 1:
			result.append(
				{
					"attribute": row["attribute"],
					"value": row["value"],
					"selected": selected,
					"selected_share": selected_share,
					"all_share": all_share,
					"lift": round(lift, 2),
				}
			)
	return sorted(result, key=lambda r: (-r["lift"], -r["selected"], r["attribute"], str(r["value"])))
