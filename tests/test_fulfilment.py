"""Order fulfilment stages: every transition, its reverse on cancel, the backfill and the reports."""

import itertools

import frappe
import pytest
from frappe.utils import (
	add_days,
	add_to_date,
	getdate,
	now_datetime,
	random_string,
	time_diff_in_hours,
	today,
)

from bizlink.devtools.factories import (
	SIGNATURE,
	make_delivery_note,
	make_item,
	make_payment,
	make_portal_user,
	make_sales_invoice,
	make_sales_order,
	make_user,
)
from bizlink.fulfilment.report.order_fulfilment_cycle_time.order_fulfilment_cycle_time import (
	execute as cycle_time_report,
)
from bizlink.fulfilment.report.orders_waiting.orders_waiting import execute as orders_waiting_report
from bizlink.fulfilment.stages import backfill_order, refresh_stage


def stage_of(order) -> str | None:
	return frappe.db.get_value("Sales Order", order.name, "bizlink_stage")


def log_of(order) -> list:
	return frappe.get_all(
		"Order Stage Log",
		filters={"sales_order": order.name},
		fields=[
			"stage",
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


def test_order_to_cash_without_installation():
	order = make_sales_order()
	assert stage_of(order) == "Ordered"
	note = make_delivery_note(order.name)
	assert stage_of(order) == "Delivered"
	invoice = make_sales_invoice(order.name)
	assert stage_of(order) == "Billed"
	make_payment(invoice.name)
	assert stage_of(order) == "Completed"
	log = log_of(order)
	assert [row.stage for row in log] == ["Ordered", "Delivered", "Billed", "Completed"]
	assert all(row.left_on for row in log[:-1]) and not log[-1].left_on
	assert (log[1].reference_doctype, log[1].reference_name) == ("Delivery Note", note.name)
	assert frappe.db.get_value("Sales Order", order.name, "bizlink_stage_since")


def test_the_form_gets_its_timeline_with_the_order_as_its_user_reads_it():
	from frappe.desk.form.load import getdoc

	order = make_sales_order()
	make_delivery_note(order.name)
	seller = make_user(roles=["Sales User"], language="es").name
	frappe.set_user(seller)
	frappe.local.lang = "es"
	try:
		frappe.response.docs = []
		getdoc("Sales Order", order.name)  # what the form asks for when it opens
		loaded = frappe.response.docs[0].get("__onload")["bizlink_stage_timeline"]
	finally:
		frappe.local.lang = "en"
		frappe.set_user("Administrator")
	assert [(row.stage, row.step) for row in loaded] == [("Ordered", 1), ("Delivered", 5)]
	assert loaded[0].left_on and not loaded[1].left_on
	# a draft has no timeline, and none is looked up for it
	draft = make_sales_order(submit=False)
	frappe.response.docs = []
	getdoc("Sales Order", draft.name)
	assert "bizlink_stage_timeline" not in (frappe.response.docs[-1].get("__onload") or {})


def test_cancelled_delivery_moves_the_order_back_and_says_so():
	order = make_sales_order()
	note = make_delivery_note(order.name)
	note.cancel()
	assert stage_of(order) == "Ordered"
	last = log_of(order)[-1]
	assert last.stage == "Ordered" and last.is_reversal
	assert note.name in last.note
	comments = frappe.get_all(
		"Comment", filters={"reference_doctype": "Sales Order", "reference_name": order.name}, pluck="content"
	)
	assert any("Moved back" in c and note.name in c for c in comments)


def test_cancelled_invoice_and_payment_move_back():
	order = make_sales_order()
	make_delivery_note(order.name)
	invoice = make_sales_invoice(order.name)
	payment = make_payment(invoice.name)
	payment.cancel()
	assert stage_of(order) == "Billed"
	invoice.reload()
	invoice.cancel()
	assert stage_of(order) == "Delivered"


def test_installation_stage_between_delivery_and_billing():
	item = make_item(has_serial_no=1, bizlink_requires_installation=1)
	order = make_sales_order(items=[{"item_code": item.name, "qty": 1, "rate": 500}])
	make_delivery_note(order.name)
	assert stage_of(order) == "Delivered"
	make_sales_invoice(order.name)
	assert stage_of(order) == "Delivered"  # billed, but still waiting for the installation

	job = frappe.get_doc("Field Visit", frappe.db.get_value("Field Visit", {"sales_order": order.name}))
	job.scheduled_start = add_to_date(now_datetime(), hours=-2)
	job.append("crew", {"user": "Administrator"})
	job.save()
	job.start()
	job.items[0].installed_qty = 1
	job.signature, job.signed_by = SIGNATURE, "Cliente"
	job.submit()
	assert stage_of(order) == "Billed"  # installed and billed: waiting for payment
	assert [row.stage for row in log_of(order)] == ["Ordered", "Delivered", "Billed"]
	job.cancel()
	assert stage_of(order) == "Delivered"
	assert log_of(order)[-1].is_reversal


def test_order_cancel_closes_its_stage():
	order = make_sales_order()
	order.cancel()
	assert not stage_of(order)
	log = log_of(order)
	assert len(log) == 1 and log[0].left_on


def test_refresh_is_idempotent():
	order = make_sales_order()
	make_delivery_note(order.name)
	before = len(log_of(order))
	for _ in range(3):
		refresh_stage(order.name, "Sales Order", order.name)
	assert len(log_of(order)) == before


def make_order_in_production():
	"""A Sales Order of a product made from a BOM, and its submitted Work Order."""
	from bizlink.devtools.factories import get_stores, receive_stock

	product, part = make_item(), make_item(rate=10)
	receive_stock(part.name, 10)
	bom = frappe.get_doc(
		{
			"doctype": "BOM",
			"item": product.name,
			"quantity": 1,
			"company": frappe.defaults.get_global_default("company"),
			"items": [{"item_code": part.name, "qty": 2, "rate": 10}],
		}
	).insert()
	bom.submit()
	order = make_sales_order(items=[{"item_code": product.name, "qty": 1, "rate": 300}])
	stores = get_stores()
	work_order = frappe.get_doc(
		{
			"doctype": "Work Order",
			"production_item": product.name,
			"bom_no": bom.name,
			"qty": 1,
			"company": order.company,
			"sales_order": order.name,
			"wip_warehouse": stores,
			"fg_warehouse": stores,
			"source_warehouse": stores,
			"skip_transfer": 1,
		}
	).insert()
	work_order.submit()
	return order, work_order


def test_production_stages_from_work_order():
	from erpnext.manufacturing.doctype.work_order.work_order import make_stock_entry as make_wo_entry

	order, work_order = make_order_in_production()
	assert stage_of(order) == "In Production"
	entry = frappe.get_doc(make_wo_entry(work_order.name, "Manufacture", 1))
	entry.insert()
	entry.submit()
	assert stage_of(order) == "Ready to Ship"
	make_delivery_note(order.name)
	assert stage_of(order) == "Delivered"
	entry.cancel()
	assert stage_of(order) == "In Production"
	assert log_of(order)[-1].is_reversal


def test_backfill_rebuilds_history_from_document_dates():
	order = make_sales_order(transaction_date=add_days(today(), -30))
	make_delivery_note(order.name, posting_date=add_days(today(), -20))
	invoice = make_sales_invoice(order.name, posting_date=add_days(today(), -18))
	make_payment(invoice.name, posting_date=add_days(today(), -3))
	frappe.db.delete("Order Stage Log", {"sales_order": order.name})
	frappe.db.set_value("Sales Order", order.name, {"bizlink_stage": None, "bizlink_stage_since": None})

	assert backfill_order(order.name) == 4
	log = log_of(order)
	assert [row.stage for row in log] == ["Ordered", "Delivered", "Billed", "Completed"]
	# each stage entered on its document's date (at the time of day it was posted), and its duration
	# is the time to the next (not rounded days: the time of day the test runs moves those)
	assert [getdate(row.entered_on) for row in log] == [
		getdate(add_days(today(), d)) for d in (-30, -20, -18, -3)
	]
	for row, following in itertools.pairwise(log):
		assert abs(row.duration_hours - time_diff_in_hours(following.entered_on, row.entered_on)) < 0.01
	assert 9 * 24 < log[0].duration_hours < 11 * 24 and 14 * 24 < log[2].duration_hours < 16 * 24
	assert stage_of(order) == "Completed"
	assert backfill_order(order.name) == 0  # only once


def make_log(order: str, stage: str, hours: float | None, group: str, days_ago: int = 5, **fields):
	"""A stage stay entered `days_ago` days ago and left `hours` later (None: not left yet)."""
	entered = add_to_date(now_datetime(), days=-days_ago)
	frappe.get_doc(
		{
			"doctype": "Order Stage Log",
			"sales_order": order,
			"stage": stage,
			"entered_on": entered,
			"left_on": add_to_date(entered, hours=hours) if hours is not None else None,
			"duration_hours": hours or 0,
			"customer_group": group,
			**fields,
		}
	).insert(ignore_permissions=True)


def test_cycle_time_report_against_hand_computed_percentiles():
	group = frappe.get_doc(
		{
			"doctype": "Customer Group",
			"customer_group_name": f"BL {random_string(6)}",
			"parent_customer_group": "All Customer Groups",
		}
	).insert()
	order = make_sales_order().name
	for hours in (10 * 24, 20 * 24, 30 * 24, 40 * 24):
		make_log(order, "Ordered", hours, group.name)
	make_log(order, "Delivered", 5 * 24, group.name)

	_, data, _, chart = cycle_time_report({"customer_group": group.name})[:4]
	rows = {row["stage_name"]: row for row in data}
	# median of 10, 20, 30, 40 days = 25; 90th percentile = 30 + 0.7 * (40 - 30) = 37
	assert (rows["Ordered"]["orders"], rows["Ordered"]["median_days"], rows["Ordered"]["p90_days"]) == (
		4,
		25,
		37,
	)
	assert (rows["Delivered"]["median_days"], rows["Delivered"]["p90_days"]) == (5, 5)
	assert chart["data"]["labels"] == ["Ordered", "Delivered"]


def test_orders_waiting_lists_longest_waiting_first():
	older, newer = make_sales_order(), make_sales_order()
	frappe.db.set_value(
		"Sales Order", older.name, "bizlink_stage_since", add_to_date(now_datetime(), days=-400)
	)
	_, rows = orders_waiting_report({"min_days": 300})
	assert rows[0].sales_order == older.name and rows[0].days_waiting >= 400
	assert newer.name not in [row.sales_order for row in rows]


def test_staff_of_the_next_stage_are_told(outgoing_email):
	from bizlink.devtools.factories import make_user

	installer = make_user(roles=["Installation Manager"]).name
	item = make_item(has_serial_no=1, bizlink_requires_installation=1)
	order = make_sales_order(items=[{"item_code": item.name, "qty": 1, "rate": 500}])
	assert log_of(order)[-1].stage == "Ordered"
	assert frappe.db.get_value("Order Stage Log", {"sales_order": order.name}, "next_stage") == "Delivered"
	before = frappe.db.count("Email Queue")
	make_delivery_note(order.name)
	assert (
		frappe.db.get_value(
			"Order Stage Log", {"sales_order": order.name, "stage": "Delivered"}, "next_stage"
		)
		== "Installed"
	)
	queued = frappe.get_all(
		"Email Queue",
		fields=["name"],
		order_by="creation desc",
		limit=frappe.db.count("Email Queue") - before,
	)
	recipients = frappe.get_all(
		"Email Queue Recipient", filters={"parent": ("in", [q.name for q in queued])}, pluck="recipient"
	)
	assert installer in recipients


def test_portal_customer_sees_own_order_progress_only():
	from bizlink.www import order_progress

	mine, theirs = make_sales_order(), make_sales_order()
	make_delivery_note(mine.name)
	frappe.set_user(make_portal_user(mine.customer))

	frappe.local.form_dict = frappe._dict(name=None)
	context = order_progress.get_context(frappe._dict())
	assert [o.name for o in context.orders] == [mine.name]

	frappe.local.form_dict = frappe._dict(name=mine.name)
	context = order_progress.get_context(frappe._dict())
	assert [row.stage for row in context.timeline] == ["Ordered", "Delivered"]

	frappe.local.form_dict = frappe._dict(name=theirs.name)
	with pytest.raises(frappe.PermissionError):
		order_progress.get_context(frappe._dict())
