"""The customer file: one customer's profile, orders, interactions, follow-ups and playbook."""

import erpnext
import frappe
from frappe import _
from frappe.utils import add_days, cint, get_datetime, now_datetime

from bizlink.bizlink.permissions import allowed_companies
from bizlink.exceptions import InvalidCursorError
from bizlink.field_service.ratings import customer_ratings, may_read_ratings
from bizlink.market_analysis.market import sales_query
from bizlink.sales_crm.customers import check_customer, get_profile
from bizlink.sales_crm.playbook import get_playbook
from bizlink.service.doctype.service_ticket.service_ticket import RESOLVED_STATUSES

CLOSED_ORDER_STATUSES = ("Completed", "Closed", "Cancelled")
TIMELINE_LIMIT = 50  # the timeline's first page (in the file) and the default page after it
MAX_PAGE_LENGTH = 100
INTERACTION_FIELDS = [
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
]


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
		"interactions": timeline(customer),
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


@frappe.whitelist()
@frappe.read_only()
def get_customer_interactions(
	customer: str, before: str | list | None = None, page_length: int = TIMELINE_LIMIT
) -> dict:
	"""The customer's interactions older than the cursor `before`, newest first: the timeline's next page.

	`before` is the `cursor` of the page before (the file's interactions section or this method's
	answer): the (interaction_date, name) of its last row. Pages follow each other by that key, not by
	an offset, so a page 100 deep costs what the first does and rows logged meanwhile shift nothing.
	Read with the caller's permissions, as the file's section is: `allowed` false and no rows for
	someone who may not read Sales Interactions.
	"""
	check_customer(customer)
	cursor = parse_cursor(before)
	page_length = max(1, min(cint(page_length), MAX_PAGE_LENGTH))
	return timeline(customer, cursor, page_length)


def timeline(customer: str, before: tuple | None = None, page_length: int = TIMELINE_LIMIT) -> dict:
	"""A page of the customer's interactions, newest first (ties by name), after the cursor `before`;
	`has_more` tells whether an older page follows and `cursor` is what asks for it."""
	if not frappe.has_permission("Sales Interaction", "read"):
		return {"allowed": False, "rows": [], "has_more": False, "cursor": None}
	rows = get_interactions(customer, before, page_length + 1)
	has_more = len(rows) > page_length
	rows = rows[:page_length]
	last = rows[-1] if rows and has_more else None
	return {
		"allowed": True,
		"rows": rows,
		"has_more": has_more,
		"cursor": [str(last.interaction_date), last.name] if last else None,
	}


def parse_cursor(before) -> tuple | None:
	"""`before` as (interaction_date, name), from a [date, name] list or its JSON; anything else is
	refused."""
	if before in (None, ""):
		return None
	try:
		pair = frappe.parse_json(before) if isinstance(before, str) else before
		if not isinstance(pair, list | tuple) or len(pair) != 2:
			raise ValueError
		date, name = pair
		if not isinstance(date, str) or not isinstance(name, str) or not date or not name or len(name) > 140:
			raise ValueError
		return get_datetime(date), name
	except Exception:
		frappe.throw(
			_("The timeline's page marker is not valid: reload the customer file."),
			title=_("Invalid Page"),
			exc=InvalidCursorError,
		)


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


def get_interactions(customer: str, before: tuple | None = None, limit: int = TIMELINE_LIMIT) -> list[dict]:
	"""Up to `limit` of the customer's interactions, newest first (ties by name), older than `before`.

	In two steps, both with the caller's permissions: the page's keys from the (customer,
	interaction_date) index alone (its entries end with the name, so no sort and, from a cursor, a
	range that starts there), then those rows. Asked for whole rows at once, MariaDB 10.11 walks the
	customer's rows from the newest down to the cursor instead (5,000 deep: about 7 ms instead of 2).
	No ifnull() around the key (it would hide the index): interaction_date is mandatory, name never null.
	"""
	filters = [["customer", "=", customer]]
	or_filters = None
	if before:
		date, name = before
		filters.append(["interaction_date", "<=", date])
		or_filters = [["interaction_date", "<", date], ["name", "<", name]]
	order_by = "interaction_date desc, name desc"
	names = frappe.get_list(
		"Sales Interaction",
		filters=filters,
		or_filters=or_filters,
		fields=["name", "interaction_date"],
		order_by=order_by,
		limit_page_length=limit,
		ignore_ifnull=True,
		pluck="name",
	)
	if not names:
		return []
	return frappe.get_list(
		"Sales Interaction",
		filters={"name": ("in", names)},
		fields=INTERACTION_FIELDS,
		order_by=order_by,
		limit_page_length=limit,
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
