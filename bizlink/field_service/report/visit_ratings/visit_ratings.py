# Copyright (c) 2026, BizLink contributors
# For license information, please see license.txt

"""How customers rate the visits: the visits completed in the period (by their completion), how many
were rated, the response rate, the average stars (1 to 5), the low ratings (at or below *Low Rating*,
BizLink Settings) and the follow-up tickets still open, by technician, crew (a visit's technicians
together), item group (of the visit's items or unit), the customer's territory or the month of
completion. A visit counts once in each technician's row and each of its item groups' rows.

For the readers of ratings only (Installation Manager, Sales Manager, System Manager): a technician
is refused, as the report's roles and Visit Rating's permissions say."""

from collections import defaultdict

import frappe
from frappe import _
from frappe.utils import add_days, add_months, flt, get_fullname, getdate, today

from bizlink.bizlink.permissions import of_readable_customers, scope_report_to_companies
from bizlink.bizlink.validation import check_report_period
from bizlink.field_service.ratings import STARS, check_may_read_ratings, low_rating_threshold

GROUPS = ("Technician", "Crew", "Item Group", "Territory", "Month", "All")
VISIT_TYPES = ("Installation", "Maintenance", "Repair")


def execute(filters: dict | None = None):
	check_may_read_ratings()
	filters = frappe._dict(filters or {})
	check_report_period(filters.from_date, filters.to_date)
	scope_report_to_companies(filters)
	filters.to_date = getdate(filters.to_date or today())
	filters.from_date = getdate(filters.from_date or add_months(filters.to_date, -12))
	group_by = filters.group_by if filters.group_by in GROUPS else "Technician"
	threshold = low_rating_threshold()
	visits = completed_visits(filters)
	keys = keys_of(visits, group_by)
	open_tickets = open_follow_ups([v.rating_ticket for v in visits if v.rating_ticket])
	groups = defaultdict(lambda: frappe._dict(visits=0, ratings=0, stars=0, low=0, open_tickets=0))
	for visit in visits:
		stars = flt(visit.rating) * STARS if visit.rated_on else None
		for key in keys.get(visit.name) or [None]:
			row = groups[key]
			row.visits += 1
			if stars is not None:
				row.ratings += 1
				row.stars += stars
				row.low += bool(threshold) and stars <= threshold
			row.open_tickets += visit.rating_ticket in open_tickets
	data = [
		{
			"group": label_of(key, group_by),
			"visits": row.visits,
			"ratings": row.ratings,
			"response_rate": flt(100 * row.ratings / row.visits, 1),
			"average": flt(row.stars / row.ratings, 2) if row.ratings else None,
			"low_ratings": row.low,
			"open_tickets": row.open_tickets,
		}
		for key, row in groups.items()
	]
	data.sort(key=lambda r: (r["group"] == _("Not Set"), r["group"]))
	return columns(group_by), data


def columns(group_by: str) -> list[dict]:
	return [
		{"fieldname": "group", "label": group_label(group_by), "fieldtype": "Data", "width": 180},
		{"fieldname": "visits", "label": _("Visits Completed"), "fieldtype": "Int", "width": 160},
		{"fieldname": "ratings", "label": _("Ratings"), "fieldtype": "Int", "width": 120},
		{"fieldname": "response_rate", "label": _("Response Rate %"), "fieldtype": "Percent", "width": 170},
		{
			"fieldname": "average",
			"label": _("Average (1–5)"),
			"fieldtype": "Float",
			"precision": 2,
			"width": 120,
		},
		{"fieldname": "low_ratings", "label": _("Low Ratings"), "fieldtype": "Int", "width": 150},
		{"fieldname": "open_tickets", "label": _("Follow-up Tickets Open"), "fieldtype": "Int", "width": 280},
	]


def group_label(group_by: str) -> str:
	return {
		"Technician": _("Technician"),
		"Crew": _("Crew"),
		"Item Group": _("Item Group"),
		"Territory": _("Territory"),
		"Month": _("Month"),
		"All": _("Visits"),
	}[group_by]


def label_of(key, group_by: str) -> str:
	if key is None:
		return _("Not Set")
	if group_by == "Technician":
		return get_fullname(key)
	if group_by == "Crew":
		return ", ".join(get_fullname(user) for user in key)
	if group_by == "All":
		return _("All visits")
	return key


def completed_visits(filters) -> list:
	visit, rating = frappe.qb.DocType("Field Visit"), frappe.qb.DocType("Visit Rating")
	query = (
		frappe.qb.from_(visit)
		.left_join(rating)
		.on(rating.visit == visit.name)
		.select(
			visit.name,
			visit.customer,
			visit.item_code,
			visit.actual_end,
			rating.rating,
			rating.rated_on,
			rating.rating_ticket,
		)
		.where(visit.docstatus == 1)
		.where(visit.actual_end >= filters.from_date)
		.where(visit.actual_end < add_days(filters.to_date, 1))
		.where(of_readable_customers(visit.customer))
	)
	if filters.company:
		query = query.where(visit.company == filters.company)
	if filters.visit_type in VISIT_TYPES:
		query = query.where(visit.visit_type == filters.visit_type)
	return query.run(as_dict=True)


def keys_of(visits: list, group_by: str) -> dict[str, list]:
	"""The groups each visit counts in (none: Not Set)."""
	names = [v.name for v in visits]
	if not names:
		return {}
	if group_by == "Month":
		return {v.name: [getdate(v.actual_end).strftime("%Y-%m")] for v in visits}
	if group_by == "All":  # one row: every visit (the workspace's card)
		return {v.name: ["All"] for v in visits}
	if group_by == "Territory":
		customers = {v.customer for v in visits if v.customer}
		territory = dict(
			frappe.get_all(
				"Customer",
				filters={"name": ("in", list(customers))},
				fields=["name", "territory"],
				as_list=True,
			)
			if customers
			else ()
		)
		return {v.name: [territory[v.customer]] for v in visits if territory.get(v.customer)}
	if group_by in ("Technician", "Crew"):
		crews = defaultdict(set)
		for row in frappe.get_all(
			"Field Visit Technician",
			filters={"parenttype": "Field Visit", "parent": ("in", names)},
			fields=["parent", "user"],
		):
			crews[row.parent].add(row.user)
		if group_by == "Technician":
			return {name: sorted(users) for name, users in crews.items()}
		return {name: [tuple(sorted(users))] for name, users in crews.items()}
	# Item Group: of the installation's items, or the maintained / repaired unit's item
	items = defaultdict(set)
	for v in visits:
		if v.item_code:
			items[v.name].add(v.item_code)
	for row in frappe.get_all(
		"Field Visit Item",
		filters={"parenttype": "Field Visit", "parent": ("in", names)},
		fields=["parent", "item_code"],
	):
		items[row.parent].add(row.item_code)
	codes = {code for codes in items.values() for code in codes}
	group = dict(
		frappe.get_all(
			"Item", filters={"name": ("in", list(codes))}, fields=["name", "item_group"], as_list=True
		)
		if codes
		else ()
	)
	return {
		name: sorted({group[code] for code in codes if group.get(code)})
		for name, codes in items.items()
		if any(group.get(code) for code in codes)
	}


def open_follow_ups(tickets: list[str]) -> set[str]:
	"""The follow-up tickets not resolved yet (a ticket's *Resolved On* is set while it is resolved or
	closed, and emptied when it is reopened)."""
	if not tickets:
		return set()
	return set(
		frappe.get_all(
			"Service Ticket",
			filters={"name": ("in", tickets), "resolved_on": ("is", "not set")},
			pluck="name",
		)
	)
