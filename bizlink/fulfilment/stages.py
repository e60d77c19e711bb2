"""Order fulfilment: the stage each Sales Order is in, and how long it stays there.

Stages, in order: Ordered → In Production → Ready to Ship → Delivered → Installed → Billed → Completed.
An order skips what it does not need (no Work Order: no production stages; nothing to install: no
Installed). Its stage is the furthest milestone reached with every earlier one reached too:

- Ordered: submitted;  In Production: a Work Order submitted;  Ready to Ship: all its Work Orders done;
- Delivered: fully delivered;  Installed: everything that needs installing installed;
- Billed: fully invoiced;  Completed: those invoices paid.

Each change writes an Order Stage Log row (entered, left, hours, the document that caused it) and the
order's BizLink Stage fields. Documents call `refresh_stage` from their doc_events; the stage is
derived from the order's state, so repeated or out-of-order events cannot double-count, and a
cancellation moves the order back and says so.
"""

import frappe
from frappe import _
from frappe.query_builder import Case
from frappe.query_builder.functions import Count, Sum
from frappe.utils import flt, get_datetime, now_datetime, time_diff_in_hours

STAGES = ("Ordered", "In Production", "Ready to Ship", "Delivered", "Installed", "Billed", "Completed")
LOG = "Order Stage Log"
# the documents whose submit, cancel or deletion a stage log records (its reference)
LOGGED = ("Sales Order", "Work Order", "Stock Entry", "Delivery Note", "Sales Invoice", "Payment Entry")

# A stage log's note is stored in English, whoever's action wrote it, and read in each reader's
# language (read_note): "Delivery Note DN-0001 cancelled; Delivery Note DN-0001 deleted".
BACKFILLED = "Backfilled from the order's documents"
MOVED_BACK = "Moved back"


def event_note(doctype: str, name: str, event: str) -> str:
	"""The stored (English) note of a referenced document's event: "cancelled" or "deleted"."""
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
	events = {"cancelled": _("{0} {1} cancelled"), "deleted": _("{0} {1} deleted")}
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
	return {
		"Ordered": True,
		"In Production": bool(orders) if orders else None,
		"Ready to Ship": (flt(done) == orders) if orders else None,
		"Delivered": bool(order.skip_delivery_note or flt(order.per_delivered) >= 100),
		"Installed": None if installation in (None, "", "Not Applicable") else installation == "Installed",
		"Billed": flt(order.per_billed) >= 100,
		"Completed": flt(order.per_billed) >= 100 and invoices_paid(sales_order),
	}


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
	sales_order: str, doctype: str | None = None, name: str | None = None, at=None
) -> str | None:
	"""Bring the order's stage and its log up to date; return the stage."""
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
	moved_back = bool(current and (not new or STAGES.index(new) < STAGES.index(current)))
	note = None
	if moved_back:
		note = event_note(doctype, name, "cancelled") if doctype else MOVED_BACK
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
	"""doc_event for every document that can move an order between stages."""
	for sales_order in sales_orders_of(doc):
		refresh_stage(sales_order, doc.doctype, doc.name)


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
	jobs = frappe.get_all(
		"Field Visit", filters={"sales_order": sales_order, "docstatus": 1}, pluck="actual_end"
	)
	times["Installed"] = max((get_datetime(t) for t in jobs if t), default=None)
	times["Billed"] = latest("Sales Invoice", "Sales Invoice Item", "sales_order")
	times["Completed"] = get_payment_time(sales_order) or times["Billed"]
	return times


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
