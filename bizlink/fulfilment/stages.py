"""Order fulfilment: the stage each Sales Order is in, and how long it stays there.

Stages, in order: Ordered → In Production → Ready to Ship → In Transit → Delivered → Installed → Billed →
Completed. An order skips what it does not need (no Work Order: no production stages; no Delivery Trip
or Shipment: no In Transit; nothing to install: no Installed). Its stage is the furthest milestone
reached with every earlier one reached too:

- Ordered: submitted;  In Production: a Work Order submitted;  Ready to Ship: all its Work Orders done;
- In Transit: a leg has left: a Delivery Trip submitted with a stop for one of the order's Delivery
  Notes, or a Shipment of one submitted (booked);
- Delivered: fully delivered, and every leg that left has arrived (a trip's stops for the order's
  notes all visited; a shipment Completed or tracked as Delivered);  Installed: everything that needs
  installing installed;  Billed: fully invoiced;  Completed: those invoices paid.

A leg that has arrived still counts as having left: an order whose one trip arrived with part of its
goods stays In Transit until the rest is delivered (as an order stays In Production until all its Work
Orders are done). A shipment Returned or Lost has not arrived: the order waits In Transit (and shows in
Orders Waiting) until the shipment is cancelled or the goods are delivered again.

Each change writes an Order Stage Log row (entered, left, hours, the document that caused it) and the
order's BizLink Stage fields. Documents call `refresh_stage` from their doc_events; the stage is
derived from the order's state, so repeated or out-of-order events cannot double-count, and a
cancellation moves the order back and says so.

Moves and reversals (`is_move_back`). A move to an earlier stage is a reversal (a row marked Moved
Back, a note naming the cause, a comment on the order), except where legs are concerned, because
ERPNext submits the Delivery Note first (the order is Delivered) and makes the trip from it afterwards:
- a leg leaving (its submit) is forward motion, whatever stage it finds the order in: Delivered →
  In Transit is the goods going on the road, not a move back;
- a leg called off (cancelled or deleted), even after it left, is a reversal, whatever stage it leaves
  the order in: In Transit → Delivered goes back to where the documents say (delivered, no leg), and
  says "Delivery Trip X cancelled";
- a leg's arrival undone (a stop's Visited unticked, a shipment's tracking no longer Delivered) moves
  the order back to In Transit as a reversal ("Delivery Trip X changed").
A move whose cause is not known (the daily repair) follows the order of STAGES, except that an order
found past In Transit with a leg still on the road was passed by that leg's departure (`repair_cause`).

Times: a live move is stamped when its event happens (a trip's submit, the save that ticks its last
stop); the backfill reads the documents' own: a trip's departure_time, a shipment's pickup date and
time; an arrival from the Version that ticked the order's last stop when the site tracks changes of
Delivery Trip, else the trip's (or shipment's) last modification once arrived, which is the save that
ticked its last stop unless it was edited afterwards.
"""

import frappe
from frappe import _
from frappe.query_builder import Case
from frappe.query_builder.functions import Count, Sum
from frappe.utils import flt, get_datetime, now_datetime, time_diff_in_hours

STAGES = (
	"Ordered",
	"In Production",
	"Ready to Ship",
	"In Transit",
	"Delivered",
	"Installed",
	"Billed",
	"Completed",
)
LOG = "Order Stage Log"
# the documents that carry an order's goods to the customer (its legs): submitted, a leg has left
LEGS = ("Delivery Trip", "Shipment")
# the documents whose submit, cancel or deletion a stage log records (its reference)
LOGGED = (
	"Sales Order",
	"Work Order",
	"Stock Entry",
	"Delivery Note",
	"Sales Invoice",
	"Payment Entry",
	*LEGS,
)
# a leg's table of the Delivery Notes it carries
LEG_NOTES = {"Delivery Trip": "delivery_stops", "Shipment": "shipment_delivery_note"}
# a shipment has arrived when
SHIPMENT_ARRIVED = {"status": "Completed", "tracking_status": "Delivered"}

# A stage log's note is stored in English, whoever's action wrote it, and read in each reader's
# language (read_note): "Delivery Note DN-0001 cancelled; Delivery Note DN-0001 deleted".
BACKFILLED = "Backfilled from the order's documents"
MOVED_BACK = "Moved back"


