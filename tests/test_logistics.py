"""In Transit: an order's goods on a Delivery Trip or a Shipment, between Ready to Ship and Delivered.

ERPNext submits the Delivery Note first (the order is Delivered) and makes the trip from it afterwards:
the trip leaving moves the order forward to In Transit, its stops visited deliver it, and a trip called
off (cancelled, even after it left) or a stop unticked moves it back, saying so.
"""

import json
import os
import re
from itertools import pairwise

import frappe
import pytest
from frappe.utils import add_days, add_to_date, get_datetime, now_datetime, random_string, today
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bizlink.devtools.factories import (
	get_leaf,
	make_delivery_note,
	make_item,
	make_portal_user,
	make_sales_invoice,
	make_sales_order,
	make_user,
)
from bizlink.fulfilment.stages import STAGES, backfill_order, get_milestones, stage_from

LOG = "Order Stage Log"
T0 = get_datetime("2026-03-02 08:00:00")


# The documents of a leg, made the user's way (ERPNext's own mappers from the Delivery Note) -------


def make_vehicle() -> str:
	return (
		frappe.get_doc(
			{
				"doctype": "Vehicle",
				"license_plate": f"BL-{random_string(6).upper()}",
				"make": "Iveco",
				"model": "Daily",
				"last_odometer": 1000,
				"fuel_type": "Diesel",
				"uom": "Litre",
			}
		)
		.insert(ignore_permissions=True)
		.name
	)


def make_driver() -> str:
	return (
		frappe.get_doc(
			{"doctype": "Driver", "full_name": f"Conductor {random_string(5)}", "status": "Active"}
		)
		.insert(ignore_permissions=True)
		.name
	)


def make_trip(*notes: str, submit: bool = True, departure=None):
	"""A Delivery Trip with a stop for each Delivery Note, mapped as the note's Create > Delivery Trip does."""
	from erpnext.stock.doctype.delivery_note.delivery_note import make_delivery_trip

	trip = None
	for note in notes:
		trip = make_delivery_trip(note, trip)
	trip.update({"vehicle": make_vehicle(), "driver": make_driver(), "departure_time": departure or T0})
	for stop in trip.delivery_stops:
		if not stop.address:
			customer = frappe.db.get_value("Delivery Note", stop.delivery_note, "customer")
			stop.address = frappe.db.get_value("Customer", customer, "customer_primary_address")
	trip.insert()
	if submit:
		trip.submit()
	return trip


def visit(trip, note: str | None = None, visited: int = 1):
	"""Tick (or untick) the stops of `note` (all stops when None), saved as the submitted trip's form does."""
	trip = frappe.get_doc("Delivery Trip", trip.name)
	for stop in trip.delivery_stops:
		if note is None or stop.delivery_note == note:
			stop.visited = visited
	trip.save()
	return trip


def company_address(company: str) -> str:
	name = frappe.db.get_value(
		"Dynamic Link", {"link_doctype": "Company", "link_name": company, "parenttype": "Address"}, "parent"
	)
	if name:
		return name
	return (
		frappe.get_doc(
			{
				"doctype": "Address",
				"address_title": company,
				"address_type": "Shipping",
				"address_line1": "Polígono Industrial 4",
				"city": "Zaragoza",
				"country": frappe.db.get_value("Company", company, "country") or "Spain",
				"is_your_company_address": 1,
				"links": [{"link_doctype": "Company", "link_name": company}],
			}
		)
		.insert(ignore_permissions=True)
		.name
	)


def make_shipment(note: str, submit: bool = True, pickup_date: str | None = None):
	"""A Shipment of the Delivery Note, mapped as its Create > Shipment does."""
	from erpnext.stock.doctype.delivery_note.delivery_note import make_shipment as map_shipment

	shipment = map_shipment(note)
	delivery = frappe.get_doc("Delivery Note", note)
	customer = frappe.get_doc("Customer", delivery.customer)
	shipment.update(
		{
			"pickup_address_name": company_address(delivery.company),
			"delivery_address_name": shipment.delivery_address_name or customer.customer_primary_address,
			"delivery_contact_name": customer.customer_primary_contact,
			"pickup_date": pickup_date or today(),
			"pickup_from": "09:00:00",
			"pickup_to": "17:00:00",
			"description_of_content": "Radiadores",
			"value_of_goods": delivery.grand_total,
		}
	)
	shipment.append("shipment_parcel", {"length": 40, "width": 30, "height": 20, "weight": 5, "count": 1})
	shipment.insert()
	if submit:
		shipment.submit()
	return shipment


# What the order shows ------------------------------------------------------------------------------


def stage_of(order) -> str | None:
	return frappe.db.get_value("Sales Order", order.name, "bizlink_stage")


