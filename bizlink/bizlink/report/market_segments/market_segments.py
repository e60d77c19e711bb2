# Copyright (c) 2026, BizLink contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.query_builder.functions import Count, Sum
from frappe.utils import add_months, flt, getdate, today

from bizlink.market import DIMENSIONS, base_query, run_aggregate
from bizlink.permissions import scope_report_to_companies
from bizlink.segments import segment_query
from bizlink.validation import check_report_period

DEFAULT_DIMENSIONS = ["Customer Group", "Territory"]


def execute(filters: dict | None = None):
	filters = normalise(filters)
	scope_report_to_companies(filters)
	columns = get_columns(filters)
	data = get_data(filters)
	return columns, data, None, get_chart(filters, data)


def normalise(filters) -> frappe._dict:
	filters = frappe._dict(filters or {})
	filters.to_date = getdate(filters.to_date or today())
	filters.from_date = getdate(filters.from_date or add_months(filters.to_date, -12))
	check_report_period(filters.from_date, filters.to_date)
	dims = filters.dimensions or DEFAULT_DIMENSIONS
	if isinstance(dims, str):
		dims = frappe.parse_json(dims) if dims.startswith("[") else [d.strip() for d in dims.split(",")]
	filters.dimensions = [d for d in dims if d in DIMENSIONS] or DEFAULT_DIMENSIONS
	return filters


def get_columns(filters) -> list[dict]:
	columns = []
	if filters.view == "Customers":
		columns.append(
			{
				"fieldname": "customer",
				"label": _("Customer"),
				"fieldtype": "Link",
				"options": "Customer",
				"width": 200,
			}
		)
	for dim in filters.dimensions:
		key, label = DIMENSIONS[dim]
		columns.append({"fieldname": key, "label": _(label), "fieldtype": "Data", "width": 130})
	columns += [
		{"fieldname": "customers", "label": _("Customers"), "fieldtype": "Int", "width": 95},
		{"fieldname": "revenue", "label": _("Revenue"), "fieldtype": "Currency", "width": 120},
		{"fieldname": "orders", "label": _("Orders"), "fieldtype": "Int", "width": 80},
		{
			"fieldname": "average_order_value",
			"label": _("Average Order Value"),
			"fieldtype": "Currency",
			"width": 140,
		},
		{"fieldname": "interactions", "label": _("Interactions"), "fieldtype": "Int", "width": 100},
		{"fieldname": "open_tickets", "label": _("Open Tickets"), "fieldtype": "Int", "width": 100},
		{"fieldname": "csat", "label": _("CSAT"), "fieldtype": "Float", "precision": 1, "width": 70},
		{"fieldname": "growth", "label": _("Growth %"), "fieldtype": "Percent", "width": 100},
	]
	return columns


def get_data(filters) -> list[dict]:
	"""Segments from the rollup (Segment Activity); the customers of a segment from the documents."""
	dims = [DIMENSIONS[d][0] for d in filters.dimensions]
	if filters.view == "Customers":
		rows = live_data(filters)
	else:
		rows = segment_query(filters, dims).run(as_dict=True)
	return finish(rows, dims)


def segment_figures(filters: dict, from_rollup: bool) -> dict[tuple, tuple]:
	"""Each segment's figures, {(dimension values): (customers, revenue, ...)}, from the rollup or from
	the documents: the two must agree (the tests and the benchmark compare them)."""
	filters = normalise(filters)
	dims = [DIMENSIONS[d][0] for d in filters.dimensions]
	rows = segment_query(filters, dims).run(as_dict=True) if from_rollup else live_data(filters)
	return {
		tuple(row[key] for key in dims): (
			row.customers,
			flt(row.revenue, 2),
			flt(row.previous_revenue, 2),
			row.orders,
			flt(row.order_value, 2),
			row.interactions,
			row.open_tickets,
			flt(row.rating_sum, 2),
			row.ratings,
		)
		for row in finish(rows, dims)
	}


def live_data(filters) -> list[dict]:
	"""The aggregate straight from the documents, one row per segment (or customer)."""
	query, customer, fields, measures = base_query(filters)
	dims = [DIMENSIONS[d][0] for d in filters.dimensions]
	group_terms = [fields[key] for key in dims]
	if filters.view == "Customers":
		group_terms = [customer.name, *group_terms]
	select = [term.as_(key) for key, term in zip(dims, [fields[k] for k in dims], strict=True)]
	if filters.view == "Customers":
		select = [customer.name.as_("customer"), *select]
	aggregate = (
		query.select(
			*select,
			Count(customer.name).as_("customers"),
			Sum(measures["revenue"]).as_("revenue"),
			Sum(measures["previous_revenue"]).as_("previous_revenue"),
			Sum(measures["orders"]).as_("orders"),
			Sum(measures["order_value"]).as_("order_value"),
			Sum(measures["interactions"]).as_("interactions"),
			Sum(measures["open_tickets"]).as_("open_tickets"),
			Sum(measures["rating_sum"]).as_("rating_sum"),
			Sum(measures["ratings"]).as_("ratings"),
		)
		.groupby(*group_terms)
		.orderby(Sum(measures["revenue"]), order=frappe.qb.desc)
		.orderby(*group_terms)  # ties in a stable order
		.limit(1000)
	)
	return run_aggregate(aggregate, as_dict=True)


def finish(rows: list[dict], dims: list[str]) -> list[dict]:
	for row in rows:
		row.revenue, row.orders = flt(row.revenue), int(row.orders or 0)
		row.average_order_value = flt(row.order_value) / row.orders if row.orders else 0
		row.growth = (
			(row.revenue - flt(row.previous_revenue)) / flt(row.previous_revenue) * 100
			if flt(row.previous_revenue)
			else None
		)
		for key in ("customers", "interactions", "open_tickets", "ratings"):
			row[key] = int(row[key] or 0)
		row.csat = flt(row.rating_sum) / flt(row.ratings) if flt(row.ratings) else None  # 1 to 5
		for key in dims:
			row[key] = row[key] or _("Not Set")
	return rows


def get_chart(filters, data: list[dict]) -> dict | None:
	if not data or filters.view == "Customers":
		return None
	dims = [DIMENSIONS[d][0] for d in filters.dimensions]
	top = data[:10]
	return {
		"data": {
			"labels": [" · ".join(str(row[k]) for k in dims) for row in top],
			"datasets": [{"name": _("Revenue"), "values": [row.revenue for row in top]}],
		},
		"type": "bar",
		"colors": ["#2490ef"],
	}
