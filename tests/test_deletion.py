"""Deleting, renaming and merging the ERPNext documents BizLink links to, as their users do it.

A cancelled order (or delivery, invoice, quotation) can be deleted: its stage logs go with it, and
the calls, tickets and field visits that pointed at it stay, without the link, with a comment
saying what was deleted. Customers and items are never released: a merge or rename moves the links.
"""

import frappe
import pytest
from frappe.client import delete
from frappe.exceptions import LinkExistsError
from frappe.model.rename_doc import rename_doc
from test_field_visit import job_of

from bizlink import deletion
from bizlink.devtools.factories import (
	make_customer,
	make_delivery_note,
	make_interaction,
	make_item,
	make_sales_invoice,
	make_sales_order,
	make_user,
)
from bizlink.market_analysis import segments

LOG = "Order Stage Log"
JOB = "Field Visit"


@pytest.fixture
def radiator():
	return make_item(rate=200, bizlink_requires_installation=1)


@pytest.fixture
def seller():
	return make_user(roles=["Sales User", "Stock User", "Accounts User"]).name


def make_ticket(customer: str, **fields):
	return frappe.get_doc(
		{"doctype": "Service Ticket", "customer": customer, "subject": "No heat", **fields}
	).insert(ignore_permissions=True)


def comments_on(doctype: str, name: str) -> list[str]:
	"""The comments saying something this record linked to was deleted."""
	return frappe.get_all(
		"Comment",
		{
			"reference_doctype": doctype,
			"reference_name": name,
			"comment_type": "Info",
			"content": ("like", "%was deleted by%"),
		},
		pluck="content",
	)


def delete_as(user: str, doctype: str, name: str) -> None:
	"""The form's menu > Delete: frappe.client.delete, as `user`."""
	frappe.set_user(user)
	try:
		delete(doctype, name)
	finally:
		frappe.set_user("Administrator")


def test_a_cancelled_order_is_deleted_with_its_stage_logs_and_its_history_stays(radiator, seller):
	order = make_sales_order(items=[{"item_code": radiator.name, "qty": 2, "rate": 200}])
	job = job_of(order)
	call = make_interaction(order.customer, sales_order=order.name, ignore_permissions=True)
	ticket = make_ticket(order.customer, sales_order=order.name)
	assert frappe.db.count(LOG, {"sales_order": order.name}) == 1  # Ordered

	frappe.set_user(seller)
	frappe.get_doc("Sales Order", order.name).cancel()
	frappe.set_user("Administrator")
	assert frappe.db.get_value(JOB, job.name, "status") == "Cancelled"

	delete_as(seller, "Sales Order", order.name)

	assert not frappe.db.exists("Sales Order", order.name)
	assert frappe.db.exists(
		"Deleted Document", {"deleted_doctype": "Sales Order", "deleted_name": order.name}
	)
	assert frappe.db.count(LOG, {"sales_order": order.name}) == 0
	# the job keeps its crew, items, status and history; only the link is gone
	kept = frappe.get_doc(JOB, job.name)
	assert (kept.sales_order, kept.status, kept.customer) == (None, "Cancelled", order.customer)
	assert [row.item_code for row in kept.items] == [radiator.name]
	for doctype, name in ((JOB, job.name), ("Sales Interaction", call.name), ("Service Ticket", ticket.name)):
		assert frappe.db.get_value(doctype, name, "sales_order") is None
		(comment,) = comments_on(doctype, name)
		assert order.name in comment and seller in comment
	assert frappe.db.get_value("Sales Interaction", call.name, "customer") == order.customer


