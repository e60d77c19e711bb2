"""Promised installation dates: "installed within N working days of delivery (or of the order)".

BizLink Settings hold the targets (Installation Target rows): N working days for installation items of
an item group, for customers of a customer group, or both. An order's promise is the row that fits it
most closely (a row naming both an item group and a customer group before a row naming one, before a
row naming neither); among rows that fit equally, the fewest days. A row's groups fit with their
sub-groups. No row fits: the order has no promise.

Working days skip the days of a Holiday List (BizLink Settings', else the order's company's default;
ERPNext lists weekly offs as holidays too); with no list, Saturdays and Sundays. The promise counts from
the order's date, or from its latest Delivery Note (an order counted from delivery has no date until
its first delivery). The due date is the Nth working day after; the warning date is the working day
at the configured share of N (75 %: the 8th of 10, rounded up), but no later than the working day
before the due date, so that the warning comes ahead of it (75 % of 3: the 2nd, not the 3rd); a
promise of 1 working day warns on that day.

Each open installation job of the order carries the promise (Promised By, Warn On, and its state):
On Track, At Risk (the warning date has come), Breached (the due date has passed); a completed job is
On Time or Late. Entering At Risk or Breached tells the Installation Managers (the Notifications
"Installation at Risk" and "Installation Promise Broken", event Method `notify_promise`). The daily
check reads only the jobs whose warning or due date has come and that have not been told yet (an
index on the state and each date), so it costs what is coming due, not what is open."""

import math

import frappe
from frappe import _
from frappe.utils import add_days, cint, flt, getdate, today
from frappe.utils.nestedset import get_ancestors_of

from bizlink.exceptions import InstallationTargetError

JOB = "Field Visit"
DEFAULT_WARN_PERCENT = 75
OPEN = ("On Track", "At Risk")  # a promise still running
TOLD = ("At Risk", "Breached")  # the states the Installation Managers are told of
PROMISE_FIELDS = ["promised_date", "warn_on", "target_days", "promise_status"]
IN_TRANSIT = "In Transit"
LEGS = ("Delivery Trip", "Shipment")  # what carries an order's goods to the customer
INLINE_ORDERS = 200  # orders whose promises a settings change recomputes in the request; more: queued


# BizLink Settings --------------------------------------------------------------------------------


def validate_settings(doc, method=None) -> None:
	"""BizLink Settings: each target at least one working day, one row per pair of groups, the warning
	between 1 % and 99 % of the time."""
	seen = {}
	for row in doc.get("installation_targets") or ():
		if cint(row.working_days) < 1:
			frappe.throw(
				_("Row {0}: an installation is promised in at least 1 working day, not {1}.").format(
					row.idx, cint(row.working_days)
				),
				title=_("Invalid Installation Target"),
				exc=InstallationTargetError,
			)
		key = (row.item_group or "", row.customer_group or "")
		if key in seen:
			frappe.throw(
				_("Rows {0} and {1} promise the same items to the same customers: keep one.").format(
					seen[key], row.idx
				),
				title=_("Invalid Installation Target"),
				exc=InstallationTargetError,
			)
		seen[key] = row.idx
	percent = doc.get("installation_warning_percent")
	if percent is not None and not 1 <= flt(percent) <= 99:
		frappe.throw(
			_("Warn between 1 % and 99 % of the promised time, not at {0} %.").format(flt(percent)),
			title=_("Invalid Installation Target"),
			exc=InstallationTargetError,
		)


def on_settings_update(doc, method=None) -> None:
	"""BizLink Settings saved with other installation targets, warning share or holiday list: the
	promises of the open installation jobs follow. A few hundred orders at once, more on the long
	queue, one job at a time (a change saved while it waits to start is read by it when it runs)."""
	before = doc.get_doc_before_save()
	if before and promise_settings(before) == promise_settings(doc):
		return
	orders = orders_with_open_jobs()
	if len(orders) > INLINE_ORDERS:
		frappe.enqueue(
			"bizlink.field_service.promise.update_open_promises",
			queue="long",
			timeout=3600,
			job_id="bizlink-update-open-promises",
			deduplicate=True,
			enqueue_after_commit=True,
		)
	else:
		for order in orders:
			update_promise(order)


def promise_settings(doc) -> tuple:
	"""What an order's promise is read from in BizLink Settings."""
	targets = tuple(
		(row.item_group or "", row.customer_group or "", cint(row.working_days), row.counted_from or "")
		for row in doc.get("installation_targets") or ()
	)
	return targets, flt(doc.get("installation_warning_percent")), doc.get("installation_holiday_list") or ""


