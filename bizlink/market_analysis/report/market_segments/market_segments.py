# Copyright (c) 2026, BizLink contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.query_builder.functions import Count, IfNull, Sum
from frappe.utils import add_months, escape_html, flt, getdate, today

from bizlink.bizlink.permissions import scope_report_to_companies
from bizlink.bizlink.validation import check_report_period
from bizlink.exceptions import MixedCurrencyError
from bizlink.field_service.ratings import may_read_ratings
from bizlink.market_analysis.market import (
	DIMENSIONS,
	base_query,
	customers_by_market_address,
	first_customers,
	normalise,
	run_aggregate,
	segment_criterion,
	within_days,
)
from bizlink.market_analysis.segments import ROW_LIMIT, segment_query

# completed installations against their promise
VISIT_MEASURES = ("installations_promised", "installations_on_time")


def execute(filters: dict | None = None):
	filters = normalise(filters)
	companies = scope_report_to_companies(filters)
	filters.currency = get_currency(filters, companies)
	columns = get_columns(filters)
	data = get_data(filters)
	if may_read_ratings():  # the visits' ratings, for who may read them (not kept in the rollup)
		add_visit_ratings(filters, data)
	else:
		columns = [c for c in columns if c["fieldname"] != "visit_rating"]
	truncated = len(data) > ROW_LIMIT
	data = data[:ROW_LIMIT]
	for row in data:
		row.currency = filters.currency
	return columns, data, get_message(filters, truncated), get_chart(filters, data)


def get_currency(filters, companies: list[str] | None) -> str:
	"""The currency of the figures: amounts are in each company's own currency, so companies with
	different currencies are never added up (choose one)."""
	if filters.company:
		return frappe.get_cached_value("Company", filters.company, "default_currency")
	company_filters = {"name": ("in", companies)} if companies else {}
	currencies = sorted(
		set(frappe.get_all("Company", filters=company_filters, pluck="default_currency")) - {None, ""}
	)
	if len(currencies) > 1:
		frappe.throw(
			_("Your companies keep their books in {0}: choose a Company to see its figures.").format(
				", ".join(currencies)
			),
			title=_("Several Currencies"),
			exc=MixedCurrencyError,
		)
	return currencies[0] if currencies else frappe.db.get_default("currency")


def get_message(filters, truncated: bool) -> str | None:
	"""Says so when the list was cut (what each column counts is in its header's tooltip)."""
	if not truncated:
		return None
	notice = _("Only the first {0} rows, by amount invoiced, are shown: narrow the filters to see the rest.")
	return f'<div class="indicator orange"><span>{escape_html(notice.format(ROW_LIMIT))}</span></div>'


def get_columns(filters) -> list[dict]:
	"""The columns; each figure's `description` (its header's tooltip) says what it counts."""
	ORDERS = _("Submitted Sales Orders dated in the period, invoiced or not.")
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
		{
			"fieldname": "customers",
			"label": _("Customers"),
			"fieldtype": "Int",
			"width": 95,
			"description": _("Enabled customers in the segment now."),
		},
		{
			"fieldname": "revenue",
			"label": _("Invoiced"),
			"fieldtype": "Currency",
			"options": "currency",
			"width": 120,
			"description": _("Net total of submitted Sales Invoices dated in the period."),
		},
		{
			"fieldname": "orders",
			"label": _("Orders"),
			"fieldtype": "Int",
			"width": 80,
			"description": ORDERS,
		},
		{
			"fieldname": "order_value",
			"label": _("Order Value"),
			"fieldtype": "Currency",
			"options": "currency",
			"width": 120,
			"description": ORDERS,
		},
		{
			"fieldname": "average_order_value",
			"label": _("Average Order Value"),
			"fieldtype": "Currency",
			"options": "currency",
			"width": 140,
			"description": ORDERS,
		},
		{
			"fieldname": "interactions",
			"label": _("Interactions"),
			"fieldtype": "Int",
			"width": 100,
			"description": _("Sales Interactions dated in the period."),
		},
		{
			"fieldname": "open_tickets",
			"label": _("Open Tickets"),
			"fieldtype": "Int",
			"width": 100,
			"description": _("Service Tickets open now."),
		},
		{
			"fieldname": "csat",
			"label": _("CSAT"),
			"fieldtype": "Float",
			"precision": 1,
			"width": 70,
			"description": _("Average rating (1 to 5) of the tickets rated in the period."),
		},
		{
			"fieldname": "on_time_rate",
			"label": _("Installed on Time %"),
			"fieldtype": "Percent",
			"width": 170,
			"description": _(
				"Of the installations with a promised date completed in the period, those completed by it."
			),
		},
		{
			"fieldname": "visit_rating",
			"label": _("Visit Rating"),
			"fieldtype": "Float",
			"precision": 1,
			"width": 150,
			"description": _("Average rating (1 to 5) customers gave the field visits rated in the period."),
		},
		{
			"fieldname": "growth",
			"label": _("Growth %"),
			"fieldtype": "Percent",
			"width": 100,
			"description": _("Invoiced in the period against the period of the same length before it."),
		},
		# the Currency columns' currency (hidden: the same on every row)
		{"fieldname": "currency", "label": _("Currency"), "fieldtype": "Data", "hidden": 1},
	]
	return columns


