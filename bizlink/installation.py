"""Installation Jobs and ERPNext's Sales Order: made on submit, followed through amend and cancel,
and rolled back up as installed percentage and status."""

import frappe
from frappe import _
from frappe.query_builder.functions import Sum
from frappe.utils import flt

from bizlink.bizlink.status_log import set_status
from bizlink.exceptions import InstallationInProgressError

JOB = "Installation Job"
OPEN_STATUSES = ("To Schedule", "Scheduled")
STARTED_STATUSES = ("In Progress", "On Hold")


def jobs_with_crew():
	"""Installation Jobs joined with their crew rows: (query, job table, crew table)."""
	job = frappe.qb.DocType(JOB)
	crew = frappe.qb.DocType("Installation Job Technician")
	query = frappe.qb.from_(job).join(crew).on((crew.parent == job.name) & (crew.parenttype == JOB))
	return query, job, crew


def requires_installation(item_code: str) -> bool:
	return bool(frappe.get_cached_value("Item", item_code, "bizlink_requires_installation"))


def get_installation_items(order) -> list[dict]:
	return [
		{
			"item_code": row.item_code,
			"item_name": row.item_name,
			"qty": row.stock_qty or row.qty,
			"so_detail": row.name,
		}
		for row in order.items
		if requires_installation(row.item_code)
	]


def get_checklist_template(items: list[dict]) -> str | None:
	for row in items:
		template = frappe.get_cached_value("Item", row["item_code"], "bizlink_checklist_template")
		if template and frappe.db.exists("Installation Checklist Template", template):
			return template
	return None


def get_active_job(sales_order: str) -> str | None:
	return frappe.db.get_value(
		JOB, {"sales_order": sales_order, "docstatus": ("<", 2), "status": ("!=", "Cancelled")}
	)


def create_installation_job(order) -> str | None:
	"""The order's Installation Job, made in To Schedule if the order has items to install (idempotent)."""
	existing = get_active_job(order.name)
	if existing:
		return existing
	items = get_installation_items(order)
	if not items:
		return None
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
	from bizlink.queue import after_commit

	after_commit("bizlink.installation.after_sales_order_submit", sales_order=doc.name)


def after_sales_order_submit(sales_order: str) -> None:
	"""Background: relink an amendment's jobs, make the job, set % installed, enter the Ordered stage."""
	from bizlink.fulfilment import refresh_stage

	order = frappe.get_doc("Sales Order", sales_order)
	if order.docstatus != 1:
		return  # cancelled before the job ran: its cancel hook has already done the rest
	if order.amended_from:
		relink_jobs_of_amended_order(order)
	create_installation_job(order)
	update_sales_order_installation(order.name)
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
			_("Sales Order {0} cannot be cancelled: Installation Job {1} is {2}.").format(
				frappe.bold(doc.name), frappe.bold(started[0].name), frappe.bold(_(started[0].status))
			),
			title=_("Installation Under Way"),
			exc=InstallationInProgressError,
		)


def on_sales_order_cancel(doc, method=None) -> None:
	for name in frappe.get_all(
		JOB, filters={"sales_order": doc.name, "docstatus": 0, "status": ("in", OPEN_STATUSES)}, pluck="name"
	):
		job = frappe.get_doc(JOB, name)
		job.db_set("cancelled_with_order", 1)
		set_status(job, "Cancelled")
		job.add_comment("Info", _("Cancelled with Sales Order {0}").format(doc.name))


def relink_jobs_of_amended_order(order) -> None:
	"""Jobs cancelled with the order that `order` amends move to it, keeping their crew and schedule
	(unless a crew member was booked at that time meanwhile: then it goes back to To Schedule)."""
	from bizlink.bizlink.doctype.installation_job.installation_job import find_crew_clash

	items = get_installation_items(order)
	for name in frappe.get_all(
		JOB,
		filters={"sales_order": order.amended_from, "cancelled_with_order": 1, "docstatus": 0},
		pluck="name",
	):
		job = frappe.get_doc(JOB, name)
		job.db_set({"sales_order": order.name, "cancelled_with_order": 0})
		frappe.db.delete("Installation Job Item", {"parent": job.name, "parenttype": JOB})
		job.set("items", [])
		for row in items:
			job.append("items", row).db_insert()
		scheduled = bool(job.scheduled_start and job.crew)
		if scheduled and (clash := find_crew_clash(job)):
			# booked elsewhere since the order was cancelled: the manager schedules it again
			job.db_set({"scheduled_start": None, "scheduled_end": None})
			job.add_comment(
				"Info",
				_("Not scheduled again: {0} was booked on Installation Job {1} meanwhile.").format(
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
	"""Installed percentage and status of the order, from its completed Installation Jobs."""
	order_item = frappe.qb.DocType("Sales Order Item")
	to_install = sum(
		flt(row.stock_qty)
		for row in frappe.qb.from_(order_item)
		.select(order_item.item_code, order_item.stock_qty)
		.where(order_item.parent == sales_order)
		.where(order_item.parenttype == "Sales Order")
		.run(as_dict=True)
		if requires_installation(row.item_code)
	)
	job = frappe.qb.DocType(JOB)
	job_item = frappe.qb.DocType("Installation Job Item")
	installed = (
		frappe.qb.from_(job_item)
		.join(job)
		.on(job.name == job_item.parent)
		.select(Sum(job_item.installed_qty))
		.where(job.sales_order == sales_order)
		.where(job.docstatus == 1)
		.run()[0][0]
	)
	installed = flt(installed)
	if not to_install:
		status, percent = "Not Applicable", 0
	else:
		percent = min(100.0, installed / to_install * 100)
		status = "Installed" if percent >= 100 else "Partly Installed" if installed else "To Install"
	frappe.db.set_value(
		"Sales Order",
		sales_order,
		{"bizlink_installation_status": status, "bizlink_per_installed": percent},
		update_modified=False,
	)


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
