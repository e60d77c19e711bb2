"""The customer file: one customer's profile, orders, interactions, follow-ups and playbook."""

import erpnext
import frappe
from frappe import _
from frappe.utils import add_days, cint, now_datetime

from bizlink.bizlink.permissions import allowed_companies
from bizlink.field_service.ratings import customer_ratings, may_read_ratings
from bizlink.market_analysis.market import sales_query
from bizlink.sales_crm.customers import check_customer, get_profile
from bizlink.sales_crm.playbook import get_playbook
from bizlink.service.doctype.service_ticket.service_ticket import RESOLVED_STATUSES

CLOSED_ORDER_STATUSES = ("Completed", "Closed", "Cancelled")
TIMELINE_LIMIT = 50


@frappe.whitelist()
@frappe.read_only()
def get_customer_file(customer: str) -> dict:
	"""Everything BizLink knows of `customer`, in the sections the desk's Customer File page shows.

	Each section is read with the caller's permissions: a section whose DocType they cannot read
	comes back empty, with `allowed` false.
	"""
	check_customer(customer)
	return {
		"profile": get_profile(customer),
		"totals": get_totals(customer),
		"open_orders": section("Sales Order", get_open_orders, customer),
		"interactions": section("Sales Interaction", get_interactions, customer),
		"follow_ups": section("Sales Interaction", get_follow_ups, customer),
		"tickets": section("Service Ticket", get_open_tickets, customer),
		"installations": section("Field Visit", get_installations, customer),
		"installed_base": section("Maintenance Plan", get_installed_base, customer),
		"visit_ratings": get_visit_ratings(customer),
	}


@frappe.whitelist()
@frappe.read_only()
def get_customer_playbook(customer: str, limit: int = 10) -> dict:
	"""Similar customers (score explained) and what worked with them."""
	check_customer(customer)
	frappe.has_permission("Sales Interaction", "read", throw=True)
	return get_playbook(customer, max(1, min(cint(limit), 50)))


def section(doctype: str, read, customer: str) -> dict:
	allowed = bool(frappe.db.exists("DocType", doctype)) and frappe.has_permission(doctype, "read")
	return {"allowed": allowed, "rows": read(customer) if allowed else []}


def get_visit_ratings(customer: str) -> dict:
	"""The customer's visit ratings, for the readers of ratings only (Installation Manager, Sales
	Manager, System Manager): nobody else is sent a rating or a comment."""
	allowed = may_read_ratings() and frappe.has_permission("Field Visit", "read")
	return {"allowed": allowed, **(customer_ratings(customer) if allowed else {})}


def get_totals(customer: str) -> dict:
	"""Orders, revenue (market_analysis.market's sales) and recent interactions, each read with the
	caller's permissions (User Permissions on Company included): a figure of a DocType they may not
	read comes back as None."""

	def sales(doctype: str, measure: str):
		if not frappe.has_permission(doctype, "read"):
			return None
		rows = sales_query(doctype, company=allowed_companies(), customers=[customer]).run(as_dict=True)
		return (rows[0][measure] if rows else 0) or 0

	interactions = None
	if frappe.has_permission("Sales Interaction", "read"):
		since = add_days(now_datetime(), -90)
		interactions = frappe.db.count(
			"Sales Interaction",
			{"customer": customer, "interaction_date": ("between", (since, now_datetime()))},
		)
	return {
		"orders": sales("Sales Order", "orders"),
		"revenue": sales("Sales Invoice", "revenue"),
		"currency": erpnext.get_default_currency(),
		"interactions_90_days": interactions,
	}


def get_open_orders(customer: str) -> list[dict]:
	return frappe.get_list(
		"Sales Order",
		filters={"customer": customer, "docstatus": 1, "status": ("not in", CLOSED_ORDER_STATUSES)},
		fields=[
			"name",
			"transaction_date",
			"delivery_date",
			"grand_total",
			"currency",
			"status",
			"per_delivered",
			"per_billed",
		],
		order_by="transaction_date desc",
		limit_page_length=20,
	)


def get_interactions(customer: str) -> list[dict]:
	return frappe.get_list(
		"Sales Interaction",
		filters={"customer": customer},
		fields=[
			"name",
			"interaction_date",
			"interaction_type",
			"direction",
			"subject",
			"notes",
			"outcome",
			"outcome_category",
			"sales_person",
			"duration",
			"next_action",
			"next_action_date",
		],
		order_by="interaction_date desc",
		limit_page_length=TIMELINE_LIMIT,
	)


def get_follow_ups(customer: str) -> list[dict]:
	return frappe.get_list(
		"Sales Interaction",
		filters={"customer": customer, "follow_up_status": "Open"},
		fields=["name", "next_action", "next_action_date", "subject", "sales_person"],
		order_by="next_action_date asc",
		limit_page_length=20,
	)


def get_installations(customer: str) -> list[dict]:
	return frappe.get_list(
		"Field Visit",
		filters={"customer": customer, "status": ("!=", "Cancelled")},
		fields=[
			"name",
			"status",
			"visit_type",
			"sales_order",
			"serial_no",
			"due_date",
			"scheduled_start",
			"scheduled_end",
			"actual_end",
		],
		order_by="scheduled_start desc",
		limit_page_length=20,
	)


def get_installed_base(customer: str) -> list[dict]:
	"""The customer's installed units, their cover today and next maintenance (the Installed Base
	report's rows, for the roles that may run it)."""
	from bizlink.field_service.report.installed_base.installed_base import execute

	return [
		{
			key: row.get(key)
			for key in ("serial_no", "item_code", "item_name", "qty", "installed_on", "coverage", "covered_until", "next_maintenance", "repairs")
		}
		for row in execute({"customer": customer})[1][:50]
	]  # fmt: skip


def get_open_tickets(customer: str) -> list[dict]:
	return frappe.get_list(
		"Service Ticket",
		filters={"customer": customer, "status": ("not in", RESOLVED_STATUSES)},
		fields=["name", "subject", "status", "priority", "creation", "sla_resolution_by", "serial_no"],
		order_by="creation desc",
		limit_page_length=20,
	)
