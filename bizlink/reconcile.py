"""The scheduled reconciliation: what a submitted Sales Order's queued work should have made, and
the market segments rollup, checked against the documents and put right.

A submitted order's Field Visit, first fulfilment stage and installed percentage are made by a
job on the `short` queue after the commit (bizlink.field_service.installation.after_sales_order_submit). If that
job never runs or fails (worker down, deadlock, an exception), nothing else would make them:

- every hour, `repair_orders` finds the orders submitted more than GRACE_MINUTES ago that have no
  stage or no installation status (the two fields that job always writes) and runs it again; it is
  idempotent;
- every hour, too, `repair_visits` books what a completed maintenance or repair visit's queued job
  (bizlink.field_service.parts.book_service) never made: its parts' Material Issue, its Maintenance
  Visit (the job is idempotent);
- every day, `repair_all` checks every submitted order not yet Completed (its stage against its
  documents, its job against its items, its installed percentage against its jobs) and the whole
  rollup (bizlink.market_analysis.segments.repair_drift).

Each run that repaired something (and every daily run) leaves a BizLink Reconciliation Log row with
its figures, which a System Manager reads in the desk (Log Settings clears old rows)."""

import json

import frappe
from frappe.utils import add_to_date, now_datetime

LOG = "BizLink Reconciliation Log"
GRACE_MINUTES = 10  # the queue's own job is given this long before the reconciliation steps in
DETAILS_LIMIT = 200


def repair_orders(grace_minutes: int = GRACE_MINUTES) -> dict:
	"""Hourly: redo the after-submit work of the orders it never reached."""
	started = now_datetime()
	names = unfinished_orders(modified_before=add_to_date(started, minutes=-grace_minutes))
	figures = new_figures("Orders")
	for name in names:
		check_order(name, figures)
	repair_visits(figures, started, grace_minutes)
	return finish(figures, started, len(names))


def unfinished_orders(modified_before=None, created_since=None) -> list[str]:
	"""Submitted orders without a stage or an installation status (the two fields the after-submit job
	always writes), oldest change first; last changed before `modified_before`, made since
	`created_since`."""
	order = frappe.qb.DocType("Sales Order")
	query = (
		frappe.qb.from_(order)
		.select(order.name)
		.where(order.docstatus == 1)
		.where(
			order.bizlink_stage.isnull()
			| (order.bizlink_stage == "")
			| order.bizlink_installation_status.isnull()
			| (order.bizlink_installation_status == "")
		)
		.orderby(order.modified)
	)
	if modified_before:
		query = query.where(order.modified < modified_before)
	if created_since:
		query = query.where(order.creation >= created_since)
	return query.run(pluck=True)


def repair_visits(figures: dict, started, grace_minutes: int = GRACE_MINUTES) -> None:
	"""The completed maintenance and repair visits whose ERPNext documents were never made (parts not
	booked, no Maintenance Visit on the unit), each redone in a savepoint."""
	from pypika.terms import ExistsCriterion

	from bizlink.field_service.parts import book_service

	visit = frappe.qb.DocType("Field Visit")
	part = frappe.qb.DocType("Field Visit Part")
	has_parts = ExistsCriterion(
		frappe.qb.from_(part)
		.select(part.name)
		.where(part.parent == visit.name)
		.where(part.parenttype == "Field Visit")
	)
	names = (
		frappe.qb.from_(visit)
		.select(visit.name)
		.where(visit.docstatus == 1)
		.where(visit.visit_type.isin(("Maintenance", "Repair")))
		.where(visit.modified < add_to_date(started, minutes=-grace_minutes))
		.where(
			(has_parts & visit.stock_entry.isnull())
			| (visit.item_code.isnotnull() & visit.maintenance_visit.isnull())
		)
		.orderby(visit.modified)
		.run(pluck=True)
	)
	booked = figures["details"].setdefault("visits", [])
	figures["visits_booked"] = 0
	for name in names:
		savepoint = f"reconcile_{frappe.generate_hash(length=8)}"
		frappe.db.savepoint(savepoint)
		try:
			book_service(name)
		except Exception:
			frappe.db.rollback(save_point=savepoint)
			frappe.log_error(title=f"BizLink reconciliation of Field Visit {name} failed")
			continue
		frappe.db.release_savepoint(savepoint)
		figures["visits_booked"] += 1
		if len(booked) < DETAILS_LIMIT:
			booked.append(name)