def log_of(order) -> list:
	return frappe.get_all(
		LOG,
		filters={"sales_order": order.name},
		fields=[
			"name",
			"stage",
			"next_stage",
			"entered_on",
			"left_on",
			"duration_hours",
			"is_reversal",
			"note",
			"reference_doctype",
			"reference_name",
		],
		order_by="entered_on asc, creation asc",
	)


def comments_of(order) -> list[str]:
	return frappe.get_all(
		"Comment",
		filters={"reference_doctype": "Sales Order", "reference_name": order.name, "comment_type": "Info"},
		pluck="content",
	)


@pytest.fixture
def clock(monkeypatch):
	"""The stage log's clock, set by the test: each move is stamped with the time the test says."""
	now = {"at": T0}
	monkeypatch.setattr("bizlink.fulfilment.stages.now_datetime", lambda: now["at"])

	def set_to(hours: float):
		now["at"] = add_to_date(T0, hours=hours)

	return set_to


def test_a_trip_leaving_puts_a_delivered_order_in_transit_and_visiting_its_stop_delivers_it(clock):
	order = make_sales_order()
	note = make_delivery_note(order.name)
	assert stage_of(order) == "Delivered"
	clock(2)  # the trip made from the note two hours later
	trip = make_trip(note.name)
	assert stage_of(order) == "In Transit"
	clock(2 + 30)  # the driver ticks the stop 30 hours after it left
	visit(trip)
	assert stage_of(order) == "Delivered"

	log = log_of(order)
	assert [(row.stage, row.next_stage) for row in log] == [
		("Ordered", "Delivered"),
		("Delivered", "Billed"),
		("In Transit", "Delivered"),
		("Delivered", "Billed"),
	]
	# the trip leaving is forward motion: no reversal, no "moved back" comment
	assert [row.is_reversal for row in log] == [0, 0, 0, 0]
	assert not [c for c in comments_of(order) if "Moved back" in c]
	assert [(row.reference_doctype, row.reference_name) for row in log[2:]] == [
		("Delivery Trip", trip.name),
		("Delivery Trip", trip.name),
	]
	assert [row.duration_hours for row in log[1:3]] == [2, 30]  # Delivered 0h → 2h, on the road 30h
	assert log[2].entered_on == add_to_date(T0, hours=2) and log[2].left_on == add_to_date(T0, hours=32)
	assert frappe.db.get_value("Sales Order", order.name, "bizlink_stage_since") == log[3].entered_on


def test_an_order_without_a_trip_or_shipment_skips_in_transit():
	order = make_sales_order()
	assert get_milestones(order.name)["In Transit"] is None
	make_delivery_note(order.name)
	assert get_milestones(order.name)["In Transit"] is None
	assert [row.stage for row in log_of(order)] == ["Ordered", "Delivered"]
	assert stage_of(order) == "Delivered"


def test_an_order_billed_before_its_trip_left_is_in_transit_until_it_arrives():
	order = make_sales_order()
	note = make_delivery_note(order.name)
	make_sales_invoice(order.name)
	assert stage_of(order) == "Billed"
	trip = make_trip(note.name)
	assert stage_of(order) == "In Transit"  # the goods left: forward, not a move back
	visit(trip)
	assert stage_of(order) == "Billed"
	assert [(row.stage, row.is_reversal) for row in log_of(order)] == [
		("Ordered", 0),
		("Delivered", 0),
		("Billed", 0),
		("In Transit", 0),
		("Billed", 0),
	]
	assert not [c for c in comments_of(order) if "Moved back" in c]


def test_one_trip_carries_two_orders_each_in_transit_and_delivered_at_its_own_stop():
	first, second = make_sales_order(), make_sales_order()
	notes = [make_delivery_note(first.name).name, make_delivery_note(second.name).name]
	trip = make_trip(*notes)
	assert (stage_of(first), stage_of(second)) == ("In Transit", "In Transit")
	visit(trip, notes[1])
	assert (stage_of(first), stage_of(second)) == ("In Transit", "Delivered")
	assert frappe.db.get_value("Delivery Trip", trip.name, "status") == "In Transit"
	visit(trip, notes[0])
	assert (stage_of(first), stage_of(second)) == ("Delivered", "Delivered")


def test_a_draft_trip_has_not_left():
	order = make_sales_order()
	note = make_delivery_note(order.name)
	make_trip(note.name, submit=False)
	assert stage_of(order) == "Delivered" and get_milestones(order.name)["In Transit"] is None


