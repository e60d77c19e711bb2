"""A portal customer on a phone (390 x 844, Spanish), in Chromium, as they would: log in and land on
their orders, open one and read where it is and when the installation is booked, go to their service
requests, file one with a mistyped serial number (accepted, the serial kept as a note for the agent)
and read it back. Every page is in Spanish and nothing scrolls sideways.
"""

import frappe
import pytest
from committed import english_on, phone, purge_world, sideways_scroll, watched_page
from frappe.utils import get_datetime
from test_field_visit import job_of, schedule

from bizlink.devtools.factories import make_customer, make_item, make_portal_user, make_sales_order

pytestmark = pytest.mark.commits

PASSWORD = "Cliente-2026!"
# English a Spanish customer must not meet on these pages
ENGLISH = (
	"Your orders",
	"Your service requests",
	"Order Progress",
	"Service Requests",
	"Ordered",
	"Booked for",
	"Send request",
	"Open",
	"Items",
	"Installation",
	"Scheduled",
)


@pytest.fixture
def customer():
	customer = make_customer(city=None, customer_name=f"Cliente Móvil {frappe.generate_hash(length=6)}").name
	item = make_item(item_name="Bomba de calor 8 kW", is_stock_item=0, bizlink_requires_installation=1)
	order = make_sales_order(customer, items=[{"item_code": item.name, "qty": 1, "rate": 4200}])
	job = schedule(job_of(order), start_hours=24)
	user = frappe.get_doc("User", make_portal_user(customer))
	user.new_password = PASSWORD
	user.language = "es"
	user.save(ignore_permissions=True)
	frappe.db.commit()
	try:
		yield frappe._dict(customer=customer, user=user.name, order=order.name, job=job.name)
	finally:
		frappe.db.rollback()
		purge_world([customer], items=[item.name], users=[user.name])
		frappe.db.commit()


def check_page(page) -> None:
	"""In Spanish, and no wider than the phone."""
	assert not english_on(page, ENGLISH), (page.url, english_on(page, ENGLISH))
	assert sideways_scroll(page) == 0, page.url


def test_a_customer_follows_their_order_and_files_a_request_on_a_phone(server, browser, customer):
	with watched_page(phone(browser, server), timeout=30_000) as page:
		page.goto(f"{server}/login")
		page.fill("#login_email", customer.user)
		page.fill("#login_password", PASSWORD)
		page.locator(".btn-login").first.tap()
		page.wait_for_url("**/order-progress")  # their orders, not /me
		page.wait_for_load_state("networkidle")
		row = page.locator("div", has=page.locator(f"a[href='/order-progress/{customer.order}']")).last
		assert "Bomba de calor 8 kW × 1" in row.inner_text() and "Pedido" in row.inner_text()
		check_page(page)

		page.locator(f"a[href='/order-progress/{customer.order}']").tap()
		page.wait_for_url(f"**/order-progress/{customer.order}")
		start, end = frappe.db.get_value("Field Visit", customer.job, ["scheduled_start", "scheduled_end"])
		booked = page.locator(".bizlink-portal-installation").inner_text()
		assert booked == (
			f"Programada: Reservada para {frappe.format(get_datetime(start), 'Datetime')} – "
			f"{frappe.format(get_datetime(end), 'Datetime')}"
		), booked
		assert "Bomba de calor 8 kW: 1" in page.inner_text(".bizlink-portal-items")
		check_page(page)

		page.get_by_text("Sus solicitudes de servicio").tap()
		page.wait_for_url("**/service-tickets")
		check_page(page)
		page.fill("input[name=subject]", "La bomba hace ruido")
		page.fill("textarea[name=description]", "Desde ayer por la noche")
		page.fill("input[name=serial_no]", "BC-0000-MAL")  # not one of theirs
		page.get_by_text("Enviar solicitud").tap()
		page.wait_for_url("**/service-tickets/ST-*")
		page.wait_for_load_state("networkidle")
		assert page.locator("h3").inner_text() == "La bomba hace ruido"
		check_page(page)
	frappe.db.rollback()
	ticket = frappe.get_all(
		"Service Ticket", {"customer": customer.customer}, ["name", "serial_no", "description", "channel"]
	)
	assert len(ticket) == 1 and (ticket[0].serial_no, ticket[0].channel) == (None, "Portal")
	assert "BC-0000-MAL" in ticket[0].description and "Desde ayer por la noche" in ticket[0].description
