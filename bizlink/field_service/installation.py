"""Field Visits and ERPNext's Sales Order: made on submit, followed through amend and cancel,
and rolled back up as installed percentage and status."""

import frappe
from frappe import _
from frappe.query_builder.functions import Sum
from frappe.utils import flt

from bizlink.bizlink.status_log import set_status
from bizlink.exceptions import InstallationInProgressError, QtyBelowInstalledError
from bizlink.field_service.promise import update_promise

JOB = "Field Visit"
# a job's statuses by what they mean (compared in code; never a translated label)
NOT_STARTED_STATUSES = ("To Schedule", "Scheduled")  # the crew has not begun: the order may still change it
STARTED_STATUSES = ("In Progress", "On Hold")  # begun on site, not finished
OPEN_STATUSES = (*NOT_STARTED_STATUSES, *STARTED_STATUSES)  # not finished: the crew's calendar holds it


def jobs_with_crew():
	"""Field Visits joined with their crew rows: (query, job table, crew table)."""
	job = frappe.qb.DocType(JOB)
	crew = frappe.qb.DocType("Field Visit Technician")
	query = frappe.qb.from_(job).join(crew).on((crew.parent == job.name) & (crew.parenttype == JOB))
	return query, job, crew


def jobs_with_items():
	"""Field Visits joined with their item rows: (query, job table, item table)."""
	job = frappe.qb.DocType(JOB)
	item = frappe.qb.DocType("Field Visit Item")
	query = frappe.qb.from_(job).join(item).on((item.parent == job.name) & (item.parenttype == JOB))
	return query, job, item


def on_delivery_note_change(doc, method=None) -> None:
	"""A Delivery Note submitted or cancelled: the open jobs of its orders show what is now delivered
	(quantity, latest note, the serial numbers to install), without waiting for someone to save them."""
	orders = {row.against_sales_order for row in doc.items if row.against_sales_order}
	for order in sorted(orders):
		update_promise(order)  # a promise counted from delivery starts (or moves) with it
		name = get_open_job(order)
		if not name:
			continue
		job = frappe.get_doc(JOB, name)
		job.set_delivery_details()
		for row in job.items:
			row.db_update()


def requires_installation(item_code: str) -> bool:
	return bool(frappe.get_cached_value("Item", item_code, "bizlink_requires_installation"))


def get_installation_items(order) -> list[dict]:
	"""The job rows the order's items to install call for, each for what is still to install: the
	row's quantity (stock units) less what completed jobs installed of it."""
	rows = [row for row in order.items if requires_installation(row.item_code)]
	done = installed_by_row(order.name, [row.name for row in rows])
	items = []
	for row in rows:
		item = job_row(row)
		item["qty"] = flt(item["qty"]) - flt(done.get(row.name))
		if item["qty"] > 0:
			items.append(item)
	return items


def installed_by_row(sales_order: str, so_details: list[str]) -> dict[str, float]:
	"""What the order's completed jobs installed of each order row, in stock units."""
	job = frappe.qb.DocType(JOB)
	job_item = frappe.qb.DocType("Field Visit Item")
	return dict(
		frappe.qb.from_(job_item)
		.join(job)
		.on((job.name == job_item.parent) & (job_item.parenttype == JOB))
		.select(job_item.so_detail, Sum(job_item.installed_qty))
		.where(job.sales_order == sales_order)
		.where(job.docstatus == 1)
		.where(job_item.so_detail.isin(list(so_details) or [""]))
		.groupby(job_item.so_detail)
		.run()
	)


def job_row(order_row) -> dict:
	"""The job row of an order row, in stock units (the job's one UOM)."""
	return {
		"item_code": order_row.item_code,
		"item_name": order_row.item_name,
		"qty": flt(order_row.stock_qty) or flt(order_row.qty) * (flt(order_row.conversion_factor) or 1),
		"uom": order_row.stock_uom,
		"so_detail": order_row.name,
	}


def get_checklist_template(items: list[dict]) -> str | None:
	for row in items:
		template = frappe.get_cached_value("Item", row["item_code"], "bizlink_checklist_template")
		if template and frappe.db.exists("Checklist Template", template):
			return template
	return None


def get_active_job(sales_order: str) -> str | None:
	"""The order's job still to do, else its completed one."""
	return frappe.db.get_value(
		JOB,
		{"sales_order": sales_order, "docstatus": ("<", 2), "status": ("!=", "Cancelled")},
		order_by="docstatus asc, creation asc",
	)


