"""Beyond one machine: reads that may go to a replica do, and deferred work runs where it should (after
the response in the web process that served the request; otherwise on a named RQ queue)."""

import inspect
from contextlib import contextmanager
from unittest.mock import patch

import frappe
import pymysql
import pytest

from bizlink.devtools.factories import make_item, make_sales_order


@pytest.fixture
def replica(monkeypatch):
	"""`read_from_replica` set, the replica being the primary server itself (what counts is the switch)."""
	monkeypatch.setitem(frappe.local.conf, "read_from_replica", 1)
	monkeypatch.setitem(frappe.local.conf, "replica_host", frappe.local.conf.db_host or "127.0.0.1")
	primary = frappe.local.db
	yield primary
	frappe.local.db = primary
	for attribute in ("replica_db", "primary_db"):
		if hasattr(frappe.local, attribute):
			delattr(frappe.local, attribute)


def committed_customer() -> str:
	"""A customer the replica connection can see (committed before this test)."""
	return frappe.db.get_value("Customer", {"disabled": 0}, "name", order_by="creation asc")


@pytest.mark.parametrize(
	("module", "function", "argument"),
	[
		("bizlink.api.customer", "get_customer_file", "customer"),
		("bizlink.api.customer", "get_customer_playbook", "customer"),
		("bizlink.api.fulfilment", "get_stage_timeline", "sales_order"),
		("bizlink.api.service_ticket", "get_similar_resolved", "ticket"),
	],
)
def test_read_apis_read_from_the_replica(replica, module, function, argument):
	value = {
		"customer": committed_customer(),
		"sales_order": frappe.db.get_value("Sales Order", {"docstatus": 1}, "name", order_by="creation asc"),
		"ticket": frappe.db.get_value("Service Ticket", {}, "name", order_by="creation asc"),
	}[argument]
	if not value:
		pytest.skip(f"the site has no committed {argument}")
	frappe.get_attr(f"{module}.{function}")(value)
	assert hasattr(frappe.local, "replica_db"), "no replica connection was opened"
	assert frappe.local.db is replica, "the primary connection is back after the call"


def test_reports_read_from_the_replica(replica):
	"""Frappe runs every query report (Market Segments included) through its read-only entry point."""
	from frappe.desk.query_report import run

	run("Market Segments", filters={"dimensions": "City"}, ignore_prepared_report=True)
	assert hasattr(frappe.local, "replica_db"), "no replica connection was opened"
	assert frappe.local.db is replica


@pytest.mark.queued
def test_sales_order_submit_defers_bizlink_work_to_the_short_queue():
	item = make_item(bizlink_requires_installation=1, bizlink_installation_hours=2)
	order = make_sales_order(items=[{"item_code": item.name, "qty": 1, "rate": 100}], submit=False)
	pending = len(frappe.db.after_commit._functions)
	order.submit()  # as on a live site: the work waits for the commit, then the queue
	callbacks = [
		callback
		for callback in list(frappe.db.after_commit._functions)[pending:]
		if getattr(callback, "job", {}).get("method")
		== "bizlink.field_service.installation.after_sales_order_submit"
	]
	assert len(callbacks) == 1
	queued = []
	with patch("frappe.enqueue", lambda method, **kwargs: queued.append((method, kwargs))):
		callbacks[0]()  # the commit
	assert queued == [
		(
			"bizlink.field_service.installation.after_sales_order_submit",
			{"queue": "short", "sales_order": order.name},
		)
	]
	# nothing was done in the request itself
	assert not frappe.db.exists("Field Visit", {"sales_order": order.name})
	frappe.db.after_commit.reset()  # rolled back: nothing to enqueue
	# the job, when a worker runs it, does the work once (and again is a no-op)
	from bizlink.field_service.installation import after_sales_order_submit

	after_sales_order_submit(order.name)
	after_sales_order_submit(order.name)
	assert frappe.db.count("Field Visit", {"sales_order": order.name}) == 1
	assert frappe.db.count("Order Stage Log", {"sales_order": order.name}) == 1


