"""Parts and time of a maintenance or repair visit, booked through ERPNext.

- A technician's van is an ERPNext Warehouse whose *Technician (Van)* is the technician's user; a
  visit's parts come from the lead technician's van unless another warehouse is chosen.
- Completing the visit books the parts out of the van with a Material Issue Stock Entry (serial
  numbers of serialised spares included), so stock and its value stay ERPNext's; each part's cost is
  what ERPNext valued it at. A part that replaces the customer's faulty unit records the replacement
  on the installed base: the faulty Serial No is *Replaced By* the new one, which takes its site.
- Time is the actual time on site; its cost and its price are the Labour Activity Type's costing and
  billing rates (BizLink Settings; ERPNext's Activity Cost of the technician's Employee first).
- A visit not covered by warranty or AMC (see maintenance.coverage_of) gets a draft Sales Invoice of
  the parts (at the selling price list's rate) and the labour (the Labour Item), for accounts to
  check and submit; a covered visit's parts and time are the company's cost (Warranty Cost report).
"""

from contextlib import contextmanager

import frappe
from frappe import _
from frappe.utils import cint, escape_html, flt, get_datetime, getdate, today

from bizlink.exceptions import (
	AlreadyInvoicedError,
	ForeignSerialError,
	PartSerialError,
	PartsNotInVanError,
)
from bizlink.field_service.installation import format_qty
from bizlink.field_service.installed_base import (
	clear_installation,
	crew_names,
	lead_employee,
	lead_technician,
	record_service,
)

ANY_WAREHOUSE_ROLES = {"Installation Manager", "Stock User", "Stock Manager", "System Manager"}


def van_of(user: str | None) -> str | None:
	if not user:
		return None
	return frappe.db.get_value(
		"Warehouse", {"bizlink_technician": user, "is_group": 0, "disabled": 0}, "name"
	)


def set_parts_warehouse(visit) -> None:
	if visit.parts_warehouse or not visit.crew:
		return
	visit.parts_warehouse = van_of(lead_technician(visit))


def split(serials: str | None) -> list[str]:
	return [s.strip() for s in (serials or "").replace(",", "\n").split("\n") if s.strip()]


def validate_parts(visit) -> None:
	"""On completion: every part comes from a warehouse that holds it, a serialised spare names its
	serial numbers, a replaced unit is the customer's."""
	allow_negative = cint(frappe.db.get_single_value("Stock Settings", "allow_negative_stock"))
	# a technician takes parts from the crew's vans; the stock and installation managers from anywhere
	roles = set(frappe.get_roles())
	vans = None if roles & ANY_WAREHOUSE_ROLES else {van_of(row.user) for row in visit.crew} - {None}
	wanted: dict[tuple, float] = {}
	for row in visit.parts:
		row.warehouse = row.warehouse or visit.parts_warehouse
		if vans is not None and row.warehouse and row.warehouse not in vans:
			frappe.throw(
				_("Row {0}: {1} is not the van of anyone in this visit's crew.").format(
					row.idx, frappe.bold(row.warehouse)
				),
				title=_("Not in the Van"),
				exc=PartsNotInVanError,
			)
		if not row.warehouse:
			frappe.throw(
				_("Row {0}: choose the warehouse (the technician's van) {1} comes from.").format(
					row.idx, frappe.bold(row.item_code)
				),
				title=_("No Van"),
				exc=PartsNotInVanError,
			)
		if flt(row.qty) <= 0:
			frappe.throw(
				_("Row {0}: the quantity of {1} must be more than 0.").format(
					row.idx, frappe.bold(row.item_code)
				),
				title=_("Invalid Quantity"),
				exc=PartsNotInVanError,
			)
		if row.replaced_serial_no:
			owner = frappe.db.get_value("Serial No", row.replaced_serial_no, "customer")
			if owner != visit.customer:
				frappe.throw(
					_("Row {0}: Serial No {1} is not among customer {2}'s units.").format(
						row.idx, frappe.bold(escape_html(row.replaced_serial_no)), frappe.bold(visit.customer)
					),
					title=_("Not the Customer's Unit"),
					exc=ForeignSerialError,
				)
		if frappe.get_cached_value("Item", row.item_code, "has_serial_no"):
			serials = split(row.serial_no)
			if len(serials) != cint(row.qty) or flt(row.qty) != cint(row.qty):
				frappe.throw(
					_(
						"Row {0}: {1} needs one serial number per unit: {2} units, {3} serial numbers given."
					).format(row.idx, frappe.bold(row.item_code), format_qty(row.qty, row.uom), len(serials)),
					title=_("Serial Numbers"),
					exc=PartSerialError,
				)
			held = dict(
				frappe.get_all("Serial No", {"name": ("in", serials)}, ["name", "warehouse"], as_list=True)
			)
			elsewhere = [s for s in serials if held.get(s) != row.warehouse]
			if elsewhere:
				frappe.throw(
					_("Row {0}: Serial No {1} is not in {2}.").format(
						row.idx, frappe.bold(escape_html(", ".join(elsewhere))), frappe.bold(row.warehouse)
					),
					title=_("Not in the Van"),
					exc=PartsNotInVanError,
				)
		key = (row.item_code, row.warehouse)
		wanted[key] = wanted.get(key, 0) + flt(row.qty)
	if allow_negative:
		return
	for (item_code, warehouse), qty in wanted.items():
		if frappe.get_cached_value("Item", item_code, "allow_negative_stock"):
			continue
		held = flt(frappe.db.get_value("Bin", {"item_code": item_code, "warehouse": warehouse}, "actual_qty"))
		if qty > held:
			throw_short(item_code, warehouse, qty, held)


