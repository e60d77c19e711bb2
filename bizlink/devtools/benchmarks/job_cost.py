"""What a deferred piece of work costs as an RQ job against in a warm process (README, Development:
deferred work). Frappe's worker forks a child per job from a parent that imported frappe only; the
child imports the apps again. Run from the bench's sites directory, on a site with data (scale.test):

    ../env/bin/python -m bizlink.devtools.benchmarks.job_cost scale.test

It prints, for each of three kinds of work, the CPU of the forked child running `execute_job` (three
runs) and of the same call in a warm process (three runs, rolled back). The work is run on existing
documents, so it mostly finds itself done: what is measured is what a job costs around its work.
"""

import json
import os
import resource
import sys
import time


def child_cpu() -> float:
	usage = resource.getrusage(resource.RUSAGE_CHILDREN)
	return usage.ru_utime + usage.ru_stime


def main(site: str) -> None:
	import frappe
	from frappe.utils.background_jobs import execute_job

	frappe.init(site=site)
	frappe.connect()
	calls = [
		(
			"bizlink.service.knowledge.sync_ticket",
			{"name": frappe.db.get_value("Service Ticket", {"status": "Resolved"}, "name")},
		),
		(
			"bizlink.field_service.installation.after_sales_order_submit",
			{"sales_order": frappe.db.get_value("Sales Order", {"docstatus": 1}, "name")},
		),
		(
			"bizlink.field_service.appointment.notify_appointment",
			{"visit": frappe.db.get_value("Field Visit", {"status": "Scheduled"}, "name")},
		),
	]
	frappe.destroy()  # the worker's parent: frappe imported, no site open
	rows = []
	for method, kwargs in calls:
		for _ in range(3):
			before, started = child_cpu(), time.monotonic()
			pid = os.fork()
			if pid == 0:
				try:
					execute_job(site, method, None, method, kwargs, user="Administrator", is_async=True)
				finally:
					os._exit(0)
			os.waitpid(pid, 0)
			rows.append((method, "job", child_cpu() - before, time.monotonic() - started))
	frappe.init(site=site)
	frappe.connect()
	for method, kwargs in calls:
		function = frappe.get_attr(method)
		function(**kwargs)  # warm
		frappe.db.rollback()
		for _ in range(3):
			before, started = time.process_time(), time.monotonic()
			function(**kwargs)
			rows.append((method, "warm", time.process_time() - before, time.monotonic() - started))
			frappe.db.rollback()
	frappe.destroy()
	for method, how, cpu, wall in rows:
		print(f"{method.rsplit('.', 1)[1]:28} {how:4}  CPU {cpu * 1000:6.0f} ms  wall {wall * 1000:6.0f} ms")
	print(json.dumps([[m, h, round(c * 1000), round(w * 1000)] for m, h, c, w in rows]))


if __name__ == "__main__":
	main(sys.argv[1] if len(sys.argv) > 1 else "scale.test")