def repair_all() -> dict:
	"""Daily: every submitted order not yet Completed, and the market segments rollup."""
	from bizlink.market_analysis import segments

	started = now_datetime()
	names = frappe.get_all(
		"Sales Order",
		filters={"docstatus": 1, "bizlink_stage": ("!=", "Completed")},
		pluck="name",
		order_by="modified asc",
	)
	figures = new_figures("Daily")
	for name in names:
		check_order(name, figures)
	figures["customers_moved"], drifted = segments.repair_drift()
	figures["segments_repaired"] = len(drifted)
	figures["details"]["segments"] = drifted[:DETAILS_LIMIT]
	return finish(figures, started, len(names), always=True)


def new_figures(run: str) -> dict:
	return {
		"run": run,
		"jobs_created": 0,
		"stages_repaired": 0,
		"installation_repaired": 0,
		"customers_moved": 0,
		"segments_repaired": 0,
		"details": {"orders": []},
	}


def check_order(name: str, figures: dict) -> None:
	"""Bring one submitted order's job, installed percentage and stage in line with its documents,
	counting what had to change. In a savepoint: an order that fails is logged and the others go on."""
	from bizlink.field_service.installation import (
		get_open_job,
		plan_installation,
		relink_jobs_of_amended_order,
		update_sales_order_installation,
	)
	from bizlink.fulfilment.stages import get_milestones, refresh_stage, repair_cause, stage_from

	savepoint = f"reconcile_{frappe.generate_hash(length=8)}"
	frappe.db.savepoint(savepoint)
	try:
		fields = ["bizlink_stage", "bizlink_installation_status", "bizlink_per_installed"]
		before = frappe.db.get_value("Sales Order", name, fields, as_dict=True)
		fixed = []
		order = frappe.get_doc("Sales Order", name)
		if order.amended_from and not get_open_job(name):
			relink_jobs_of_amended_order(order)
		open_job = get_open_job(name)
		if plan_installation(order) and not open_job:
			figures["jobs_created"] += 1
			fixed.append("job")
		update_sales_order_installation(name)
		after = frappe.db.get_value("Sales Order", name, fields[1:], as_dict=True)
		if (before.bizlink_installation_status or "", round(before.bizlink_per_installed or 0, 6)) != (
			after.bizlink_installation_status or "",
			round(after.bizlink_per_installed or 0, 6),
		):
			figures["installation_repaired"] += 1
			fixed.append("installed")
		open_stage = frappe.db.get_value(
			"Order Stage Log", {"sales_order": name, "left_on": ("is", "not set")}, "stage"
		)
		implied = stage_from(get_milestones(name))
		if open_stage != implied or (before.bizlink_stage or None) != implied:
			# the event that moved it was not seen: a trip found on the road left (forward, named after
			# it); any other move is the documents' at large, a move back saying "Moved back"
			doctype, cause, event = repair_cause(name, open_stage, implied)
			refresh_stage(name, doctype, cause, event=event)
			figures["stages_repaired"] += 1
			fixed.append("stage")
	except Exception:
		frappe.db.rollback(save_point=savepoint)
		frappe.log_error(title=f"BizLink reconciliation of Sales Order {name} failed")
		return
	frappe.db.release_savepoint(savepoint)
	if fixed and len(figures["details"]["orders"]) < DETAILS_LIMIT:
		figures["details"]["orders"].append({"sales_order": name, "repaired": fixed})


def finish(figures: dict, started, checked: int, always: bool = False) -> dict:
	figures["orders_checked"] = checked
	figures["repaired"] = sum(
		figures.get(key, 0)
		for key in (
			"jobs_created",
			"stages_repaired",
			"installation_repaired",
			"segments_repaired",
			"visits_booked",
		)
	)
	if figures["repaired"] or figures["customers_moved"] or always:
		frappe.get_doc(
			{
				"doctype": LOG,
				**{key: value for key, value in figures.items() if key != "details"},
				"details": json.dumps(figures["details"], indent=1),
				"started_on": started,
				"finished_on": now_datetime(),
			}
		).insert(ignore_permissions=True)
	return figures
