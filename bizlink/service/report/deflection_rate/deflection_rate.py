# Copyright (c) 2026, BizLink contributors
# For license information, please see license.txt

"""How often the portal's articles spare a ticket: the requests customers typed while articles were
shown (Knowledge Deflection), by the month they began and the item group of their unit ("(none)" when
the customer gave no serial number of theirs): attempts, solved without a ticket, tickets filed, still
open, and the deflection rate, solved / (solved + filed) in %. Open attempts (the customer left) are
in neither part of the rate.

For the readers of Knowledge Deflection only (Support Manager, System Manager)."""

from collections import defaultdict

import frappe
from frappe import _
from frappe.query_builder.functions import Count, DateFormat
from frappe.utils import add_days, add_months, flt, get_first_day, getdate, today
from frappe.utils.nestedset import get_descendants_of

from bizlink.bizlink.validation import check_report_period

ATTEMPT = "Knowledge Deflection"
OUTCOMES = {"Open": "still_open", "Solved": "solved", "Ticket Filed": "filed"}


def execute(filters: dict | None = None):
	frappe.has_permission(ATTEMPT, "read", throw=True)
	filters = frappe._dict(filters or {})
	check_report_period(filters.from_date, filters.to_date)
	to_date = getdate(filters.to_date or today())
	from_date = getdate(filters.from_date or get_first_day(add_months(to_date, -11)))
	data = rows(counts(from_date, to_date, filters.item_group))
	return columns(), data, None, chart(data), summary(data)


def counts(from_date, to_date, item_group: str | None) -> list[dict]:
	"""(month, item group, outcome, how many) of the attempts begun in the period."""
	d = frappe.qb.DocType(ATTEMPT)
	month = DateFormat(d.creation, "%Y-%m")
	query = (
		frappe.qb.from_(d)
		.select(month.as_("month"), d.item_group, d.outcome, Count("*").as_("count"))
		.where(d.creation >= from_date)
		.where(d.creation < add_days(to_date, 1))
		.groupby(month, d.item_group, d.outcome)
	)
	if item_group and not frappe.db.exists("Item Group", item_group):
		return []  # "(none)", a group deleted or mistyped: no request was of it
	if item_group:
		query = query.where(d.item_group.isin([item_group, *get_descendants_of("Item Group", item_group)]))
	return query.run(as_dict=True)


def rows(counted: list[dict]) -> list[dict]:
	none = _("(none)")
	groups = defaultdict(lambda: frappe._dict(attempts=0, solved=0, filed=0, still_open=0))
	for c in counted:
		row = groups[(c.month, c.item_group or none)]
		row.attempts += c.count
		row[OUTCOMES.get(c.outcome, "still_open")] += c.count
	data = [
		{"month": month, "item_group": group, **row, "deflection_rate": rate(row.solved, row.filed)}
		for (month, group), row in groups.items()
	]
	data.sort(key=lambda r: (r["month"], r["item_group"] == none, r["item_group"]))
	return data


def rate(solved: int, filed: int) -> float | None:
	return flt(100 * solved / (solved + filed), 1) if solved + filed else None


def columns() -> list[dict]:
	return [
		{"fieldname": "month", "label": _("Month"), "fieldtype": "Data", "width": 100},
		{"fieldname": "item_group", "label": _("Item Group"), "fieldtype": "Data", "width": 180},
		{
			"fieldname": "attempts",
			"label": _("Requests With Articles Shown"),
			"fieldtype": "Int",
			"width": 220,
		},
		{"fieldname": "solved", "label": _("Solved Without a Ticket"), "fieldtype": "Int", "width": 190},
		{"fieldname": "filed", "label": _("Tickets Filed"), "fieldtype": "Int", "width": 130},
		{"fieldname": "still_open", "label": _("Still Open"), "fieldtype": "Int", "width": 110},
		{
			"fieldname": "deflection_rate",
			"label": _("Deflection Rate %"),
			"fieldtype": "Percent",
			"width": 150,
		},
	]


def by_month(data: list[dict]) -> dict[str, frappe._dict]:
	months = defaultdict(lambda: frappe._dict(solved=0, filed=0))
	for row in data:
		months[row["month"]].solved += row["solved"]
		months[row["month"]].filed += row["filed"]
	return dict(sorted(months.items()))


def chart(data: list[dict]) -> dict | None:
	if not data:
		return None
	months = by_month(data)
	return {
		"data": {
			"labels": list(months),
			"datasets": [
				{"name": _("Solved Without a Ticket"), "values": [m.solved for m in months.values()]},
				{"name": _("Tickets Filed"), "values": [m.filed for m in months.values()]},
			],
		},
		"type": "bar",
		"barOptions": {"stacked": 1},
		"colors": ["#29cd42", "#ff5858"],
	}


def summary(data: list[dict]) -> list[dict]:
	solved, filed = sum(r["solved"] for r in data), sum(r["filed"] for r in data)
	total = rate(solved, filed)
	return [
		{"label": _("Solved Without a Ticket"), "value": solved, "datatype": "Int", "indicator": "Green"},
		{"label": _("Tickets Filed"), "value": filed, "datatype": "Int", "indicator": "Red"},
		{
			"label": _("Deflection Rate %"),
			"value": total if total is not None else 0,
			"datatype": "Percent",
			"indicator": "Blue",
		},
	]