def throw_short(item_code: str, warehouse: str, qty: float, held: float):
	frappe.throw(
		_("{0} × {1} used, but {2} holds {3}.").format(
			frappe.format(qty), frappe.bold(item_code), frappe.bold(warehouse), frappe.format(held)
		),
		title=_("Not in the Van"),
		exc=PartsNotInVanError,
	)


@contextmanager
def as_system():
	"""The stock movement a technician's completion books, made by the system on their behalf (ERPNext
	makes the Serial and Batch Bundles of serialised spares inside, each checked for the session user,
	whom a technician's roles do not let write stock). The visit says who completed it."""
	user = frappe.session.user
	frappe.set_user("Administrator")
	try:
		yield
	finally:
		frappe.set_user(user)


def book_parts(visit) -> None:
	"""The Material Issue of the parts, submitted with the visit; each row's cost from ERPNext."""
	if not visit.parts:
		return
	from erpnext.stock.stock_ledger import NegativeStockError

	entry = frappe.get_doc(
		{
			"doctype": "Stock Entry",
			"stock_entry_type": "Material Issue",
			"purpose": "Material Issue",
			"company": visit.company,
			"posting_date": getdate(visit.actual_end or today()),
			"set_posting_time": 1,
			"remarks": _("Parts used on Field Visit {0} by {1}").format(visit.name, frappe.session.user),
			"items": [
				{
					"item_code": row.item_code,
					"qty": flt(row.qty),
					"s_warehouse": row.warehouse,
					"use_serial_batch_fields": 1 if row.serial_no else 0,
					"serial_no": "\n".join(split(row.serial_no)) or None,
				}
				for row in visit.parts
			],
		}
	)
	# the technician completing the visit books what they used: ERPNext makes the Serial and Batch
	# Bundles of serialised spares inside, each checked on its own, hence the flag for the whole entry
	try:
		with as_system():
			entry.insert()
			entry.submit()
	except NegativeStockError:
		row = visit.parts[0]
		frappe.clear_messages()
		throw_short(row.item_code, row.warehouse, flt(row.qty), 0)
	total = 0.0
	for row, line in zip(visit.parts, entry.items, strict=True):
		row.db_set(
			{"valuation_rate": line.valuation_rate, "cost": line.amount, "warehouse": line.s_warehouse}
		)
		total += flt(line.amount)
	visit.db_set({"stock_entry": entry.name, "parts_cost": total})


def book_service(visit: str) -> None:
	"""On the short queue, after a maintenance or repair visit's completion commits: ERPNext's
	documents of it, each made once (the job may run again, and the hourly reconciliation redoes what
	a lost or failed job left undone): the Material Issue of its parts from the van, the replaced
	units on the installed base, the Maintenance Visit on its unit, and the draft invoice of a visit
	that is not covered."""
	doc = frappe.get_doc("Field Visit", visit, for_update=True)
	if doc.docstatus != 1 or doc.is_installation:
		return
	if doc.parts and not doc.stock_entry:
		book_parts(doc)
		record_replacements(doc)
	if doc.item_code and not doc.maintenance_visit:
		record_service(doc)
	if doc.billable and not doc.sales_invoice:
		make_invoice(doc)


def on_invoice_cancel(doc, method=None) -> None:
	"""A visit's invoice cancelled (a wrong bill): the completed visit's link does not stop it; the
	visit can then be invoiced again."""
	doc.ignore_linked_doctypes = (*(doc.get("ignore_linked_doctypes") or ()), "Field Visit")


def cancel_parts(visit) -> None:
	if visit.stock_entry and frappe.db.get_value("Stock Entry", visit.stock_entry, "docstatus") == 1:
		entry = frappe.get_doc("Stock Entry", visit.stock_entry)
		entry.flags.ignore_links = True
		with as_system():
			entry.cancel()
	undo_replacements(visit)


