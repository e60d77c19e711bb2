"""Portal: the customer's orders with their fulfilment stage, and each order's stage timeline and
installation appointment. /order-progress and /order-progress/<sales order>."""

import frappe
from frappe import _
from frappe.utils import add_to_date, get_datetime, now_datetime

from bizlink.api.fulfilment import get_timeline
from bizlink.field_service.installation import STARTED_STATUSES, format_qty
from bizlink.fulfilment.stages import STAGES

no_cache = 1


def get_context(context):
	if frappe.session.user == "Guest":
		frappe.throw(_("Log in to see your orders."), frappe.PermissionError)
	context.show_sidebar = True
	context.stages = STAGES
	name = frappe.form_dict.name
	if name:
		order = frappe.get_doc("Sales Order", name)
		if order.docstatus != 1 or not frappe.has_website_permission(order):
			frappe.throw(_("Not Permitted"), frappe.PermissionError)
		context.order = order
		context.timeline = path_to_now(get_timeline(order.name), order.get("bizlink_stage"))
		context.items = order_items([order.name]).get(order.name, [])
		context.installations = installations_of(order.name)
		context.legs = legs_of(order.name)
		context.title = _("Order {0}").format(order.name)
	else:
		context.orders = get_my_orders()
		context.equipment, context.visits = get_my_equipment()
		context.title = _("Order Progress")
	return context


def path_to_now(timeline: list[dict], current: str | None) -> list[dict]:
	"""The stage timeline as the customer reads it: the path to where the order is now. For each stage
	up to the current one (in the stages' order) its latest entry, the current one marked; the rows of
	a move back (a trip cancelled, a stop unticked) and the stages after the current one (left when the
	order moved back) are not shown, nor an entry that came after the next stage's shown (the trip that
	left after the note and was cancelled: the order is Delivered by the note, it did not go through
	In Transit to get there). The order's form keeps the whole log for the staff."""
	rows = [row for row in timeline if not row.is_reversal]
	if current not in STAGES:
		current = rows[-1].stage if rows else None
	if not current:
		return []
	path, before = [], None
	for stage in reversed(STAGES[: STAGES.index(current) + 1]):
		entries = [
			row
			for row in rows
			if row.stage == stage and (before is None or get_datetime(row.entered_on) <= before)
		]
		if entries:
			row = entries[-1]  # the timeline is oldest first: its latest
			row.current = stage == current
			path.append(row)
			before = get_datetime(row.entered_on)
	return path[::-1]


def get_my_equipment() -> tuple[list[dict], list[dict]]:
	"""The portal customers' installed units (cover, next maintenance) and their last visits."""
	from bizlink.api.service_ticket import get_portal_customers
	from bizlink.field_service.report.installed_base.installed_base import execute

	customers = get_portal_customers()
	units = [row for customer in customers for row in execute({"customer": customer})[1]][:50]
	visits = (
		frappe.get_all(
			"Field Visit",
			filters={"customer": ("in", customers), "status": ("!=", "Cancelled")},
			fields=["visit_type", "status", "scheduled_start", "actual_end", "due_date", "item_code"],
			order_by="modified desc",
			limit=20,
		)
		if customers
		else []
	)
	for visit in visits:
		visit.when = visit.actual_end or visit.scheduled_start or visit.due_date
		visit.item_name = (
			frappe.get_cached_value("Item", visit.item_code, "item_name") if visit.item_code else ""
		)
	visits.sort(key=lambda v: str(v.when or ""), reverse=True)
	return units, visits


def get_my_orders() -> list[dict]:
	"""The submitted orders of the customers whose portal users include the session user."""
	from bizlink.api.service_ticket import get_portal_customers

	customers = get_portal_customers()
	if not customers:
		return []
	orders = frappe.get_all(
		"Sales Order",
		filters={"customer": ("in", customers), "docstatus": 1},
		fields=[
			"name",
			"transaction_date",
			"grand_total",
			"currency",
			"bizlink_stage",
			"bizlink_stage_since",
		],
		order_by="transaction_date desc",
		limit=50,
	)
	items = order_items([o.name for o in orders])
	for order in orders:
		order["items"] = items.get(order.name, [])
	return orders


