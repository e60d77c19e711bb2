"""Dispatch and My Day at scale (part of `bench --site SITE bizlink-benchmark`), on any site: the data
is written in bulk inside the run and rolled back.

- 200 technicians (working 08:00 to 17:00, no day off, a skill each among 5 item groups) with three booked repair
  visits a day for the week (3,000 bookings), and 5,000 open repair visits to schedule.
1. The board's data for the week (`bizlink.api.dispatch.get_board`): server time, first call and p95.
2. A drag to schedule: `bizlink.api.dispatch.book` of one open visit onto a free slot (the controller's
   save, working hours, double booking, skills and the customer's notice queued), p95.
3. Route order of 25 stops (nearest neighbour + 2-opt), p95; and a technician's day proposal.
4. A technician's sync of 50 queued actions (start, 45 checklist ticks, installed, signature, note,
   complete... on one job) through `bizlink.api.my_day.sync_actions`: server time.
"""

import random
import time
import uuid

import frappe
from frappe.utils import add_days, add_to_date, get_datetime, now_datetime, today

from bizlink.devtools.benchmarks.customer_file import timed

TECHNICIANS = 200
OPEN_JOBS = 5000
BOOKED_PER_DAY = 3
GROUPS = 5
PREFIX = "bench-disp"


def p95(samples: list[float]) -> float:
	ordered = sorted(samples)
	return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def p50(samples: list[float]) -> float:
	from bizlink.devtools.benchmarks.scale import p50 as median

	return median(samples)


def holiday_free_list():
	"""A Holiday List without days off (the company's may have weekends off)."""
	name = f"{PREFIX} sin festivos"
	if frappe.db.exists("Holiday List", name):
		return frappe.get_doc("Holiday List", name)
	return frappe.get_doc(
		{
			"doctype": "Holiday List",
			"holiday_list_name": name,
			"from_date": add_days(today(), -1),
			"to_date": add_days(today(), 60),
		}
	).insert()