def event_note(doctype: str, name: str, event: str) -> str:
	"""The stored (English) note of a referenced document's event: "cancelled", "deleted" or "changed"
	(a leg's arrival undone)."""
	return f"{doctype} {name} {event}"


def read_note(note: str | None) -> str | None:
	"""A stored stage note in the reader's language; a note written otherwise (by hand, or before
	notes were stored in English) is shown as it is."""
	if not note:
		return note
	return "; ".join(read_note_part(part) for part in note.split("; "))


def read_note_part(part: str) -> str:
	fixed = {BACKFILLED: _("Backfilled from the order's documents"), MOVED_BACK: _("Moved back")}
	if part in fixed:
		return fixed[part]
	events = {
		"cancelled": _("{0} {1} cancelled"),
		"deleted": _("{0} {1} deleted"),
		"changed": _("{0} {1} changed"),
	}
	for event, message in events.items():
		for doctype in LOGGED:
			prefix, suffix = f"{doctype} ", f" {event}"
			if part.startswith(prefix) and part.endswith(suffix) and len(part) > len(prefix + suffix):
				return message.format(_(doctype), part[len(prefix) : -len(suffix)])
	return part


def get_milestones(sales_order: str) -> dict[str, bool | None]:
	"""Which milestones the order has reached; None for one it does not need."""
	order = frappe.db.get_value(
		"Sales Order",
		sales_order,
		[
			"docstatus",
			"status",
			"per_delivered",
			"per_billed",
			"skip_delivery_note",
			"bizlink_installation_status",
		],
		as_dict=True,
	)
	if not order or order.docstatus != 1:
		return {}
	work_order = frappe.qb.DocType("Work Order")
	orders, done = (
		frappe.qb.from_(work_order)
		.select(Count(work_order.name), Sum(Case().when(work_order.status == "Completed", 1).else_(0)))
		.where(work_order.sales_order == sales_order)
		.where(work_order.docstatus == 1)
		.run()[0]
	)
	installation = order.bizlink_installation_status
	legs = get_legs(sales_order)
	delivered = bool(order.skip_delivery_note or flt(order.per_delivered) >= 100)
	return {
		"Ordered": True,
		"In Production": bool(orders) if orders else None,
		"Ready to Ship": (flt(done) == orders) if orders else None,
		"In Transit": True if legs else None,
		"Delivered": delivered and all(leg.arrived for leg in legs),
		"Installed": None if installation in (None, "", "Not Applicable") else installation == "Installed",
		"Billed": flt(order.per_billed) >= 100,
		"Completed": flt(order.per_billed) >= 100 and invoices_paid(sales_order),
	}


def delivery_notes_of(sales_order: str) -> list[str]:
	"""The order's submitted Delivery Notes."""
	return frappe.get_all(
		"Delivery Note Item",
		filters={"against_sales_order": sales_order, "docstatus": 1, "parenttype": "Delivery Note"},
		pluck="parent",
		distinct=True,
	)