def order_items(orders: list[str]) -> dict[str, list[dict]]:
	"""What each order is for, as the customer reads it: item name, quantity and unit, delivered."""
	if not orders:
		return {}
	rows = frappe.get_all(
		"Sales Order Item",
		filters={"parent": ("in", orders), "parenttype": "Sales Order"},
		fields=["parent", "item_name", "qty", "uom", "delivered_qty"],
		order_by="parent, idx",
	)
	out: dict[str, list[dict]] = {}
	for row in rows:
		row.qty_text, row.delivered_text = (
			format_qty(row.qty, row.uom),
			format_qty(row.delivered_qty, row.uom),
		)
		out.setdefault(row.parent, []).append(row)
	return out


def legs_of(order: str) -> list[frappe._dict]:
	"""The trips and shipments carrying the order's goods, as the customer reads them: on the way since
	when (and expected when), or delivered when; a shipment's carrier, tracking number and tracking link
	(a web address only). Nothing of the driver or the vehicle."""
	from bizlink.fulfilment.stages import arrival_time, get_legs

	legs = []
	for leg in get_legs(order):
		if leg.arrived:
			when = _("Delivered on {0}").format(frappe.format(arrival_time(leg), "Datetime"))
		else:
			when = _("On its way since {0}").format(frappe.format(leg.left_on, "Datetime"))
			if leg.get("expected"):
				when += " · " + _("expected at about {0}").format(frappe.format(leg.expected, "Datetime"))
		url = (leg.get("tracking_url") or "").strip()
		legs.append(
			frappe._dict(
				when=when,
				carrier=" ".join(part for part in (leg.get("carrier"), leg.get("awb_number")) if part),
				tracking_url=url if url.lower().startswith(("https://", "http://")) else None,
			)
		)
	return legs


def installations_of(order: str) -> list[dict]:
	"""The order's installations (a part installed, the rest planned), each with the time that says
	where it stands: when it was completed, when it started, or the slot it is booked for."""
	jobs = frappe.get_all(
		"Field Visit",
		filters={"sales_order": order, "docstatus": ("<", 2), "status": ("!=", "Cancelled")},
		fields=[
			"name",
			"status",
			"scheduled_start",
			"scheduled_end",
			"actual_start",
			"actual_end",
			"appointment_status",
			"eta",
			"promised_date",
		],
		order_by="creation asc",
	)
	for job in jobs:
		job.appointment = appointment_of(job)
		# what was promised to the customer, while it is still to do
		job.promise = (
			_("Promised by {0}").format(frappe.format(job.promised_date, "Date"))
			if job.promised_date and job.status != "Completed"
			else None
		)
		if job.status == "Completed":
			job.when = _("Completed on {0}").format(frappe.format(job.actual_end, "Datetime"))
		elif job.status in STARTED_STATUSES and job.actual_start:
			job.when = _("Started on {0}").format(frappe.format(job.actual_start, "Datetime"))
		elif job.scheduled_start:
			job.when = _("Booked for {0} – {1}").format(
				frappe.format(job.scheduled_start, "Datetime"), frappe.format(job.scheduled_end, "Datetime")
			)
		else:
			job.when = _("A date will be proposed to you")
	return jobs


def appointment_of(job) -> frappe._dict | None:
	"""What the customer said of a booked slot, the link to answer it while they have not, and the
	technician's expected arrival once they are on the way."""
	from bizlink.field_service.appointment import appointment_url

	if job.status != "Scheduled" or not job.scheduled_start:
		return None
	return frappe._dict(
		state={
			"Sent": _("Waiting for your confirmation"),
			"Confirmed": _("Confirmed by you"),
			"New Slot Requested": _("You asked for another slot: we will call you"),
		}.get(job.appointment_status),
		answer_url=appointment_url(job.name, job.scheduled_start)
		if job.appointment_status == "Sent"
		else None,
		eta=_("Our technician is on the way: expected at about {0}").format(
			frappe.utils.data.format_datetime(job.eta, "HH:mm")
		)
		if eta_is_current(job.eta)
		else None,
	)


# an ETA is shown from when it is set until this long after it, whatever the date (23:45 on the way,
# there at 00:10); an older one is a trip that is over
ETA_SHOWN_FOR = 3  # hours after the expected arrival


def eta_is_current(eta, now=None) -> bool:
	if not eta:
		return False
	now = get_datetime(now) if now else now_datetime()
	return get_datetime(eta) >= add_to_date(now, hours=-ETA_SHOWN_FOR)
