"""BizLink's deferred work: out of the user's request, onto Frappe's RQ queues."""

import frappe


def after_commit(method: str, **kwargs) -> None:
	"""Run `method` on the `short` queue once the current transaction commits (at once under tests,
	which never commit). What it does must be idempotent: a worker may run it after anything."""
	frappe.enqueue(method, queue="short", enqueue_after_commit=True, now=bool(frappe.flags.in_test), **kwargs)