def get_open_job(sales_order: str) -> str | None:
	"""The order's job still to be done (draft, not cancelled)."""
	return frappe.db.get_value(
		JOB,
		{"sales_order": sales_order, "docstatus": 0, "status": ("!=", "Cancelled")},
		order_by="creation asc",
	)


def create_field_visit(order) -> str | None:
	"""The order's open Field Visit, made in To Schedule for what is still to install (idempotent:
	an open job is returned as it is)."""
	existing = get_open_job(order.name)
	if existing:
		return existing
	items = get_installation_items(order)
	if not items:
		return None
	return insert_job(order, items)


def insert_job(order, items: list[dict]) -> str:
	job = frappe.get_doc(
		{
			"doctype": JOB,
			"sales_order": order.name,
			"items": items,
			"checklist_template": get_checklist_template(items),
		}
	)
	job.insert(ignore_permissions=True)
	return job.name


# Sales Order doc_events ------------------------------------------------------------------------


def on_sales_order_submit(doc, method=None) -> None:
	"""Plan the order's installation and start its stage history once the submit is committed.

	The work runs on the `short` queue after the commit, so that submitting an order costs no more
	with BizLink than without it (and more RQ workers take more of it); under tests it runs at once.
	"""
	from bizlink.bizlink.queue import after_commit

	after_commit("bizlink.field_service.installation.after_sales_order_submit", sales_order=doc.name)


def after_sales_order_submit(sales_order: str) -> None:
	"""Background: relink an amendment's jobs, make the job and the promise, set % installed, enter
	the Ordered stage."""
	from bizlink.fulfilment.stages import lock_order, refresh_stage

	# after whatever touched the order since the submit (a delivery submitted at once, by REST):
	# a stage set by then was set from the documents as they were then
	stage_begun = lock_order(sales_order)

	order = frappe.get_doc("Sales Order", sales_order)
	if order.docstatus != 1:
		return  # cancelled before the job ran: its cancel hook has already done the rest
	if order.amended_from:
		relink_jobs_of_amended_order(order)
	create_field_visit(order)
	update_promise(order.name)
	update_sales_order_installation(order.name)
	# this job's view of the database may be older than that stage, and would move the order back
	if not stage_begun:
		refresh_stage(order.name, order.doctype, order.name)


def before_sales_order_cancel(doc, method=None) -> None:
	started = frappe.get_all(
		JOB,
		filters={
			"sales_order": doc.name,
			"docstatus": ("<", 2),
			"status": ("in", (*STARTED_STATUSES, "Completed")),
		},
		fields=["name", "status"],
		limit=1,
	)
	if started:
		frappe.throw(
			_("Sales Order {0} cannot be cancelled: Field Visit {1} is {2}.").format(
				frappe.bold(doc.name), frappe.bold(started[0].name), frappe.bold(_(started[0].status))
			),
			title=_("Installation Under Way"),
			exc=InstallationInProgressError,
		)


def on_sales_order_cancel(doc, method=None) -> None:
	for name in frappe.get_all(
		JOB,
		filters={"sales_order": doc.name, "docstatus": 0, "status": ("in", NOT_STARTED_STATUSES)},
		pluck="name",
	):
		job = frappe.get_doc(JOB, name)
		job.db_set("cancelled_with_order", 1)
		set_status(job, "Cancelled")
		job.add_comment("Info", _("Cancelled with Sales Order {0}").format(doc.name))


def relink_jobs_of_amended_order(order) -> None:
	"""Jobs cancelled with the order that `order` amends move to it, keeping their crew and schedule
	(unless a crew member was booked at that time meanwhile: then it goes back to To Schedule)."""
	from bizlink.field_service.doctype.field_visit.field_visit import find_crew_clash

	items = get_installation_items(order)
	for name in frappe.get_all(
		JOB,
		filters={"sales_order": order.amended_from, "cancelled_with_order": 1, "docstatus": 0},
		pluck="name",
	):
		job = frappe.get_doc(JOB, name)
		job.db_set({"sales_order": order.name, "cancelled_with_order": 0})
		frappe.db.delete("Field Visit Item", {"parent": job.name, "parenttype": JOB})
		job.set("items", [])
		for row in items:
			job.append("items", row).db_insert()
		scheduled = bool(job.scheduled_start and job.crew)
		if scheduled and (clash := find_crew_clash(job)):
			# booked elsewhere since the order was cancelled: the manager schedules it again
			job.db_set({"scheduled_start": None, "scheduled_end": None})
			job.add_comment(
				"Info",
				_("Not scheduled again: {0} was booked on Field Visit {1} meanwhile.").format(
					clash.technician_name or clash.user, clash.name
				),
			)
			scheduled = False
		set_status(job, "Scheduled" if scheduled else "To Schedule")
		job.add_comment(
			"Info",
			_("Moved from Sales Order {0} to its amendment {1}").format(order.amended_from, order.name),
		)