def world() -> frappe._dict:
	"""The technicians, bookings and open visits, written in bulk (rolled back by the caller)."""
	from bizlink.devtools.factories import make_customer, make_item

	rng = random.Random(7)
	now = now_datetime()
	groups = []
	for k in range(GROUPS):
		name = f"{PREFIX} grupo {k}"
		if not frappe.db.exists("Item Group", name):
			frappe.get_doc(
				{"doctype": "Item Group", "item_group_name": name, "parent_item_group": "All Item Groups"}
			).insert()
		groups.append(name)
	items = [make_item(f"{PREFIX.upper()}-ITEM-{k}", item_group=groups[k]).name for k in range(GROUPS)]
	customer = make_customer(f"{PREFIX} Cliente", city="Madrid", email=f"{PREFIX}@example.com")
	company = frappe.defaults.get_defaults().get("company")

	users = [f"{PREFIX}-{k}@example.com" for k in range(TECHNICIANS)]
	no_days_off = holiday_free_list()
	common = {"creation": now, "modified": now, "owner": "Administrator", "modified_by": "Administrator"}
	frappe.db.bulk_insert(
		"User",
		["name", "email", "first_name", "full_name", "enabled", "user_type", *common],
		[
			(u, u, f"Técnico {k}", f"Técnico {k}", 1, "System User", *common.values())
			for k, u in enumerate(users)
		],
	)
	frappe.db.bulk_insert(
		"Has Role",
		["name", "parent", "parenttype", "parentfield", "role", *common],
		[
			(frappe.generate_hash(), u, "User", "roles", "Installation Technician", *common.values())
			for u in users
		],
	)
	frappe.db.bulk_insert(
		"Field Technician",
		["name", "user", "technician_name", "enabled", "work_start", "work_end", "holiday_list", *common],
		[
			(u, u, f"Técnico {k}", 1, "08:00:00", "17:00:00", no_days_off.name, *common.values())
			for k, u in enumerate(users)
		],
	)
	frappe.db.bulk_insert(
		"Field Technician Skill",
		["name", "parent", "parenttype", "parentfield", "item_group", *common],
		[
			(frappe.generate_hash(), u, "Field Technician", "skills", groups[k % GROUPS], *common.values())
			for k, u in enumerate(users)
		],
	)

	visit_fields = [
		"name", "naming_series", "visit_type", "customer", "customer_name", "company", "status", "priority",
		"item_code", "due_date", "latitude", "longitude", "address", "scheduled_start", "scheduled_end",
		"docstatus", *common,
	]  # fmt: skip
	address = customer.customer_primary_address
	visits, crews = [], []
	start = get_datetime(add_days(today(), 1))
	for k, user in enumerate(users):
		for day in range(5):
			for slot in range(BOOKED_PER_DAY):
				name = f"{PREFIX}-B-{k}-{day}-{slot}"
				begin = add_to_date(start, days=day, hours=8 + 2 * slot)
				visits.append(
					(name, "FV-.YYYY.-", "Repair", customer.name, customer.customer_name, company, "Scheduled",
					 "Medium", items[k % GROUPS], None, 40 + rng.random(), -4 + rng.random(), address,
					 begin, add_to_date(begin, hours=2), 0, *common.values())
				)  # fmt: skip
				crews.append(
					(
						frappe.generate_hash(),
						name,
						"Field Visit",
						"crew",
						user,
						f"Técnico {k}",
						1,
						*common.values(),
					)
				)
	for k in range(OPEN_JOBS):
		visits.append(
			(f"{PREFIX}-O-{k}", "FV-.YYYY.-", "Repair", customer.name, customer.customer_name, company,
			 "To Schedule", rng.choice(["Low", "Medium", "High"]), items[k % GROUPS],
			 add_days(today(), rng.randint(0, 30)), 40 + rng.random(), -4 + rng.random(), address, None, None,
			 0, *common.values())
		)  # fmt: skip
	frappe.db.bulk_insert("Field Visit", visit_fields, visits, chunk_size=2000)
	frappe.db.bulk_insert(
		"Field Visit Technician",
		["name", "parent", "parenttype", "parentfield", "user", "technician_name", "is_lead", *common],
		crews,
		chunk_size=2000,
	)
	return frappe._dict(users=users, groups=groups, items=items, customer=customer, start=start)


def dispatch_board(report, runs: int) -> None:
	from bizlink.api.dispatch import get_board

	data = world()
	began = time.perf_counter()
	get_board(str(data.start.date()), 7)  # the first call: nothing of it cached yet
	first = (time.perf_counter() - began) * 1000
	samples = timed(lambda: get_board(str(data.start.date()), 7), runs)
	board = get_board(str(data.start.date()), 7)
	report.add(
		f"board: {len(board['technicians'])} technicians x 7 days, {len(board['bookings']):,} bookings, "
		f"{board['unscheduled_total']:,} open (first call)",
		first,
		None,
		"<= 300 ms",
		first <= 300,
	)
	report.add("  p50 / p95 of later calls", p50(samples), p95(samples), "<= 300 ms", p95(samples) <= 300)
	frappe.db.rollback()


def dispatch_drag(report, runs: int) -> None:
	from bizlink.api.dispatch import book

	data = world()
	samples = []
	for k in range(runs):
		tech = k % TECHNICIANS
		visit = f"{PREFIX}-O-{tech % GROUPS + GROUPS * k}"  # an open visit of the technician's skill
		# the free afternoon of the technician's day (their three bookings are 08:00 to 14:00)
		when = add_to_date(data.start, days=k % 5, hours=14)
		frappe.db.savepoint("bench_drag")
		began = time.perf_counter()
		book(visit, [data.users[tech]], str(when))
		samples.append((time.perf_counter() - began) * 1000)
		frappe.db.rollback(save_point="bench_drag")
	report.add(
		f"drag to schedule (book one of {OPEN_JOBS:,} open visits), p95 of {runs}",
		p95(samples),
		p50(samples),
		"<= 150 ms p95",
		p95(samples) <= 150,
	)
	frappe.db.rollback()


