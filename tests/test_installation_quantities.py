"""Installation quantities as a user meets them: an order delivered in several Delivery Notes, in a UOM
of more than one stock unit, installed in full; and an order changed after submit with Update Items,
which its Field Visit and its % Installed follow.

Deliveries are made with ERPNext's own mapper (the Sales Order's Create > Delivery Note) and edited;
the installer starts, records and completes the job through the job's own calls; Update Items is
the call the Sales Order form makes. The figures compared are worked out by hand in each test.
"""

import json

import frappe
import pytest
from frappe.desk.form.save import savedocs
from frappe.utils import flt
from test_field_visit import job_of, schedule, technician

from bizlink.devtools.factories import (
	SIGNATURE,
	make_item,
	make_sales_order,
	make_serial_nos,
	make_user,
	receive_stock,
)
from bizlink.exceptions import InstalledQtyExceedsDeliveredError, QtyBelowInstalledError

JOB = "Field Visit"


@pytest.fixture
def panel():
	"""Sold in boxes of 2, stocked (and installed) one by one."""
	return make_item(
		rate=150,
		bizlink_requires_installation=1,
		uoms=[{"uom": "Box", "conversion_factor": 2}],
	)


@pytest.fixture
def radiator():
	return make_item(rate=200, bizlink_requires_installation=1)


@pytest.fixture
def boiler():
	return make_item(rate=1800, has_serial_no=1, bizlink_requires_installation=1)


def deliver(order, qtys: dict[str, float]):
	"""Create > Delivery Note on the order, edited to deliver `qtys` (item: qty in the order row's UOM)
	and nothing else, with the stock (and serial numbers) it needs; submitted."""
	from erpnext.selling.doctype.sales_order.sales_order import make_delivery_note

	note = make_delivery_note(order.name)
	note.set("items", [row for row in note.items if row.item_code in qtys])
	for idx, row in enumerate(note.items, start=1):
		row.idx, row.qty = idx, qtys[row.item_code]
		stock_qty = int(row.qty * row.conversion_factor)
		if frappe.get_cached_value("Item", row.item_code, "has_serial_no"):
			row.serial_no = "\n".join(make_serial_nos(row.item_code, stock_qty))
			row.use_serial_batch_fields = 1
		else:
			receive_stock(row.item_code, stock_qty, warehouse=row.warehouse)
	note.insert()
	note.submit()
	return note


def dn_row(note, item_code: str):
	return next(row for row in note.items if row.item_code == item_code)


def start_as(user: str, job):
	"""The installer opens their job and presses Start Installation."""
	frappe.set_user(user)
	job = frappe.get_doc(JOB, job.name)
	job.start()
	return job


def complete_as(user: str, job, installed: dict[str, float]):
	"""The installer records what was installed, signs and presses Complete (the form's savesubmit)."""
	frappe.set_user(user)
	doc = frappe.get_doc(JOB, job.name).as_dict()
	for row in doc["items"]:
		row["installed_qty"] = installed.get(row["item_code"], 0)
	doc.update({"signature": SIGNATURE, "signed_by": "Lucía Martínez"})
	savedocs(json.dumps(doc, default=str), "Submit")
	frappe.set_user("Administrator")
	return frappe.get_doc(JOB, job.name)


def installation(order) -> tuple[str, float]:
	values = frappe.db.get_value(
		"Sales Order", order.name, ["bizlink_installation_status", "bizlink_per_installed"], as_dict=True
	)
	return values.bizlink_installation_status, flt(values.bizlink_per_installed, 6)


def update_items(order, rows: list[dict], user: str | None = None):
	"""Update Items on the submitted order, as the form's dialog sends it (every row it keeps)."""
	from erpnext.controllers.accounts_controller import update_child_qty_rate

	frappe.set_user(user or make_user(roles=["Sales User"]).name)
	update_child_qty_rate("Sales Order", json.dumps(rows, default=str), order.name)
	frappe.set_user("Administrator")
	return frappe.get_doc("Sales Order", order.name)


