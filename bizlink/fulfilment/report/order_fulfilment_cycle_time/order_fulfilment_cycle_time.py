# Copyright (c) 2026, BizLink contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.query_builder import Case
from frappe.query_builder.functions import Count, Sum
from frappe.utils import add_days, getdate
from pypika import analytics as an
from pypika.terms import Function, Star, Term
from pypika.utils import format_alias_sql

from bizlink.bizlink.permissions import scope_report_to_companies
from bizlink.bizlink.validation import check_report_period
from bizlink.fulfilment.stages import STAGES


class PercentileCont(Term):
	"""MariaDB's PERCENTILE_CONT(fraction) WITHIN GROUP (ORDER BY term) OVER (PARTITION BY partition)."""

	def __init__(self, fraction: float, term, partition, alias: str | None = None):
		super().__init__(alias=alias)
		self.fraction, self.term, self.partition = float(fraction), term, partition

	def get_sql(self, with_alias: bool = False, **kwargs) -> str:
		sql = "PERCENTILE_CONT({}) WITHIN GROUP (ORDER BY {}) OVER (PARTITION BY {})".format(
			self.fraction, self.term.get_sql(**kwargs), self.partition.get_sql(**kwargs)
		)
		return format_alias_sql(sql, self.alias, **kwargs) if with_alias else sql


def execute(filters: dict | None = None):
	filters = frappe._dict(filters or {})
	scope_report_to_companies(filters)
	check_report_period(filters.from_date, filters.to_date)
	data = get_data(filters)
	# the share installed on time is the report's, not a stage's: in the summary, never a column
	# that would read 0 % on the stages it does not apply to
	return get_columns(), data, None, get_chart(data), get_summary(get_on_time(filters))


def get_columns() -> list[dict]:
	return [
		{"fieldname": "stage", "label": _("Stage"), "fieldtype": "Data", "width": 140},
		{"fieldname": "orders", "label": _("Orders"), "fieldtype": "Int", "width": 90},
		{
			"fieldname": "median_days",
			"label": _("Median (days)"),
			"fieldtype": "Float",
			"precision": 1,
			"width": 120,
		},
		{
			"fieldname": "p90_days",
			"label": _("90th percentile (days)"),
			"fieldtype": "Float",
			"precision": 1,
			"width": 160,
		},
	]


def filtered(query, filters, day, dimensions, sales_order):
	"""The report's filters on `query`: `day` in the period, company, customer group and territory
	from the `dimensions` table, the item group among the items of the order `sales_order` names."""
	if filters.from_date:
		query = query.where(day >= getdate(filters.from_date))
	if filters.to_date:
		query = query.where(day < add_days(getdate(filters.to_date), 1))
	for field in ("company", "customer_group", "territory"):
		if filters.get(field):
			query = query.where(dimensions[field] == filters.get(field))
	if filters.item_group:
		item = frappe.qb.DocType("Sales Order Item")
		query = query.where(
			sales_order.isin(
				frappe.qb.from_(item).select(item.parent).where(item.item_group == filters.item_group)
			)
		)
	return query


def get_data(filters) -> list[dict]:
	"""Median and 90th percentile of the time spent in each stage, over stages left in the period.

	One pass over the log, counts and percentiles together. MariaDB computes window functions in a
	temporary table, kept in memory up to tmp_table_size (16 MB) and written to disk beyond: partitioned
	by the stage's name, a VARCHAR(140) stored there at its full 560 bytes, some 30,000 stays fill it;
	partitioned by the stage's place in STAGES, a number, more than ten times as many fit (and the
	figures are the same)."""
	log = frappe.qb.DocType("Order Stage Log")
	stage_no = Function("FIELD", log.stage, *STAGES)  # 1 for the first stage, 0 for none of them
	hours = log.duration_hours
	query = (
		frappe.qb.from_(log)
		.where(log.left_on.isnotnull())
		.where(log.is_reversal == 0)
		.select(
			stage_no.as_("stage_no"),
			an.Count(Star()).over(stage_no).as_("orders"),
			PercentileCont(0.5, hours, stage_no, alias="median_hours"),
			PercentileCont(0.9, hours, stage_no, alias="p90_hours"),
		)
		.distinct()
	)
	rows = {
		row.stage_no: row
		for row in filtered(query, filters, log.left_on, log, log.sales_order).run(as_dict=True)
	}
	return [
		{
			"stage": _(stage),
			"stage_name": stage,
			"orders": rows[number].orders,
			"median_days": round(rows[number].median_hours / 24, 2),
			"p90_days": round(rows[number].p90_hours / 24, 2),
		}
		for number, stage in enumerate(STAGES, start=1)
		if number in rows
	]


def get_on_time(filters) -> frappe._dict:
	"""The installations completed in the period that had a promised date (BizLink Settings'
	Installation Targets), and how many were completed by it (Field Visit's Promise: On Time)."""
	job, order = frappe.qb.DocType("Field Visit"), frappe.qb.DocType("Sales Order")
	query = (
		frappe.qb.from_(job)
		.join(order)
		.on(order.name == job.sales_order)
		.select(Count(job.name), Sum(Case().when(job.promise_status == "On Time", 1).else_(0)))
		.where(job.docstatus == 1)
		.where(job.visit_type == "Installation")
		.where(job.promise_status.isin(["On Time", "Late"]))
	)
	promised, on_time = filtered(query, filters, job.actual_end, order, order.name).run()[0]
	promised, on_time = int(promised or 0), int(on_time or 0)
	return frappe._dict(
		promised=promised, on_time=on_time, rate=on_time / promised * 100 if promised else None
	)


def get_summary(on_time) -> list[dict]:
	if not on_time.promised:
		return []
	return [
		{
			"label": _("Installed on Time"),
			"value": _("{0} % ({1} of {2})").format(
				round(on_time.rate, 1), on_time.on_time, on_time.promised
			),
			"datatype": "Data",
			"indicator": "Green" if on_time.rate >= 90 else "Orange" if on_time.rate >= 70 else "Red",
		}
	]


def get_chart(data: list[dict]) -> dict | None:
	if not data:
		return None
	return {
		"data": {
			"labels": [row["stage"] for row in data],
			"datasets": [
				{"name": _("Median (days)"), "values": [row["median_days"] for row in data]},
				{"name": _("90th percentile (days)"), "values": [row["p90_days"] for row in data]},
			],
		},
		"type": "bar",
		"colors": ["#2490ef", "#f5a623"],
	}
