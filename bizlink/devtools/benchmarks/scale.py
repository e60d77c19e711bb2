"""BizLink at scale, side by side with ERPNext on the same site: `bench --site SITE bizlink-benchmark`.

Run it on a site filled by `bench --site SITE bizlink-scale` (100k customers, 1M interactions, 200k
tickets, 50k orders and jobs, as many ERPNext Issues as tickets). Each figure is printed with its
baseline, the ratio and the target. Nothing it does stays: every write is rolled back, and the one
schema change (the 1k-ticket table swapped in for the ticket-count comparison) is swapped back in a
`finally`.

The measures:
1. Sales Order submit with BizLink's doc_events vs the same submit with them filtered out;
2. the customer file API for the customer with 1,000 interactions vs ERPNext's Customer getdoc;
3. the Market Segments report vs the bare SQL aggregate it needs;
4. Service Ticket create with 1k vs 200k tickets in the table;
5. the escalation sweep over 100k open tickets, and the queries that find the ones coming due;
6. the Service Ticket list view vs ERPNext's Issue list view over the same number of rows;
7. field service (bizlink.devtools.benchmarks.field_service): the day's due maintenance visits, the
   Installed Base report for one city, completing a repair with 5 parts vs an installation.
"""

import statistics
import time
from collections.abc import Callable

import frappe
from frappe.utils import add_days, add_months, now_datetime, today

from bizlink.devtools.benchmarks.customer_file import percentile, timed

Result = dict[str, float | str]


def p50(samples: list[float]) -> float:
	return statistics.median(samples)


def p95(samples: list[float]) -> float:
	return percentile(samples, 95)


class Report:
	def __init__(self):
		self.rows: list[Result] = []

	def add(self, what: str, value: float, baseline: float | None, target: str, ok: bool, unit: str = "ms"):
		ratio = value / baseline if baseline else None
		row = {
			"measure": what,
			"value": round(value, 1),
			"baseline": round(baseline, 1) if baseline is not None else None,
			"ratio": round(ratio, 2) if ratio is not None else None,
			"target": target,
			"met": "yes" if ok else "NO",
			"unit": unit,
		}
		self.rows.append(row)
		base = f"{baseline:9.1f}" if baseline is not None else " " * 9
		rat = f"{ratio:6.2f}x" if ratio is not None else " " * 7
		print(f"  {what:58s} {value:9.1f} {unit:2s} {base} {rat}  {target:24s} {row['met']}", flush=True)


def run(runs: int = 30, only: str | None = None) -> list[Result]:
	report = Report()
	counts = {
		doctype: frappe.db.count(doctype)
		for doctype in (
			"Customer",
			"Sales Interaction",
			"Service Ticket",
			"Issue",
			"Sales Order",
			"Field Visit",
			"Serial No",
			"Maintenance Plan",
		)
	}
	print("site {}: {}".format(frappe.local.site, ", ".join(f"{n:,} {dt}" for dt, n in counts.items())))
	print(f"  {'measure':58s} {'value':>9s}    {'baseline':>9s} {'ratio':>7s}  {'target':24s} met")
	from bizlink.devtools.benchmarks.campaigns import campaign_call_list, campaign_results
	from bizlink.devtools.benchmarks.dispatch import dispatch_board, dispatch_drag, phone_sync, route_order
	from bizlink.devtools.benchmarks.field_service import (
		due_visits,
		installed_base,
		promise_check,
		visit_completion,
	)
	from bizlink.devtools.benchmarks.knowledge import knowledge_search
	from bizlink.devtools.knowledge.relevance import knowledge_relevance

	measures = (
		sales_order_submit, customer_file, market_segments, ticket_create, escalation, list_views,
		due_visits, installed_base, visit_completion, dispatch_board, dispatch_drag, route_order, phone_sync,
		promise_check, campaign_call_list, campaign_results, knowledge_relevance, knowledge_search,
	)  # fmt: skip
	for bench in measures:
		if only and bench.__name__ != only:
			continue
		try:
			bench(report, runs)
		finally:
			frappe.db.rollback()
	return report.rows


# 1. Sales Order submit -------------------------------------------------------------------------


