"""A job booked or started with goods not delivered says what is missing (it can only be completed for
what was delivered), in whole units."""

import json

import frappe
import pytest
from test_field_visit import job_of, schedule

from bizlink.devtools.factories import make_delivery_note, make_item, make_sales_order


@pytest.fixture
def order():
	radiator = make_item(item_name="Radiador de aluminio", rate=200, bizlink_requires_installation=1)
	return make_sales_order(items=[{"item_code": radiator.name, "qty": 2, "rate": 200}])


def warnings() -> list[str]:
	"""The messages about deliveries the user was shown (making a technician says other things)."""
	messages = [
		(json.loads(m) if isinstance(m, str) else m).get("message", "") for m in frappe.local.message_log
	]
	return [m for m in messages if "delivered" in m]


def test_booking_a_job_with_nothing_delivered_says_what_is_missing(order):
	frappe.local.message_log = []
	schedule(job_of(order))
	assert warnings() == [
		"Not delivered yet: Radiador de aluminio: 0 of 2 delivered. "
		"The installation can only be completed for what has been delivered."
	]


def test_starting_it_says_so_again_and_a_delivered_job_says_nothing(order):
	job = schedule(job_of(order))
	frappe.local.message_log = []
	job.start()
	assert [w[:52] for w in warnings()] == ["Not delivered yet: Radiador de aluminio: 0 of 2 deli"]

	delivered = make_sales_order(items=[{"item_code": order.items[0].item_code, "qty": 1, "rate": 200}])
	make_delivery_note(delivered.name)
	frappe.local.message_log = []
	schedule(job_of(delivered)).start()
	assert warnings() == []
