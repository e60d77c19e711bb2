"""After a load run: is everything the simulated users were told they made in the database, once, with
what BizLink derives from it?

	bench --site SITE execute bizlink.devtools.load.check.run --kwargs '{"record": "made.jsonl", "since": "..."}'

`record` holds the names the users were answered with (JSON lines, written by the locustfile);
`since` is when the run started. Returns the findings; `lost` is empty and every count equal when
nothing was lost or duplicated."""

import json
from collections import Counter

import frappe
from frappe.query_builder.functions import Count
from frappe.utils import get_datetime

from bizlink.devtools.load.prepare import LOAD_USERS_LIKE

# kind in the record -> (DocType, what the users made of it since the run started, in SQL)
KINDS = {
	"interaction": ("Sales Interaction", "owner like %(users)s"),
	"ticket": ("Service Ticket", "owner like %(users)s"),
	"issue": ("Issue", "owner like %(users)s"),
	"order": ("Sales Order", "owner like %(users)s and docstatus = 1"),
	"comment": ("Comment", "owner like %(users)s and comment_type = 'Comment'"),
}


def repair_orders(since: str) -> dict:
	"""What the hourly reconciliation does for the orders submitted since `since` whose queued work never
	ran (a worker killed, Redis away), at once instead of after its 10 minutes' grace: its
	`check_order` for each. (`reconcile.repair_orders` itself also books the completed service visits
	without their ERPNext documents: on a `bizlink-scale` site that is every generated one.)"""
	from bizlink.reconcile import check_order, new_figures, unfinished_orders

	names = unfinished_orders(created_since=get_datetime(since))
	figures = new_figures("Orders")
	for name in names:
		check_order(name, figures)
	frappe.db.commit()  # nosemgrep (a devtools command: what it repaired is kept)
	return {"orders_repaired": names}


def purge(since: str) -> dict:
	"""After a smoke run on a test site: delete the tickets and interactions the load users made since
	`since`, through their controllers (their rollup figures and search terms go with them), so that the
	site's tests find only what they make (the smoke's tickets about a boiler losing pressure outranked
	a test's own in the knowledge search)."""
	removed = {}
	for doctype in ("Service Ticket", "Sales Interaction"):
		names = frappe.get_all(
			doctype,
			{"owner": ("like", LOAD_USERS_LIKE), "creation": (">=", get_datetime(since))},
			pluck="name",
		)
		for name in names:
			frappe.delete_doc(doctype, name, force=True, ignore_permissions=True)
		removed[doctype] = len(names)
	frappe.db.commit()  # nosemgrep (a devtools command: what it removed stays removed)
	return removed


def now() -> dict:
	"""The site's time (its time zone, as `creation` is written): when a run starts."""
	return {"now": frappe.utils.now()}


def run(record: str, since: str, rollup: bool = True) -> dict:
	rows = [json.loads(line) for line in open(record) if line.strip()]
	told = {kind: [row["name"] for row in rows if row["kind"] == kind] for kind in KINDS}
	values = {"users": LOAD_USERS_LIKE, "since": get_datetime(since)}
	result = {"since": since, "kinds": {}, "lost": [], "duplicated": [], "unreported": []}
	for kind, (doctype, condition) in KINDS.items():
		names = told[kind]
		stored = set(
			frappe.db.sql(  # nosemgrep (fixed conditions above; the values are parameters)
				f"select name from `tab{doctype}` where creation >= %(since)s and {condition}",
				values,
				pluck=True,
			)
		)
		lost = sorted(set(names) - stored)
		twice = sorted(name for name, n in Counter(names).items() if n > 1)
		# made, but the user was not answered with it (an error after the commit, or a duplicate)
		unreported = sorted(stored - set(names))
		result["kinds"][kind] = {"told": len(set(names)), "stored": len(stored)}
		result["lost"] += [f"{doctype} {name}" for name in lost]
		result["duplicated"] += [f"{doctype} {name}" for name in twice]
		result["unreported"] += [f"{doctype} {name}" for name in unreported]
	result["orders"] = check_orders(told["order"])
	result["bookings"] = check_bookings([row["name"] for row in rows if row["kind"] == "booking"])
	result["tickets"] = check_tickets(told["ticket"])
	result["lock_errors"] = sum(
		frappe.db.count("Error Log", {"creation": (">=", values["since"]), "error": ("like", f"%{text}%")})
		for text in ("Deadlock", "Lock wait timeout")
	)
	if rollup:
		from bizlink.market_analysis.segments import drifted_segments

		result["rollup_drifted_segments"] = len(drifted_segments())
	result["ok"] = not (
		result["lost"]
		or result["duplicated"]
		or result["orders"]["without_job"]
		or result["orders"]["more_than_one_job"]
		or result["orders"]["without_stage"]
		or result["bookings"]["not_booked"]
		or result["tickets"]["escalation_wrong"]
		or result.get("rollup_drifted_segments")
	)
	return result


def check_orders(orders: list[str]) -> dict:
	"""Each order of an item to install: one installation job, not two; each order: its stage begun."""
	if not orders:
		return {"checked": 0, "without_job": [], "more_than_one_job": [], "without_stage": []}
	row, item = frappe.qb.DocType("Sales Order Item"), frappe.qb.DocType("Item")
	to_install = set(
		frappe.qb.from_(row)
		.join(item)
		.on(item.name == row.item_code)
		.select(row.parent)
		.distinct()
		.where(row.parent.isin(orders))
		.where(row.parenttype == "Sales Order")
		.where(item.bizlink_requires_installation == 1)
		.run(pluck=True)
	)
	job = frappe.qb.DocType("Field Visit")
	jobs = dict(
		frappe.qb.from_(job)
		.select(job.sales_order, Count(job.name))
		.where(job.sales_order.isin(orders))
		.where(job.visit_type == "Installation")
		.where(job.docstatus < 2)
		.groupby(job.sales_order)
		.run()
	)
	staged = set(
		frappe.get_all("Order Stage Log", {"sales_order": ("in", orders)}, pluck="sales_order", distinct=True)
	)
	return {
		"checked": len(orders),
		"without_job": sorted(o for o in to_install if not jobs.get(o)),
		"more_than_one_job": sorted(o for o in orders if jobs.get(o, 0) > 1),
		"without_stage": sorted(set(orders) - staged),
	}


def check_bookings(visits: list[str]) -> dict:
	"""Each job a dispatcher was told was booked is booked (it may since have been booked again)."""
	booked = set(
		frappe.get_all(
			"Field Visit",
			filters={"name": ("in", visits or [""]), "scheduled_start": ("is", "set")},
			pluck="name",
		)
	)
	return {"checked": len(set(visits)), "not_booked": sorted(set(visits) - booked)}


def check_tickets(tickets: list[str]) -> dict:
	"""Each ticket's next escalation moment is the one its SLA target gives (escalation.get_escalate_at)."""
	from bizlink.service.escalation import get_escalate_at

	wrong = []
	for name in tickets:
		doc = frappe.get_doc("Service Ticket", name)
		expected = get_escalate_at(doc)
		stored = doc.escalate_at and get_datetime(doc.escalate_at)
		if (expected and get_datetime(expected).replace(microsecond=0)) != (
			stored and stored.replace(microsecond=0)
		):
			wrong.append(name)
	with_sla = frappe.db.count(
		"Service Ticket", {"name": ("in", tickets or [""]), "sla_resolution_by": ("is", "set")}
	)
	return {"checked": len(tickets), "with_sla": with_sla, "escalation_wrong": wrong}