def kept(row, **changes) -> dict:
	"""A row of the order as the Update Items dialog lists it, with the user's changes."""
	return {
		"docname": row.name,
		"name": row.name,
		"item_code": row.item_code,
		"delivery_date": row.delivery_date,
		"conversion_factor": row.conversion_factor,
		"qty": row.qty,
		"rate": row.rate,
		"uom": row.uom,
		**changes,
	}


def job_rows(job) -> list[tuple]:
	return [(row.item_code, row.qty, row.uom, row.installed_qty) for row in job.items]


# Several deliveries, a UOM of 2 stock units ---------------------------------------------------------


def test_two_deliveries_of_boxes_are_installed_in_full(panel, radiator):
	# 5 boxes of 2 panels = 10 panels, and 3 radiators; delivered as 2 boxes + 1, then the rest
	order = make_sales_order(
		items=[
			{"item_code": panel.name, "qty": 5, "uom": "Box", "conversion_factor": 2, "rate": 300},
			{"item_code": radiator.name, "qty": 3, "rate": 200},
		]
	)
	job = job_of(order)
	assert job_rows(job) == [(panel.name, 10, "Nos", 0), (radiator.name, 3, "Nos", 0)]
	first = deliver(order, {panel.name: 2, radiator.name: 1})
	second = deliver(order, {panel.name: 3, radiator.name: 2})
	assert (dn_row(second, panel.name).qty, dn_row(second, panel.name).stock_qty) == (3, 6)

	installer = technician()
	schedule(job, crew=[installer])
	job = start_as(installer, job)
	assert [(row.delivered_qty, row.delivery_note) for row in job.items] == [
		(10, second.name),
		(3, second.name),
	]

	job = complete_as(installer, job, {panel.name: 10, radiator.name: 3})
	assert job.status == "Completed"
	assert [row.installed_qty for row in job.items] == [10, 3]
	note = frappe.get_doc("Installation Note", job.installation_note)
	assert sorted((row.prevdoc_docname, row.item_code, row.qty) for row in note.items) == sorted(
		[
			(first.name, panel.name, 2),  # boxes: 4 panels
			(second.name, panel.name, 3),  # boxes: 6 panels
			(first.name, radiator.name, 1),
			(second.name, radiator.name, 2),
		]
	)
	for delivery, item, qty in (
		(first, panel, 2),
		(second, panel, 3),
		(first, radiator, 1),
		(second, radiator, 2),
	):
		assert (
			frappe.db.get_value("Delivery Note Item", dn_row(delivery, item.name).name, "installed_qty")
			== qty
		)
	assert installation(order) == ("Installed", 100)


def test_what_one_delivery_brought_can_be_installed_and_no_more(panel, radiator):
	order = make_sales_order(
		items=[
			{"item_code": panel.name, "qty": 5, "uom": "Box", "conversion_factor": 2, "rate": 300},
			{"item_code": radiator.name, "qty": 3, "rate": 200},
		]
	)
	first = deliver(order, {panel.name: 2, radiator.name: 1})  # 4 panels, 1 radiator
	installer = technician()
	job = start_as(installer, schedule(job_of(order), crew=[installer]))
	assert [row.delivered_qty for row in job.items] == [4, 1]

	job.items[0].installed_qty = 5
	with pytest.raises(InstalledQtyExceedsDeliveredError, match=r"Row 1: 4 units of .* not 5: "):
		job.save()

	job = complete_as(installer, job, {panel.name: 4, radiator.name: 1})
	note = frappe.get_doc("Installation Note", job.installation_note)
	assert sorted((row.item_code, row.qty) for row in note.items) == sorted(
		[(panel.name, 2), (radiator.name, 1)]
	)
	assert {row.prevdoc_detail_docname for row in note.items} == {row.name for row in first.items}
	assert frappe.db.get_value("Delivery Note Item", dn_row(first, panel.name).name, "installed_qty") == 2
	# 4 of 10 panels and 1 of 3 radiators: 5 of 13 units
	assert installation(order) == ("Partly Installed", flt(5 / 13 * 100, 6))