def test_a_deleted_delivery_keeps_its_place_in_the_order_timeline(seller):
	"""A delivery of what is not kept in stock (no ledger entries, so ERPNext lets it be deleted)."""
	service = make_item(rate=200, is_stock_item=0, bizlink_requires_installation=1)
	order = make_sales_order(items=[{"item_code": service.name, "qty": 1, "rate": 200}])
	note = make_delivery_note(order.name)
	ticket = make_ticket(order.customer, sales_order=order.name, delivery_note=note.name)
	job = job_of(order)
	assert [row.delivery_note for row in job.items] == [note.name]
	delivered = frappe.get_all(
		LOG, {"reference_doctype": "Delivery Note", "reference_name": note.name}, pluck="name"
	)
	assert len(delivered) == 1

	frappe.set_user(seller)
	frappe.get_doc("Delivery Note", note.name).cancel()
	frappe.set_user("Administrator")
	# the open job already follows what is delivered: the row no longer names the cancelled note
	assert frappe.db.get_all("Field Visit Item", {"parent": job.name}, pluck="delivery_note") == [None]
	logs_before = frappe.db.count(LOG, {"sales_order": order.name})  # with the move back the cancel made
	delete_as(seller, "Delivery Note", note.name)

	assert not frappe.db.exists("Delivery Note", note.name)
	assert frappe.db.count(LOG, {"reference_name": note.name}) == 0
	assert frappe.db.count(LOG, {"sales_order": order.name}) == logs_before
	log = frappe.db.get_value(LOG, delivered[0], ["stage", "reference_doctype", "note"], as_dict=True)
	assert (log.stage, log.reference_doctype, log.note) == (
		"Delivered",
		None,
		f"Delivery Note {note.name} deleted",
	)
	reversal = frappe.get_all(LOG, {"sales_order": order.name, "is_reversal": 1}, ["stage", "note"])
	assert [(r.stage, r.note) for r in reversal] == [
		("Ordered", f"Delivery Note {note.name} cancelled; Delivery Note {note.name} deleted")
	]
	assert frappe.db.get_value("Service Ticket", ticket.name, ["sales_order", "delivery_note"]) == (
		order.name,
		None,
	)
	assert frappe.db.get_all("Field Visit Item", {"parent": job.name}, pluck="delivery_note") == [None]
	assert any(note.name in c for c in comments_on("Service Ticket", ticket.name))


def test_a_cancelled_work_order_with_its_production_stage_can_be_deleted():
	from test_fulfilment import make_order_in_production

	order, work_order = make_order_in_production()
	assert frappe.db.exists(LOG, {"reference_doctype": "Work Order", "reference_name": work_order.name})
	work_order.cancel()

	frappe.delete_doc("Work Order", work_order.name)

	assert not frappe.db.exists(LOG, {"reference_name": work_order.name})
	assert [
		row.stage
		for row in frappe.get_all(
			LOG, {"sales_order": order.name}, ["stage"], order_by="entered_on, creation"
		)
	] == [
		"Ordered",
		"In Production",
		"Ordered",
	]
	assert frappe.db.get_value("Sales Order", order.name, "bizlink_stage") == "Ordered"


def test_the_cancelled_installation_note_of_a_cancelled_job_can_be_deleted():
	from test_field_visit import ready_to_complete

	item = make_item(has_serial_no=1, bizlink_requires_installation=1)
	order = make_sales_order(items=[{"item_code": item.name, "qty": 1, "rate": 900}])
	job = job_of(order)
	ready_to_complete(order, job)
	job.submit()
	note = job.installation_note
	job.cancel()  # cancels its Installation Note too
	assert frappe.db.get_value("Installation Note", note, "docstatus") == 2

	frappe.delete_doc("Installation Note", note)

	assert frappe.db.get_value(JOB, job.name, ["docstatus", "installation_note"]) == (2, None)
	(comment,) = comments_on(JOB, job.name)
	assert note in comment


def test_a_draft_quotation_a_call_was_about_can_be_deleted(seller):
	customer = make_customer().name
	quotation = frappe.get_doc(
		{
			"doctype": "Quotation",
			"quotation_to": "Customer",
			"party_name": customer,
			"items": [{"item_code": make_item().name, "qty": 1, "rate": 100}],
		}
	).insert(ignore_permissions=True)
	call = make_interaction(customer, quotation=quotation.name, ignore_permissions=True)

	delete_as(seller, "Quotation", quotation.name)

	assert frappe.db.get_value("Sales Interaction", call.name, ["customer", "quotation"]) == (customer, None)