def get_legs(sales_order: str) -> list[frappe._dict]:
	"""The legs carrying the order's goods, earliest departure first: each submitted Delivery Trip with
	a stop for one of its submitted Delivery Notes (arrived: those stops all visited), each submitted
	Shipment of one (arrived: Completed, or tracked as Delivered)."""
	notes = delivery_notes_of(sales_order)
	if not notes:
		return []
	legs: dict[str, frappe._dict] = {}
	trip, stop = frappe.qb.DocType("Delivery Trip"), frappe.qb.DocType("Delivery Stop")
	stops = (
		frappe.qb.from_(stop)
		.join(trip)
		.on(stop.parent == trip.name)
		.select(
			trip.name,
			trip.departure_time,
			trip.modified,
			stop.name.as_("stop"),
			stop.visited,
			stop.estimated_arrival,
		)
		.where(stop.parenttype == "Delivery Trip")
		.where(stop.delivery_note.isin(notes))
		.where(trip.docstatus == 1)
		.orderby(trip.departure_time)
		.orderby(stop.idx)
		.run(as_dict=True)
	)
	for row in stops:
		leg = legs.setdefault(
			row.name,
			frappe._dict(
				doctype="Delivery Trip",
				name=row.name,
				left_on=get_datetime(row.departure_time),
				modified=row.modified,
				stops=[],
				arrived=True,
				expected=None,
			),
		)
		leg.stops.append(row.stop)
		leg.arrived = leg.arrived and bool(row.visited)
		if not row.visited and row.estimated_arrival:
			leg.expected = max(leg.expected or row.estimated_arrival, row.estimated_arrival)
	shipment, shipped = frappe.qb.DocType("Shipment"), frappe.qb.DocType("Shipment Delivery Note")
	shipments = (
		frappe.qb.from_(shipped)
		.join(shipment)
		.on(shipped.parent == shipment.name)
		.select(
			shipment.name,
			shipment.pickup_date,
			shipment.pickup_from,
			shipment.modified,
			shipment.status,
			shipment.tracking_status,
			shipment.carrier,
			shipment.awb_number,
			shipment.tracking_url,
		)
		.distinct()
		.where(shipped.parenttype == "Shipment")
		.where(shipped.delivery_note.isin(notes))
		.where(shipment.docstatus == 1)
		.orderby(shipment.pickup_date)
		.run(as_dict=True)
	)
	for row in shipments:
		legs[row.name] = frappe._dict(
			doctype="Shipment",
			name=row.name,
			left_on=get_datetime(f"{row.pickup_date} {row.pickup_from or '00:00:00'}"),
			modified=row.modified,
			arrived=any(row[field] == value for field, value in SHIPMENT_ARRIVED.items()),
			carrier=row.carrier,
			awb_number=row.awb_number,
			tracking_url=row.tracking_url,
		)
	return sorted(legs.values(), key=lambda leg: leg.left_on)


def invoices_paid(sales_order: str) -> bool:
	invoice = frappe.qb.DocType("Sales Invoice")
	item = frappe.qb.DocType("Sales Invoice Item")
	outstanding = (
		frappe.qb.from_(invoice)
		.join(item)
		.on(item.parent == invoice.name)
		.select(invoice.name, invoice.outstanding_amount)
		.distinct()
		.where(item.sales_order == sales_order)
		.where(invoice.docstatus == 1)
		.run(as_dict=True)
	)
	return bool(outstanding) and all(flt(row.outstanding_amount) <= 0 for row in outstanding)


def next_stage_from(milestones: dict, stage: str | None) -> str | None:
	"""The next milestone the order needs after `stage`."""
	for name in STAGES[STAGES.index(stage) + 1 :] if stage else ():
		if milestones.get(name) is not None:
			return name
	return None


def stage_from(milestones: dict) -> str | None:
	stage = None
	for name in STAGES:
		reached = milestones.get(name)
		if reached is None:
			continue  # not needed by this order
		if not reached:
			break
		stage = name
	return stage


def refresh_stage(
	sales_order: str,
	doctype: str | None = None,
	name: str | None = None,
	at=None,
	event: str | None = None,
) -> str | None:
	"""Bring the order's stage and its log up to date; return the stage. `doctype`/`name` is the
	document that caused the change and `event` what happened to it ("submitted", "updated",
	"cancelled", "deleted"; a caller that names a document without an event means its cancellation)."""
	stored = lock_order(sales_order)
	# the open log row is the truth: the order's own field may have been overwritten by a stale copy
	current = frappe.db.get_value(LOG, {"sales_order": sales_order, "left_on": ("is", "not set")}, "stage")
	milestones = get_milestones(sales_order)
	new = stage_from(milestones)
	if new == current:
		if stored != new:
			since = frappe.db.get_value(
				LOG, {"sales_order": sales_order, "left_on": ("is", "not set")}, "entered_on"
			)
			frappe.db.set_value(
				"Sales Order",
				sales_order,
				{"bizlink_stage": new, "bizlink_stage_since": since},
				update_modified=False,
			)
		return new
	at = get_datetime(at) if at else now_datetime()
	close_open_stage(sales_order, at)
	moved_back = is_move_back(current, new, doctype, event)
	note = None
	if moved_back:
		note = event_note(doctype, name, NOTED_EVENTS.get(event, "changed")) if doctype else MOVED_BACK
	if new:
		order = frappe.db.get_value(
			"Sales Order", sales_order, ["company", "customer", "customer_group", "territory"], as_dict=True
		)
		log = frappe.get_doc(
			{
				"doctype": LOG,
				"sales_order": sales_order,
				"stage": new,
				"next_stage": next_stage_from(milestones, new),
				"entered_on": at,
				"reference_doctype": doctype,
				"reference_name": name,
				"is_reversal": int(moved_back),
				"note": note,
				**order,
			}
		).insert(ignore_permissions=True)
		if log.next_stage and not log.is_reversal:
			from bizlink.bizlink.queue import after_commit

			# who acts next is told from the queue, after the commit (mail is slow to build)
			after_commit("bizlink.fulfilment.stages.notify_next_stage", log=log.name)
	frappe.db.set_value(
		"Sales Order",
		sales_order,
		{"bizlink_stage": new, "bizlink_stage_since": at if new else None},
		update_modified=False,
	)
	if moved_back:
		frappe.get_doc("Sales Order", sales_order).add_comment(
			"Info",
			_("Moved back from {0} to {1}: {2}").format(_(current), _(new) if new else "-", read_note(note)),
		)
	return new


