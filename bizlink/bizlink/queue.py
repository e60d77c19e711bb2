"""BizLink's deferred work: out of the user's request, once its transaction commits."""

import time

import frappe
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

# a deadlock's victim is run again at once, this many times in all (Frappe's worker does not retry a
# deadlock: its execute_job reads the wrapped error's code and finds none)
ATTEMPTS = 3


def after_commit(method: str, **kwargs) -> None:
	"""Run `method` once the current transaction commits, out of the user's way: in a web request,
	after the response has been sent, in the same process (Frappe's `frappe.request.after_response`,
	where Frappe marks a mail seen), as a worker would run it (`run_after_response`); in a job, in its
	worker once the job has committed; elsewhere (the console, the scheduler) on the `short` queue.
	For a few ms of work on a document: a job on the queue costs a worker a process of its own, which
	imports the apps again (150-330 ms of CPU for 0-10 ms of work on the load test's machine; 2.3 such
	jobs a second took 80 % of a core at 50 users). Work that takes longer, or waits on another
	server (an SMS gateway), goes to a worker (`queue_after_commit`).

	What `method` does must be idempotent: it may run again. What is lost (a web process that died
	before it ran, the database away, Redis away for the queue) the hourly reconciliation makes again
	where it keeps a figure (an order's job and stage, a resolved ticket's postings, a service visit's
	stock documents); a notice lost so is not sent."""
	_after_commit(method, kwargs, in_request=True)


def queue_after_commit(method: str, **kwargs) -> None:
	"""Run `method` on the `short` queue once the current transaction commits (from a job, in its worker
	after it): work long enough (a stock entry, an invoice), or waiting on another server (an SMS
	gateway), to belong to a worker, not to the web process that served the request. Idempotent, as
	`after_commit`'s."""
	_after_commit(method, kwargs, in_request=False)


def _after_commit(method: str, kwargs: dict, in_request: bool) -> None:
	user = frappe.session.user  # who made the work, as the job would run as them

	def enqueue():
		job = getattr(frappe.local, "job", None) or {}
		if job.get("after_job") is not None and not job.get("after_response"):
			# made by a worker's job, already off the user's path: run in this worker once the job has
			# ended (long work too: it is a worker)
			job.after_job.add(lambda: run_after_job(method, kwargs))
			return
		# in a web process: after the response (made by work deferred after it: next, in the same run)
		callbacks = job.get("after_job") or getattr(
			getattr(frappe.local, "request", None), "after_response", None
		)
		if in_request and callbacks is not None:
			callbacks.add(lambda: run_after_response(method, kwargs, callbacks, user))
			return
		try:
			frappe.enqueue(method, queue="short", **kwargs)
		except (RedisConnectionError, RedisTimeoutError) as e:
			# the document is saved already: an error would have the user save it again (the load test
			# with Redis away for 30 s: 24 tickets and orders saved, each answered with a 500); the
			# hourly reconciliation makes what the job would have made (a notice is not sent)
			frappe.logger("bizlink").error(f"not queued, Redis unreachable: {method} {kwargs}: {e}")

	# what the job is, for whoever runs it without a queue (the test suite's worker)
	enqueue.job = {
		"site": frappe.local.site,
		"user": user,
		"method": method,
		"event": None,
		"job_name": method,
		"is_async": True,
		"kwargs": kwargs,
	}
	frappe.db.after_commit.add(enqueue)


# what a request leaves on frappe.local that deferred work must not see (a worker has none of it)
REQUEST_STATE = ("request", "form_dict", "lang", "job", "session", "cache", "user_perms", "request_ip")
ABSENT = object()


def run_after_response(method: str, kwargs: dict, callbacks, user: str) -> None:
	"""`method`, run once the response has been sent, as a worker would run it: as `user` (who made
	the work), with nothing of the request (no request at all: a link in a mail is the site's address,
	`get_url` as in a worker, never one a request's Host header named; no arguments, session or cached
	permissions; the site config's `lang`, else English, as frappe.init gives a job), and what it
	defers in turn run next in this process (`callbacks`, the request's after-response work, still
	running). The request's state is put back afterwards, whatever happened; nothing is raised (the
	next after-response work, and Frappe's own closing of the request, still run)."""
	local = frappe.local
	kept = {name: getattr(local, name, ABSENT) for name in REQUEST_STATE}
	try:
		for name in ("request", "request_ip"):
			if hasattr(local, name):
				delattr(local, name)
		local.session = frappe._dict()
		frappe.set_user(user)  # a new session, form_dict, cache and permissions, as execute_job does
		local.lang = local.conf.lang or "en"
		local.job = frappe._dict(
			site=local.site, method=method, kwargs=kwargs, user=user, after_job=callbacks, after_response=True
		)
		run_after_job(method, kwargs, in_web_process=True)
	except Exception:
		frappe.logger("bizlink").error(f"deferred work failed: {method} {kwargs}", exc_info=True)
	finally:
		for name, value in kept.items():
			if value is ABSENT:
				if hasattr(local, name):
					delattr(local, name)
			else:
				setattr(local, name, value)


def run_after_job(method: str, kwargs: dict, in_web_process: bool = False) -> None:
	"""`method`, run after the request or job that deferred it has committed, in a transaction of its
	own: a deadlock's victim runs again at once (ATTEMPTS in all: at least once, so a notice sent before
	the deadlock may be sent twice); work that waited for a lock until MariaDB gave up
	(`innodb_lock_wait_timeout`) in a web process goes to the `short` queue, as waiting again belongs
	to a worker; any
	other failure is logged as a failed job's would be. Nothing is raised: the user has their answer."""
	for attempt in range(1, ATTEMPTS + 1):
		try:
			frappe.get_attr(method)(**kwargs)
			frappe.db.commit()  # nosemgrep (its own transaction, as execute_job commits a job)
			return
		except Exception as e:
			deadlock, waited = lock_error(e)
			try:
				frappe.db.rollback()
				if waited and in_web_process:
					frappe.enqueue(method, queue="short", **kwargs)
					return
				if not (deadlock and attempt < ATTEMPTS):
					frappe.log_error(title=method)
					frappe.db.commit()  # nosemgrep (the error log)
					return
			except Exception:  # the database (or Redis) itself is away
				frappe.logger("bizlink").error(f"deferred work failed: {method} {kwargs}", exc_info=True)
				return
			frappe.logger("bizlink").warning(f"{method}: deadlock, attempt {attempt}: run again")
			time.sleep(0.05 * attempt)


def lock_error(e: Exception) -> tuple[bool, bool]:
	"""(a deadlock, a lock wait timeout). Frappe raises them as its own exceptions, the database's error
	inside; `frappe.db.is_deadlocked` reads a database error's code (and fails on an exception without
	arguments, as `raise frappe.PermissionError` is)."""
	if isinstance(e, frappe.QueryDeadlockError):
		return True, False
	if isinstance(e, frappe.QueryTimeoutError):
		return False, True
	db = frappe.db
	try:
		return bool(db and db.is_deadlocked(e)), bool(db and db.is_timedout(e))
	except Exception:
		return False, False
