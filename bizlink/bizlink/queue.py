"""BizLink's deferred work: out of the user's request, onto Frappe's RQ queues."""

import frappe
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError


def after_commit(method: str, **kwargs) -> None:
	"""Run `method` on the `short` queue once the current transaction commits. What it does must be
	idempotent: a worker may run it after anything (and the hourly reconciliation redoes what a lost
	job left undone).

	When Redis cannot be reached at that moment, the job is left out and logged, and the user is not
	told: their document is saved already, and an error would have them save it again (the load test
	with Redis away for 30 s: 24 tickets and orders saved, each answered with a 500). The hourly
	reconciliation makes what the job would have made (an order's job and stage; a resolved ticket's
	postings); a notice it would have sent is not sent."""

	def enqueue():
		job = getattr(frappe.local, "job", None)
		if job and job.get("after_job") is not None:
			# made by a job, already off the user's path: run in this worker once the job has ended
			# (a job queued from a job costs a process of its own, which imports the apps again: on the
			# load test's machine 0.3 to 1.4 s of CPU for a few ms of work)
			job.after_job.add(lambda: run_after_job(method, kwargs))
			return
		try:
			frappe.enqueue(method, queue="short", **kwargs)
		except (RedisConnectionError, RedisTimeoutError) as e:
			frappe.logger("bizlink").error(f"not queued, Redis unreachable: {method} {kwargs}: {e}")

	# what the job is, for whoever runs it without a queue (the test suite's worker)
	enqueue.job = {
		"site": frappe.local.site,
		"user": frappe.session.user,
		"method": method,
		"event": None,
		"job_name": method,
		"is_async": True,
		"kwargs": kwargs,
	}
	frappe.db.after_commit.add(enqueue)


def run_after_job(method: str, kwargs: dict) -> None:
	"""`method`, run after the job that queued it has committed, in a transaction of its own; a failure
	is logged as a failed job's would be."""
	try:
		frappe.get_attr(method)(**kwargs)
		frappe.db.commit()  # nosemgrep (the worker's own transaction, as execute_job commits a job)
	except Exception:
		frappe.db.rollback()
		frappe.log_error(title=method)
		frappe.db.commit()  # nosemgrep (the error log)