def test_a_trip_cancelled_after_it_left_moves_the_order_back_to_where_its_documents_say(clock):
	order = make_sales_order()
	note = make_delivery_note(order.name)
	clock(1)
	trip = make_trip(note.name)
	clock(5)
	trip.reload()
	trip.cancel()
	assert stage_of(order) == "Delivered"  # delivered, with no leg on the road
	last = log_of(order)[-1]
	assert (last.stage, last.is_reversal, last.note) == (
		"Delivered",
		1,
		f"Delivery Trip {trip.name} cancelled",
	)
	assert (last.reference_doctype, last.reference_name) == ("Delivery Trip", trip.name)
	assert f"Moved back from In Transit to Delivered: Delivery Trip {trip.name} cancelled" in comments_of(
		order
	)
	assert log_of(order)[-2].duration_hours == 4
	# deleted once cancelled: the row keeps its place, the reference becomes a note
	frappe.delete_doc("Delivery Trip", trip.name)
	last = frappe.get_doc(LOG, last.name)
	assert (last.reference_doctype, last.reference_name) == (None, None)
	assert last.note == f"Delivery Trip {trip.name} cancelled; Delivery Trip {trip.name} deleted"


def test_a_trip_cancelled_after_its_stops_were_visited_leaves_the_stage_as_it_is():
	order = make_sales_order()
	note = make_delivery_note(order.name)
	trip = make_trip(note.name)
	visit(trip).cancel()
	assert stage_of(order) == "Delivered"
	assert [row.stage for row in log_of(order)] == ["Ordered", "Delivered", "In Transit", "Delivered"]


def test_unticking_a_visited_stop_moves_the_order_back_in_transit():
	order = make_sales_order()
	note = make_delivery_note(order.name)
	trip = make_trip(note.name)
	visit(trip)
	visit(trip, visited=0)
	assert stage_of(order) == "In Transit"
	last = log_of(order)[-1]
	assert (last.stage, last.is_reversal, last.note) == (
		"In Transit",
		1,
		f"Delivery Trip {trip.name} changed",
	)
	assert any("Moved back from Delivered to In Transit" in c for c in comments_of(order))


def test_the_spanish_reader_reads_the_note_and_stage_in_spanish():
	from bizlink.api.fulfilment import get_timeline

	order = make_sales_order()
	note = make_delivery_note(order.name)
	trip = make_trip(note.name)
	visit(trip)
	visit(trip, visited=0)
	frappe.local.lang = "es"
	try:
		rows = get_timeline(order.name)
		expected = frappe._("{0} {1} changed").format(frappe._("Delivery Trip"), trip.name)
		doctype = frappe._("Delivery Trip")
	finally:
		frappe.local.lang = "en"
	# read in the reader's language, whoever's action stored it (in English)
	assert rows[-1].note == expected and doctype != "Delivery Trip" and doctype in expected
	assert frappe.db.get_value(LOG, {"sales_order": order.name, "is_reversal": 1}, "note") == (
		f"Delivery Trip {trip.name} changed"
	)


def test_two_notes_one_on_a_trip_the_order_waits_in_transit_until_the_rest_is_delivered():
	first, second = make_item(), make_item()
	order = make_sales_order(
		items=[
			{"item_code": first.name, "qty": 1, "rate": 100},
			{"item_code": second.name, "qty": 1, "rate": 50},
		]
	)
	part = make_delivery_note(order.name, submit=False)
	part.items = [row for row in part.items if row.item_code == first.name]
	part.submit()
	assert stage_of(order) == "Ordered"
	trip = make_trip(part.name)
	assert stage_of(order) == "In Transit"
	visit(trip)
	assert stage_of(order) == "In Transit"  # that leg arrived, the rest is not delivered yet
	rest = make_delivery_note(order.name)
	assert [row.item_code for row in rest.items] == [second.name]
	assert stage_of(order) == "Delivered"  # the rest handed over at the counter: no leg for it
	assert [row.stage for row in log_of(order)] == ["Ordered", "In Transit", "Delivered"]


def test_the_rest_delivered_while_the_first_leg_is_on_the_road_is_delivered_when_it_arrives():
	first, second = make_item(), make_item()
	order = make_sales_order(
		items=[
			{"item_code": first.name, "qty": 1, "rate": 100},
			{"item_code": second.name, "qty": 1, "rate": 50},
		]
	)
	part = make_delivery_note(order.name, submit=False)
	part.items = [row for row in part.items if row.item_code == first.name]
	part.submit()
	trip = make_trip(part.name)
	rest = make_delivery_note(order.name)
	assert stage_of(order) == "In Transit"  # fully delivered, one leg on the road
	second_trip = make_trip(rest.name)
	visit(trip)
	assert stage_of(order) == "In Transit"  # the second leg still on the road
	visit(second_trip)
	assert stage_of(order) == "Delivered"
	assert [row.is_reversal for row in log_of(order)] == [0, 0, 0]


