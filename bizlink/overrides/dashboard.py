"""BizLink documents in the Connections of ERPNext's forms."""

import frappe
from frappe import _
from frappe.desk.doctype.dashboard_chart import dashboard_chart

from bizlink.bizlink import is_bizlink_module


def add_transactions(data: dict, label: str, items: list[str], fieldname: str | None = None) -> dict:
	if fieldname:
		data.setdefault("non_standard_fieldnames", {})
		for item in items:
			data["non_standard_fieldnames"][item] = fieldname
	for group in data.setdefault("transactions", []):
		if group.get("label") == label:
			group["items"] = list(dict.fromkeys([*group["items"], *items]))
			return data
	data["transactions"].append({"label": label, "items": items})
	return data


def get_customer_dashboard(data: dict) -> dict:
	# Customer's connections are found through each document's `customer` field
	return add_transactions(data, _("BizLink"), ["Sales Interaction", "Service Ticket", "Field Visit"])


def get_sales_order_dashboard(data: dict) -> dict:
	return add_transactions(
		data, _("BizLink"), ["Sales Interaction", "Service Ticket", "Field Visit"], "sales_order"
	)


def get_serial_no_dashboard(data: dict) -> dict:
	return add_transactions(data, _("BizLink"), ["Service Ticket"], "serial_no")


def get_opportunity_dashboard(data: dict) -> dict:
	return add_transactions(data, _("BizLink"), ["Sales Interaction"], "opportunity")


def get_quotation_dashboard(data: dict) -> dict:
	return add_transactions(data, _("BizLink"), ["Sales Interaction"], "quotation")


@frappe.whitelist()
def get_chart(**kwargs) -> dict:
	"""Frappe's Dashboard Chart data, with the groups of BizLink's own Group By charts (a ticket's
	status, an order's stage, an outcome's category: values stored in English) in the reader's
	language. Frappe caches the data for all users; it is translated after, for each request."""
	name = kwargs.get("chart_name") or frappe.parse_json(kwargs.get("chart") or "{}").get("name")
	chart = (
		frappe.db.get_value("Dashboard Chart", name, ["module", "chart_type", "document_type"], as_dict=True)
		if name
		else None
	)
	# a BizLink chart counts documents: only for who may read them (Frappe's *select* lets a support
	# agent pick a Sales Order, not count orders by stage)
	if chart and is_bizlink_module(chart.module) and chart.document_type:
		frappe.has_permission(chart.document_type, "read", throw=True)
	data = dashboard_chart.get(**kwargs)
	if chart and data and data.get("labels"):
		if chart.chart_type == "Group By" and is_bizlink_module(chart.module):
			data["labels"] = [_(label) if isinstance(label, str) else label for label in data["labels"]]
	return data
