"""Concurrent work on the same documents: one save wins, the other is told, nothing is lost or doubled.

The first tests play two users in one transaction (two copies of the same document, as two open
forms); the `commits` ones use two real database connections at once, in threads, as two requests
or a request and a background job would.
"""

import threading

import frappe
import pytest
from committed import in_thread, purge
from frappe.utils import add_to_date, now_datetime
from test_service_ticket import due_ticket as due_ticket_in
from test_service_ticket import make_ticket

from bizlink.devtools.factories import make_customer, make_item, make_sales_order, make_user


def two_copies(doctype: str, name: str):
	return frappe.get_doc(doctype, name), frappe.get_doc(doctype, name)


def test_two_agents_saving_the_same_ticket_second_is_told_first_is_kept():
	ticket = make_ticket(make_customer(city=None).name)
	first, second = two_copies("Service Ticket", ticket.name)
	frappe.set_user(make_user(roles=["Support Team"]).name)
	first.description = "<p>Cambiada la junta</p>"
	first.save()
	frappe.set_user(make_user(roles=["Support Team"]).name)
	second.description = "<p>Pedido repuesto</p>"
	with pytest.raises(frappe.TimestampMismatchError):
		second.save()
	assert frappe.db.get_value("Service Ticket", ticket.name, "description") == "<p>Cambiada la junta</p>"


def test_manager_and_technician_saving_the_same_job():
	item = make_item(bizlink_requires_installation=1, bizlink_installation_hours=2)
	order = make_sales_order(items=[{"item_code": item.name, "qty": 1, "rate": 100}])
	name = frappe.db.get_value("Field Visit", {"sales_order": order.name})
	technician = make_user(roles=["Installation Technician"]).name
	job = frappe.get_doc("Field Visit", name)
	job.append("crew", {"user": technician})
	job.save()
	managers_copy, technicians_copy = two_copies("Field Visit", name)
	frappe.set_user(make_user(roles=["Installation Manager"]).name)
	start = add_to_date(now_datetime(), days=2)
	managers_copy.scheduled_start, managers_copy.scheduled_end = start, add_to_date(start, hours=2)
	managers_copy.save()
	frappe.set_user(technician)
	technicians_copy.notes = "<p>Llevar escalera</p>"
	with pytest.raises(frappe.TimestampMismatchError):
		technicians_copy.save()
	saved = frappe.get_doc("Field Visit", name)
	assert saved.scheduled_start == start and not saved.notes


def due_ticket(customer: str):
	"""An open ticket past its warning moment: 9 hours into a 10-hour target."""
	return due_ticket_in(customer, created_hours_ago=9, due_in_hours=1)


def test_agent_form_opened_before_the_escalation_job_does_not_undo_it():
	from bizlink.service.escalation import escalate_tickets

	ticket = due_ticket(make_customer(city=None).name)
	agents_form = frappe.get_doc("Service Ticket", ticket.name)  # opened before the job runs
	assert escalate_tickets()["warned"] >= 1
	assert frappe.db.get_value("Service Ticket", ticket.name, "escalation_level") == "Warned"
	agents_form.description = "<p>Llamado el cliente</p>"
	agents_form.save()  # the job writes without touching `modified`: the agent's save goes through
	assert frappe.db.get_value("Service Ticket", ticket.name, "escalation_level") == "Warned"
	assert escalate_tickets() == {"warned": 0, "breached": 0, "failed": 0}  # not warned twice
	logs = frappe.db.count("Notification Log", {"document_name": ticket.name, "type": "Alert"})
	assert logs == 1


def test_submitting_the_same_order_object_twice_makes_one_job():
	item = make_item(bizlink_requires_installation=1, bizlink_installation_hours=2)
	order = make_sales_order(items=[{"item_code": item.name, "qty": 1, "rate": 100}], submit=False)
	stale = frappe.get_doc("Sales Order", order.name)
	order.submit()
	with pytest.raises(frappe.TimestampMismatchError):
		stale.submit()
	assert frappe.db.count("Field Visit", {"sales_order": order.name}) == 1
	assert frappe.db.count("Order Stage Log", {"sales_order": order.name}) == 1


# Two connections at once -----------------------------------------------------------------------


@pytest.fixture
def committed_order(site):
	"""A draft Sales Order of an item that needs installation, committed; removed afterwards."""
	item = make_item(bizlink_requires_installation=1, bizlink_installation_hours=2)
	customer = make_customer(city=None)
	order = make_sales_order(
		customer.name, items=[{"item_code": item.name, "qty": 1, "rate": 100}], submit=False
	)
	frappe.db.commit()
	yield order
	frappe.db.rollback()
	for doctype, field in (("Field Visit", "sales_order"), ("Order Stage Log", "sales_order")):
		purge(doctype, set(frappe.get_all(doctype, {field: order.name}, pluck="name")))
	purge("Sales Order", {order.name})
	purge("Customer", {customer.name})
	frappe.db.delete("Bin", {"item_code": item.name})
	purge("Item", {item.name})
	frappe.db.commit()


def race(site: str, *fns):
	"""Start `fns` together (each in its own connection, after a common barrier); their results."""
	barrier = threading.Barrier(len(fns))

	def at_once(fn):
		def run():
			barrier.wait(timeout=30)
			return fn()

		return run

	started = [in_thread(site, at_once(fn)) for fn in fns]
	for thread, _result in started:
		thread.join(timeout=120)
	return [result for _thread, result in started]