def orders_with_open_jobs() -> list[str]:
	"""The submitted orders with an open installation job."""
	job, order = frappe.qb.DocType(JOB), frappe.qb.DocType("Sales Order")
	return (
		frappe.qb.from_(job)
		.join(order)
		.on(order.name == job.sales_order)
		.select(order.name)
		.distinct()
		.where(order.docstatus == 1)
		.where(job.visit_type == "Installation")
		.where(job.docstatus == 0)
		.where(job.status != "Cancelled")
		.orderby(order.name)
		.run(pluck=True)
	)


def update_open_promises() -> None:
	"""On the long queue: every open installation job's promise, read from the settings now."""
	for order in orders_with_open_jobs():
		update_promise(order)


# The promise of an order -------------------------------------------------------------------------


def with_ancestors(doctype: str, names) -> set[str]:
	found = set()
	for name in {n for n in names if n}:
		found.add(name)
		found.update(get_ancestors_of(doctype, name))
	return found


def get_target(order) -> frappe._dict | None:
	"""The target row that fits the order (`order`: name, customer_group), or None."""
	targets = frappe.get_all(
		"Installation Target",
		filters={"parent": "BizLink Settings", "parenttype": "BizLink Settings"},
		fields=["idx", "item_group", "customer_group", "working_days", "counted_from"],
	)
	if not targets:
		return None
	item = frappe.qb.DocType("Sales Order Item")
	product = frappe.qb.DocType("Item")
	groups = (
		frappe.qb.from_(item)
		.join(product)
		.on(product.name == item.item_code)
		.select(item.item_group)
		.distinct()
		.where(item.parent == order.name)
		.where(item.parenttype == "Sales Order")
		.where(product.bizlink_requires_installation == 1)
		.run(pluck=True)
	)
	if not groups:
		return None
	item_groups = with_ancestors("Item Group", groups)
	customer_groups = with_ancestors("Customer Group", [order.customer_group])
	fitting = [
		row
		for row in targets
		if (not row.item_group or row.item_group in item_groups)
		and (not row.customer_group or row.customer_group in customer_groups)
		and cint(row.working_days) > 0
	]
	if not fitting:
		return None
	best = min(
		fitting,
		key=lambda row: (-(bool(row.item_group) + bool(row.customer_group)), cint(row.working_days), row.idx),
	)
	return frappe._dict(working_days=cint(best.working_days), counted_from=best.counted_from or "Delivery")


def start_date(order, counted_from: str):
	"""The day the promise counts from: the order's date, or its latest submitted Delivery Note's; for
	goods that went on a Delivery Trip or Shipment, the day they arrived (none while on the road)."""
	if counted_from == "Order":
		return getdate(order.transaction_date)
	note, item = frappe.qb.DocType("Delivery Note"), frappe.qb.DocType("Delivery Note Item")
	latest = (
		frappe.qb.from_(note)
		.join(item)
		.on(item.parent == note.name)
		.select(note.posting_date)
		.where(item.against_sales_order == order.name)
		.where(note.docstatus == 1)
		.where(note.is_return == 0)
		.orderby(note.posting_date, order=frappe.qb.desc)
		.limit(1)
		.run(pluck=True)
	)
	if not latest:
		return None
	if frappe.db.get_value("Sales Order", order.name, "bizlink_stage") == IN_TRANSIT:
		return None  # the goods are on the road: delivered when they arrive
	return max([getdate(latest[0]), *arrivals(order.name)])


def arrivals(sales_order: str) -> list:
	"""The days the order's goods arrived from a trip or shipment (its Delivered rows they caused)."""
	log = frappe.qb.DocType("Order Stage Log")
	return [
		getdate(at)
		for at in frappe.qb.from_(log)
		.select(log.entered_on)
		.where(log.sales_order == sales_order)
		.where(log.stage == "Delivered")
		.where(log.is_reversal == 0)
		.where(log.reference_doctype.isin(LEGS))
		.run(pluck=True)
	]


def on_leg_change(doc, method=None) -> None:
	"""A Delivery Trip or Shipment left, arrived or was cancelled (its stage moved first, hooks.py):
	the promise of each order it carries counts from the arrival."""
	from bizlink.fulfilment.stages import sales_orders_of

	for sales_order in sorted(sales_orders_of(doc)):
		update_promise(sales_order)


def holiday_list_of(company: str | None) -> str | None:
	return frappe.db.get_single_value("BizLink Settings", "installation_holiday_list") or (
		frappe.get_cached_value("Company", company, "default_holiday_list") if company else None
	)


def working_days_after(start, days: int, holiday_list: str | None) -> list:
	"""The first `days` working days after `start` (dates, in order)."""
	start = getdate(start)
	holidays = set()
	if holiday_list:
		holiday = frappe.qb.DocType("Holiday")
		# a span that holds `days` working days unless nearly every day is off; beyond it, counted again
		end = add_days(start, days * 3 + 31)
		holidays = {
			getdate(day)
			for day in frappe.qb.from_(holiday)
			.select(holiday.holiday_date)
			.where(holiday.parent == holiday_list)
			.where(holiday.holiday_date[add_days(start, 1) : end])
			.run(pluck=True)
		}
	found, day = [], start
	while len(found) < days:
		day = add_days(day, 1)
		off = day in holidays if holiday_list else day.weekday() >= 5
		if not off:
			found.append(day)
	return found


