"""Service Ticket: whoever the customer came from, the ticket writes to one of the customer's contacts.

The receipt, waiting and resolution mail (with the rating link) go to the ticket's contact email; a
ticket made from a serial number, on the portal or at the desk without a contact used to have none.
"""

import frappe
import pytest
from frappe.utils import random_string
from mail import mail_text

from bizlink.devtools.factories import (
	make_customer,
	make_delivery_note,
	make_item,
	make_portal_user,
	make_sales_order,
	make_user,
)

TICKET = "Service Ticket"


def make_contact(customer: str | None, email: str | None = None, **fields) -> frappe._dict:
	email = email or f"{random_string(10).lower()}@example.com"
	links = [{"link_doctype": "Customer", "link_name": customer}] if customer else []
	contact = frappe.get_doc(
		{
			"doctype": "Contact",
			"first_name": f"Persona {random_string(5)}",
			"email_ids": [{"email_id": email, "is_primary": 1}],
			"links": links,
			**fields,
		}
	).insert(ignore_permissions=True)
	return frappe._dict(name=contact.name, email=email)


def make_ticket(**fields):
	return frappe.get_doc({"doctype": TICKET, "subject": "La caldera no enciende", **fields}).insert()


def primary_contact(customer: str) -> frappe._dict:
	name = frappe.db.get_value("Customer", customer, "customer_primary_contact")
	return frappe._dict(name=name, email=frappe.db.get_value("Contact", name, "email_id"))


@pytest.fixture
def delivered():
	"""A serialised boiler sold and delivered to a customer who has a primary contact."""
	item = make_item(has_serial_no=1)
	order = make_sales_order(items=[{"item_code": item.name, "qty": 1, "rate": 1800}])
	note = make_delivery_note(order.name)
	return frappe._dict(
		order=order,
		note=note,
		serial=note.items[0].serial_no.split("\n")[0],
		customer=order.customer,
	)


def mail_to(address: str, since: int) -> list:
	"""The mail queued since the Email Queue had `since` rows, to `address`."""
	queued = frappe.get_all(
		"Email Queue",
		fields=["name", "message"],
		order_by="creation desc",
		limit=frappe.db.count("Email Queue") - since,
	)
	return [
		q
		for q in queued
		if address in frappe.get_all("Email Queue Recipient", {"parent": q.name}, pluck="recipient")
	]


def test_ticket_from_a_serial_writes_to_the_customers_primary_contact(delivered, outgoing_email):
	contact = primary_contact(delivered.customer)
	before = frappe.db.count("Email Queue")
	ticket = make_ticket(serial_no=delivered.serial)  # only the serial: no customer, no contact typed
	assert (ticket.customer, ticket.contact, ticket.contact_email) == (
		delivered.customer,
		contact.name,
		contact.email,
	)
	ticket.status, ticket.resolution_details = "Resolved", "Cambiada la válvula."
	ticket.save()
	mails = mail_to(contact.email, before)
	assert len(mails) == 2  # the receipt and the resolution
	# quoted-printable: wrapped with "=\r\n" wherever the site's host name puts the link
	assert "/ticket-feedback?ticket=" + ticket.name in mail_text(mails[0].message)


def test_delivery_note_contact_comes_first_and_a_chosen_contact_stays(delivered):
	on_delivery = make_contact(delivered.customer)
	chosen = make_contact(delivered.customer)
	frappe.db.set_value("Delivery Note", delivered.note.name, "contact_person", on_delivery.name)

	ticket = make_ticket(serial_no=delivered.serial)
	assert (ticket.contact, ticket.contact_email) == (on_delivery.name, on_delivery.email)

	by_hand = make_ticket(serial_no=delivered.serial, contact=chosen.name)
	assert (by_hand.contact, by_hand.contact_email) == (chosen.name, chosen.email)
	by_hand.description = "<p>Sigue sin encender</p>"
	by_hand.save()
	assert by_hand.contact == chosen.name


def test_sales_order_contact_comes_before_the_customers(delivered):
	on_order = make_contact(delivered.customer)
	frappe.db.set_value("Sales Order", delivered.order.name, "contact_person", on_order.name)
	ticket = make_ticket(customer=delivered.customer, sales_order=delivered.order.name)  # at the desk
	assert (ticket.contact, ticket.contact_email) == (on_order.name, on_order.email)


