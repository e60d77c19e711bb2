# Copyright (c) 2026, BizLink contributors
# For license information, please see license.txt

"""The installed base: every unit BizLink's installations put at customers' sites, where, since when,
its cover (warranty, AMC) today, its next maintenance and its repairs. Serialised units are ERPNext's
Serial Nos (see bizlink.field_service.installed_base); a unit without a serial number is the
completed installation visit's item row, with its quantity."""

import frappe
from frappe import _
from frappe.query_builder import Case
from frappe.query_builder.functions import Count, Min
from frappe.utils import getdate, today

from bizlink.bizlink.permissions import of_readable_customers, readable_customers
from bizlink.field_service.installation import format_qty

MAX_ROWS = 200  # a page a phone and a desk read at once; the filters narrow it
COVERAGE = ("Under Warranty", "Under AMC", "Not Covered")


def execute(filters: dict | None = None):
	filters = frappe._dict(filters or {})
	rows = serialised(filters) + unserialised(filters)
	rows.sort(key=lambda row: (getdate(row.installed_on), row.serial_no or ""), reverse=True)
	message = None
	if len(rows) >= MAX_ROWS:
		message = _("The newest {0} units are shown: narrow the list with the filters.").format(MAX_ROWS)
	return columns(), rows[:MAX_ROWS], message


def columns() -> list[dict]:
	# plain text, not links: Frappe filters a report's rows by every linked DocType's permissions and
	# refuses a reader who may not read one of them (a salesperson and Serial No, an agent and
	# Territory), though the report is theirs
	return [
		{"fieldname": "serial_no", "label": _("Serial No"), "fieldtype": "Data", "width": 150},
		{"fieldname": "item_code", "label": _("Item"), "fieldtype": "Data", "width": 140},
		{"fieldname": "item_name", "label": _("Item Name"), "fieldtype": "Data", "width": 180},
		{"fieldname": "qty", "label": _("Qty"), "fieldtype": "Data", "width": 70},
		{"fieldname": "customer", "label": _("Customer"), "fieldtype": "Data", "width": 180},
		{"fieldname": "city", "label": _("City"), "fieldtype": "Data", "width": 120},
		{"fieldname": "territory", "label": _("Territory"), "fieldtype": "Data", "width": 120},
		{"fieldname": "installed_on", "label": _("Installed On"), "fieldtype": "Date", "width": 100},
		{"fieldname": "installed_by", "label": _("Installed By"), "fieldtype": "Data", "width": 140},
		{"fieldname": "coverage", "label": _("Coverage"), "fieldtype": "Data", "width": 130},
		{"fieldname": "covered_until", "label": _("Covered Until"), "fieldtype": "Date", "width": 100},
		{"fieldname": "next_maintenance", "label": _("Next Maintenance"), "fieldtype": "Date", "width": 120},
		{"fieldname": "repairs", "label": _("Repairs"), "fieldtype": "Int", "width": 80},
		{"fieldname": "visit", "label": _("Installation Visit"), "fieldtype": "Data", "width": 130},
	]  # fmt: skip