def test_serial_numbers_of_every_delivery_are_taken_and_installed_with_their_delivery(boiler):
	order = make_sales_order(items=[{"item_code": boiler.name, "qty": 3, "rate": 1800}])
	first = deliver(order, {boiler.name: 1})
	installer = technician()
	job = schedule(job_of(order), crew=[installer])  # saved after the first delivery: its serial
	assert job.items[0].serial_no.split("\n") == first.items[0].serial_no.split("\n")
	second = deliver(order, {boiler.name: 2})

	job = start_as(installer, job)  # saved after the second delivery: its serials are added
	delivered = first.items[0].serial_no.split("\n") + second.items[0].serial_no.split("\n")
	assert job.items[0].serial_no.split("\n") == delivered
	assert (job.items[0].delivered_qty, job.items[0].delivery_note) == (3, second.name)

	job = complete_as(installer, job, {boiler.name: 3})
	note = frappe.get_doc("Installation Note", job.installation_note)
	assert sorted((row.prevdoc_docname, row.qty, row.serial_no) for row in note.items) == sorted(
		[(first.name, 1, first.items[0].serial_no), (second.name, 2, second.items[0].serial_no)]
	)
	assert frappe.db.get_value("Delivery Note Item", second.items[0].name, "installed_qty") == 2
	assert installation(order) == ("Installed", 100)


# Update Items on the submitted order ---------------------------------------------------------------


def test_update_items_changes_the_open_jobs_items(panel, radiator):
	heater = make_item(rate=90, bizlink_requires_installation=1)
	thermostat = make_item(rate=40, bizlink_requires_installation=1)
	cable = make_item(rate=5)
	order = make_sales_order(
		items=[
			{"item_code": panel.name, "qty": 5, "uom": "Box", "conversion_factor": 2, "rate": 300},
			{"item_code": radiator.name, "qty": 3, "rate": 200},
			{"item_code": heater.name, "qty": 1, "rate": 90},
			{"item_code": cable.name, "qty": 2, "rate": 5},
		]
	)
	deliver(order, {panel.name: 2, radiator.name: 1})
	installer = technician()
	job = start_as(installer, schedule(job_of(order), crew=[installer]))
	job.items[1].installed_qty = 1  # one radiator is on the wall
	job.save()
	frappe.set_user("Administrator")

	panel_row, radiator_row, _heater_row, cable_row = order.items
	update_items(
		order,
		[
			kept(panel_row, qty=3),  # 3 boxes: 6 panels (2 boxes are delivered)
			kept(radiator_row, qty=5),
			kept(cable_row),
			# the heater is taken off the order, a thermostat is added
			{"item_code": thermostat.name, "qty": 2, "rate": 40, "delivery_date": order.delivery_date},
		],
	)
	job.reload()
	assert job_rows(job) == [
		(panel.name, 6, "Nos", 0),
		(radiator.name, 5, "Nos", 1),
		(thermostat.name, 2, "Nos", 0),
	]
	assert [row.delivered_qty for row in job.items] == [4, 1, 0]
	assert job.status == "In Progress" and [row.user for row in job.crew] == [installer]
	assert installation(order) == ("To Install", 0)


def test_update_items_on_an_installed_order_moves_its_percentage_and_stage(radiator):
	order = make_sales_order(items=[{"item_code": radiator.name, "qty": 3, "rate": 200}])
	deliver(order, {radiator.name: 3})
	installer = technician()
	job = start_as(installer, schedule(job_of(order), crew=[installer]))
	complete_as(installer, job, {radiator.name: 3})
	assert installation(order) == ("Installed", 100)
	assert frappe.db.get_value("Sales Order", order.name, "bizlink_stage") == "Installed"

	order = update_items(order, [kept(order.items[0], qty=4)])
	assert installation(order) == ("Partly Installed", 75)  # 3 of 4
	assert frappe.db.get_value("Sales Order", order.name, "bizlink_stage") == "Ordered"  # 3 of 4 delivered

	order = update_items(order, [kept(order.items[0], qty=3)])
	assert installation(order) == ("Installed", 100)
	assert frappe.db.get_value("Sales Order", order.name, "bizlink_stage") == "Installed"