# what a move back says of its cause's event (no event named: the caller means a cancellation)
NOTED_EVENTS = {None: "cancelled", "cancelled": "cancelled", "deleted": "deleted"}


def is_move_back(
	current: str | None, new: str | None, doctype: str | None = None, event: str | None = None
) -> bool:
	"""Whether leaving `current` for `new` undoes progress (see the module's docstring): a move to an
	earlier stage, except a leg leaving (forward, whatever it finds) and a leg called off (a reversal,
	whatever it leaves)."""
	if not current:
		return False
	if doctype in LEGS and event == "submitted":
		return False
	if doctype in LEGS and event in ("cancelled", "deleted"):
		return True
	return not new or STAGES.index(new) < STAGES.index(current)


def repair_cause(sales_order: str, current: str | None, new: str | None) -> tuple:
	"""(doctype, name, event) the daily repair names for a move it makes without having seen its event:
	an order found past In Transit with a leg on the road was passed by that leg's departure (made
	before BizLink followed legs, or its event lost): forward, named after the leg. Any other move is
	the documents' at large (no cause: a move back says "Moved back")."""
	if new == "In Transit" and current and STAGES.index(current) > STAGES.index(new):
		leg = next((leg for leg in get_legs(sales_order) if not leg.arrived), None)
		if leg:
			return leg.doctype, leg.name, "submitted"
	return None, None, None


def notify_next_stage(log: str) -> None:
	"""Background: run the Notifications whose event is the Method `notify_next_stage` (editable by
	administrators: Order Ready to Deliver / Install / Bill). Runs after the commit: an order that has
	moved on since (its row closed) or moved back is not announced as being where it no longer is."""
	row = frappe.db.get_value(LOG, log, ["left_on", "is_reversal"], as_dict=True)
	if row and not row.left_on and not row.is_reversal:
		frappe.get_doc(LOG, log).run_method("notify_next_stage")


def lock_order(sales_order: str) -> str | None:
	"""Take the order's row (by its primary key, nothing else) so that one transaction at a time
	brings its stage up to date, and return its stage as last committed: the after-submit job and a
	delivery submitted at the same moment would otherwise both open a row."""
	return frappe.db.get_value("Sales Order", sales_order, "bizlink_stage", for_update=True) or None


def close_open_stage(sales_order: str, at) -> None:
	log = frappe.qb.DocType(LOG)
	open_rows = (
		frappe.qb.from_(log)
		.select(log.name, log.entered_on)
		.where(log.sales_order == sales_order)
		.where(log.left_on.isnull())
		.run(as_dict=True)
	)
	for row in open_rows:
		frappe.db.set_value(
			LOG,
			row.name,
			{"left_on": at, "duration_hours": max(time_diff_in_hours(at, row.entered_on), 0)},
			update_modified=False,
		)


# doc_events ------------------------------------------------------------------------------------


