"""A unit of work run again when the database chose it as a deadlock's victim."""

import frappe

DEADLOCK_ATTEMPTS = 3


def on_deadlock(fn, *args, **kwargs):
	"""Run `fn`; when MariaDB rolls it back as the victim of a deadlock, roll back this transaction and
	run it again, up to DEADLOCK_ATTEMPTS times in all (each retry logged, so they are counted).

	For a request whose whole work is `fn` (nothing done before it is kept: the rollback takes it
	away too), where two users' writes may take the same locks in opposite order: a dispatcher's
	booking (the crew rows of two jobs next to each other in the index)."""
	for attempt in range(1, DEADLOCK_ATTEMPTS + 1):
		try:
			return fn(*args, **kwargs)
		except frappe.QueryDeadlockError:
			frappe.db.rollback()
			if attempt == DEADLOCK_ATTEMPTS:
				raise
			frappe.logger("bizlink").warning(f"deadlock in {fn.__name__}, attempt {attempt}: run again")