def test_update_items_adding_an_item_after_the_installation_plans_it_on_a_new_job(radiator):
	from bizlink.api.installation import make_field_visit

	order = make_sales_order(items=[{"item_code": radiator.name, "qty": 3, "rate": 200}])
	deliver(order, {radiator.name: 3})
	installer = technician()
	done = complete_as(
		installer, start_as(installer, schedule(job_of(order), crew=[installer])), {radiator.name: 3}
	)
	thermostat = make_item(rate=40, bizlink_requires_installation=1)

	order = update_items(
		order,
		[
			kept(order.items[0]),
			{"item_code": thermostat.name, "qty": 2, "rate": 40, "delivery_date": order.delivery_date},
		],
	)
	new = frappe.get_doc(JOB, {"sales_order": order.name, "docstatus": 0})
	assert new.status == "To Schedule"
	assert job_rows(new) == [(thermostat.name, 2, "Nos", 0)]
	assert make_field_visit(order.name) == new.name  # the order's Field Visit button opens it
	assert frappe.db.get_value(JOB, done.name, "status") == "Completed"
	assert installation(order) == ("Partly Installed", 60)  # 3 of 5


def test_update_items_adding_the_first_item_to_install_makes_a_job(radiator):
	cable = make_item(rate=5)
	order = make_sales_order(items=[{"item_code": cable.name, "qty": 2, "rate": 5}])
	assert not frappe.db.exists(JOB, {"sales_order": order.name})
	assert installation(order) == ("Not Applicable", 0)

	order = update_items(
		order,
		[
			kept(order.items[0]),
			{"item_code": radiator.name, "qty": 2, "rate": 200, "delivery_date": order.delivery_date},
		],
	)
	job = job_of(order)
	assert job.status == "To Schedule"
	assert job_rows(job) == [(radiator.name, 2, "Nos", 0)]
	assert job.items[0].so_detail == order.items[1].name
	assert installation(order) == ("To Install", 0)


def test_update_items_removing_the_last_item_to_install_cancels_the_open_job(radiator):
	cable = make_item(rate=5)
	order = make_sales_order(
		items=[{"item_code": radiator.name, "qty": 2, "rate": 200}, {"item_code": cable.name, "qty": 1}]
	)
	job = schedule(job_of(order))
	order = update_items(order, [kept(order.items[1])])
	job.reload()
	assert job.status == "Cancelled"
	assert [log.status for log in job.status_log][-1] == "Cancelled"
	assert installation(order) == ("Not Applicable", 0)


def test_update_items_cannot_take_an_order_below_what_is_installed(panel):
	order = make_sales_order(
		items=[{"item_code": panel.name, "qty": 2, "uom": "Box", "conversion_factor": 2, "rate": 300}]
	)
	deliver(order, {panel.name: 2})  # 4 panels
	installer = technician()
	job = start_as(installer, schedule(job_of(order), crew=[installer]))
	job.items[0].installed_qty = 4
	job.save()
	frappe.set_user("Administrator")

	# the same 2, now counted in single panels: 2 panels, fewer than the 4 installed
	with pytest.raises(QtyBelowInstalledError, match=r"4\.0 Nos of it are already installed"):
		update_items(order, [kept(order.items[0], uom="Nos", conversion_factor=1)])
	frappe.set_user("Administrator")
	job.reload()
	assert job_rows(job) == [(panel.name, 4, "Nos", 4)]