@pytest.mark.queued
def test_redis_away_at_the_commit_leaves_the_job_out_and_the_user_untold():
	"""The load test, Redis away for 30 s: orders and tickets were saved and their users answered with
	a 500 (the job could not be queued after the commit), so they would save them again. The job is
	left out and logged instead; the hourly reconciliation makes what it would have made."""
	from redis.exceptions import ConnectionError as RedisConnectionError

	item = make_item(bizlink_requires_installation=1, bizlink_installation_hours=2)
	order = make_sales_order(items=[{"item_code": item.name, "qty": 1, "rate": 100}], submit=False)
	pending = len(frappe.db.after_commit._functions)
	order.submit()
	callbacks = list(frappe.db.after_commit._functions)[pending:]
	assert any(
		getattr(c, "job", {}).get("method", "").endswith("after_sales_order_submit") for c in callbacks
	)

	def redis_away(method, **kwargs):
		raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

	logged = []
	with (
		patch("frappe.enqueue", redis_away),
		patch.object(frappe.logger("bizlink"), "error", lambda message: logged.append(message)),
	):
		for callback in callbacks:
			if getattr(callback, "job", None):
				callback()  # no exception reaches the request
	assert any("after_sales_order_submit" in message for message in logged)
	frappe.db.after_commit.reset()


@pytest.mark.queued
def test_work_deferred_by_a_job_runs_in_its_worker_after_it_not_as_another_job():
	"""The load test: each queued job costs a process of its own that imports the apps again (0.3 to
	1.4 s of CPU for a few ms of work). The order's job makes its stage, whose notice was queued as a
	second job; made by a job, it now runs in the same worker once the job has committed."""
	from frappe.utils import CallbackManager

	from bizlink.field_service.installation import after_sales_order_submit

	item = make_item(bizlink_requires_installation=1, bizlink_installation_hours=2)
	order = make_sales_order(items=[{"item_code": item.name, "qty": 1, "rate": 100}])
	frappe.db.after_commit.reset()  # the order's own job: run below as a worker runs it
	running = getattr(frappe.local, "job", None)
	frappe.local.job = job = frappe._dict(after_job=CallbackManager())
	try:
		after_sales_order_submit(order.name)
		log = frappe.db.get_value("Order Stage Log", {"sales_order": order.name}, "name")
		assert log
		queued = []
		with patch("frappe.enqueue", lambda method, **kwargs: queued.append(method)):
			frappe.db.after_commit.run()  # the job's commit
		assert queued == []
		assert len(job.after_job._functions) == 1
		told, failing = [], "bizlink.fulfilment.stages.notify_next_stage"
		with (
			patch(failing, lambda log: told.append(log)),
			patch.object(frappe.db, "commit", lambda *a, **k: None),
		):
			job.after_job.run()  # the job has ended
		assert told == [log]
		# a failure is logged as a failed job's, and reaches nobody
		from bizlink.bizlink.queue import run_after_job

		def fails(log):
			raise frappe.ValidationError("mail server away")

		with patch(failing, fails), patch.object(frappe.db, "commit", lambda *a, **k: None):
			run_after_job(failing, {"log": log})
		assert frappe.db.exists("Error Log", {"method": failing})
	finally:
		frappe.local.job = running
		frappe.db.rollback()


class served_request:
	"""A web request being served, as far as deferred work sees it: Frappe's callbacks for after the
	response (`frappe.request.after_response`, run by frappe.app once the answer is sent)."""

	def __enter__(self):
		from frappe.utils import CallbackManager

		self.before = getattr(frappe.local, "request", None)
		frappe.local.request = frappe._dict(
			after_response=CallbackManager(), host="attacker.example", headers={}
		)
		return frappe.local.request

	def __exit__(self, *exc):
		if self.before is None:
			del frappe.local.request
		else:
			frappe.local.request = self.before


