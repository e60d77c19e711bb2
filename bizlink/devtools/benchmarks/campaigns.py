"""Segment Campaigns at scale (part of `bench --site SITE bizlink-benchmark`, `--only campaign_call_list`
or `--only campaign_results`), on a site filled by `bizlink-scale` (100k customers, 1M interactions,
50k orders). Every write is rolled back.

1. A call list for a segment of about 20,000 customers (the largest customer group) with half of them
   held out: about 10,000 planned interactions with their ToDos, Events, comments, campaign rows, the
   rollup and the customers' figures, three sales people in turn (`campaigns.run_work`, server time).
2. Campaign Results for that campaign once 30 % of its customers were reached ten days ago (the
   report's `execute`: reached, positive outcomes, attributed orders and revenue, the ~10,000 held-out
   customers' conversion and the lift), p50 and p95.
"""

import time

import frappe
from frappe.utils import add_days, today

from bizlink.devtools.benchmarks.customer_file import timed

PREFIX = "bench-camp"


def largest_group() -> str:
	customer = frappe.qb.DocType("Customer")
	from frappe.query_builder.functions import Count

	return (
		frappe.qb.from_(customer)
		.select(customer.customer_group)
		.where(customer.disabled == 0)
		.groupby(customer.customer_group)
		.orderby(Count(customer.name), order=frappe.qb.desc)
		.limit(1)
		.run()[0][0]
	)


def campaign_with_list() -> tuple[str, float]:
	"""A campaign to the largest customer group, half held out, and its call list: (name, ms)."""
	from bizlink.devtools.factories import make_sales_person
	from bizlink.market_analysis import campaigns
	from bizlink.sales_crm.doctype.sales_interaction.campaign_work import make_call_list

	people = [
		frappe.db.get_value("Sales Person", f"{PREFIX} {k}") or make_sales_person(f"{PREFIX} {k}").name
		for k in range(3)
	]
	doc = frappe.get_doc(
		{
			"doctype": "Segment Campaign",
			"title": f"{PREFIX} llamadas",
			"channel": "Call List",
			"customer_group": largest_group(),
			"holdout_percent": 50,
			"first_contact_date": add_days(today(), -10),
			"attribution_days": 60,
			"cost": 5000,
			"sales_people": [{"sales_person": p} for p in people],
		}
	).insert()
	start = time.perf_counter()
	campaigns.run_work(doc.name, make_call_list)
	return doc.name, (time.perf_counter() - start) * 1000


def campaign_call_list(report, runs: int) -> None:
	name, ms = campaign_with_list()
	made = frappe.db.count("Segment Campaign Customer", {"campaign": name})
	report.add(
		f"call list of a segment: {made:,} customers (held out: half)", ms, None, "<= 10 s", ms <= 10_000
	)


def campaign_results(report, runs: int) -> None:
	from bizlink.market_analysis.report.campaign_results.campaign_results import execute

	name, _ms = campaign_with_list()
	row = frappe.qb.DocType("Segment Campaign Customer")
	reached_on = add_days(today(), -10)
	names = frappe.get_all("Segment Campaign Customer", {"campaign": name}, pluck="name", order_by="name")
	reached = names[: len(names) * 3 // 10]
	for start in range(0, len(reached), 5000):
		(
			frappe.qb.update(row)
			.set(row.status, "Reached")
			.set(row.reached_on, reached_on)
			.where(row.name.isin(reached[start : start + 5000]))
			.run()
		)
	frappe.db.set_value("Segment Campaign", name, "started_on", reached_on)
	samples = timed(lambda: execute({"campaign": name}), max(runs, 5))
	_columns, data = execute({"campaign": name})
	figures = data[0]
	print(
		"    {customers:,} customers, {reached:,} reached, {orders} orders, conversion {conversion:.2f} %, "
		"{control_customers:,} not contacted, lift {lift}".format(**figures),
		flush=True,
	)
	from bizlink.devtools.benchmarks.scale import p50, p95

	report.add(
		f"Campaign Results, {figures['customers']:,} customers, p95 (p50 {p50(samples):.1f} ms)",
		p95(samples),
		None,
		"<= 500 ms",
		p95(samples) <= 500,
	)