def test_deleting_the_follow_up_todo_cancels_the_follow_up_and_the_event_can_go_too():
	"""From the To Do list as the salesperson whose follow-up it is; the Event from the calendar as a
	System Manager (only they may delete Events)."""
	from frappe.utils import add_days, today

	user = make_user(roles=["Sales User"]).name
	customer = make_customer().name
	frappe.set_user(user)
	call = make_interaction(customer, next_action_date=add_days(today(), 3), next_action="Send the offer")
	frappe.set_user("Administrator")
	call.reload()
	assert call.todo and call.event and call.follow_up_status == "Open"
	assert frappe.db.get_value("Customer", customer, "bizlink_next_follow_up")

	delete_as("Administrator", "Event", call.event)
	assert frappe.db.get_value("Sales Interaction", call.name, ["event", "follow_up_status"]) == (
		None,
		"Open",
	)

	delete_as(user, "ToDo", call.todo)
	assert not frappe.db.exists("ToDo", call.todo)
	assert frappe.db.get_value("Sales Interaction", call.name, ["todo", "follow_up_status"]) == (
		None,
		"Cancelled",
	)
	assert not frappe.db.get_value("Customer", customer, "bizlink_next_follow_up")


def test_a_hostile_name_in_the_deletion_comment_is_only_text():
	"""The comment is shown as HTML in the record's timeline (Frappe refuses < and > in names)."""
	customer = make_customer().name
	name = f'L\'Hospitalet & "Co" &lt;b&gt; {frappe.generate_hash(length=4)}'
	opportunity = frappe.get_doc(
		{"doctype": "Opportunity", "opportunity_from": "Customer", "party_name": customer}
	)
	opportunity.insert(ignore_permissions=True, set_name=name)
	call = make_interaction(customer, opportunity=opportunity.name, ignore_permissions=True)

	frappe.delete_doc("Opportunity", opportunity.name)

	(comment,) = comments_on("Sales Interaction", call.name)
	assert "L&apos;Hospitalet &amp; &quot;Co&quot; &amp;lt;b&amp;gt;" in comment


def test_a_deletion_that_erpnext_refuses_leaves_bizlinks_records_as_they_were(radiator, seller):
	"""A delivered order: ERPNext's own link (the cancelled delivery) stops the deletion, and the
	request's rollback takes back what BizLink's on_trash did first."""
	order = make_sales_order(items=[{"item_code": radiator.name, "qty": 1, "rate": 200}])
	note = make_delivery_note(order.name)
	call = make_interaction(order.customer, sales_order=order.name, ignore_permissions=True)
	frappe.set_user(seller)
	frappe.get_doc("Delivery Note", note.name).cancel()
	frappe.get_doc("Sales Order", order.name).cancel()
	frappe.set_user("Administrator")
	logs = frappe.db.count(LOG, {"sales_order": order.name})
	assert logs

	frappe.db.savepoint("attempt")
	with pytest.raises(LinkExistsError, match="Delivery Note"):
		delete_as(seller, "Sales Order", order.name)
	frappe.db.rollback(save_point="attempt")  # what the request does with an exception

	assert frappe.db.count(LOG, {"sales_order": order.name}) == logs
	assert frappe.db.get_value("Sales Interaction", call.name, "sales_order") == order.name
	assert frappe.db.get_value(JOB, {"sales_order": order.name})


def test_a_customer_with_calls_is_not_deleted_but_merged():
	bare = make_customer().name
	frappe.delete_doc("Customer", bare)
	assert not frappe.db.exists("Customer", bare)

	customer = make_customer().name
	make_interaction(customer, ignore_permissions=True)
	with pytest.raises(LinkExistsError):  # "You can disable this Customer instead of deleting it."
		frappe.delete_doc("Customer", customer)


