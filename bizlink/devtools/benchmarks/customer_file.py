"""Time the customer file API against ERPNext's own Customer getdoc on the same site.

	bench --site SITE execute bizlink.devtools.benchmarks.customer_file.run --kwargs '{"runs": 50}'

Prints p50/p95 in milliseconds for each, for the customer with the most interactions (or `customer`).
With `seed` (e.g. 1000), a throwaway customer with that many interactions is made first; it is rolled
back at the end, so the site is left as it was.
"""

import statistics
import time

import frappe


def percentile(values: list[float], p: float) -> float:
	ordered = sorted(values)
	return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def timed(fn, runs: int) -> list[float]:
	fn()  # warm the caches once, as a user's second visit would
	samples = []
	for _ in range(runs):
		start = time.perf_counter()
		fn()
		samples.append((time.perf_counter() - start) * 1000)
	return samples


def seed_interactions(count: int) -> str:
	"""A new customer with `count` interactions over two years, bulk-inserted (no controller logic)."""
	from frappe.utils import add_to_date, now_datetime

	from bizlink.devtools.factories import get_outcome, make_customer
	from bizlink.sales_crm.customers import update_interaction_summary

	customer = make_customer(city="Madrid")
	outcomes = [get_outcome(c) for c in ("Positive", "Neutral", "Negative", "Won", "Lost")]
	types = ["Call", "Visit", "Meeting", "Email", "Video call", "Chat", "Demo"]
	now = now_datetime()
	fields = [
		"name",
		"customer",
		"customer_name",
		"interaction_type",
		"direction",
		"interaction_date",
		"subject",
		"notes",
		"outcome",
		"outcome_category",
		"owner",
		"modified_by",
		"creation",
		"modified",
		"naming_series",
	]
	rows = []
	for i in range(count):
		when = add_to_date(now, hours=-i * 17)
		outcome = outcomes[i % len(outcomes)]
		rows.append(
			(
				f"SI-BENCH-{frappe.generate_hash(length=10)}",
				customer.name,
				customer.customer_name,
				types[i % len(types)],
				"Outbound",
				when,
				f"Interaction {i}",
				"<p>Notes</p>",
				outcome,
				frappe.db.get_value("Sales Interaction Outcome", outcome, "category"),
				"Administrator",
				"Administrator",
				when,
				when,
				"SI-.YYYY.-",
			)
		)
	frappe.db.bulk_insert("Sales Interaction", fields, rows)
	update_interaction_summary(customer.name)
	return customer.name


def run(customer: str | None = None, runs: int = 50, seed: int = 0) -> dict:
	from frappe.desk.form.load import getdoc

	from bizlink.api.customer import get_customer_file, get_customer_playbook

	if seed:
		customer = seed_interactions(seed)
	try:
		return measure(customer, runs, getdoc, get_customer_file, get_customer_playbook)
	finally:
		if seed:
			frappe.db.rollback()


def measure(customer, runs, getdoc, get_customer_file, get_customer_playbook) -> dict:
	customer = customer or frappe.db.get_value(
		"Customer", {}, "name", order_by="bizlink_interaction_count desc"
	)
	interactions = frappe.db.count("Sales Interaction", {"customer": customer})
	results = {
		"customer file": timed(lambda: get_customer_file(customer), runs),
		"playbook": timed(lambda: get_customer_playbook(customer, 5), runs),
		"Customer getdoc (ERPNext)": timed(lambda: getdoc("Customer", customer), runs),
	}
	print(f"customer {customer!r}: {interactions} interactions, {runs} runs each")
	for name, samples in results.items():
		print(
			f"  {name:28s} p50 {statistics.median(samples):7.1f} ms   p95 {percentile(samples, 95):7.1f} ms"
		)
	ratio = percentile(results["customer file"], 95) / percentile(results["Customer getdoc (ERPNext)"], 95)
	print(f"  customer file p95 / getdoc p95 = {ratio:.2f}")
	return {name: percentile(samples, 95) for name, samples in results.items()}
