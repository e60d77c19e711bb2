# Copyright (c) 2026, BizLink contributors
# For license information, please see license.txt

"""What warranty and maintenance contracts cost: the covered maintenance and repair visits completed
in the period (parts at ERPNext's valuation, labour at the Activity Type's cost rate), by item, item
group, supplier, installation crew or installation month, with the units installed and the
repeat-failure rate: the share of units with two repairs or more within N months of each other."""

from collections import defaultdict

import frappe
from frappe import _
from frappe.utils import add_months, cint, flt, getdate, today

from bizlink.bizlink.permissions import of_readable_customers
from bizlink.bizlink.validation import check_report_period

GROUPS = ("Item", "Item Group", "Supplier", "Installation Crew", "Installation Month")


def execute(filters: dict | None = None):
	filters = frappe._dict(filters or {})
	check_report_period(filters.from_date, filters.to_date)
	filters.to_date = getdate(filters.to_date or today())
	filters.from_date = getdate(filters.from_date or add_months(filters.to_date, -12))
	group_by = filters.group_by if filters.group_by in GROUPS else "Item"
	months = max(cint(filters.repeat_months or 12), 1)
	units = installed_units(filters)
	groups = defaultdict(
		lambda: frappe._dict(visits=0, repairs=0, parts_cost=0.0, labour_cost=0.0, units=0, repeat=0)
	)
	for unit in units.values():
		groups[key_of(unit, group_by)].units += 1
	for visit in covered_visits(filters):
		unit = units.get(visit.serial_no) or frappe._dict(item_code=visit.item_code)
		row = groups[key_of(unit, group_by)]
		row.visits += 1
		row.repairs += visit.visit_type == "Repair"
		row.parts_cost += flt(visit.parts_cost)
		row.labour_cost += flt(visit.labour_cost)
	for serial in repeat_failures(filters, months):
		if serial in units:
			groups[key_of(units[serial], group_by)].repeat += 1
	data = []
	for key, row in groups.items():
		if not row.visits and not row.repeat:
			continue
		data.append(
			{
				"group": key or _("Not Set"),
				"visits": row.visits,
				"repairs": row.repairs,
				"parts_cost": row.parts_cost,
				"labour_cost": row.labour_cost,
				"total_cost": row.parts_cost + row.labour_cost,
				"units": row.units,
				"repeat_failures": row.repeat,
				"repeat_rate": flt(100 * row.repeat / row.units, 1) if row.units else None,
			}
		)
	data.sort(key=lambda r: r["total_cost"], reverse=True)
	return columns(group_by), data


def columns(group_by: str) -> list[dict]:
	currency = {"fieldtype": "Currency", "width": 120}
	return [
		{"fieldname": "group", "label": group_label(group_by), "fieldtype": "Data", "width": 200},
		{"fieldname": "visits", "label": _("Covered Visits"), "fieldtype": "Int", "width": 110},
		{"fieldname": "repairs", "label": _("Repairs"), "fieldtype": "Int", "width": 90},
		{"fieldname": "parts_cost", "label": _("Parts Cost"), **currency},
		{"fieldname": "labour_cost", "label": _("Labour Cost"), **currency},
		{"fieldname": "total_cost", "label": _("Total Cost"), **currency},
		{"fieldname": "units", "label": _("Units Installed"), "fieldtype": "Int", "width": 110},
		{"fieldname": "repeat_failures", "label": _("Repeat Failures"), "fieldtype": "Int", "width": 120},
		{
			"fieldname": "repeat_rate",
			"label": _("Repeat-Failure Rate %"),
			"fieldtype": "Percent",
			"width": 150,
		},
	]


def group_label(group_by: str) -> str:
	return {
		"Item": _("Item"),
		"Item Group": _("Item Group"),
		"Supplier": _("Supplier"),
		"Installation Crew": _("Installation Crew"),
		"Installation Month": _("Installation Month"),
	}[group_by]


def key_of(unit, group_by: str) -> str | None:
	if group_by == "Item Group":
		return unit.get("item_group")
	if group_by == "Supplier":
		return unit.get("supplier")
	if group_by == "Installation Crew":
		return unit.get("installed_by")
	if group_by == "Installation Month":
		installed = unit.get("installed_on")
		return getdate(installed).strftime("%Y-%m") if installed else None
	return unit.get("item_code")


def installed_units(filters) -> dict[str, frappe._dict]:
	"""Every serial number in the installed base, with what the report groups by."""
	serial = frappe.qb.DocType("Serial No")
	item = frappe.qb.DocType("Item")
	default = frappe.qb.DocType("Item Default")
	supplier = (
		frappe.qb.from_(default)
		.select(frappe.qb.functions("MIN", default.default_supplier))
		.where(default.parent == item.name)
	)
	query = (
		frappe.qb.from_(serial)
		.join(item)
		.on(item.name == serial.item_code)
		.select(
			serial.name,
			serial.item_code,
			item.item_group,
			supplier.as_("supplier"),
			serial.bizlink_installed_by.as_("installed_by"),
			serial.bizlink_installed_on.as_("installed_on"),
		)
		.where(serial.bizlink_installation_visit.isnotnull())
		.where(of_readable_customers(serial.customer))
	)
	if filters.company:
		query = query.where(serial.company == filters.company)
	return {row.name: row for row in query.run(as_dict=True)}


def covered_visits(filters) -> list:
	visit = frappe.qb.DocType("Field Visit")
	query = (
		frappe.qb.from_(visit)
		.select(
			visit.name,
			visit.visit_type,
			visit.serial_no,
			visit.item_code,
			visit.parts_cost,
			visit.labour_cost,
		)
		.where(visit.docstatus == 1)
		.where(visit.visit_type.isin(("Maintenance", "Repair")))
		.where(visit.billable == 0)
		.where(visit.actual_end >= filters.from_date)
		.where(visit.actual_end < frappe.utils.add_days(filters.to_date, 1))
		.where(of_readable_customers(visit.customer))
	)
	if filters.company:
		query = query.where(visit.company == filters.company)
	return query.run(as_dict=True)


def repeat_failures(filters, months: int) -> set[str]:
	"""Units with two completed repairs (covered or not) within `months` of each other, the second in
	the period."""
	visit = frappe.qb.DocType("Field Visit")
	rows = (
		frappe.qb.from_(visit)
		.select(visit.serial_no, visit.actual_end)
		.where(visit.docstatus == 1)
		.where(visit.visit_type == "Repair")
		.where(visit.serial_no.isnotnull())
		.where(visit.actual_end < frappe.utils.add_days(filters.to_date, 1))
		.where(of_readable_customers(visit.customer))
		.orderby(visit.serial_no)
		.orderby(visit.actual_end)
		.run(as_dict=True)
	)
	repeated, previous = set(), {}
	for row in rows:
		done = getdate(row.actual_end)
		before = previous.get(row.serial_no)
		if before and done >= filters.from_date and done <= getdate(add_months(before, months)):
			repeated.add(row.serial_no)
		previous[row.serial_no] = done
	return repeated