def record_replacements(visit) -> None:
	"""The faulty unit is replaced by the new one, which takes its place in the installed base."""
	for row in visit.parts:
		if not row.replaced_serial_no:
			continue
		new = (split(row.serial_no) or [None])[0]
		old = frappe.db.get_value(
			"Serial No", row.replaced_serial_no, ["customer", "bizlink_site_address"], as_dict=True
		)
		frappe.db.set_value(
			"Serial No",
			row.replaced_serial_no,
			{"bizlink_replaced_by": new, "bizlink_replaced_on": getdate(visit.actual_end or today())},
		)
		if new:
			frappe.db.set_value(
				"Serial No",
				new,
				{
					"customer": old.customer,
					"bizlink_site_address": old.bizlink_site_address,
					"bizlink_installed_on": getdate(visit.actual_end or today()),
					"bizlink_installation_visit": visit.name,
					"bizlink_installed_by": crew_names(visit),
				},
			)


def undo_replacements(visit) -> None:
	for row in visit.parts:
		if row.replaced_serial_no:
			frappe.db.set_value(
				"Serial No",
				row.replaced_serial_no,
				{"bizlink_replaced_by": None, "bizlink_replaced_on": None},
			)
	clear_installation(visit, forget_site=True)  # the new units go back to the van


# Time ------------------------------------------------------------------------------------------


def labour_rates(visit) -> frappe._dict:
	activity = frappe.db.get_single_value("BizLink Settings", "labour_activity_type")
	if not activity:
		return frappe._dict(costing_rate=0, billing_rate=0, activity=None)
	from erpnext.projects.doctype.timesheet.timesheet import get_activity_cost

	rates = get_activity_cost(lead_employee(visit), activity) or {}
	return frappe._dict(
		costing_rate=flt(rates.get("costing_rate")),
		billing_rate=flt(rates.get("billing_rate")),
		activity=activity,
	)


def book_labour(visit) -> None:
	if not (visit.actual_start and visit.actual_end):
		return
	hours = flt((get_datetime(visit.actual_end) - get_datetime(visit.actual_start)).total_seconds() / 3600, 2)
	rates = labour_rates(visit)
	visit.db_set({"labour_hours": hours, "labour_cost": flt(hours * rates.costing_rate, 2)})


# Billing ---------------------------------------------------------------------------------------


def selling_price_list(customer: str) -> str | None:
	"""The customer's price list, else the selling default, else ERPNext's Standard Selling."""
	return (
		frappe.db.get_value("Customer", customer, "default_price_list")
		or frappe.db.get_single_value("Selling Settings", "selling_price_list")
		or frappe.db.exists("Price List", "Standard Selling")
	)


def make_invoice(visit) -> str | None:
	"""A draft Sales Invoice of the parts and the time of a visit that is not covered; refused when
	the visit already has one (not cancelled)."""
	if visit.sales_invoice and frappe.db.get_value("Sales Invoice", visit.sales_invoice, "docstatus") in (
		0,
		1,
	):
		frappe.throw(
			_("Field Visit {0} is already invoiced: Sales Invoice {1}.").format(
				frappe.bold(visit.name), frappe.bold(visit.sales_invoice)
			),
			title=_("Already Invoiced"),
			exc=AlreadyInvoicedError,
		)
	rates = labour_rates(visit)
	labour_item = frappe.db.get_single_value("BizLink Settings", "labour_item")
	items = [
		{"item_code": row.item_code, "qty": flt(row.qty), "serial_no": None, "description": row.item_name}
		for row in visit.parts
	]
	if labour_item and flt(visit.labour_hours) > 0:
		items.append(
			{
				"item_code": labour_item,
				"qty": flt(visit.labour_hours),
				"rate": rates.billing_rate,
				"description": _("Labour, Field Visit {0}").format(visit.name),
			}
		)
	if not items:
		return None
	invoice = frappe.get_doc(
		{
			"doctype": "Sales Invoice",
			"customer": visit.customer,
			"company": visit.company,
			"posting_date": getdate(visit.actual_end or today()),
			"update_stock": 0,
			"selling_price_list": selling_price_list(visit.customer),
			"remarks": _("Field Visit {0}").format(visit.name),
			"items": items,
		}
	)
	invoice.flags.ignore_permissions = True  # drafted for accounts, who submit it
	invoice.set_missing_values()
	for row, item in zip(invoice.items, items, strict=True):
		if item.get("rate") is not None:
			row.rate = item["rate"]
			row.price_list_rate = item["rate"]
	invoice.calculate_taxes_and_totals()
	invoice.insert()
	visit.db_set("sales_invoice", invoice.name)
	return invoice.name