def without_bizlink_hooks() -> dict:
	"""The doc_events of every app but BizLink (what the site would run without BizLink's hooks)."""
	if hasattr(frappe.local, "doc_events_hooks"):
		del frappe.local.doc_events_hooks
	hooks = frappe.get_doc_hooks()
	return {
		doctype: {
			event: [m for m in methods if not m.startswith("bizlink.")] for event, methods in events.items()
		}
		for doctype, events in hooks.items()
	}


def sales_order_submit(report: Report, runs: int) -> None:
	from bizlink.devtools.factories import make_sales_order

	item = frappe.db.get_value("Item", {"bizlink_requires_installation": 1, "disabled": 0}, "name")
	customer = frappe.db.get_value("Customer", {"disabled": 0}, "name", order_by="creation desc")
	with_hooks = dict(frappe.get_doc_hooks())
	without = without_bizlink_hooks()
	from bizlink.field_service.installation import after_sales_order_submit

	samples = {"with": [], "without": [], "deferred": []}
	for i in range(runs + 2):
		for mode in ("with", "without") if i % 2 else ("without", "with"):
			frappe.local.doc_events_hooks = with_hooks if mode == "with" else without
			order = make_sales_order(
				customer, items=[{"item_code": item, "qty": 1, "rate": 500}], submit=False
			)
			frappe.db.savepoint("bench_submit")
			start = time.perf_counter()
			order.submit()
			elapsed = (time.perf_counter() - start) * 1000
			if mode == "with":  # what a short-queue worker then does for the order
				start = time.perf_counter()
				after_sales_order_submit(order.name)
				deferred = (time.perf_counter() - start) * 1000
			frappe.db.rollback(save_point="bench_submit")
			if i >= 2:  # warm-up rounds
				samples[mode].append(elapsed)
				if mode == "with":
					samples["deferred"].append(deferred)
	frappe.local.doc_events_hooks = with_hooks
	frappe.db.rollback()
	base = p50(samples["without"])
	value = p50(samples["with"])
	report.add("Sales Order submit p50, BizLink hooks vs none", value, base, "<= 1.05x", value <= 1.05 * base)
	report.add("  then on the short queue: job, stage, % installed", p50(samples["deferred"]), None, "", True)


# 2. Customer file ------------------------------------------------------------------------------


def customer_file(report: Report, runs: int) -> None:
	from frappe.desk.form.load import getdoc

	from bizlink.api.customer import get_customer_file

	customer = frappe.db.get_value(
		"Customer", {"bizlink_interaction_count": 1000}, "name"
	) or frappe.db.get_value("Customer", {}, "name", order_by="bizlink_interaction_count desc")
	file_ms = timed(lambda: get_customer_file(customer), runs * 3)
	getdoc_ms = timed(lambda: getdoc("Customer", customer), runs * 3)
	n = frappe.db.get_value("Customer", customer, "bizlink_interaction_count")
	report.add(f"customer file p50 ({n} interactions)", p50(file_ms), p50(getdoc_ms), "", True)
	report.add(
		"customer file p95 vs Customer getdoc p95",
		p95(file_ms),
		p95(getdoc_ms),
		"<= 50 ms and <= 1.5x",
		p95(file_ms) <= 50 and p95(file_ms) <= 1.5 * p95(getdoc_ms),
	)


# 3. Market Segments ----------------------------------------------------------------------------

BARE_SEGMENTS_SQL = """
select ifnull(a.city, '') city, count(*) customers, sum(ifnull(rev.amount, 0)) revenue,
	sum(ifnull(prev.amount, 0)) previous_revenue, sum(ifnull(o.orders, 0)) orders,
	sum(ifnull(o.order_value, 0)) order_value, sum(ifnull(act.n, 0)) interactions,
	sum(ifnull(t.open_tickets, 0)) open_tickets, sum(ifnull(t.rating_sum, 0)) rating_sum,
	sum(ifnull(t.ratings, 0)) ratings
from `tabCustomer` c
left join `tabAddress` a on a.name = c.bizlink_market_address
left join (select customer, sum(base_net_total) amount from `tabSales Invoice`
	where docstatus = 1 and company = %(company)s and posting_date between %(from)s and %(to)s
	group by customer) rev on rev.customer = c.name
left join (select customer, sum(base_net_total) amount from `tabSales Invoice`
	where docstatus = 1 and company = %(company)s and posting_date between %(prev_from)s and %(prev_to)s
	group by customer) prev on prev.customer = c.name
left join (select customer, count(*) orders, sum(base_net_total) order_value from `tabSales Order`
	where docstatus = 1 and company = %(company)s and transaction_date between %(from)s and %(to)s
	group by customer) o on o.customer = c.name
left join (select customer, count(*) n from `tabSales Interaction`
	where interaction_date >= %(from)s and interaction_date < %(to_next)s group by customer) act
	on act.customer = c.name
left join (select customer, sum(status not in ('Resolved', 'Closed')) open_tickets,
	sum(if(rated_on >= %(from)s and rated_on < %(to_next)s, rating * 5, 0)) rating_sum,
	sum(rated_on >= %(from)s and rated_on < %(to_next)s) ratings
	from `tabService Ticket` group by customer) t on t.customer = c.name
where c.disabled = 0
group by 1
"""