def test_a_shipment_booked_is_in_transit_and_delivered_when_tracked_as_delivered(clock):
	order = make_sales_order()
	note = make_delivery_note(order.name)
	clock(3)
	shipment = make_shipment(note.name)
	assert stage_of(order) == "In Transit"
	assert log_of(order)[-1].reference_name == shipment.name
	clock(3 + 48)
	# the carrier's tracking, written as ERPNext's shipping integrations write it
	shipment = frappe.get_doc("Shipment", shipment.name)
	shipment.db_set({"status": "Booked", "tracking_status": "In Progress"})
	assert stage_of(order) == "In Transit"
	shipment.db_set({"tracking_status": "Delivered"})
	assert stage_of(order) == "Delivered"
	assert [(row.stage, row.duration_hours) for row in log_of(order)[1:3]] == [
		("Delivered", 3),
		("In Transit", 48),
	]


@pytest.mark.parametrize("ending", ["Returned", "Lost"])
def test_a_shipment_returned_or_lost_has_not_arrived(ending):
	order = make_sales_order()
	shipment = make_shipment(make_delivery_note(order.name).name)
	frappe.get_doc("Shipment", shipment.name).db_set("tracking_status", ending)
	assert stage_of(order) == "In Transit"


def test_a_shipment_cancelled_moves_the_order_back():
	order = make_sales_order()
	shipment = make_shipment(make_delivery_note(order.name).name)
	shipment.reload()
	shipment.cancel()
	last = log_of(order)[-1]
	assert (stage_of(order), last.is_reversal, last.note) == (
		"Delivered",
		1,
		f"Shipment {shipment.name} cancelled",
	)


def test_an_installable_order_is_ready_to_install_when_its_trip_arrives(outgoing_email):
	installer = make_user(roles=["Installation Manager"]).name
	stock = make_user(roles=["Stock User"]).name
	item = make_item(has_serial_no=1, bizlink_requires_installation=1)
	order = make_sales_order(items=[{"item_code": item.name, "qty": 1, "rate": 500}])
	note = make_delivery_note(order.name)
	trip = make_trip(note.name)
	on_the_road = log_of(order)[-1]
	assert (on_the_road.stage, on_the_road.next_stage) == ("In Transit", "Delivered")
	# the stock staff made the trip: they are not told the order is "ready to deliver"
	assert not frappe.get_all(
		"Communication", {"reference_doctype": LOG, "reference_name": on_the_road.name}, pluck="name"
	)
	visit(trip)
	arrived = log_of(order)[-1]
	assert (arrived.stage, arrived.next_stage) == ("Delivered", "Installed")
	told = frappe.get_all(
		"Communication",
		{"reference_doctype": LOG, "reference_name": arrived.name},
		["subject", "recipients"],
	)
	assert [mail.subject for mail in told] == [f"Sales Order {order.name} is Delivered: ready to install"]
	assert installer in told[0].recipients and stock not in told[0].recipients


def test_the_form_timeline_counts_in_transit_as_the_fourth_step():
	from frappe.desk.form.load import getdoc

	order = make_sales_order()
	trip = make_trip(make_delivery_note(order.name).name)
	frappe.response.docs = []
	getdoc("Sales Order", order.name)
	loaded = frappe.response.docs[0].get("__onload")["bizlink_stage_timeline"]
	assert [(row.stage, row.step) for row in loaded] == [("Ordered", 1), ("Delivered", 5), ("In Transit", 4)]
	assert (loaded[-1].reference_doctype, loaded[-1].reference_name) == ("Delivery Trip", trip.name)


# Reports ------------------------------------------------------------------------------------------


def make_log(order: str, stage: str, entered, hours: float | None, group: str):
	frappe.get_doc(
		{
			"doctype": LOG,
			"sales_order": order,
			"stage": stage,
			"entered_on": entered,
			"left_on": add_to_date(entered, hours=hours) if hours is not None else None,
			"duration_hours": hours,
			"customer_group": group,
		}
	).insert(ignore_permissions=True)


