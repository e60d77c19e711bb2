"""Beyond one machine: reads that may go to a replica do, and deferred work goes to named RQ queues."""

import inspect

import frappe
import pytest

from bizlink.devtools.factories import make_item, make_sales_order


@pytest.fixture
def replica(monkeypatch):
	"""`read_from_replica` set, the replica being the primary server itself (what counts is the switch)."""
	monkeypatch.setitem(frappe.local.conf, "read_from_replica", 1)
	monkeypatch.setitem(frappe.local.conf, "replica_host", frappe.local.conf.db_host or "127.0.0.1")
	primary = frappe.local.db
	yield primary
	frappe.local.db = primary
	for attribute in ("replica_db", "primary_db"):
		if hasattr(frappe.local, attribute):
			delattr(frappe.local, attribute)


def committed_customer() -> str:
	"""A customer the replica connection can see (committed before this test)."""
	return frappe.db.get_value("Customer", {"disabled": 0}, "name", order_by="creation asc")


@pytest.mark.parametrize(
	("module", "function", "argument"),
	[
		("bizlink.api.customer", "get_customer_file", "customer"),
		("bizlink.api.customer", "get_customer_playbook", "customer"),
		("bizlink.api.fulfilment", "get_stage_timeline", "sales_order"),
		("bizlink.api.service_ticket", "get_similar_resolved", "ticket"),
	],
)
def test_read_apis_read_from_the_replica(replica, module, function, argument):
	value = {
		"customer": committed_customer(),
		"sales_order": frappe.db.get_value("Sales Order", {"docstatus": 1}, "name", order_by="creation asc"),
		"ticket": frappe.db.get_value("Service Ticket", {}, "name", order_by="creation asc"),
	}[argument]
	if not value:
		pytest.skip(f"the site has no committed {argument}")
	frappe.get_attr(f"{module}.{function}")(value)
	assert hasattr(frappe.local, "replica_db"), "no replica connection was opened"
	assert frappe.local.db is replica, "the primary connection is back after the call"


def test_reports_read_from_the_replica(replica):
	"""Frappe runs every query report (Market Segments included) through its read-only entry point."""
	from frappe.desk.query_report import run

	run("Market Segments", filters={"dimensions": "City"}, ignore_prepared_report=True)
	assert hasattr(frappe.local, "replica_db"), "no replica connection was opened"
	assert frappe.local.db is replica


@pytest.mark.queued
def test_sales_order_submit_defers_bizlink_work_to_the_short_queue():
	item = make_item(bizlink_requires_installation=1, bizlink_installation_hours=2)
	order = make_sales_order(items=[{"item_code": item.name, "qty": 1, "rate": 100}], submit=False)
	pending = len(frappe.db.after_commit._functions)
	order.submit()  # as on a live site: the work waits for the commit, then the queue
	queued = [
		inspect.getclosurevars(callback).nonlocals
		for callback in list(frappe.db.after_commit._functions)[pending:]
	]
	jobs = [
		job
		for job in queued
		if job.get("queue_args", {}).get("method")
		== "bizlink.field_service.installation.after_sales_order_submit"
	]
	assert len(jobs) == 1, queued
	assert jobs[0]["q"].name.endswith(":short")
	assert jobs[0]["queue_args"]["kwargs"]["sales_order"] == order.name
	# nothing was done in the request itself
	assert not frappe.db.exists("Field Visit", {"sales_order": order.name})
	frappe.db.after_commit.reset()  # rolled back: nothing to enqueue
	# the job, when a worker runs it, does the work once (and again is a no-op)
	from bizlink.field_service.installation import after_sales_order_submit

	after_sales_order_submit(order.name)
	after_sales_order_submit(order.name)
	assert frappe.db.count("Field Visit", {"sales_order": order.name}) == 1
	assert frappe.db.count("Order Stage Log", {"sales_order": order.name}) == 1