def test_renaming_a_customer_moves_its_calls_tickets_jobs_and_logs(radiator):
	order = make_sales_order(items=[{"item_code": radiator.name, "qty": 1, "rate": 200}])
	call = make_interaction(order.customer, ignore_permissions=True)
	ticket = make_ticket(order.customer)
	job = job_of(order)
	new = f"{order.customer} (renamed)"

	rename_doc("Customer", order.customer, new, force=True)

	assert frappe.db.get_value("Sales Interaction", call.name, "customer") == new
	assert frappe.db.get_value("Service Ticket", ticket.name, "customer") == new
	assert frappe.db.get_value(JOB, job.name, "customer") == new
	assert {log.customer for log in frappe.get_all(LOG, {"sales_order": order.name}, ["customer"])} == {new}
	assert not segments.drifted_segments()


def test_merging_an_item_into_another_moves_jobs_and_tickets(radiator):
	other = make_item(rate=200, bizlink_requires_installation=1)
	order = make_sales_order(items=[{"item_code": radiator.name, "qty": 1, "rate": 200}])
	ticket = make_ticket(order.customer, item=radiator.name)
	job = job_of(order)

	rename_doc("Item", radiator.name, other.name, merge=True, force=True)

	assert not frappe.db.exists("Item", radiator.name)
	assert frappe.db.get_value("Service Ticket", ticket.name, "item") == other.name
	assert [row.item_code for row in frappe.get_doc(JOB, job.name).items] == [other.name]


def test_renaming_a_customer_group_or_territory_moves_their_segments():
	group = frappe.get_doc(
		{"doctype": "Customer Group", "customer_group_name": f"Group {frappe.generate_hash(length=6)}"}
	).insert(ignore_permissions=True)
	customer = make_customer(customer_group=group.name).name
	make_sales_order(customer=customer, items=[{"item_code": make_item().name, "qty": 3, "rate": 100}])
	territory = frappe.db.get_value("Customer", customer, "territory")
	assert frappe.db.count(segments.DOCTYPE, {"customer_group": group.name}) > 0

	new_group = rename_doc("Customer Group", group.name, f"{group.name} renamed", force=True)

	assert frappe.db.count(segments.DOCTYPE, {"customer_group": group.name}) == 0
	rows = frappe.get_all(
		segments.DOCTYPE,
		{"customer_group": new_group, "period": "Now"},
		["customers", "territory"],
	)
	assert [(row.customers, row.territory) for row in rows] == [(1, territory)]
	order_value = frappe.get_all(
		segments.DOCTYPE, {"customer_group": new_group, "period": "Day"}, pluck="order_value"
	)
	assert sum(order_value) == 300
	assert not segments.drifted_segments()


def test_every_link_to_an_erpnext_transaction_is_released_or_logged():
	"""A new Link from a BizLink DocType to a document ERPNext lets users delete (a submittable one)
	must say what happens on deletion, or it will stop the deletion."""
	handled = {(doctype, field) for links in deletion.RELEASED_LINKS.values() for doctype, field in links}
	handled |= {(LOG, "sales_order")}
	missing = []
	for doctype in frappe.get_all(
		"DocType", {"module": ("in", frappe.get_module_list("bizlink"))}, pluck="name"
	):
		for df in frappe.get_meta(doctype).get_link_fields():
			target = frappe.get_meta(df.options)
			if (
				target.module not in frappe.get_module_list("bizlink")
				and target.is_submittable
				and (doctype, df.fieldname) not in handled
			):
				missing.append(f"{doctype}.{df.fieldname} -> {df.options}")
	assert not missing
	hooked = frappe.get_hooks("doc_events")
	for doctype in deletion.DOCTYPES:
		assert "bizlink.deletion.on_trash" in frappe.as_json(hooked.get(doctype, {}).get("on_trash")), doctype