def sales_orders_of(doc) -> set[str]:
	if doc.doctype == "Sales Order":
		return {doc.name}
	if doc.doctype == "Work Order":
		return {doc.sales_order} if doc.sales_order else set()
	if doc.doctype == "Stock Entry":
		if doc.work_order:
			return {frappe.db.get_value("Work Order", doc.work_order, "sales_order")} - {None}
		return set()
	if doc.doctype == "Delivery Note":
		return {row.against_sales_order for row in doc.items if row.against_sales_order}
	if doc.doctype == "Sales Invoice":
		return {row.sales_order for row in doc.items if row.sales_order}
	if doc.doctype == "Field Visit":
		return {doc.sales_order}
	if doc.doctype in LEGS:
		notes = {row.delivery_note for row in doc.get(LEG_NOTES[doc.doctype]) if row.delivery_note}
		if not notes:
			return set()
		return set(
			frappe.get_all(
				"Delivery Note Item",
				filters={
					"parent": ("in", list(notes)),
					"parenttype": "Delivery Note",
					"against_sales_order": ("is", "set"),
				},
				pluck="against_sales_order",
				distinct=True,
			)
		)
	if doc.doctype == "Payment Entry":
		invoices = [r.reference_name for r in doc.references if r.reference_doctype == "Sales Invoice"]
		if not invoices:
			return set()
		return set(
			frappe.get_all(
				"Sales Invoice Item",
				filters={"parent": ("in", invoices), "sales_order": ("is", "set")},
				pluck="sales_order",
				distinct=True,
			)
		)
	return set()


def on_document_change(doc, method=None) -> None:
	"""doc_event for every document that can move an order between stages (a Shipment's on_change:
	its booking and tracking are written with db_set, which runs no other event)."""
	if doc.doctype in LEGS and doc.docstatus == 0:
		return  # a draft leg has not left
	event = event_of(doc, method)
	# one order after another in one order (a trip carries several): two trips never wait on each other
	for sales_order in sorted(sales_orders_of(doc)):
		refresh_stage(sales_order, doc.doctype, doc.name, event=event)


def event_of(doc, method: str | None) -> str:
	"""What happened to the document: "submitted", "updated" (after submit, or a db_set), "cancelled",
	"deleted". A Shipment's on_change runs inside its submit and cancel too: told apart by docstatus and
	the action under way."""
	if method == "on_trash":
		return "deleted"
	if doc.docstatus == 2:
		return "cancelled"
	if method == "on_submit" or getattr(doc, "_action", None) == "submit":
		return "submitted"
	return "updated"


# Backfill --------------------------------------------------------------------------------------


def get_milestone_times(sales_order: str) -> dict:
	"""When each milestone of an order was reached, read from its documents' own dates."""
	order = frappe.db.get_value("Sales Order", sales_order, ["transaction_date", "creation"], as_dict=True)
	times = {"Ordered": min(get_datetime(order.transaction_date), get_datetime(order.creation))}

	work_orders = frappe.get_all(
		"Work Order",
		filters={"sales_order": sales_order, "docstatus": 1},
		fields=["creation", "actual_end_date", "status"],
	)
	if work_orders:
		times["In Production"] = min(get_datetime(w.creation) for w in work_orders)
		if all(w.status == "Completed" for w in work_orders):
			times["Ready to Ship"] = max(get_datetime(w.actual_end_date or w.creation) for w in work_orders)

	def latest(doctype: str, child: str, link_field: str, extra: list | None = None):
		parent, item = frappe.qb.DocType(doctype), frappe.qb.DocType(child)
		query = (
			frappe.qb.from_(parent)
			.join(item)
			.on(item.parent == parent.name)
			.select(parent.posting_date, parent.posting_time)
			.where(item[link_field] == sales_order)
			.where(parent.docstatus == 1)
			.orderby(parent.posting_date, order=frappe.qb.desc)
			.orderby(parent.posting_time, order=frappe.qb.desc)
			.limit(1)
		)
		row = query.run(as_dict=True)
		return get_datetime(f"{row[0].posting_date} {row[0].posting_time}") if row else None

	times["Delivered"] = latest("Delivery Note", "Delivery Note Item", "against_sales_order")
	legs = get_legs(sales_order)
	if legs:
		times["In Transit"] = min(leg.left_on for leg in legs)
		if all(leg.arrived for leg in legs):
			arrived = max(arrival_time(leg) for leg in legs)
			times["Delivered"] = max(times["Delivered"], arrived) if times["Delivered"] else arrived
	jobs = frappe.get_all(
		"Field Visit", filters={"sales_order": sales_order, "docstatus": 1}, pluck="actual_end"
	)
	times["Installed"] = max((get_datetime(t) for t in jobs if t), default=None)
	times["Billed"] = latest("Sales Invoice", "Sales Invoice Item", "sales_order")
	times["Completed"] = get_payment_time(sales_order) or times["Billed"]
	return times


