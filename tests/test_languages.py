"""What BizLink stores in English and each reader reads in their own language (#21, item 8): stage
notes, the crew's and the customer's mail, the workspace charts' groups, an agent's To Do."""

import frappe
import pytest
from frappe.utils import add_days, get_datetime, today
from mail import mail_text

from bizlink.devtools.factories import (
	make_customer,
	make_delivery_note,
	make_item,
	make_sales_order,
	make_user,
)
from bizlink.fulfilment.stages import read_note

LOG = "Order Stage Log"


@pytest.fixture
def english():
	"""The acting user reads English, whatever the site's language."""
	language = frappe.local.lang
	frappe.local.lang = "en"
	yield
	frappe.local.lang = language


def as_reader(language: str):
	frappe.local.lang = language


def test_a_stage_note_is_stored_in_english_and_read_in_each_language(english):
	order = make_sales_order()
	note = make_delivery_note(order.name)
	frappe.local.lang = "es"  # a Spanish user cancels: the stored note stays English
	frappe.get_doc("Delivery Note", note.name).cancel()
	stored = frappe.db.get_value(LOG, {"sales_order": order.name, "is_reversal": 1}, "note")
	assert stored == f"Delivery Note {note.name} cancelled"

	from bizlink.api.fulfilment import get_timeline

	notes = [row.note for row in get_timeline(order.name) if row.note]
	assert notes == [f"{frappe._('Delivery Note', lang='es')} {note.name} cancelado"]
	frappe.local.lang = "en"
	assert [row.note for row in get_timeline(order.name) if row.note] == [stored]


def test_notes_read_part_by_part_and_unknown_text_as_it_is():
	frappe.local.lang = "es"
	try:
		assert read_note("Backfilled from the order's documents") == (
			"Reconstruido a partir de los documentos del pedido"
		)
		assert read_note("Payment Entry PE-1 cancelled; Payment Entry PE-1 deleted") == (
			f"{frappe._('Payment Entry')} PE-1 cancelado; Se eliminó {frappe._('Payment Entry')} PE-1"
		)
		# written by hand or before notes were stored in English: shown as it is
		assert read_note("Albarán anulado a mano") == "Albarán anulado a mano"
		assert read_note("Unknown Doc X cancelled") == "Unknown Doc X cancelled"
		assert read_note(None) is None
	finally:
		frappe.local.lang = "en"


def queued_since(before: str) -> list[dict]:
	queued = frappe.get_all(
		"Email Queue", filters={"creation": (">=", before)}, fields=["name", "message"], order_by="creation"
	)
	for mail in queued:
		mail.recipients = frappe.get_all("Email Queue Recipient", {"parent": mail.name}, pluck="recipient")
		mail.text = mail_text(mail.message)
	return queued


def test_the_crew_is_told_in_each_technicians_language(english, outgoing_email):
	item = make_item(is_stock_item=0, bizlink_requires_installation=1)
	order = make_sales_order(items=[{"item_code": item.name, "qty": 1, "rate": 900}])
	spanish = make_user(roles=["Installation Technician"], language="es").name
	english_tech = make_user(roles=["Installation Technician"], language="en").name
	job = frappe.get_doc("Field Visit", {"sales_order": order.name})
	job.scheduled_start = get_datetime(f"{add_days(today(), 3)} 08:00:00")
	job.scheduled_end = get_datetime(f"{add_days(today(), 3)} 10:00:00")
	job.append("crew", {"user": spanish})
	job.append("crew", {"user": english_tech})
	before = frappe.db.sql("select now(6)")[0][0]
	job.save()  # by an English-speaking dispatcher
	told = {recipient: mail.text for mail in queued_since(before) for recipient in mail.recipients}
	assert f"Forma parte del equipo de la visita técnica {job.name}" in told[spanish]
	assert f"You are in the crew of Field Visit {job.name}" in told[english_tech]
	assert "Forma parte" not in told[english_tech]
	# the desk's bell too: one notification each, in their language
	bell = dict(
		frappe.get_all(
			"Notification Log",
			filters={"document_type": "Field Visit", "document_name": job.name},
			fields=["for_user", "subject"],
			as_list=True,
		)
	)
	assert bell[spanish].startswith("Nueva instalación:") and bell[english_tech].startswith(
		"New installation:"
	)


def test_a_customers_contact_is_reminded_in_the_customers_language(english):
	from bizlink.overrides.notification import recipients_by_language

	customer = make_customer()
	frappe.db.set_value("Customer", customer.name, "language", "es")
	tech = make_user(roles=["Installation Technician"], language="en").name
	doc = frappe.get_doc({"doctype": "Field Visit", "customer": customer.name})
	groups = recipients_by_language(["cliente@example.com", tech.upper()], doc)
	assert groups == {"es": {"cliente@example.com"}, "en": {tech.upper()}}


def test_the_workspace_charts_name_their_groups_in_the_readers_language(english):
	from test_service_ticket import make_ticket

	from bizlink.overrides.dashboard import get_chart

	make_ticket(make_customer().name)
	as_reader("es")
	try:
		labels = get_chart(chart_name="Tickets by Status", refresh=1)["labels"]
		assert "Abierto" in labels and "Open" not in labels
	finally:
		as_reader("en")
	assert "Open" in get_chart(chart_name="Tickets by Status", refresh=1)["labels"]


def test_an_agents_todo_from_the_assignment_rule_is_in_their_language():
	from bizlink.install import (
		TICKET_ASSIGNMENT_DESCRIPTION,
		TICKET_ASSIGNMENT_RULE,
		make_ticket_assignment_rule,
	)

	make_ticket_assignment_rule()
	agent = make_user(roles=["Support Team"], language="es").name
	todo = frappe.get_doc(
		{
			"doctype": "ToDo",
			"allocated_to": agent,
			"description": TICKET_ASSIGNMENT_DESCRIPTION,
			"assignment_rule": TICKET_ASSIGNMENT_RULE,
		}
	).insert(ignore_permissions=True)
	assert todo.description == "Las incidencias abiertas se asignan al agente con menos incidencias abiertas."
	assert frappe.db.get_value("Assignment Rule", TICKET_ASSIGNMENT_RULE, "description") == (
		TICKET_ASSIGNMENT_DESCRIPTION
	)
