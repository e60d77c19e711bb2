"""In Transit: the orders whose goods are on the road when this release comes.

Until now a Delivery Trip or Shipment moved no order; from now on one that has left and not arrived
holds its order In Transit (bizlink.fulfilment.stages). Open orders with such a leg are Delivered (or
further) in their log: brought up to date here, as the leg's departure (forward motion, not a move
back), stamped with its departure time (no earlier than the stage it leaves). Without this patch the
daily repair would still move them, but stamped with the hour it runs and with no departure told
apart from a departure seen late.

Orders whose legs have all arrived keep their history (Delivered when the note was submitted): their
stage does not change, and a history is not rewritten after the fact.
"""

import frappe
from frappe.utils import get_datetime, now_datetime

from bizlink.fulfilment.stages import LOG, get_legs, get_milestones, refresh_stage, repair_cause, stage_from


def execute():
	for sales_order in orders_on_the_road():
		current = frappe.db.get_value(
			LOG, {"sales_order": sales_order, "left_on": ("is", "not set")}, "stage"
		)
		new = stage_from(get_milestones(sales_order))
		if new == current:
			continue
		doctype, name, event = repair_cause(sales_order, current, new)
		refresh_stage(sales_order, doctype, name, at=moment(sales_order, doctype, name), event=event)


def orders_on_the_road() -> list[str]:
	"""The submitted orders with a Delivery Note on a submitted trip with a stop not visited, or on a
	submitted shipment not arrived."""
	stop, trip = frappe.qb.DocType("Delivery Stop"), frappe.qb.DocType("Delivery Trip")
	shipped, shipment = frappe.qb.DocType("Shipment Delivery Note"), frappe.qb.DocType("Shipment")
	notes = set(
		frappe.qb.from_(stop)
		.join(trip)
		.on(stop.parent == trip.name)
		.select(stop.delivery_note)
		.distinct()
		.where(stop.parenttype == "Delivery Trip")
		.where(trip.docstatus == 1)
		.where(stop.visited == 0)
		.where(stop.delivery_note.isnotnull())
		.run(pluck=True)
	)
	notes |= set(
		frappe.qb.from_(shipped)
		.join(shipment)
		.on(shipped.parent == shipment.name)
		.select(shipped.delivery_note)
		.distinct()
		.where(shipped.parenttype == "Shipment")
		.where(shipment.docstatus == 1)
		.where(shipment.status != "Completed")
		.where(shipment.tracking_status.isnull() | (shipment.tracking_status != "Delivered"))
		.run(pluck=True)
	)
	if not notes:
		return []
	return frappe.get_all(
		"Delivery Note Item",
		filters={
			"parent": ("in", list(notes)),
			"parenttype": "Delivery Note",
			"docstatus": 1,
			"against_sales_order": ("is", "set"),
		},
		pluck="against_sales_order",
		distinct=True,
	)


def moment(sales_order: str, doctype: str | None, name: str | None):
	"""The leg's departure, no earlier than the stage it ends and no later than now."""
	entered = frappe.db.get_value(
		LOG, {"sales_order": sales_order, "left_on": ("is", "not set")}, "entered_on"
	)
	leg = next((leg for leg in get_legs(sales_order) if (leg.doctype, leg.name) == (doctype, name)), None)
	if not leg:
		return None
	at = min(leg.left_on, now_datetime())
	return max(at, get_datetime(entered)) if entered else at