def warn_percent() -> float:
	percent = frappe.db.get_single_value("BizLink Settings", "installation_warning_percent")
	return flt(percent) if percent else DEFAULT_WARN_PERCENT


def warning_index(days: int, percent: float) -> int:
	"""Which of a promise's `days` working days warns (1 = the first): `percent` of them, rounded up,
	no later than the day before the due date; a promise of 1 day warns on it."""
	if days <= 1:
		return 1
	return max(1, min(math.ceil(days * flt(percent) / 100), days - 1))


def get_promise(sales_order: str) -> frappe._dict:
	"""The order's promise: target days, due date and warning date (None where there is none)."""
	order = frappe.db.get_value(
		"Sales Order",
		sales_order,
		["name", "customer_group", "company", "transaction_date", "docstatus"],
		as_dict=True,
	)
	promise = frappe._dict(target_days=0, due=None, warn_on=None)
	target = get_target(order) if order and order.docstatus == 1 else None
	if not target:
		return promise
	promise.target_days = target.working_days
	start = start_date(order, target.counted_from)
	if start:
		days = working_days_after(start, target.working_days, holiday_list_of(order.company))
		promise.due, promise.warn_on = days[-1], days[warning_index(len(days), warn_percent()) - 1]
	return promise


def state_on(promise, day) -> str:
	if not promise.due:
		return ""
	day = getdate(day)
	if day > getdate(promise.due):
		return "Breached"
	if day >= getdate(promise.warn_on):
		return "At Risk"
	return "On Track"


def update_promise(sales_order: str) -> frappe._dict:
	"""Write the order's promise on the order and on its open installation jobs; tell the managers of
	a job that enters At Risk or Breached. Called when the order is submitted, a delivery is submitted
	or cancelled, and a job is made, completed or cancelled."""
	promise = get_promise(sales_order)
	frappe.db.set_value(
		"Sales Order", sales_order, "bizlink_installation_due", promise.due, update_modified=False
	)
	jobs = frappe.get_all(
		JOB,
		filters={
			"sales_order": sales_order,
			"visit_type": "Installation",
			"docstatus": 0,
			"status": ("!=", "Cancelled"),
		},
		fields=["name", "promise_status"],
	)
	state = state_on(promise, today())
	for job in jobs:
		frappe.db.set_value(
			JOB,
			job.name,
			{
				"promised_date": promise.due,
				"warn_on": promise.warn_on,
				"target_days": promise.target_days,
				"promise_status": state,
			},
			update_modified=False,
		)
		if state in TOLD and state != job.promise_status:
			tell(job.name)
	return promise


def on_job_completed(job) -> None:
	"""A completed installation job keeps whether it met the promise: On Time or Late."""
	if not job.promised_date:
		return
	done = getdate(job.actual_end or today())
	job.db_set("promise_status", "On Time" if done <= getdate(job.promised_date) else "Late")


def tell(job: str) -> None:
	from bizlink.bizlink.queue import after_commit

	after_commit("bizlink.field_service.promise.notify", visit=job)


def notify(visit: str) -> None:
	"""After the commit: run the Notifications of event Method `notify_promise` (editable by
	administrators) for a job still open in the state it was told of."""
	job = frappe.db.get_value(JOB, visit, ["docstatus", "promise_status"], as_dict=True)
	if job and job.docstatus == 0 and job.promise_status in TOLD:
		frappe.get_doc(JOB, visit).run_method("notify_promise")


# The daily check ---------------------------------------------------------------------------------


def check_promises() -> int:
	"""Daily: the open jobs whose warning date has come move to At Risk, those past their due date to
	Breached, and the Installation Managers are told. Reads only those (indexes on the state and each
	date); returns how many moved."""
	day = getdate(today())
	moved = 0
	for state, field, statuses, reached in (
		("Breached", "promised_date", OPEN, lambda d: d < day),
		("At Risk", "warn_on", ("On Track",), lambda d: d <= day),
	):
		job = frappe.qb.DocType(JOB)
		due = (
			frappe.qb.from_(job)
			.select(job.name, job[field])
			.where(job.promise_status.isin(statuses))
			.where(job[field] <= day)
			.where(job.docstatus == 0)
			.where(job.status != "Cancelled")
			.run(as_dict=True)
		)
		for row in due:
			if reached(getdate(row[field])):
				frappe.db.set_value(JOB, row.name, "promise_status", state, update_modified=False)
				notify(row.name)
				moved += 1
	return moved