def serialised(filters) -> list:
	"""The page of serialised units, in two steps: which units (their names, newest first, read from
	indexes where the filters allow: a city's addresses, then their units by site and date), then
	what is shown of those alone."""
	serial = frappe.qb.DocType("Serial No")
	customer = frappe.qb.DocType("Customer")
	address = frappe.qb.DocType("Address")
	item = frappe.qb.DocType("Item")
	day = getdate(today())
	coverage = (
		Case()
		.when(serial.warranty_expiry_date >= day, "Under Warranty")
		.when(serial.amc_expiry_date >= day, "Under AMC")
		.else_("Not Covered")
	)
	page = (
		frappe.qb.from_(serial)
		.select(serial.name)
		.where(serial.bizlink_installation_visit.isnotnull())
		.where(serial.bizlink_replaced_by.isnull())  # a replaced unit is no longer at the site
		.where(of_readable_customers(serial.customer))
		.orderby(serial.bizlink_installed_on, order=frappe.qb.desc)
		.limit(MAX_ROWS)
	)
	if filters.get("city"):
		page = page.join(address).on(address.name == serial.bizlink_site_address)
	if filters.get("territory"):
		page = page.join(customer).on(customer.name == serial.customer)
	if filters.get("item_group"):
		page = page.join(item).on(item.name == serial.item_code)
	page = filtered(page, filters, serial.customer, serial.item_code, item, address, customer)
	if filters.get("coverage") in COVERAGE:
		page = page.where(coverage == filters.coverage)
	names = page.run(pluck=True)
	if not names:
		return []
	query = (
		frappe.qb.from_(serial)
		.join(customer)
		.on(customer.name == serial.customer)
		.left_join(address)
		.on(address.name == serial.bizlink_site_address)
		.select(
			serial.name.as_("serial_no"),
			serial.item_code,
			serial.item_name,
			serial.customer,
			address.city,
			customer.territory,
			serial.bizlink_installed_on.as_("installed_on"),
			serial.bizlink_installed_by.as_("installed_by"),
			coverage.as_("coverage"),
			Case()
			.when(serial.warranty_expiry_date >= day, serial.warranty_expiry_date)
			.when(serial.amc_expiry_date >= day, serial.amc_expiry_date)
			.as_("covered_until"),
			serial.bizlink_installation_visit.as_("visit"),
		)
		.where(serial.name.isin(names))
	)
	rows = query.run(as_dict=True)
	# the next maintenance and the repairs of the units shown (not of every unit the filters match)
	serials = [row.serial_no for row in rows] or [""]
	plan = frappe.qb.DocType("Maintenance Plan")
	next_due = dict(
		frappe.qb.from_(plan)
		.select(plan.serial_no, Min(plan.next_due_date))
		.where(plan.serial_no.isin(serials))
		.where(plan.status == "Active")
		.groupby(plan.serial_no)
		.run()
	)
	visit = frappe.qb.DocType("Field Visit")
	repairs = dict(
		frappe.qb.from_(visit)
		.select(visit.serial_no, Count("*"))
		.where(visit.serial_no.isin(serials))
		.where(visit.visit_type == "Repair")
		.where(visit.docstatus == 1)
		.groupby(visit.serial_no)
		.run()
	)
	for row in rows:
		row.qty = "1"
		row.coverage = _(row.coverage)
		row.next_maintenance = next_due.get(row.serial_no)
		row.repairs = repairs.get(row.serial_no, 0)
	return rows


def unserialised(filters) -> list:
	"""Units without serial numbers: the installed rows of completed installation visits (no cover)."""
	if filters.get("coverage") not in (None, "", "Not Covered"):
		return []
	visit = frappe.qb.DocType("Field Visit")
	row = frappe.qb.DocType("Field Visit Item")
	customer = frappe.qb.DocType("Customer")
	address = frappe.qb.DocType("Address")
	item = frappe.qb.DocType("Item")
	query = (
		frappe.qb.from_(row)
		.join(visit)
		.on((visit.name == row.parent) & (row.parenttype == "Field Visit"))
		.join(customer)
		.on(customer.name == visit.customer)
		.join(item)
		.on(item.name == row.item_code)
		.left_join(address)
		.on(address.name == visit.address)
		.select(
			row.item_code,
			item.item_name,
			row.installed_qty.as_("qty"),
			row.uom,
			visit.customer,
			address.city,
			customer.territory,
			visit.actual_end.as_("installed_on"),
			visit.name.as_("visit"),
		)
		.where(visit.docstatus == 1)
		.where(visit.visit_type == "Installation")
		.where(row.installed_qty > 0)
		.where(item.has_serial_no == 0)
		.where(readable_customers(customer))
		.limit(MAX_ROWS)
	)
	query = filtered(query, filters, visit.customer, row.item_code, item, address, customer)
	if filters.get("city"):
		# the city's visits found from its addresses (indexed), not from every installed row
		in_city = frappe.qb.from_(address).select(address.name).where(address.city == filters.city)
		query = query.where(visit.address.isin(in_city))
	rows = query.run(as_dict=True)
	for r in rows:
		r.qty = format_qty(r.qty, r.uom)  # whole units as whole numbers ("2", not "2.000")
		r.installed_on = getdate(r.installed_on)
		r.coverage = _("Not Covered")
	return rows


def filtered(query, filters, customer_column, item_column, item, address, customer):
	"""The report's filters on either query: each one set is an equality."""
	for field, column in (
		("customer", customer_column),
		("item_code", item_column),
		("item_group", item.item_group),
		("city", address.city),
		("territory", customer.territory),
	):
		if filters.get(field):
			query = query.where(column == filters.get(field))
	return query