def test_the_cycle_time_report_shows_in_transit_between_ready_to_ship_and_delivered():
	from bizlink.fulfilment.report.order_fulfilment_cycle_time.order_fulfilment_cycle_time import execute

	group = frappe.get_doc(
		{
			"doctype": "Customer Group",
			"customer_group_name": f"BL {random_string(6)}",
			"parent_customer_group": "All Customer Groups",
		}
	).insert()
	order = make_sales_order().name
	entered = add_days(now_datetime(), -10)
	for hours in (12, 24, 36, 60):
		make_log(order, "In Transit", entered, hours, group.name)
	make_log(order, "Delivered", entered, 48, group.name)
	make_log(order, "Ordered", entered, 24, group.name)

	_columns, data, _message, chart = execute({"customer_group": group.name})[:4]
	rows = {row["stage_name"]: row for row in data}
	# 12, 24, 36, 60 hours: median 30 h = 1.25 days; 90th percentile 36 + 0.7 * 24 = 52.8 h = 2.2 days
	assert (
		rows["In Transit"]["orders"],
		rows["In Transit"]["median_days"],
		rows["In Transit"]["p90_days"],
	) == (
		4,
		1.25,
		2.2,
	)
	assert [row["stage_name"] for row in data] == ["Ordered", "In Transit", "Delivered"]
	assert chart["data"]["labels"] == ["Ordered", "In Transit", "Delivered"]


def test_orders_waiting_shows_an_order_in_transit_and_filters_by_it(monkeypatch):
	from bizlink.fulfilment.report.orders_waiting.orders_waiting import execute

	order = make_sales_order()
	make_trip(make_delivery_note(order.name).name)
	now = get_datetime("2026-03-10 20:00:00")
	frappe.db.set_value("Sales Order", order.name, "bizlink_stage_since", get_datetime("2026-03-07 08:00:00"))
	monkeypatch.setattr("bizlink.fulfilment.report.orders_waiting.orders_waiting.now_datetime", lambda: now)
	_columns, rows = execute({"stage": "In Transit"})
	mine = [row for row in rows if row.sales_order == order.name]
	assert [(row.stage, row.days_waiting) for row in mine] == [("In Transit", 3.5)]  # 84 hours
	assert all(row.stage == "In Transit" for row in rows)
	_columns, rows = execute({"stage": "Delivered"})
	assert order.name not in [row.sales_order for row in rows]


def test_the_workspace_chart_counts_the_orders_in_transit():
	from bizlink.overrides.dashboard import get_chart

	order = make_sales_order()
	make_trip(make_delivery_note(order.name).name)
	data = get_chart(chart_name="Orders by Fulfilment Stage", refresh=1)
	counts = dict(zip(data["labels"], data["datasets"][0]["values"], strict=True))
	assert counts["In Transit"] == frappe.db.count(
		"Sales Order", {"docstatus": 1, "bizlink_stage": "In Transit"}
	)
	assert counts["In Transit"] >= 1


# Backfill, repair, patch ----------------------------------------------------------------------------


def forget_history(order) -> None:
	frappe.db.delete(LOG, {"sales_order": order.name})
	frappe.db.set_value("Sales Order", order.name, {"bizlink_stage": None, "bizlink_stage_since": None})


def test_backfill_reads_in_transit_from_the_trips_departure_and_its_arrival():
	order = make_sales_order(transaction_date=add_days(today(), -10))
	note = make_delivery_note(order.name, posting_date=add_days(today(), -6))
	departure = get_datetime(f"{add_days(today(), -5)} 07:30:00")
	trip = make_trip(note.name, departure=departure)
	visit(trip)
	arrival = get_datetime(f"{add_days(today(), -4)} 13:00:00")
	frappe.db.set_value("Delivery Trip", trip.name, "modified", arrival, update_modified=False)
	make_sales_invoice(order.name, posting_date=add_days(today(), -1))
	forget_history(order)

	assert backfill_order(order.name) == 4
	log = log_of(order)
	assert [row.stage for row in log] == ["Ordered", "In Transit", "Delivered", "Billed"]
	assert [log[1].entered_on, log[2].entered_on] == [departure, arrival]
	assert log[1].duration_hours == 29.5  # 07:30 one day to 13:00 the next
	assert log[0].left_on == departure and not log[-1].left_on
	assert stage_of(order) == "Billed"


def test_backfill_takes_the_arrival_from_the_trips_version_when_changes_are_tracked():
	order = make_sales_order(transaction_date=add_days(today(), -4))
	note = make_delivery_note(order.name, posting_date=add_days(today(), -3))
	trip = make_trip(note.name, departure=add_days(now_datetime(), -2))
	ticked = frappe.get_doc(
		{
			"doctype": "Version",
			"ref_doctype": "Delivery Trip",
			"docname": trip.name,
			"data": json.dumps(
				{"row_changed": [["delivery_stops", 1, trip.delivery_stops[0].name, [["visited", 0, 1]]]]}
			),
		}
	).insert(ignore_permissions=True)
	arrival = add_days(now_datetime(), -1)
	frappe.db.set_value("Version", ticked.name, "creation", arrival, update_modified=False)
	visit(trip)
	forget_history(order)
	backfill_order(order.name)
	assert [(row.stage, get_datetime(row.entered_on)) for row in log_of(order)][-1] == (
		"Delivered",
		get_datetime(arrival),
	)


