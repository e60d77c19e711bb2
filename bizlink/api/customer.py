"""The customer file: one customer's profile, orders, interactions, follow-ups and playbook."""

import erpnext
import frappe
from frappe import _
from frappe.utils import add_days, cint, now_datetime

from bizlink.sales_crm.playbook import get_playbook

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
		"installations": section("Installation Job", get_installations, customer),
	}


@frappe.whitelist()
@frappe.read_only()
def get_customer_playbook(customer: str, limit: int = 10) -> dict:
	"""Similar customers (score explained) and what worked with them."""
	check_customer(customer)
	frappe.has_permission("Sales Interaction", "read", throw=True)
	return get_playbook(customer, max(1, min(cint(limit), 50)))


def check_customer(customer: str) -> None:
	if not customer or not frappe.db.exists("Customer", customer):
		frappe.throw(
			_("Customer {0} not found.").format(frappe.bold(customer)),
			title=_("Not Found"),
			exc=frappe.DoesNotExistError,
		)
	frappe.has_permission("Customer", "read", doc=customer, throw=True)


def section(doctype: str, read, customer: str) -> dict:
	allowed = bool(frappe.db.exists("DocType", doctype)) and frappe.has_permission(doctype, "read")
	return {"allowed": allowed, "rows": read(customer) if allowed else []}


def get_profile(customer: str) -> dict:
	profile = frappe.db.get_value(
		"Customer",
		customer,
		[
			"name",
			"customer_name",
			"customer_type",
			"customer_group",
			"territory",
			"disabled",
			"image",
			"email_id",
			"mobile_no",
			"bizlink_market_address",
			"bizlink_date_of_birth",
			"bizlink_age_band",
			"bizlink_interaction_count",
			"bizlink_last_interaction",
			"bizlink_next_follow_up",
		],
		as_dict=True,
	)
	profile["city"] = (
		frappe.db.get_value("Address", profile.bizlink_market_address, "city")
		if profile.bizlink_market_address
		else None
	)
	return profile


def get_totals(customer: str) -> dict:
	"""Orders, revenue and recent interactions, each read with the caller's permissions (User
	Permissions on Company included): a figure they may not see comes back as None."""

	def total(doctype: str, field: str, **filters):
		if not frappe.has_permission(doctype, "read"):
			return None
		rows = frappe.get_list(
			doctype, filters={"customer": customer, **filters}, fields=[field], as_list=True
		)
		return (rows[0][0] if rows else 0) or 0

	since = add_days(now_datetime(), -90)
	return {
		"orders": total("Sales Order", "count(name)", docstatus=1),
		"revenue": total("Sales Invoice", "sum(base_net_total)", docstatus=1),
		"currency": erpnext.get_default_currency(),
		"interactions_90_days": total(
			"Sales Interaction", "count(name)", interaction_date=("between", (since, now_datetime()))
		),
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
		"Installation Job",
		filters={"customer": customer, "status": ("!=", "Cancelled")},
		fields=["name", "status", "sales_order", "scheduled_start", "scheduled_end"],
		order_by="scheduled_start desc",
		limit_page_length=20,
	)


def get_open_tickets(customer: str) -> list[dict]:
	return frappe.get_list(
		"Service Ticket",
		filters={"customer": customer, "status": ("not in", ("Resolved", "Closed"))},
		fields=["name", "subject", "status", "priority", "creation", "sla_resolution_by", "serial_no"],
		order_by="creation desc",
		limit_page_length=20,
	)
