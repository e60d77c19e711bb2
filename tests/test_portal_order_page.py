"""The portal's order pages show what the order is for and where its installation stands: when it was
completed (not the slot it had been booked for), started, or booked."""

import re
from unittest.mock import patch

import frappe
import pytest
from frappe.utils import add_to_date, get_datetime, strip_html
from frappe.website.serve import get_response_content
from test_field_visit import job_of, ready_to_complete, schedule

from bizlink.devtools.factories import make_item, make_portal_user, make_sales_order


@pytest.fixture
def order():
	boiler = make_item(
		item_name="Caldera de condensación 25 kW", has_serial_no=1, bizlink_requires_installation=1
	)
	valve = make_item(item_name="Válvula termostática", rate=20)
	return make_sales_order(
		items=[
			{"item_code": boiler.name, "qty": 1, "rate": 1800},
			{"item_code": valve.name, "qty": 4, "rate": 20},
		]
	)


def page(user: str, path: str) -> str:
	"""The page's text as the portal user's browser gets it (routing, context, template)."""
	from frappe.utils import set_request

	had_request = hasattr(frappe.local, "request")
	previous = getattr(frappe.local, "request", None)
	frappe.set_user(user)
	try:
		set_request(method="GET", path=f"/{path}")
		html = get_response_content(path)
		return re.sub(r"\s+", " ", strip_html(re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)))
	finally:
		frappe.set_user("Administrator")
		if had_request:
			frappe.local.request = previous
		else:
			del frappe.local.request  # as the next test expects to find it: absent
		frappe.local.form_dict = frappe._dict()


def test_a_completed_installation_shows_when_it_was_completed_not_its_booked_slot(order):
	job = job_of(order)
	ready_to_complete(order, job)  # booked tomorrow 08:00-11:00 by `schedule`
	job.submit()
	done = get_datetime(frappe.db.get_value("Field Visit", job.name, "actual_end"))
	booked = get_datetime(frappe.db.get_value("Field Visit", job.name, "scheduled_start"))
	assert done.date() != booked.date()

	html = page(make_portal_user(order.customer), f"order-progress/{order.name}")

	assert "Completed on " + frappe.format(done, "Datetime") in html
	assert frappe.format(booked, "Datetime") not in html
	assert "Caldera de condensación 25 kW: 1 Nos" in html
	assert "Válvula termostática: 4 Nos" in html
	assert "1.000" not in html and "4.000" not in html


def test_a_booked_installation_shows_its_slot_and_the_list_shows_the_items(order):
	job = schedule(job_of(order), start_hours=24)
	user = make_portal_user(order.customer)

	html = page(user, f"order-progress/{order.name}")
	start, end = get_datetime(job.scheduled_start), get_datetime(job.scheduled_end)
	assert f"Booked for {frappe.format(start, 'Datetime')} – {frappe.format(end, 'Datetime')}" in html
	assert add_to_date(start, hours=3) == end

	listing = page(user, "order-progress")
	assert order.name in listing
	assert "Caldera de condensación 25 kW × 1" in listing and "Válvula termostática × 4" in listing


def test_a_portal_customer_lands_on_their_orders_with_a_way_to_their_requests(order):
	from frappe.website.utils import get_home_page

	user = make_portal_user(order.customer)
	frappe.set_user(user)
	try:
		frappe.cache.hdel("home_page", user)
		assert get_home_page() == "order-progress"
	finally:
		frappe.set_user("Administrator")
	listing = page(user, "order-progress")
	assert "Your orders · Your service requests" in listing
	assert "Order document (print, invoices)" in page(user, f"order-progress/{order.name}")


def test_the_portal_menu_has_one_entry_for_orders_and_one_for_requests(order):
	user = make_portal_user(order.customer)
	menu = [
		(row.title, row.route, row.enabled)
		for row in frappe.get_single("Portal Settings").menu
		if row.route in ("/orders", "/issues", "/order-progress", "/service-tickets")
	]
	assert sorted(menu) == [
		("Issues", "/issues", 0),
		("Order Progress", "/order-progress", 1),
		("Orders", "/orders", 0),
		("Service Requests", "/service-tickets", 1),
	]
	frappe.clear_cache()
	home = page(user, "me")
	assert "Order Progress" in home and "Service Requests" in home
	assert "Issues" not in home and "Orders" not in home
	# ERPNext's page of each order stays, linked from the order's progress
	assert order.name in page(user, f"orders/{order.name}")


def stages_shown(user: str, order: str) -> list[str]:
	"""The stages the order page lists, in order; the current one marked with a *."""
	import test_portal_order_page

	with patch.object(test_portal_order_page, "strip_html", lambda html: html):
		html = page(user, f"order-progress/{order}")
	return [
		name + ("*" if current else "")
		for current, name in re.findall(r'class="bizlink-portal-stage( current)?"> <b>(.*?)</b>', html)
	]


@pytest.mark.parametrize(
	("after_the_note", "shown"),
	[
		# the trip made after the note, its stop ticked: Delivered (note), In Transit, Delivered (stop)
		("visited", ["Ordered", "In Transit", "Delivered*"]),
		# its stop unticked: ... Delivered, In Transit (moved back): not yet delivered
		("unticked", ["Ordered", "In Transit*"]),
		# the trip cancelled once it left: back to Delivered, by the note
		("cancelled", ["Ordered", "Delivered*"]),
	],
)
def test_the_customer_sees_the_path_to_where_the_order_is_now(after_the_note, shown):
	from test_logistics import make_trip, visit

	from bizlink.devtools.factories import make_delivery_note

	order = make_sales_order()
	note = make_delivery_note(order.name)
	trip = make_trip(note.name)
	if after_the_note == "visited":
		visit(trip)
	elif after_the_note == "unticked":
		visit(trip)
		visit(trip, visited=0)
	else:
		trip.reload()
		trip.cancel()
	logged = frappe.get_all("Order Stage Log", {"sales_order": order.name}, pluck="stage")
	assert len(logged) == {"visited": 4, "unticked": 5, "cancelled": 4}[after_the_note]  # the flip-flops
	assert stages_shown(make_portal_user(order.customer), order.name) == shown