def test_backfill_of_an_order_on_the_road_ends_in_transit():
	order = make_sales_order()
	make_shipment(make_delivery_note(order.name).name, pickup_date=today())
	forget_history(order)
	assert backfill_order(order.name) == 2
	last = log_of(order)[-1]
	assert (last.stage, last.entered_on, last.left_on) == (
		"In Transit",
		get_datetime(f"{today()} 09:00:00"),
		None,
	)


def delivered_before_bizlink_followed_trips(order):
	"""The order's trip left while BizLink did not follow legs: its log says Delivered."""
	from bizlink.fulfilment import stages

	note = make_delivery_note(order.name)
	legs = stages.get_legs
	stages.get_legs = lambda sales_order: []
	try:
		trip = make_trip(note.name)
	finally:
		stages.get_legs = legs
	assert stage_of(order) == "Delivered"
	return trip


def test_the_daily_repair_names_the_trip_that_left_not_a_move_back():
	from bizlink import reconcile

	order = make_sales_order()
	trip = delivered_before_bizlink_followed_trips(order)
	figures = reconcile.new_figures("Daily")
	reconcile.check_order(order.name, figures)
	assert figures["stages_repaired"] == 1
	last = log_of(order)[-1]
	assert (stage_of(order), last.is_reversal, last.reference_name, last.note) == (
		"In Transit",
		0,
		trip.name,
		None,
	)
	assert not [c for c in comments_of(order) if "Moved back" in c]


def test_the_patch_puts_the_orders_on_the_road_in_transit_from_their_departure():
	from bizlink.patches.v0_4 import orders_in_transit

	order, arrived, plain = make_sales_order(), make_sales_order(), make_sales_order()
	trip = delivered_before_bizlink_followed_trips(order)
	visit(delivered_before_bizlink_followed_trips(arrived))
	make_delivery_note(plain.name)
	# delivered five hours ago, the trip left four hours ago
	ordered, delivered = log_of(order)
	delivered_at = add_to_date(now_datetime(), hours=-5)
	frappe.db.set_value(
		LOG, ordered.name, {"entered_on": add_to_date(delivered_at, hours=-1), "left_on": delivered_at}
	)
	frappe.db.set_value(LOG, delivered.name, "entered_on", delivered_at)
	departure = add_to_date(delivered_at, hours=1)
	frappe.db.set_value("Delivery Trip", trip.name, "departure_time", departure)
	before = {o.name: log_of(o) for o in (arrived, plain)}

	orders_in_transit.execute()
	log = log_of(order)
	assert [(row.stage, row.is_reversal) for row in log] == [
		("Ordered", 0),
		("Delivered", 0),
		("In Transit", 0),
	]
	assert (log[-1].entered_on, log[-1].reference_name) == (departure, trip.name)
	assert log[1].duration_hours == 1
	assert {o.name: log_of(o) for o in (arrived, plain)} == before  # nothing on the road: untouched


# The portal -----------------------------------------------------------------------------------------


def test_the_portal_order_page_shows_the_order_on_its_way():
	from test_portal_order_page import page

	order = make_sales_order()
	note = make_delivery_note(order.name)
	trip = make_trip(note.name, departure=get_datetime(f"{today()} 07:30:00"))
	user = make_portal_user(order.customer)
	html = page(user, f"order-progress/{order.name}")
	left = frappe.format(get_datetime(f"{today()} 07:30:00"), "Datetime")
	assert "In Transit" in html
	assert f"On its way since {left}" in html
	assert "Vehicle" not in html and trip.driver not in html  # nothing of the driver on the portal
	listing = page(user, "order-progress")
	assert "In Transit" in listing

	visit(trip)
	html = page(user, f"order-progress/{order.name}")
	assert "On its way" not in html and "Delivered on " in html


def test_the_portal_shows_the_carriers_tracking_link_only_when_it_is_a_web_address():
	from test_portal_order_page import page

	order = make_sales_order()
	shipment = make_shipment(make_delivery_note(order.name).name)
	shipment = frappe.get_doc("Shipment", shipment.name)
	shipment.db_set({"carrier": "SEUR", "awb_number": "AWB123", "tracking_url": "javascript:alert(1)"})
	user = make_portal_user(order.customer)
	legs = re.findall(
		r'<p class="bizlink-portal-leg">.*?</p>', page_html(user, f"order-progress/{order.name}")
	)
	assert len(legs) == 1 and "SEUR AWB123" in legs[0] and "href" not in legs[0]
	shipment.db_set("tracking_url", "https://track.example.com/?n=AWB123&x=<b>")
	legs = re.findall(
		r'<p class="bizlink-portal-leg">.*?</p>', page_html(user, f"order-progress/{order.name}")
	)
	assert 'href="https://track.example.com/?n=AWB123&amp;x=&lt;b&gt;"' in legs[0]