def arrival_time(leg):
	"""When a leg that has arrived arrived (see the module's docstring): for a trip, the Version that
	ticked the last of the order's stops, if the site tracks its changes; else its last modification."""
	if leg.doctype == "Delivery Trip":
		versions = frappe.get_all(
			"Version",
			filters={"ref_doctype": leg.doctype, "docname": leg.name},
			fields=["creation", "data"],
			order_by="creation desc",
		)
		for version in versions:
			changed = frappe.parse_json(version.data or "{}").get("row_changed") or []
			for table, _idx, row_name, fields in changed:
				if table == "delivery_stops" and row_name in leg.stops:
					if any(field == "visited" and new for field, _old, new in fields):
						return get_datetime(version.creation)
	return get_datetime(leg.modified)


def get_payment_time(sales_order: str):
	invoices = frappe.get_all(
		"Sales Invoice Item",
		filters={"sales_order": sales_order, "docstatus": 1},
		pluck="parent",
		distinct=True,
	)
	if not invoices:
		return None
	entry, reference = frappe.qb.DocType("Payment Entry"), frappe.qb.DocType("Payment Entry Reference")
	row = (
		frappe.qb.from_(entry)
		.join(reference)
		.on(reference.parent == entry.name)
		.select(entry.posting_date)
		.where(reference.reference_doctype == "Sales Invoice")
		.where(reference.reference_name.isin(invoices))
		.where(entry.docstatus == 1)
		.orderby(entry.posting_date, order=frappe.qb.desc)
		.limit(1)
		.run()
	)
	return get_datetime(row[0][0]) if row else None


def backfill_order(sales_order: str) -> int:
	"""Write the stage history of an order that has none, from its documents' dates; return rows made."""
	if frappe.db.exists(LOG, {"sales_order": sales_order}):
		return 0
	milestones = get_milestones(sales_order)
	final = stage_from(milestones)
	if not final:
		return 0
	times = get_milestone_times(sales_order)
	order = frappe.db.get_value(
		"Sales Order", sales_order, ["company", "customer", "customer_group", "territory"], as_dict=True
	)
	entries, previous = [], None
	for stage in STAGES[: STAGES.index(final) + 1]:
		if milestones.get(stage) is None:
			continue
		at = (
			max(moment for moment in (times.get(stage), previous) if moment)
			if (times.get(stage) or previous)
			else now_datetime()
		)
		entries.append((stage, at))
		previous = at
	for index, (stage, at) in enumerate(entries):
		left = entries[index + 1][1] if index + 1 < len(entries) else None
		frappe.get_doc(
			{
				"doctype": LOG,
				"sales_order": sales_order,
				"stage": stage,
				"next_stage": next_stage_from(milestones, stage),
				"entered_on": at,
				"left_on": left,
				"duration_hours": max(time_diff_in_hours(left, at), 0) if left else None,
				"note": BACKFILLED,
				**order,
			}
		).insert(ignore_permissions=True)
	frappe.db.set_value(
		"Sales Order",
		sales_order,
		{"bizlink_stage": final, "bizlink_stage_since": entries[-1][1]},
		update_modified=False,
	)
	return len(entries)


def backfill_all(batch_size: int = 500) -> int:
	"""Backfill every submitted order without a stage history, committing after each batch."""
	order, log = frappe.qb.DocType("Sales Order"), frappe.qb.DocType(LOG)
	made = 0
	while True:
		names = (
			frappe.qb.from_(order)
			.select(order.name)
			.where(order.docstatus == 1)
			.where(order.bizlink_stage.isnull() | (order.bizlink_stage == ""))
			.where(order.name.notin(frappe.qb.from_(log).select(log.sales_order).distinct()))
			.limit(batch_size)
			.run(pluck=True)
		)
		if not names:
			return made
		for name in names:
			made += backfill_order(name)
		# a patch / background job working through a long table in batches
		frappe.db.commit()  # nosemgrep
		if len(names) < batch_size:
			return made


def backfill_on_install() -> None:
	"""After install on a site with history: backfill now, or in the background for a large one."""
	if frappe.db.count("Sales Order", {"docstatus": 1}) > 2000:
		frappe.enqueue(
			backfill_all, queue="long", timeout=4 * 3600, job_id="bizlink-backfill-stages", deduplicate=True
		)
	else:
		backfill_all()