@pytest.mark.commits
def test_double_submit_from_two_connections_makes_one_job_and_one_stage(site, committed_order):
	name = committed_order.name

	def submit():
		frappe.get_doc("Sales Order", name).submit()
		return "submitted"

	results = race(site, submit, submit)
	frappe.db.rollback()  # see what the two connections committed
	wins = [r for r in results if r.get("value") == "submitted"]
	losses = [r["error"] for r in results if "error" in r]
	assert len(wins) == 1, results
	assert len(losses) == 1 and isinstance(losses[0], frappe.TimestampMismatchError), losses
	assert frappe.db.get_value("Sales Order", name, "docstatus") == 1
	assert frappe.db.count("Field Visit", {"sales_order": name}) == 1
	assert frappe.db.count("Order Stage Log", {"sales_order": name}) == 1


@pytest.fixture
def committed_ticket(site):
	customer = make_customer(city=None)
	ticket = due_ticket(customer.name)
	frappe.db.commit()
	yield ticket
	frappe.db.rollback()
	frappe.db.delete("Notification Log", {"document_type": "Service Ticket", "document_name": ticket.name})
	purge("Service Ticket", {ticket.name})
	purge("Customer", {customer.name})
	frappe.db.commit()


@pytest.mark.commits
def test_two_agents_saving_at_once_from_two_connections(site, committed_ticket):
	name = committed_ticket.name

	def edit(text):
		def save():
			doc = frappe.get_doc("Service Ticket", name)
			doc.description = f"<p>{text}</p>"
			doc.save()
			return text

		return save

	results = race(site, edit("uno"), edit("dos"))
	frappe.db.rollback()
	saved = [r["value"] for r in results if "value" in r]
	errors = [r["error"] for r in results if "error" in r]
	assert len(saved) == 1 and len(errors) == 1, results
	assert isinstance(errors[0], frappe.TimestampMismatchError)
	assert frappe.db.get_value("Service Ticket", name, "description") == f"<p>{saved[0]}</p>"


@pytest.mark.commits
def test_escalation_job_and_agent_save_racing_in_two_connections(site, committed_ticket):
	"""The agent opens the ticket, the job warns in its own connection, the agent saves: one warning."""
	from bizlink.service.escalation import escalate_tickets

	name = committed_ticket.name
	opened, escalated = threading.Event(), threading.Event()

	def agent():
		doc = frappe.get_doc("Service Ticket", name)
		opened.set()
		escalated.wait(timeout=60)
		doc.description = "<p>He llamado al cliente</p>"
		doc.save()
		return doc.escalation_level

	def job():
		opened.wait(timeout=60)
		try:
			return escalate_tickets()
		finally:
			escalated.set()

	agent_thread, agent_result = in_thread(site, agent)
	job_thread, job_result = in_thread(site, job)
	job_thread.join(timeout=120)
	agent_thread.join(timeout=120)
	frappe.db.rollback()
	assert "error" not in agent_result and "error" not in job_result, (agent_result, job_result)
	assert job_result["value"]["warned"] >= 1
	assert frappe.db.get_value("Service Ticket", name, "escalation_level") == "Warned"
	assert escalate_tickets() == {"warned": 0, "breached": 0, "failed": 0}
	frappe.db.rollback()
	assert frappe.db.count("Notification Log", {"document_name": name, "type": "Alert"}) == 1


@pytest.mark.commits
def test_the_after_submit_job_running_late_does_not_undo_a_delivery_committed_meanwhile(site):
	"""The order's after-submit job starts (its connection's view taken), a delivery is submitted and
	committed in another connection (REST, at once), then the job goes on: one stage open, Delivered;
	no row moved back to Ordered on the job's older view."""
	from committed import purge_world

	from bizlink.devtools.factories import make_delivery_note
	from bizlink.field_service.installation import after_sales_order_submit

	order = make_sales_order()
	frappe.db.delete("Order Stage Log", {"sales_order": order.name})  # as if the job had not run yet
	frappe.db.commit()
	looked, delivered = threading.Event(), threading.Event()

	def job():
		frappe.db.count("Order Stage Log", {"sales_order": order.name})  # its view of the database
		looked.set()
		delivered.wait(timeout=60)
		after_sales_order_submit(order.name)

	def deliver():
		looked.wait(timeout=60)
		return make_delivery_note(order.name).name

	try:
		job_thread, job_result = in_thread(site, job)
		delivery_thread, delivery_result = in_thread(site, deliver)
		delivery_thread.join(timeout=120)
		delivered.set()
		job_thread.join(timeout=120)
		frappe.db.rollback()
		assert "error" not in job_result and "error" not in delivery_result, (job_result, delivery_result)
		rows = frappe.get_all(
			"Order Stage Log",
			{"sales_order": order.name},
			["stage", "left_on", "is_reversal"],
			order_by="creation",
		)
		assert [(row.stage, bool(row.left_on), row.is_reversal) for row in rows] == [("Delivered", False, 0)]
	finally:
		frappe.db.rollback()
		notes = frappe.get_all("Delivery Note", {"customer": order.customer}, pluck="name")
		purge_world([order.customer], extra=(("Delivery Note", notes),))
		frappe.db.commit()