@pytest.mark.queued
def test_an_order_submitted_over_the_web_gets_its_job_after_the_response_in_the_same_process():
	"""The load test at 50 users: a queued job per order, resolve and booking took the RQ workers 80 %
	of a core (each job a new process importing the apps). Submitted in a web request, the order's
	work runs once the answer is sent, in the process that served it: nothing is queued, nothing is
	done before the response, and afterwards the order has its job and its stage."""
	item = make_item(bizlink_requires_installation=1, bizlink_installation_hours=2)
	order = make_sales_order(items=[{"item_code": item.name, "qty": 1, "rate": 100}], submit=False)
	with served_request() as request:
		pending = len(frappe.db.after_commit._functions)
		order.submit()
		callbacks = [c for c in list(frappe.db.after_commit._functions)[pending:] if getattr(c, "job", None)]
		queued = []
		with patch("frappe.enqueue", lambda method, **kwargs: queued.append(method)):
			for callback in callbacks:
				callback()  # the request's commit
		frappe.db.after_commit.reset()
		assert queued == []
		assert not frappe.db.exists("Field Visit", {"sales_order": order.name})  # the answer goes first
		assert len(request.after_response._functions) == 1
		with patch.object(frappe.db, "commit", lambda *a, **k: None):
			request.after_response.run()  # the answer has been sent
	assert frappe.db.count("Field Visit", {"sales_order": order.name}) == 1
	assert frappe.db.count("Order Stage Log", {"sales_order": order.name}) == 1
	assert frappe.db.get_value("Order Stage Log", {"sales_order": order.name}, "stage") == "Ordered"


@pytest.mark.queued
def test_long_work_goes_to_a_worker_even_from_a_web_request():
	"""A repair's Material Issue, Maintenance Visit and draft invoice (half a second) are a worker's,
	not the web process's that answered the technician."""
	from bizlink.bizlink.queue import queue_after_commit

	with served_request() as request:
		pending = len(frappe.db.after_commit._functions)
		queue_after_commit("bizlink.field_service.parts.book_service", visit="FV-NONE")
		callbacks = list(frappe.db.after_commit._functions)[pending:]
		queued = []
		with patch("frappe.enqueue", lambda method, **kwargs: queued.append((method, kwargs))):
			for callback in callbacks:
				callback()
		frappe.db.after_commit.reset()
		assert queued == [
			("bizlink.field_service.parts.book_service", {"queue": "short", "visit": "FV-NONE"})
		]
		assert not request.after_response._functions


@contextmanager
def deferred_work_failing(method: str, fails):
	"""`method` replaced by `fails`, in a transaction the deferred work neither commits nor rolls back
	(the test's own, rolled back after it)."""
	with (
		patch(method, fails),
		patch.object(frappe.db, "commit", lambda *a, **k: None),
		patch.object(frappe.db, "rollback", lambda *a, **k: None),
		patch("time.sleep", lambda seconds: None),
	):
		yield


@pytest.mark.queued
def test_deferred_work_chosen_as_a_deadlocks_victim_runs_again_and_a_failure_reaches_nobody():
	"""As Frappe's worker runs a deadlocked job again: the deferred work is retried (ATTEMPTS in all);
	another failure, or a deadlock every time, is logged, and nothing is raised to the response."""
	from bizlink.bizlink import queue

	method = "bizlink.fulfilment.stages.notify_next_stage"
	calls = []

	def deadlocked(times: int):
		def run(log):
			calls.append(log)
			if len(calls) <= times:  # as frappe.db.sql raises it: MariaDB's error inside Frappe's
				raise frappe.QueryDeadlockError(
					pymysql.err.OperationalError(1213, "Deadlock found when trying to get lock")
				)

		return run

	errors = frappe.db.count("Error Log", {"method": method})
	with deferred_work_failing(method, deadlocked(times=1)):
		queue.run_after_job(method, {"log": "OSL-1"})
	assert calls == ["OSL-1", "OSL-1"]
	assert frappe.db.count("Error Log", {"method": method}) == errors

	calls.clear()
	with deferred_work_failing(method, deadlocked(times=99)):
		queue.run_after_job(method, {"log": "OSL-1"})
	assert len(calls) == queue.ATTEMPTS == 3
	assert frappe.db.count("Error Log", {"method": method}) == errors + 1

	def database_away(*args, **kwargs):
		raise frappe.db.OperationalError(2006, "MySQL server has gone away")

	with patch(method, database_away), patch.object(frappe.db, "rollback", database_away):
		queue.run_after_job(method, {"log": "OSL-1"})  # logged to the bizlink log; nothing raised