def test_another_customers_contact_on_the_delivery_is_never_picked(delivered):
	stranger = make_contact(make_customer(city=None).name)
	frappe.db.set_value("Delivery Note", delivered.note.name, "contact_person", stranger.name)
	frappe.db.set_value("Sales Order", delivered.order.name, "contact_person", stranger.name)
	ticket = make_ticket(serial_no=delivered.serial)
	assert (ticket.contact, ticket.contact_email) == tuple(primary_contact(delivered.customer).values())
	assert stranger.email != ticket.contact_email


def test_without_a_primary_contact_on_the_customer(delivered):
	# the Contact marked primary for the customer
	customer = make_customer(city=None).name
	make_contact(customer)
	marked = make_contact(customer, is_primary_contact=1)
	assert not frappe.db.get_value("Customer", customer, "customer_primary_contact")
	assert make_ticket(customer=customer).contact == marked.name

	# the only contact
	lone_customer = make_customer(city=None).name
	lone = make_contact(lone_customer)
	ticket = make_ticket(customer=lone_customer)
	assert (ticket.contact, ticket.contact_email) == (lone.name, lone.email)

	# two contacts, neither primary: no guess
	undecided = make_customer(city=None).name
	make_contact(undecided)
	make_contact(undecided)
	ticket = make_ticket(customer=undecided)
	assert (ticket.contact, ticket.contact_email) == (None, None)


def test_portal_ticket_writes_to_the_contact_of_who_raised_it(delivered, outgoing_email):
	from bizlink.api.service_ticket import create_portal_ticket

	user = make_portal_user(delivered.customer)
	theirs = make_contact(delivered.customer, email=user)  # the portal user's own contact, not primary
	make_contact(make_customer(city=None).name, email=f"other-{user}")
	frappe.set_user(user)
	name = create_portal_ticket("Gotea el radiador")
	frappe.set_user("Administrator")
	ticket = frappe.get_doc(TICKET, name)
	assert (ticket.contact, ticket.contact_email) == (theirs.name, user)


def test_sender_known_only_as_another_customers_contact_is_not_picked(delivered):
	stranger = make_contact(make_customer(city=None).name)
	ticket = make_ticket(customer=delivered.customer, raised_by=stranger.email)
	assert ticket.contact == primary_contact(delivered.customer).name


def test_support_agent_over_the_api_gets_the_contact(delivered):
	"""As `frappe.client.insert` (POST /api/method/frappe.client.insert) by a Support Team agent."""
	from frappe.client import insert

	frappe.set_user(make_user(roles=["Support Team"]).name)
	saved = insert({"doctype": TICKET, "subject": "Ruido en la bomba", "serial_no": delivered.serial})
	frappe.set_user("Administrator")
	contact = primary_contact(delivered.customer)
	assert (saved["customer"], saved["contact"], saved["contact_email"]) == (
		delivered.customer,
		contact.name,
		contact.email,
	)


def test_a_ticket_with_nobody_to_write_to_takes_the_contact_added_later():
	customer = make_customer(city=None).name  # no contact at all
	ticket = make_ticket(customer=customer)
	assert (ticket.contact, ticket.contact_email) == (None, None)
	added = make_contact(customer)
	ticket.status = "In Progress"
	ticket.save()
	assert frappe.db.get_value(TICKET, ticket.name, ["contact", "contact_email"]) == (
		added.name,
		added.email,
	)


def test_a_ticket_moved_to_another_customer_takes_that_customers_contact(delivered):
	ticket = make_ticket(customer=delivered.customer)
	assert ticket.contact == primary_contact(delivered.customer).name
	other = make_customer()  # with its own primary contact
	ticket.customer = other.name  # the agent found it was another customer's: the contact left as it was
	ticket.save()
	assert (ticket.contact, ticket.contact_email) == tuple(primary_contact(other.name).values())
	# a contact chosen together with the new customer stays
	chosen = make_contact(delivered.customer)
	ticket.customer, ticket.contact = delivered.customer, chosen.name
	ticket.save()
	assert (ticket.contact, ticket.contact_email) == (chosen.name, chosen.email)