def test_what_a_partial_installation_leaves_goes_on_a_new_job(radiator):
	"""Installed 1 of 3 delivered so far: the other 2 are planned on a new job, which the rest of the
	deliveries can complete; cancelling the first job puts its part back on the open one."""
	from bizlink.api.installation import make_field_visit

	order = make_sales_order(items=[{"item_code": radiator.name, "qty": 3, "rate": 200}])
	deliver(order, {radiator.name: 1})
	installer = technician()
	first = start_as(installer, schedule(job_of(order), crew=[installer]))
	first = complete_as(installer, first, {radiator.name: 1})
	frappe.set_user("Administrator")
	rest = frappe.get_doc(JOB, {"sales_order": order.name, "docstatus": 0, "status": "To Schedule"})
	assert job_rows(rest) == [(radiator.name, 2, "Nos", 0)]
	assert installation(order) == ("Partly Installed", flt(1 / 3 * 100, 6))
	assert make_field_visit(order.name) == rest.name  # the order's button opens the rest

	deliver(order, {radiator.name: 2})
	rest = start_as(installer, schedule(rest, start_hours=5, crew=[installer]))
	complete_as(installer, rest, {radiator.name: 2})
	frappe.set_user("Administrator")
	assert installation(order) == ("Installed", 100)
	assert not frappe.db.exists(
		JOB, {"sales_order": order.name, "docstatus": 0, "status": ("!=", "Cancelled")}
	)

	frappe.get_doc(JOB, first.name).cancel()
	again = frappe.get_doc(JOB, {"sales_order": order.name, "docstatus": 0, "status": "To Schedule"})
	assert job_rows(again) == [(radiator.name, 1, "Nos", 0)]
	assert installation(order) == ("Partly Installed", flt(2 / 3 * 100, 6))


def complete_with_serials(user: str, job, serials: list[str]):
	"""The installer installs exactly these serial numbers of the job's one row, signs and completes."""
	frappe.set_user(user)
	doc = frappe.get_doc(JOB, job.name).as_dict()
	doc["items"][0].update({"installed_qty": len(serials), "serial_no": "\n".join(serials)})
	doc.update({"signature": SIGNATURE, "signed_by": "Lucía Martínez"})
	try:
		savedocs(json.dumps(doc, default=str), "Submit")
	finally:
		frappe.set_user("Administrator")
	return frappe.get_doc(JOB, job.name)


def test_a_serial_installed_once_is_neither_offered_nor_accepted_again(boiler):
	from bizlink.exceptions import SerialAlreadyInstalledError

	order = make_sales_order(items=[{"item_code": boiler.name, "qty": 3, "rate": 1800}])
	serials = deliver(order, {boiler.name: 3}).items[0].serial_no.split("\n")
	installer = technician()
	first = start_as(installer, schedule(job_of(order), crew=[installer]))
	complete_with_serials(installer, first, serials[:1])
	rest = frappe.get_doc(JOB, {"sales_order": order.name, "docstatus": 0, "status": "To Schedule"})
	assert rest.items[0].serial_no.split("\n") == serials[1:]  # the installed one is not offered

	rest = start_as(installer, schedule(rest, start_hours=5, crew=[installer]))
	with pytest.raises(SerialAlreadyInstalledError, match=first.name):
		complete_with_serials(installer, rest, serials[:2])
	assert frappe.db.get_value(JOB, rest.name, "docstatus") == 0
	rest = complete_with_serials(installer, rest, serials[1:])
	installed = [
		serial
		for note in (first, rest)
		for row in frappe.get_doc(
			"Installation Note", frappe.db.get_value(JOB, note.name, "installation_note")
		).items
		for serial in row.serial_no.split("\n")
	]
	assert sorted(installed) == sorted(serials)  # each once
	assert installation(order) == ("Installed", 100)


def test_a_delivery_shows_on_the_open_job_without_saving_it(radiator):
	order = make_sales_order(items=[{"item_code": radiator.name, "qty": 3, "rate": 200}])
	job = job_of(order)
	assert job.items[0].delivered_qty == 0
	note = deliver(order, {radiator.name: 2})
	job.reload()
	assert (job.items[0].delivered_qty, job.items[0].delivery_note) == (2, note.name)
	note.cancel()
	job.reload()
	assert (job.items[0].delivered_qty, job.items[0].delivery_note) == (0, None)


def test_a_second_open_job_for_the_order_is_refused(radiator):
	from bizlink.exceptions import OpenJobExistsError

	order = make_sales_order(items=[{"item_code": radiator.name, "qty": 3, "rate": 200}])
	existing = job_of(order)
	jobs = frappe.db.count(JOB)
	with pytest.raises(OpenJobExistsError, match=existing.name):
		frappe.get_doc(
			{"doctype": JOB, "sales_order": order.name, "items": [{"item_code": radiator.name, "qty": 3}]}
		).insert()
	assert frappe.db.count(JOB) == jobs