def add_visit_ratings(filters, rows: list[dict]) -> None:
	"""Each row's average visit rating (1 to 5) over the visits rated in the period, read from Visit
	Rating by the same segment (or customer) as the row."""
	dims = [DIMENSIONS[d][0] for d in filters.dimensions]
	query, c, address = customers_by_market_address()
	rating = frappe.qb.DocType("Visit Rating")
	fields = {
		"age_band": IfNull(c.bizlink_age_band, ""),
		"city": IfNull(address.city, ""),
		"customer_group": IfNull(c.customer_group, ""),
		"territory": IfNull(c.territory, ""),
	}
	keys = [fields[key] for key in dims]
	if filters.view == "Customers":
		keys = [c.name, *keys]
	visit = frappe.qb.DocType("Field Visit")
	query = (
		query.join(rating)
		.on(rating.customer == c.name)
		.join(visit)
		.on(visit.name == rating.visit)
		.select(*keys, Sum(rating.rating * 5), Count(rating.name))
		.where(c.disabled == 0)
		.where(visit.docstatus == 1)  # a visit cancelled since: its rating no longer counts
		.where(within_days(rating.rated_on, filters.from_date, filters.to_date))
		.groupby(*keys)
	)
	criterion = segment_criterion(filters, c, address)
	if criterion is not None:
		query = query.where(criterion)
	if isinstance(filters.company, list | tuple):
		query = query.where(rating.company.isin(filters.company or [""]))
	elif filters.company:
		query = query.where(rating.company == filters.company)
	found = {tuple(row[:-2]): (flt(row[-2]), row[-1]) for row in query.run()}
	not_set = _("Not Set")
	for row in rows:
		key = tuple(row[k] for k in (["customer"] if filters.view == "Customers" else []) + dims)
		key = tuple("" if value == not_set else value for value in key)
		stars, count = found.get(key, (0, 0))
		row.visit_rating = stars / count if count else None


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
			row.installations_promised,
			row.installations_on_time,
		)
		for row in finish(rows, dims)
	}


def live_data(filters) -> list[dict]:
	"""The aggregate straight from the documents, one row per segment (or customer: the segment's
	first ROW_LIMIT + 1 by amount invoiced, found first, whose other figures are then read alone)."""
	shown = first_customers(filters, ROW_LIMIT + 1) if filters.view == "Customers" else None
	query, customer, fields, measures = base_query(filters, shown)
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
			*(Sum(measures[m]).as_(m) for m in VISIT_MEASURES),
		)
		.groupby(*group_terms)
		.orderby(Sum(measures["revenue"]), order=frappe.qb.desc)
		.orderby(*group_terms)  # ties in a stable order
		.limit(ROW_LIMIT + 1)  # one more tells the list was cut
	)
	return run_aggregate(aggregate, as_dict=True)


def finish(rows: list[dict], dims: list[str]) -> list[dict]:
	for row in rows:
		row.revenue, row.orders = flt(row.revenue), int(row.orders or 0)
		row.order_value = flt(row.order_value)
		row.average_order_value = flt(row.order_value) / row.orders if row.orders else 0
		row.growth = (
			(row.revenue - flt(row.previous_revenue)) / flt(row.previous_revenue) * 100
			if flt(row.previous_revenue)
			else None
		)
		for key in ("customers", "interactions", "open_tickets", "ratings"):
			row[key] = int(row[key] or 0)
		row.csat = flt(row.rating_sum) / flt(row.ratings) if flt(row.ratings) else None  # 1 to 5
		for key in ("installations_promised", "installations_on_time"):
			row[key] = int(row.get(key) or 0)
		row.on_time_rate = (
			row.installations_on_time / row.installations_promised * 100
			if row.installations_promised
			else None
		)

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
			"datasets": [{"name": _("Invoiced"), "values": [row.revenue for row in top]}],
		},
		"type": "bar",
		"colors": ["#2490ef"],
	}