def page_html(user: str, path: str) -> str:
	from frappe.utils import set_request
	from frappe.website.serve import get_response_content

	frappe.set_user(user)
	try:
		set_request(method="GET", path=f"/{path}")
		return get_response_content(path)
	finally:
		frappe.set_user("Administrator")
		del frappe.local.request
		frappe.local.form_dict = frappe._dict()


def test_stages_are_in_their_order():
	assert STAGES.index("Ready to Ship") + 1 == STAGES.index("In Transit") == STAGES.index("Delivered") - 1
	assert stage_from({"Ordered": True, "In Transit": True, "Delivered": False}) == "In Transit"
	assert get_leaf("Customer Group")


# Any history of notes and trips -------------------------------------------------------------------

EXAMPLES = int(os.environ.get("BIZLINK_PROPERTY_EXAMPLES", "12"))
which = st.integers(min_value=0, max_value=3)
STEP = st.one_of(
	st.tuples(st.just("deliver"), st.integers(0, 1)),
	st.tuples(st.just("trip"), which),
	st.tuples(st.just("visit"), which),
	st.tuples(st.just("unvisit"), which),
	st.tuples(st.just("cancel_trip"), which),
	st.tuples(st.just("cancel_note"), which),
)


class Road:
	"""An order of two items, its notes (one item each) and trips, and what they should make of it."""

	def __init__(self, clock):
		self.clock, self.hour = clock, 0
		clock(0)  # each example's order is made at the start of its own day
		self.items = [make_item(is_stock_item=0).name, make_item(is_stock_item=0).name]
		self.order = make_sales_order(
			items=[{"item_code": item, "qty": 1, "rate": 10} for item in self.items]
		)
		self.notes: dict[str, str] = {}  # item -> its submitted note
		self.trips: dict[str, dict] = {}  # submitted trip -> {"note": ..., "visited": bool}

	@staticmethod
	def pick(names, index: int):
		if not names:
			return None
		return sorted(names)[index % len(names)]

	def deliver(self, k: int):
		item = self.items[k]
		if item in self.notes:
			return
		note = make_delivery_note(self.order.name, submit=False)
		note.items = [row for row in note.items if row.item_code == item]
		note.submit()
		self.notes[item] = note.name

	def trip(self, k: int):
		note = self.pick(self.notes.values(), k)
		if note:
			self.trips[make_trip(note).name] = {"note": note, "visited": False}

	def visit(self, k: int, visited: int = 1):
		trip = self.pick(self.trips, k)
		if trip:
			visit(frappe._dict(name=trip), visited=visited)
			self.trips[trip]["visited"] = bool(visited)

	def unvisit(self, k: int):
		self.visit(k, visited=0)

	def cancel_trip(self, k: int):
		trip = self.pick(self.trips, k)
		if trip:
			frappe.get_doc("Delivery Trip", trip).cancel()
			del self.trips[trip]

	def cancel_note(self, k: int):
		note = self.pick(self.notes.values(), k)
		if not note:
			return
		frappe.db.savepoint("cancel_note")
		try:
			frappe.get_doc("Delivery Note", note).cancel()
		except frappe.LinkExistsError:  # ERPNext: a submitted trip stops at it
			frappe.db.rollback(save_point="cancel_note")
			assert note in {trip["note"] for trip in self.trips.values()}
			return
		self.notes = {item: name for item, name in self.notes.items() if name != note}

	def run(self, steps):
		for step in steps:
			self.hour += 1
			self.clock(self.hour)
			before = len(log_of(self.order))
			getattr(self, step[0])(*step[1:])
			self.check(step)
			# what a step made: a move back when it undid something, forward motion otherwise (a trip
			# leaving a Delivered order included)
			undoes = step[0] in ("unvisit", "cancel_trip", "cancel_note")
			assert [row.is_reversal for row in log_of(self.order)[before:]] in ([], [int(undoes)]), step

	def expected(self) -> str:
		legs = [trip for trip in self.trips.values() if trip["note"] in self.notes.values()]
		delivered = len(self.notes) == len(self.items)
		if legs:
			return "Delivered" if delivered and all(trip["visited"] for trip in legs) else "In Transit"
		return "Delivered" if delivered else "Ordered"

	def check(self, step):
		name = self.order.name
		log = log_of(self.order)
		stage = frappe.db.get_value("Sales Order", name, "bizlink_stage")
		assert stage == stage_from(get_milestones(name)) == self.expected(), (step, stage, self.expected())
		assert [row.stage for row in log if not row.left_on] == [stage], step
		for earlier, later in pairwise(log):
			assert earlier.left_on == later.entered_on and earlier.stage != later.stage, step
			assert earlier.duration_hours == (later.entered_on - earlier.entered_on).total_seconds() / 3600