def route_order(report, runs: int) -> None:
	from bizlink.field_service.route import order_stops, propose_day

	rng = random.Random(11)
	points = [[(40 + rng.random(), -4 + rng.random()) for _ in range(25)] for _ in range(max(runs, 20))]
	samples = []
	for stops in points:
		began = time.perf_counter()
		order_stops(stops, (40.5, -3.5))
		samples.append((time.perf_counter() - began) * 1000)
	report.add(
		"route order of 25 stops (nearest neighbour + 2-opt), p95",
		p95(samples),
		p50(samples),
		"<= 50 ms",
		p95(samples) <= 50,
	)
	data = world()
	day = add_days(today(), 1)
	proposal = timed(lambda: propose_day(data.users[0], day), runs)
	report.add(
		"  a technician's day proposed (their jobs read, ordered, timed), p95", p95(proposal), None, "", True
	)
	frappe.db.rollback()


def phone_sync(report, runs: int) -> None:
	from bizlink.api.my_day import sync_actions
	from bizlink.devtools.factories import (
		SIGNATURE,
		make_delivery_note,
		make_item,
		make_sales_order,
		make_user,
	)
	from bizlink.field_service.dispatch import book
	from bizlink.field_service.sync import job_card

	checks = 45
	template = frappe.get_doc(
		{
			"doctype": "Checklist Template",
			"template_name": f"{PREFIX} revisión",
			"items": [{"description": f"Comprobación {k}", "mandatory": 1} for k in range(checks)],
		}
	).insert()
	item = make_item(
		f"{PREFIX.upper()}-CALDERA", is_stock_item=0, bizlink_requires_installation=1,
		bizlink_installation_hours=2, bizlink_checklist_template=template.name,
	)  # fmt: skip
	user = make_user(f"{PREFIX}-sync@example.com", ["Installation Technician"]).name
	frappe.get_doc(
		{"doctype": "Field Technician", "user": user, "work_start": "08:00", "work_end": "17:00"}
	).insert()
	samples, applied = [], 0
	for k in range(max(3, runs // 10)):
		order = make_sales_order(items=[{"item_code": item.name, "qty": 1, "rate": 900}])
		make_delivery_note(order.name)
		from bizlink.api.installation import make_field_visit

		visit = make_field_visit(order.name)
		book(visit, [user], f"{add_days(today(), 2 + k)} 09:00:00")
		card = job_card(frappe.get_doc("Field Visit", visit))

		def action(name, **data):
			return {
				"client_id": str(uuid.uuid4()),
				"visit": visit,
				"action": name,
				"data": data,
				"seen": card["seen"],
			}

		actions = [action("start")]
		actions += [action("check", row=row["row"], done=1) for row in card["checklist"]]
		actions += [action("installed", row=row["row"], qty=row["qty"]) for row in card["items"]]
		actions += [
			action("note", text="Instalada sin incidencias"),
			action("sign", signature=SIGNATURE, signed_by="Cliente"),
		]
		actions += [action("complete")]
		actions = actions[:50]
		frappe.set_user(user)
		began = time.perf_counter()
		results = sync_actions(actions)
		samples.append((time.perf_counter() - began) * 1000)
		frappe.set_user("Administrator")
		applied += sum(r["result"] == "Applied" for r in results)
	report.add(
		f"a technician's sync of {len(actions)} queued actions ({applied} applied in {len(samples)} runs), p50",
		p50(samples),
		max(samples),
		"<= 2000 ms",
		p50(samples) <= 2000 and applied == len(actions) * len(samples),
	)
	frappe.db.rollback()
