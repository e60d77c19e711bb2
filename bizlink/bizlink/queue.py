"""BizLink's deferred work: out of the user's request, onto Frappe's RQ queues."""

import frappe


def after_commit(method: str, **kwargs) -> None:
	"""Run `method` on the `short` queue once the current transaction commits. What it does must be
	idempotent: a worker may run it after anything (and the hourly reconciliation redoes what a lost
	job left undone)."""
	frappe.enqueue(method, queue="short", enqueue_after_commit=True, **kwargs)
