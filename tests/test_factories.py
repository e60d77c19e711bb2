"""The factories build real ERPNext documents: a Sales Order goes round the full cycle."""

import frappe

from bizlink.devtools.factories import (
	make_customer,
	make_delivery_note,
	make_item,
	make_sales_invoice,
	make_sales_order,
	make_serial_nos,
)


def test_customer_has_primary_address_and_contact():
	customer = make_customer(city="Valencia")
	assert frappe.db.get_value("Address", customer.customer_primary_address, "city") == "Valencia"
	contact = frappe.get_doc("Contact", customer.customer_primary_contact)
	assert contact.email_id
	assert contact.links[0].link_name == customer.name


def test_customer_without_city_has_no_address():
	customer = make_customer(city=None)
	assert not customer.customer_primary_address


def test_sales_order_round_trip(company):
	customer = make_customer()
	item = make_item(rate=250)
	order = make_sales_order(customer=customer.name, items=[{"item_code": item.name, "qty": 2, "rate": 250}])
	assert order.docstatus == 1
	assert order.company == company
	assert order.grand_total >= 500
	assert frappe.db.get_value("Sales Order", order.name, "status") == "To Deliver and Bill"

	note = make_delivery_note(order.name)
	assert note.docstatus == 1
	order.reload()
	assert order.per_delivered == 100
	assert order.status == "To Bill"

	make_sales_invoice(order.name)
	order.reload()
	assert order.per_billed == 100
	assert order.status == "Completed"


def test_delivery_of_serialised_item_uses_serial_numbers():
	item = make_item(has_serial_no=1)
	order = make_sales_order(items=[{"item_code": item.name, "qty": 2, "rate": 900}])
	note = make_delivery_note(order.name)
	serials = note.items[0].serial_no.split("\n")
	assert len(serials) == 2
	for serial in serials:
		assert frappe.db.get_value("Serial No", serial, "status") == "Delivered"


def test_make_serial_nos_creates_active_serials():
	item = make_item(has_serial_no=1)
	serials = make_serial_nos(item.name, 3)
	assert len(serials) == 3
	assert {frappe.db.get_value("Serial No", s, "status") for s in serials} == {"Active"}


made_by_earlier_test = []


def test_make_a_customer_for_the_next_test():
	made_by_earlier_test.append(make_customer().name)
	assert frappe.db.exists("Customer", made_by_earlier_test[0])


def test_each_test_starts_clean():
	"""What the test before made was rolled back."""
	assert made_by_earlier_test
	assert not frappe.db.exists("Customer", made_by_earlier_test[0])
