"""Field service at scale (part of `bench --site SITE bizlink-benchmark`), on a site filled by
`bizlink-scale` (300k installed serial numbers, a plan per unit of a maintained item, 200k visits).

1. The day's due visits: made for today, and for today and tomorrow (twice as many due), against
   finding the plans due on a day when none is: the run grows with the visits due, not the plans.
2. The Installed Base report for one city.
3. Completing a repair visit with 5 parts from the technician's van (checked against the van's stock,
   time on site costed; the Material Issue and Maintenance Visit then made on the short queue, timed
   apart) against completing an installation job without parts (Installation Note submitted).

Everything is rolled back.
"""

import time

import frappe
from frappe.utils import add_days, add_to_date, get_datetime, getdate, today

from bizlink.devtools.benchmarks.customer_file import timed


def p50(samples):
	from bizlink.devtools.benchmarks.scale import p50 as median

	return median(samples)


def due_visits(report, runs: int) -> None:
	from bizlink.field_service.maintenance import create_due_visits, due_plans

	plans = frappe.db.count("Maintenance Plan", {"status": "Active"})
	day = getdate(today())
	finding_none = timed(lambda: due_plans(add_days(day, -3650)), 5)

	def run(on) -> tuple[int, int, float]:
		due = len(due_plans(on))
		frappe.db.savepoint("bench_due")
		start = time.perf_counter()
		made = create_due_visits(on)
		elapsed = (time.perf_counter() - start) * 1000
		frappe.db.rollback(save_point="bench_due")
		return due, len(made), elapsed

	# the first run is the daily job's (a fresh process: nothing cached); then, warm, one day against
	# two days' due, which shows what grows with the visits due
	due, made, ms = run(day)
	_due, made1, ms1 = run(day)
	_due, made2, ms2 = run(add_days(day, 1))
	frappe.db.rollback()
	report.add(
		f"due visits made for a day ({made:,} of {plans:,} plans due), first run",
		ms,
		None,
		"<= 2000 ms",
		ms <= 2000 and made == due,
	)
	report.add(f"  again ({made1:,} visits)", ms1, None, "", True)
	report.add(f"  two days' ({made2:,} visits)", ms2, ms1, "grows with visits due", ms2 > 1.3 * ms1)
	report.add("  per visit made, warm", ms1 / max(1, made1), None, "", True)
	report.add("  finding the plans due when none is", p50(finding_none), None, "", True)