# Roll-up ---------------------------------------------------------------------------------------


def update_sales_order_installation(sales_order: str) -> None:
	"""Installed percentage and status of the order, from its completed Field Visits.

	Like with like, row by row in stock units: what the completed jobs installed of each order row
	to install (at most the row's quantity) against the rows' quantities."""
	order_item = frappe.qb.DocType("Sales Order Item")
	to_install = {
		row.name: flt(row.stock_qty)
		for row in frappe.qb.from_(order_item)
		.select(order_item.name, order_item.item_code, order_item.stock_qty)
		.where(order_item.parent == sales_order)
		.where(order_item.parenttype == "Sales Order")
		.run(as_dict=True)
		if requires_installation(row.item_code)
	}
	done = installed_by_row(sales_order, list(to_install))
	total = sum(to_install.values())
	installed = sum(min(flt(done.get(name)), qty) for name, qty in to_install.items())
	if not total:
		status, percent = "Not Applicable", 0
	else:
		percent = min(100.0, installed / total * 100)
		status = "Installed" if percent >= 100 else "Partly Installed" if installed else "To Install"
	frappe.db.set_value(
		"Sales Order",
		sales_order,
		{"bizlink_installation_status": status, "bizlink_per_installed": percent},
		update_modified=False,
	)


def get_deliveries(so_details) -> dict[str, list[frappe._dict]]:
	"""The submitted Delivery Note rows (returns left out) that delivered each order row, oldest
	first, in stock units: `delivered` (net of returns) and `available` (what no Installation Note
	installed yet: ERPNext's `installed_qty` is in the row's own UOM, `conversion_factor` converts)."""
	so_details = sorted({name for name in so_details if name})
	if not so_details:
		return {}
	item = frappe.qb.DocType("Delivery Note Item")
	note = frappe.qb.DocType("Delivery Note")
	rows = (
		frappe.qb.from_(item)
		.join(note)
		.on(note.name == item.parent)
		.select(
			item.name,
			item.parent,
			item.so_detail,
			item.stock_qty,
			item.conversion_factor,
			item.installed_qty,
			item.returned_qty,
			item.modified,
		)
		.where(item.so_detail.isin(so_details))
		.where(item.parenttype == "Delivery Note")
		.where(note.docstatus == 1)
		.where(note.is_return == 0)
		.orderby(note.posting_date)
		.orderby(note.posting_time)
		.orderby(item.creation)
		.orderby(item.idx)
		.run(as_dict=True)
	)
	deliveries = {}
	for row in rows:
		row.conversion_factor = flt(row.conversion_factor) or 1
		row.delivered = flt(row.stock_qty) - flt(row.returned_qty)
		row.available = max(row.delivered - flt(row.installed_qty) * row.conversion_factor, 0)
		deliveries.setdefault(row.so_detail, []).append(row)
	return deliveries


def get_delivered_serial_nos(dn_detail: str) -> list[str]:
	"""Serial numbers delivered on a Delivery Note row, from its serial field or its bundle."""
	serial_no, bundle = frappe.db.get_value(
		"Delivery Note Item", dn_detail, ["serial_no", "serial_and_batch_bundle"]
	)
	serials = [s.strip() for s in (serial_no or "").split("\n") if s.strip()]
	if not serials and bundle:
		from erpnext.stock.serial_batch_bundle import get_serial_nos_from_bundle

		serials = get_serial_nos_from_bundle(bundle)
	return serials