def market_segments(report: Report, runs: int) -> None:
	from frappe.desk.query_report import run as run_report

	from bizlink.devtools.site import get_default_company
	from bizlink.market_analysis.market import AGGREGATE_TMP_TABLE_BYTES, previous_period

	company = get_default_company()
	from_date, to_date = add_months(today(), -12), today()
	prev_from, prev_to = previous_period(from_date, to_date)
	filters = {"company": company, "from_date": from_date, "to_date": to_date, "dimensions": "City"}
	values = {
		"company": company,
		"from": from_date,
		"to": to_date,
		"to_next": add_days(to_date, 1),
		"prev_from": prev_from,
		"prev_to": prev_to,
	}
	n = max(3, runs // 5)
	report_ms = timed(lambda: run_report("Market Segments", filters=filters, ignore_prepared_report=True), n)
	# the same statement settings the report uses (bizlink.market_analysis.market.run_aggregate)
	bare = (
		"SET STATEMENT optimizer_switch='split_materialized=off', tmp_table_size={0}, "
		"max_heap_table_size={0} FOR {1}".format(AGGREGATE_TMP_TABLE_BYTES, BARE_SEGMENTS_SQL)
	)
	# the baseline is raw SQL on purpose
	sql_ms = timed(lambda: frappe.db.sql(bare, values), n)  # nosemgrep
	value = p50(report_ms)
	report.add(
		"Market Segments by city p50 vs bare SQL over the documents",
		value,
		p50(sql_ms),
		"<= 2x and <= 1000 ms",
		value <= 2 * p50(sql_ms) and value <= 1000,
	)
	# what the report runs (Segment Activity), bare, without Frappe's report machinery around it
	from bizlink.market_analysis.market import normalise
	from bizlink.market_analysis.report.market_segments.market_segments import segment_figures
	from bizlink.market_analysis.segments import segment_query

	parsed = normalise(filters)
	rollup_sql = segment_query(parsed, ["city"]).get_sql()
	rollup_ms = timed(lambda: frappe.db.sql(rollup_sql), n)  # nosemgrep
	report.add("  the same report vs the bare SQL over the rollup it reads", value, p50(rollup_ms), "", True)
	all_four = ["Age Band", "City", "Customer Group", "Territory"]
	wide = {**filters, "dimensions": all_four}
	wide_ms = timed(lambda: run_report("Market Segments", filters=wide, ignore_prepared_report=True), n)
	report.add("  by all four dimensions", p50(wide_ms), None, "<= 1000 ms", p50(wide_ms) <= 1000)
	# the rollup's figures are the documents' figures, segment by segment
	for dims in (["City"], all_four):
		checked = {**filters, "dimensions": dims}
		rollup, live = segment_figures(checked, True), segment_figures(checked, False)
		differ = sum(1 for key in set(rollup) | set(live) if rollup.get(key) != live.get(key))
		report.add(
			f"  segments by {len(dims)} dimension(s) differing from the documents ({len(live):,})",
			differ,
			None,
			"0",
			differ == 0,
			unit="",
		)
	drill_down(report, filters, max(20, n))


def drill_down(report: Report, filters: dict, n: int) -> None:
	"""The customers of one segment (the city with the most customers, then it and its largest customer
	group), from the documents: p50 and p95, and their figures summed against the segment's rollup row."""
	from frappe.desk.query_report import run as run_report
	from frappe.utils import flt

	from bizlink.market_analysis.market import DIMENSIONS, normalise
	from bizlink.market_analysis.report.market_segments import market_segments as report_module

	# the benchmark's own look-up of its segment, raw SQL on purpose
	city, group = frappe.db.sql(  # nosemgrep
		"""select a.city, (select c2.customer_group from `tabCustomer` c2
			join `tabAddress` a2 on a2.name = c2.bizlink_market_address
			where a2.city = a.city and c2.disabled = 0 group by 1 order by count(*) desc limit 1)
		from `tabCustomer` c join `tabAddress` a on a.name = c.bizlink_market_address
		where c.disabled = 0 group by a.city order by count(*) desc limit 1"""
	)[0]
	measures = (
		"customers", "revenue", "previous_revenue", "orders", "order_value", "interactions",
		"open_tickets", "rating_sum", "ratings", "installations_promised", "installations_on_time",
	)  # fmt: skip
	for segment, dims in (
		({"city": city}, ["City"]),
		({"city": city, "customer_group": group}, ["City", "Customer Group"]),
	):
		drill = {**filters, **segment, "dimensions": dims, "view": "Customers"}
		ms = timed(
			lambda drill=drill: run_report("Market Segments", filters=drill, ignore_prepared_report=True), n
		)
		# every customer of the segment (not only the first ROW_LIMIT the list shows), summed, is its
		# row in the rollup
		limit, report_module.ROW_LIMIT = report_module.ROW_LIMIT, 10**9
		try:
			rows = report_module.live_data(normalise(drill))
		finally:
			report_module.ROW_LIMIT = limit
		rows = report_module.finish(rows, [DIMENSIONS[d][0] for d in dims])
		summed = [flt(sum(flt(row[key]) for row in rows), 2) for key in measures]
		rollup = list(
			report_module.segment_figures({**filters, **segment, "dimensions": dims}, True).values()
		)
		kept = [flt(value, 2) for value in rollup[0]] if len(rollup) == 1 else []
		differ = sum(1 for a, b in zip(summed, kept, strict=False) if a != b) if kept else len(measures)
		what = f"  drill-down to {' + '.join(segment.values())} ({len(rows):,} customers)"
		report.add(f"{what} p50", p50(ms), None, "<= 200 ms", p50(ms) <= 200)
		report.add(f"{what} p95", p95(ms), None, "", True)
		report.add(
			"    its customers summed: figures differing from the rollup",
			differ,
			None,
			"0",
			differ == 0,
			unit="",
		)


# 4. Ticket create at 1k vs 200k ----------------------------------------------------------------


def create_ticket(customer: str) -> None:
	frappe.get_doc(
		{
			"doctype": "Service Ticket",
			"customer": customer,
			"subject": "La caldera no enciende",
			"channel": "Phone",
			"description": "<p>Desde esta mañana</p>",
		}
	).insert()


def ticket_create(report: Report, runs: int) -> None:
	"""The same site, twice: with its full ticket table, then with a 1k-row copy swapped in."""
	customers = frappe.get_all("Customer", filters={"disabled": 0}, pluck="name", limit=runs + 5)
	full = frappe.db.count("Service Ticket")

	def measure() -> list[float]:
		samples = []
		for i, customer in enumerate(customers):
			frappe.db.savepoint("bench_ticket")
			start = time.perf_counter()
			create_ticket(customer)
			elapsed = (time.perf_counter() - start) * 1000
			frappe.db.rollback(save_point="bench_ticket")
			if i >= 5:
				samples.append(elapsed)
		return samples

	large = measure()
	frappe.db.rollback()
	small_rows = 1_000
	# a 1k-row copy of the table, swapped in and out by RENAME (DDL: it commits)
	frappe.db.sql_ddl("drop table if exists `tabService Ticket bench`")  # nosemgrep
	frappe.db.sql_ddl("create table `tabService Ticket bench` like `tabService Ticket`")  # nosemgrep
	frappe.db.sql(  # nosemgrep
		f"insert into `tabService Ticket bench` select * from `tabService Ticket` order by creation desc limit {small_rows}"
	)
	frappe.db.commit()  # nosemgrep
	try:
		frappe.db.sql_ddl(  # nosemgrep
			"rename table `tabService Ticket` to `tabService Ticket full`, "
			"`tabService Ticket bench` to `tabService Ticket`"
		)
		small = measure()
		frappe.db.rollback()
	finally:
		frappe.db.sql_ddl(  # nosemgrep
			"rename table `tabService Ticket` to `tabService Ticket bench`, "
			"`tabService Ticket full` to `tabService Ticket`"
		)
		frappe.db.sql_ddl("drop table if exists `tabService Ticket bench`")  # nosemgrep
	value, base = p50(large), p50(small)
	report.add(
		f"ticket create p50 at {full:,} vs {small_rows:,} tickets",
		value,
		base,
		"<= 1.2x",
		value <= 1.2 * base,
	)


# 5. Escalation sweep ---------------------------------------------------------------------------


def escalation(report: Report, runs: int) -> None:
	from bizlink.service.escalation import BATCH, ESCALATING_STATUSES, escalate_tickets, get_due

	open_tickets = frappe.db.count("Service Ticket", {"status": ("in", ESCALATING_STATUSES)})
	now = now_datetime()
	due = frappe.db.count(
		"Service Ticket", {"status": ("in", ESCALATING_STATUSES), "escalate_at": ("<=", now)}
	)
	# what Helpdesk-style SLA jobs do: load every open ticket
	everything = timed(
		lambda: frappe.get_all(
			"Service Ticket",
			filters={"status": ("in", ESCALATING_STATUSES)},
			fields=["name", "sla_resolution_by", "escalate_at", "escalation_level"],
		),
		3,
	)
	finding = timed(lambda: get_due(now, BATCH), 5)
	finding_none = timed(lambda: get_due(add_days(now, -3650), BATCH), 5)
	start = time.perf_counter()
	done = escalate_tickets()
	run_ms = (time.perf_counter() - start) * 1000
	frappe.db.rollback()
	start = time.perf_counter()
	all_done = escalate_tickets(limit=10_000_000)
	backlog_ms = (time.perf_counter() - start) * 1000
	frappe.db.rollback()
	escalated = done["warned"] + done["breached"]
	report.add(
		f"escalation run ({open_tickets:,} open, {due:,} due; up to {BATCH} a run)",
		run_ms,
		p50(everything),
		"<= 10000 ms",
		run_ms <= 10_000,
	)
	report.add(
		f"  finding {min(due, BATCH)} due tickets (index on escalate_at)", p50(finding), None, "", True
	)
	report.add("  finding when none is due", p50(finding_none), None, "grows with due only", True)
	report.add("  per escalated ticket", (run_ms - p50(finding)) / max(1, escalated), None, "", True)
	report.add(
		f"  whole backlog in one run ({all_done['warned'] + all_done['breached']:,} tickets)",
		backlog_ms,
		None,
		"",
		True,
	)


# 6. List views ---------------------------------------------------------------------------------


def list_view_call(doctype: str, fields: list[str]) -> Callable:
	from frappe.desk.reportview import get, get_count

	args = {
		"doctype": doctype,
		"fields": [f"`tab{doctype}`.`{f}`" for f in fields],
		"filters": [[doctype, "status", "=", "Open"]],
		"order_by": f"`tab{doctype}`.`modified` desc",
		"start": 0,
		"page_length": 20,
		"view": "List",
		"group_by": "",
		"with_comment_count": 1,
	}

	def call():
		frappe.local.form_dict = frappe._dict(args)
		get()
		frappe.local.form_dict = frappe._dict(
			{"doctype": doctype, "filters": args["filters"], "fields": [], "distinct": "false"}
		)
		get_count()

	return call


def list_views(report: Report, runs: int) -> None:
	common = [
		"name",
		"subject",
		"status",
		"priority",
		"customer",
		"modified",
		"_assign",
		"_comments",
		"_liked_by",
	]
	tickets, issues = frappe.db.count("Service Ticket"), frappe.db.count("Issue")
	ticket_ms = timed(list_view_call("Service Ticket", [*common, "customer_name", "escalation_level"]), runs)
	issue_ms = timed(list_view_call("Issue", [*common, "opening_date"]), runs)
	value, base = p50(ticket_ms), p50(issue_ms)
	report.add(
		f"list view p50: Service Ticket ({tickets:,}) vs Issue ({issues:,})",
		value,
		base,
		"<= 1.2x",
		value <= 1.2 * base,
	)
