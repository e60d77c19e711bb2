# Copyright (c) 2026, BizLink contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.query_builder.functions import Now
from frappe.utils import add_to_date, now_datetime

from bizlink.bizlink.permissions import scope_report_to_companies
from bizlink.fulfilment.stages import STAGES

LIMIT = 500


def execute(filters: dict | None = None):
	filters = frappe._dict(filters or {})
	scope_report_to_companies(filters)
	return get_columns(), get_data(filters)


def get_columns() -> list[dict]:
	return [
		{
			"fieldname": "sales_order",
			"label": _("Sales Order"),
			"fieldtype": "Link",
			"options": "Sales Order",
			"width": 160,
		},
		{
			"fieldname": "customer",
			"label": _("Customer"),
			"fieldtype": "Link",
			"options": "Customer",
			"width": 200,
		},
		{"fieldname": "stage", "label": _("Stage"), "fieldtype": "Data", "width": 120},
		{"fieldname": "since", "label": _("In Stage Since"), "fieldtype": "Datetime", "width": 160},
		{
			"fieldname": "days_waiting",
			"label": _("Days Waiting"),
			"fieldtype": "Float",
			"precision": 1,
			"width": 110,
		},
		{
			"fieldname": "grand_total",
			"label": _("Grand Total"),
			"fieldtype": "Currency",
			"options": "currency",
			"width": 130,
		},
		{
			"fieldname": "currency",
			"label": _("Currency"),
			# Data, not a Link: Frappe filters a report's Link columns by the user's right to read
			# their DocType, and Stock or Installation users may not read Currency
			"fieldtype": "Data",
			"hidden": 1,
		},
	]


def get_data(filters) -> list[dict]:
	"""Open orders, longest in their current stage first (read with the user's permissions)."""
	order_filters = {
		"docstatus": 1,
		"status": ("not in", ("Closed", "Completed", "Cancelled")),
		"bizlink_stage": ("in", [s for s in STAGES if s != "Completed"]),
	}
	if filters.company:
		order_filters["company"] = filters.company
	if filters.stage:
		order_filters["bizlink_stage"] = filters.stage
	if filters.min_days:
		order_filters["bizlink_stage_since"] = (
			"<=",
			add_to_date(now_datetime(), days=-int(filters.min_days)),
		)
	rows = frappe.get_list(
		"Sales Order",
		filters=order_filters,
		fields=[
			"name as sales_order",
			"customer",
			"bizlink_stage as stage",
			"bizlink_stage_since as since",
			"grand_total",
			"currency",
		],
		order_by="bizlink_stage_since asc",
		limit_page_length=LIMIT,
	)
	now = now_datetime()
	for row in rows:
		row["days_waiting"] = round((now - row.since).total_seconds() / 86400, 1) if row.since else None
		row["stage"] = _(row["stage"])
	return rows