def on_sales_order_update_after_submit(doc, method=None) -> None:
	"""Update Items on a submitted order (ERPNext's `update_child_qty_rate` saves it after submit): its
	Field Visit follows the order's rows to install, then % installed and the stage follow."""
	from bizlink.fulfilment.stages import refresh_stage

	plan_installation(doc)
	update_sales_order_installation(doc.name)
	# ERPNext works out % delivered and % billed of the changed rows only after this save returns:
	# with its own methods, now, so that the stage is judged on the order as it will be. No document
	# is named as the cause: the stage log would call a move back the order's cancellation.
	doc.update_delivery_status()
	doc.update_billing_percentage(update_modified=False)
	refresh_stage(doc.name)


def plan_installation(order) -> str | None:
	"""The order's open job asks for what is still to install, whatever changed: Update Items (new
	quantities, rows taken off, rows added), a job completed for part of it, a completed job
	cancelled. Made when none is open and something is left; cancelled when nothing is left.
	Refused (before anything is written) when an order row would drop below what is installed.
	Returns the open job."""
	rows = {row.name: row for row in order.items if requires_installation(row.item_code)}
	done = installed_by_row(order.name, list(rows))
	wanted = {item["so_detail"]: item for item in get_installation_items(order)}
	open_name = get_open_job(order.name)
	job = frappe.get_doc(JOB, open_name) if open_name else None
	check_installed_kept(order, done, job, wanted)
	if not job:
		return insert_job(order, list(wanted.values())) if wanted else None
	follow_rows(order, job, wanted)
	return job.name if job.status != "Cancelled" else None


def check_installed_kept(order, done: dict, job, wanted: dict) -> None:
	"""An order row may not drop below (or go without) what is installed of it: by completed jobs,
	or entered on the open job by its crew."""
	installed_here = {row.so_detail: flt(row.installed_qty) for row in job.items} if job else {}
	so_details = {row.so_detail for row in job.items if row.so_detail} if job else set()
	for so_detail in sorted(set(done) | so_details):
		row = next((r for r in order.items if r.name == so_detail), None)
		qty = flt(job_row(row)["qty"]) if row and requires_installation(row.item_code) else 0
		installed = flt(done.get(so_detail)) + installed_here.get(so_detail, 0)
		if flt(installed, 6) <= flt(qty, 6):
			continue
		item_code = (
			row.item_code
			if row
			else frappe.db.get_value("Field Visit Item", {"so_detail": so_detail}, "item_code")
		)
		uom = row.stock_uom if row else ""
		if qty:
			message = _("Item {0} cannot go down to {1} {2}: {3} {2} of it are already installed.").format(
				frappe.bold(item_code), flt(qty), uom, flt(installed)
			)
		else:
			message = _("Item {0} cannot be removed: {1} {2} of it are already installed.").format(
				frappe.bold(item_code), flt(installed), uom
			)
		frappe.throw(message, title=_("Already Installed"), exc=QtyBelowInstalledError)


def follow_rows(order, job, wanted: dict) -> None:
	"""Write what is still to install onto the open job through its own save, whatever its status:
	this is the system following the order, not a user changing what is to be installed."""
	changed = False
	planned = set()
	for row in list(job.items):
		if not row.so_detail:
			continue  # added on the job by hand: not the order's to change
		planned.add(row.so_detail)
		target = wanted.get(row.so_detail)
		if target is None:
			job.remove(row)
			changed = True
		elif flt(row.qty, row.precision("qty")) != flt(target["qty"], row.precision("qty")):
			row.qty = target["qty"]
			changed = True
	added = [item for so_detail, item in wanted.items() if so_detail not in planned]
	for item in added:
		job.append("items", item)
		changed = True
	if not changed:
		return
	if not job.items:
		set_status(job, "Cancelled")
		job.add_comment(
			"Info", _("Cancelled: Sales Order {0} has nothing left to install.").format(order.name)
		)
		return
	if added and not job.checklist_template:
		job.checklist_template = get_checklist_template([{"item_code": row.item_code} for row in job.items])
	job.flags.items_from_order = True
	job.save(ignore_permissions=True)
	job.add_comment("Info", _("Items updated from Sales Order {0}").format(order.name))


def format_qty(qty, uom: str | None) -> str:
	"""A quantity as people write it: whole units without decimals ("1", not "1.000", which reads as
	a thousand in Spanish), others with the decimals they have."""
	qty = flt(qty)
	whole = qty == int(qty) or (uom and frappe.get_cached_value("UOM", uom, "must_be_whole_number"))
	return frappe.format(qty, {"fieldtype": "Float", "precision": 0 if whole else 3}).strip()