def installed_base(report, runs: int) -> None:
	from frappe.desk.query_report import run as run_report

	from bizlink.field_service.report.installed_base.installed_base import MAX_ROWS

	city = "Madrid"
	serial, address = frappe.qb.DocType("Serial No"), frappe.qb.DocType("Address")
	units = (
		frappe.qb.from_(serial)
		.join(address)
		.on(address.name == serial.bizlink_site_address)
		.select(frappe.qb.functions("COUNT", "*"))
		.where(address.city == city)
		.where(serial.bizlink_installation_visit.isnotnull())
		.run()[0][0]
	)
	samples = timed(lambda: run_report("Installed Base", filters={"city": city}), max(5, runs // 2))
	report.add(
		f"Installed Base report, one city ({units:,} units; the newest {MAX_ROWS})",
		p50(samples),
		None,
		"<= 300 ms",
		p50(samples) <= 300,
	)


def visit_completion(report, runs: int) -> None:
	from bizlink.devtools.factories import (
		SIGNATURE,
		make_delivery_note,
		make_item,
		make_sales_order,
		make_user,
		make_van,
		receive_stock,
	)
	from bizlink.field_service.installation import after_sales_order_submit

	n = max(5, runs // 3)
	tech = make_user("bench.tecnico@example.com", ["Installation Technician"]).name
	van = make_van(tech, name="SC Furgoneta Bench")
	parts = [make_item(f"SC-BENCH-PART-{k}", rate=20).name for k in range(5)]
	for part in parts:
		receive_stock(part, 2 * n + 10, rate=10, warehouse=van)
	kit = make_item("SC-BENCH-KIT", rate=500, bizlink_requires_installation=1, bizlink_installation_hours=2)
	unit = frappe.db.get_value(
		"Serial No",
		{"warranty_expiry_date": (">", add_days(today(), 60)), "bizlink_installation_visit": ("is", "set")},
		["name", "customer"],
		as_dict=True,
	)
	slot = [get_datetime(f"{add_days(today(), 400)} 08:00:00")]

	def book(visit):
		slot[0] = add_to_date(slot[0], hours=3)
		visit.scheduled_start, visit.scheduled_end = slot[0], add_to_date(slot[0], hours=2)
		visit.append("crew", {"user": tech, "is_lead": 1})
		visit.save()
		visit.start()
		visit.signature, visit.signed_by = SIGNATURE, "Cliente"
		for check in visit.checklist:
			check.done = 1

	def installation():
		order = make_sales_order(unit.customer, items=[{"item_code": kit.name, "qty": 1, "rate": 500}])
		after_sales_order_submit(order.name)
		make_delivery_note(order.name)
		visit = frappe.get_doc("Field Visit", {"sales_order": order.name})
		book(visit)
		for row in visit.items:
			row.installed_qty = row.qty
		return visit

	def repair():
		visit = frappe.get_doc(
			{
				"doctype": "Field Visit",
				"visit_type": "Repair",
				"customer": unit.customer,
				"serial_no": unit.name,
			}
		).insert()
		book(visit)
		for part in parts:
			visit.append("parts", {"item_code": part, "qty": 1, "warehouse": van})
		return visit

	from bizlink.field_service.parts import book_service

	samples = {"installation": [], "repair": [], "queued": []}
	for i in range(n + 1):
		for kind, make in (("installation", installation), ("repair", repair)):
			visit = make()
			start = time.perf_counter()
			visit.submit()
			elapsed = (time.perf_counter() - start) * 1000
			if kind == "repair":  # what a short-queue worker then does for it
				start = time.perf_counter()
				book_service(visit.name)
				queued = (time.perf_counter() - start) * 1000
			if i:  # the first round warms up
				samples[kind].append(elapsed)
				if kind == "repair":
					samples["queued"].append(queued)
	frappe.db.after_commit.reset()  # rolled back: nothing to enqueue
	frappe.db.rollback()
	value, base = p50(samples["repair"]), p50(samples["installation"])
	report.add(
		"complete a repair with 5 parts vs an installation without",
		value,
		base,
		"<= 1.2x",
		value <= 1.2 * base,
	)
	report.add(
		"  then on the short queue: Material Issue, Maintenance Visit", p50(samples["queued"]), None, "", True
	)


def promise_check(report, runs: int) -> None:
	"""The daily promise check over 100,000 open installation jobs on track (added for the run): with
	none coming due, then 50 and 100 coming due. It reads by index what is due, so it grows with the
	jobs coming due, not with the open ones."""
	from bizlink.field_service.promise import check_promises

	later = add_days(today(), 30)
	filler = 100_000
	columns = ["name", "visit_type", "status", "docstatus", "promise_status", "warn_on", "promised_date"]
	for start in range(0, filler, 10_000):
		frappe.db.bulk_insert(
			"Field Visit",
			columns,
			[
				(f"BENCH-PROMISE-{n:06d}", "Installation", "To Schedule", 0, "On Track", later, later)
				for n in range(start, start + 10_000)
			],
		)
	open_jobs = frappe.db.count("Field Visit", {"docstatus": 0, "promise_status": "On Track"})
	none_due = timed(check_promises, max(5, runs // 4))

	def coming_due(count: int) -> float:
		frappe.db.savepoint("bench_promise")
		names = [f"BENCH-PROMISE-{n:06d}" for n in range(count)]
		frappe.db.set_value("Field Visit", {"name": ("in", names)}, "warn_on", today())
		start = time.perf_counter()
		moved = check_promises()
		elapsed = (time.perf_counter() - start) * 1000
		frappe.db.rollback(save_point="bench_promise")
		assert moved == count, (moved, count)
		return elapsed

	fifty, hundred = coming_due(50), coming_due(100)
	report.add(f"promise check, {open_jobs:,} open jobs on track, none due", p50(none_due), None, "", True)
	report.add("  50 coming due (warned)", fifty, None, "", True)
	report.add("  100 coming due", hundred, fifty, "grows with jobs due", hundred > 1.3 * fifty)
