"""A portal customer's request is recorded once, however many times the form is sent.

The page sends a key with each filled-in form and disables its button while it waits; the server
makes one ticket per key, even for two requests at the same moment. In Chromium at phone size a
double tap on *Send request* records one ticket.
"""

import uuid

import frappe
import pytest
from committed import phone, purge_world, watched_page

from bizlink.api.service_ticket import create_portal_ticket
from bizlink.devtools.factories import make_customer, make_portal_user

TICKET = "Service Ticket"
PASSWORD = "Portal-2026!"


def test_the_same_form_sent_twice_records_one_request():
	customer = make_customer(city=None).name
	frappe.set_user(make_portal_user(customer))
	key = str(uuid.uuid4())
	first = create_portal_ticket("La caldera pierde agua", "Gotea", None, key)
	again = create_portal_ticket("La caldera pierde agua", "Gotea", None, key)
	other = create_portal_ticket("Otra avería", None, None, str(uuid.uuid4()))
	frappe.set_user("Administrator")
	assert first == again != other
	assert frappe.db.count(TICKET, {"customer": customer}) == 2


def test_a_key_is_the_customers_own():
	"""Another customer sending the same key gets a ticket of their own, never the first one."""
	key = str(uuid.uuid4())
	mine, theirs = make_customer(city=None).name, make_customer(city=None).name
	frappe.set_user(make_portal_user(mine))
	first = create_portal_ticket("Avería", None, None, key)
	frappe.set_user(make_portal_user(theirs))
	second = create_portal_ticket("Avería", None, None, key)
	frappe.set_user("Administrator")
	assert first != second
	assert frappe.db.get_value(TICKET, second, "customer") == theirs


def test_staff_cannot_set_the_key():
	"""The key is the system's: a desk user's payload cannot take over a portal request's key."""
	ticket = frappe.get_doc(
		{
			"doctype": TICKET,
			"customer": make_customer(city=None).name,
			"subject": "x",
			"portal_request_key": "k",
		}
	)
	frappe.set_user(frappe.db.get_value("Has Role", {"role": "Support Team", "parenttype": "User"}, "parent"))
	try:
		ticket.insert()
	except frappe.PermissionError:
		pytest.skip("no Support Team user may insert here")
	finally:
		frappe.set_user("Administrator")
	assert not frappe.db.get_value(TICKET, ticket.name, "portal_request_key")


# In Chromium, at phone size ---------------------------------------------------------------------


@pytest.fixture
def portal_customer():
	customer = make_customer(city=None, customer_name=f"Portal Phone {frappe.generate_hash(length=6)}").name
	user = make_portal_user(customer)
	doc = frappe.get_doc("User", user)
	doc.new_password = PASSWORD
	doc.language = "es"
	doc.save(ignore_permissions=True)
	frappe.db.commit()
	try:
		yield frappe._dict(customer=customer, user=user)
	finally:
		frappe.db.rollback()
		purge_world([customer], users=[user])
		frappe.db.commit()


@pytest.mark.commits
def test_a_double_tap_on_send_records_one_request(server, browser, portal_customer):
	with watched_page(phone(browser, server, portal_customer.user, PASSWORD), timeout=30_000) as page:
		page.goto(f"{server}/service-tickets")
		page.fill("input[name=subject]", "La caldera pierde agua")
		page.fill("textarea[name=description]", "Gotea por debajo")
		button = page.locator("#bizlink-new-ticket button[type=submit]")
		button.dblclick()  # two taps, as fast as a finger
		button.click(force=True, no_wait_after=True)  # and a third on the disabled button
		page.wait_for_url("**/service-tickets/ST-*")
		page.wait_for_load_state("networkidle")
		url = page.url
	frappe.db.rollback()  # read past this connection's snapshot
	tickets = frappe.get_all(TICKET, {"customer": portal_customer.customer}, ["name", "subject", "channel"])
	assert [(t.subject, t.channel) for t in tickets] == [("La caldera pierde agua", "Portal")]
	assert url.endswith("/service-tickets/" + tickets[0].name)
