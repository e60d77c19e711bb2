"""A customer's contact invited as a website user sees the customer's orders and service requests on
the portal: the user is added to the Customer's Portal Users (what ERPNext v15 reads) with the
Customer role. Never a System User; only by someone who may edit the customer."""

import frappe
import pytest
from frappe.utils import random_string

from bizlink.api.service_ticket import get_portal_customers
from bizlink.devtools.factories import make_customer, make_sales_order, make_user

TICKET = "Service Ticket"


def portal_users(customer: str) -> list[str]:
	return frappe.get_all(
		"Portal User", filters={"parenttype": "Customer", "parent": customer}, pluck="user", order_by="idx"
	)


def make_contact(customer: str, email: str | None = None, **fields):
	return frappe.get_doc(
		{
			"doctype": "Contact",
			"first_name": f"Marta {random_string(5)}",
			"email_ids": [{"email_id": email or f"{random_string(10).lower()}@example.com", "is_primary": 1}],
			"links": [{"link_doctype": "Customer", "link_name": customer}],
			**fields,
		}
	).insert()


def portal_context(page, name=None):
	frappe.local.form_dict = frappe._dict(name=name)
	return page.get_context(frappe._dict())


@pytest.fixture
def customer():
	return make_customer()  # with a primary contact that has an email


def test_contact_invited_as_user_sees_the_customers_orders_and_tickets(customer, outgoing_email):
	from frappe.contacts.doctype.contact.contact import invite_user

	from bizlink.www import order_progress, service_tickets

	order = make_sales_order(customer.name)
	ticket = frappe.get_doc(
		{"doctype": TICKET, "subject": "Revisión anual", "customer": customer.name}
	).insert()
	make_sales_order()  # another customer's order
	contact = customer.customer_primary_contact

	user = invite_user(contact)  # Contact → Invite as User
	frappe.get_doc("Contact", contact).save()  # the form sets the user and saves, as the button does

	assert frappe.db.get_value("User", user, "user_type") == "Website User"
	assert frappe.db.get_value("Contact", contact, "user") == user
	assert portal_users(customer.name) == [user]
	assert "Customer" in frappe.get_roles(user)
	frappe.set_user(user)
	assert get_portal_customers() == [customer.name]
	assert [o.name for o in portal_context(order_progress).orders] == [order.name]
	assert [t.name for t in portal_context(service_tickets).tickets] == [ticket.name]
	assert portal_context(service_tickets, ticket.name).ticket.name == ticket.name


def test_website_user_set_on_a_contact_gets_each_linked_customer_once(customer):
	other = make_customer(city=None)
	user = make_user(user_type="Website User").name  # signed up on the website: no role yet
	contact = make_contact(customer.name, email=user)  # the contact takes the user with its address
	assert contact.user == user
	assert portal_users(customer.name) == [user]
	contact.append("links", {"link_doctype": "Customer", "link_name": other.name})
	contact.save()
	contact.reload()
	contact.save()  # saved again: nobody added twice
	assert (portal_users(customer.name), portal_users(other.name)) == ([user], [user])
	contact.reload()
	contact.links = [link for link in contact.links if link.link_name != customer.name]
	contact.save()
	assert portal_users(customer.name) == [user]  # never removed automatically
	frappe.set_user(user)
	assert sorted(get_portal_customers()) == sorted([customer.name, other.name])


def test_a_desk_user_who_is_a_contact_is_not_made_a_portal_user(customer):
	staff = make_user(roles=["Sales User"]).name
	make_contact(customer.name, email=staff, user=staff)
	website = make_user(user_type="Website User").name
	make_contact(customer.name, email=website)
	assert portal_users(customer.name) == [website]  # the website user only
	assert "Customer" not in frappe.get_roles(staff)
	assert frappe.db.get_value("User", staff, "user_type") == "System User"


def test_only_someone_who_may_edit_the_customer_gives_its_portal(customer):
	from frappe.client import insert

	victim = customer.name
	intruder, buyer_user, invited = (make_user(user_type="Website User").name for _ in range(3))
	buyer, seller = make_user(roles=["Purchase User"]).name, make_user(roles=["Sales User"]).name
	# a website user tries to link themselves to another customer through a contact of their own
	frappe.set_user(intruder)
	try:
		insert(
			{
				"doctype": "Contact",
				"first_name": "Intruso",
				"email_ids": [{"email_id": intruder, "is_primary": 1}],
				"links": [{"link_doctype": "Customer", "link_name": victim}],
			}
		)
	except frappe.PermissionError:
		pass  # refused outright: as good
	assert get_portal_customers() == []
	# a Purchase User may write contacts, not customers
	frappe.set_user(buyer)
	insert(
		{
			"doctype": "Contact",
			"first_name": "Proveedor",
			"email_ids": [{"email_id": buyer_user, "is_primary": 1}],
			"links": [{"link_doctype": "Customer", "link_name": victim}],
		}
	)
	frappe.set_user("Administrator")
	assert portal_users(victim) == []
	assert "Customer" not in frappe.get_roles(intruder)
	# a Sales User, who may edit the customer, gives it (over the API, as the Contact form saves)
	frappe.set_user(seller)
	insert(
		{
			"doctype": "Contact",
			"first_name": "Cliente",
			"email_ids": [{"email_id": invited, "is_primary": 1}],
			"links": [{"link_doctype": "Customer", "link_name": victim}],
		}
	)
	frappe.set_user("Administrator")
	assert portal_users(victim) == [invited]
