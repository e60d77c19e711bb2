"""Two dispatchers dropping the same job on the board at the same moment, over two real connections (the
load test met it at 50 users: the two rewrote the job's crew rows and one got a deadlock). The second
now waits for the first and is told the job changed since they saw it; nobody gets a deadlock, and
the job is booked as one of them asked."""

import frappe
import pytest
from committed import purge, purge_world
from test_concurrency import race
from test_dispatch import JOB, at, item_group, make_job, make_technician

pytestmark = pytest.mark.commits


@pytest.fixture
def world(site):
	group = item_group(f"Climatización {frappe.generate_hash(length=4)}")
	visits = [make_job(group) for _ in range(2)]
	technicians = [make_technician([group], work_start="00:00", work_end="23:59") for _ in range(2)]
	frappe.db.commit()  # nosemgrep (the two connections must see them)
	yield frappe._dict(visits=visits, technicians=technicians)
	frappe.db.rollback()
	customers = frappe.get_all(JOB, {"name": ("in", visits)}, pluck="customer")
	items = frappe.get_all("Field Visit Item", {"parent": ("in", visits)}, pluck="item_code")
	notes = frappe.get_all("Delivery Note", {"customer": ("in", customers)}, pluck="name")
	purge_world(
		customers,
		items,
		technicians,
		extra=(
			("Delivery Note", notes),
			(
				"Field Technician",
				frappe.get_all("Field Technician", {"user": ("in", technicians)}, pluck="name"),
			),
		),
	)
	purge("Item Group", {group})
	frappe.db.commit()  # nosemgrep (what the test committed, removed)


def booking(visit: str, technician: str, start: str):
	from bizlink.api.dispatch import book

	def run():
		return book(visit, [technician], start)["name"]

	return run


@pytest.mark.parametrize("attempt", range(3))
def test_two_dispatchers_booking_one_job_at_once_never_deadlock(site, world, attempt):
	visit = world.visits[0]
	first, second = world.technicians
	start = at(f"{9 + attempt:02d}:00")
	results = race(site, booking(visit, first, start), booking(visit, second, start))
	errors = [r["error"] for r in results if "error" in r]
	assert not [e for e in errors if isinstance(e, frappe.QueryDeadlockError)], errors
	assert all(isinstance(e, frappe.TimestampMismatchError) for e in errors), errors
	assert len(errors) < 2, "one of them is booked"
	frappe.db.rollback()  # read what the two connections committed
	crew = frappe.get_all("Field Visit Technician", {"parent": visit}, pluck="user")
	assert crew in ([first], [second])
	assert str(frappe.db.get_value(JOB, visit, "scheduled_start")) == start


def test_a_booking_chosen_as_a_deadlocks_victim_is_made_again():
	"""The load test's deadlock between two bookings of neighbouring crew rows: the request rolls back and
	books again, and the user gets the booking; a third deadlock in a row reaches them."""
	from unittest.mock import patch

	from bizlink.api import dispatch as api

	calls, rollbacks = [], []

	def deadlocks_once(*args):
		calls.append(args)
		if len(calls) == 1:
			raise frappe.QueryDeadlockError("Deadlock found when trying to get lock")
		return {"name": args[0]}

	with (
		patch.object(api.dispatch, "book", deadlocks_once),
		patch.object(frappe.db, "rollback", lambda *a, **k: rollbacks.append(True)),
	):
		assert api.book("FV-X", ["tech@example.com"], "2030-01-07 09:00:00") == {"name": "FV-X"}
		assert len(calls) == 2 and len(rollbacks) == 1

		def always(*args):
			raise frappe.QueryDeadlockError("Deadlock found when trying to get lock")

		with patch.object(api.dispatch, "book", always), pytest.raises(frappe.QueryDeadlockError):
			api.book("FV-X", ["tech@example.com"], "2030-01-07 09:00:00")
		assert len(rollbacks) == 1 + 3