@settings(
	max_examples=EXAMPLES,
	deadline=None,
	database=None,
	suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(STEP, min_size=3, max_size=12))
def test_any_history_of_notes_and_trips_leaves_the_stage_the_documents_say(clock, steps):
	frappe.db.savepoint("example")
	try:
		Road(clock).run([("deliver", 0), *steps])
	finally:
		frappe.db.rollback(save_point="example")
		frappe.local.message_log = []


# Over REST, as the Stock User who dispatches the trip -------------------------------------------------


@pytest.fixture
def dispatched(site):
	"""An order delivered by a note, a vehicle and a driver, and a Stock User and a Sales User with API
	keys: committed (the requests run in their own connections), removed at the end."""
	from committed import purge_world
	from test_rest_permissions import Api, give_api_key

	tag = random_string(6).lower()
	world = frappe._dict(api=Api(site), trips=[])
	try:
		world.stock = make_user(f"logistics-stock-{tag}@example.com", ["Stock User"]).name
		world.sales = make_user(f"logistics-sales-{tag}@example.com", ["Sales User"]).name
		for user in (world.stock, world.sales):
			world.api.keys[user] = give_api_key(user)
		world.item = make_item(f"LOGISTICS-{tag.upper()}", is_stock_item=0).name
		world.order = make_sales_order(items=[{"item_code": world.item, "qty": 2, "rate": 75}])
		world.note = make_delivery_note(world.order.name)
		world.vehicle, world.driver = make_vehicle(), make_driver()
		world.address = frappe.db.get_value("Customer", world.order.customer, "customer_primary_address")
		# the requests read it in their own connections
		frappe.db.commit()  # nosemgrep
		yield world
	finally:
		frappe.db.rollback()
		trips = frappe.get_all(
			"Delivery Stop", {"delivery_note": world.get("note") and world.note.name}, pluck="parent"
		)
		order = world.get("order")
		purge_world(
			[order.customer] if order else [],
			[world.item] if world.get("item") else [],
			[user for user in (world.get("stock"), world.get("sales")) if user],
			extra=(
				("Delivery Trip", trips),
				("Delivery Note", [world.note.name] if world.get("note") else []),
				("Vehicle", [world.vehicle] if world.get("vehicle") else []),
				("Driver", [world.driver] if world.get("driver") else []),
			),
		)
		# what the fixture committed is removed for good
		frappe.db.commit()  # nosemgrep


@pytest.mark.commits
def test_a_stock_user_submits_and_cancels_the_trip_over_rest(dispatched):
	world = dispatched
	trip = {
		"company": world.order.company,
		"vehicle": world.vehicle,
		"driver": world.driver,
		"departure_time": str(now_datetime()),
		"delivery_stops": [
			{"customer": world.order.customer, "address": world.address, "delivery_note": world.note.name}
		],
	}
	made = world.api.resource(world.stock, "POST", "Delivery Trip", json=trip)
	assert made.status_code == 200, made.text[:500]
	name = made.json["data"]["name"]

	# a Sales User may not send it on its way: refused, and the order stays where it was
	refused = world.api.resource(world.sales, "PUT", "Delivery Trip", name, json={"docstatus": 1})
	assert refused.status_code == 403
	frappe.db.rollback()
	assert stage_of(world.order) == "Delivered"

	submitted = world.api.resource(world.stock, "PUT", "Delivery Trip", name, json={"docstatus": 1})
	assert submitted.status_code == 200, submitted.text[:500]
	frappe.db.rollback()  # a fresh view of what the request committed
	assert stage_of(world.order) == "In Transit"
	on_the_road = log_of(world.order)[-1]
	assert (on_the_road.reference_name, on_the_road.is_reversal) == (name, 0)

	cancelled = world.api.method(
		world.stock, "POST", "frappe.client.cancel", json={"doctype": "Delivery Trip", "name": name}
	)
	assert cancelled.status_code == 200, cancelled.text[:500]
	frappe.db.rollback()
	last = log_of(world.order)[-1]
	assert (stage_of(world.order), last.is_reversal, last.note) == (
		"Delivered",
		1,
		f"Delivery Trip {name} cancelled",
	)
	assert [row.stage for row in log_of(world.order)] == ["Ordered", "Delivered", "In Transit", "Delivered"]