@pytest.mark.queued
def test_work_deferred_after_a_response_runs_as_a_worker_would_not_with_the_requests_state(monkeypatch):
	"""The review: deferred work ran with the request's state, so a notice's signed link took its host
	from the request's Host header (whoever asked could send customers a link to their own server), its
	words the request's language. It now runs as a worker: the site's address, no arguments, the
	site's language, the same user; what it defers runs next in this process, what must wait on another
	server still goes to a worker; and the request is as it was afterwards."""
	from frappe.utils import get_url

	from bizlink.bizlink import queue

	monkeypatch.setitem(frappe.local.conf, "host_name", None)
	monkeypatch.setitem(frappe.local.conf, "hostname", None)
	seen, queued = {}, []

	def deferred():
		seen.update(
			has_request=hasattr(frappe.local, "request"),
			url=get_url("/visit-feedback"),
			form_dict=dict(frappe.form_dict),
			lang=frappe.local.lang,
			user=frappe.session.user,
		)
		queue.after_commit("bizlink.fulfilment.stages.notify_next_stage", log="OSL-NEXT")
		queue.queue_after_commit("bizlink.field_service.appointment.send_text", phone="+34600", text="Hola")

	with served_request() as request, patch.object(frappe.db, "commit", frappe.db.after_commit.run):
		frappe.local.form_dict = frappe._dict(cmd="bizlink.api.dispatch.book", visit="FV-1")
		lang, user = frappe.local.lang, frappe.session.user
		frappe.local.lang = "fr"
		assert get_url("/visit-feedback").startswith("http://attacker.example")  # the header's host
		told = []
		with (
			patch("bizlink.tests_deferred", deferred, create=True),
			patch("frappe.enqueue", lambda method, **kwargs: queued.append(method)),
			patch(
				"bizlink.fulfilment.stages.notify_next_stage",
				lambda log: told.append((log, frappe.local.job)),
			),
		):
			queue.after_commit("bizlink.tests_deferred")
			frappe.db.after_commit.run()  # the request's commit
			assert len(request.after_response._functions) == 1 and queued == []
			request.after_response.run()  # the answer has been sent
		assert seen["url"] == get_url("/visit-feedback", allow_header_override=False)
		assert "attacker.example" not in seen["url"]
		assert seen["has_request"] is False  # as in a worker: no request at all
		assert seen["form_dict"] == {}
		assert seen["lang"] == (frappe.local.conf.lang or "en")
		assert seen["user"] == user
		# next, in this process, as a worker again (not with the request's state)
		assert [(log, bool(job and job.after_response)) for log, job in told] == [("OSL-NEXT", True)]
		assert queued == ["bizlink.field_service.appointment.send_text"]  # the gateway: a worker's
		# the request as it was
		assert frappe.local.request is request
		assert frappe.form_dict.visit == "FV-1" and frappe.local.lang == "fr"
		assert getattr(frappe.local, "job", None) is None
		frappe.local.lang = lang


@pytest.mark.queued
def test_deferred_work_that_fails_or_waited_on_a_lock_leaves_the_rest_of_the_response_work_running():
	"""The review: an exception without arguments (`raise frappe.PermissionError`) made the deadlock
	check itself fail, which escaped the after-response work and stopped what followed it (Frappe's
	closing of the request included). It is logged; the next piece runs. Work that waited for a lock
	until MariaDB gave up (50 s) is not waited for again in the web process: it goes to a worker."""
	from bizlink.bizlink import queue

	ran, queued = [], []

	def refused():
		raise frappe.PermissionError

	def waited():
		raise frappe.QueryTimeoutError(pymysql.err.OperationalError(1205, "Lock wait timeout exceeded"))

	errors = frappe.db.count("Error Log", {"method": "bizlink.tests_refused"})
	with (
		served_request() as request,
		patch.object(frappe.db, "commit", frappe.db.after_commit.run),
		patch.object(frappe.db, "rollback", lambda *a, **k: None),
		patch("bizlink.tests_refused", refused, create=True),
		patch("bizlink.tests_waited", waited, create=True),
		patch("bizlink.tests_fine", lambda: ran.append(frappe.session.user), create=True),
		patch("frappe.enqueue", lambda method, **kwargs: queued.append((method, kwargs.get("queue")))),
	):
		for method in ("bizlink.tests_refused", "bizlink.tests_waited", "bizlink.tests_fine"):
			queue.after_commit(method)
		frappe.db.after_commit.run()  # the request's commit
		request.after_response.run()  # nothing escapes it
		assert frappe.local.request is request
	assert ran == [frappe.session.user]  # the piece after the failures ran
	assert queued == [("bizlink.tests_waited", "short")]  # a worker waits for the lock
	assert frappe.db.count("Error Log", {"method": "bizlink.tests_refused"}) == errors + 1
