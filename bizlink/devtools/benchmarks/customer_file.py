"""Time the customer file API against ERPNext's own Customer getdoc on the same site.

	bench --site SITE execute bizlink.devtools.benchmarks.customer_file.run --kwargs '{"runs": 50}'

Prints p50/p95 in milliseconds for each, for the customer with the most interactions (or `customer`):
the file, a page of its timeline 100 pages deep (reached by the cursor, page after page), the playbook
and ERPNext's getdoc. With `seed` (e.g. 10000), a throwaway customer with that many interactions is made
first (a quarter with a next action: most done, the recent ones and one in forty older ones still open);
with `crowd`, another with that many open follow-ups. They are rolled back at the end, so the site is
left as it was.
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


def seed_interactions(count: int, all_open: bool = False) -> str:
	"""A new customer with `count` interactions, one every 17 hours, bulk-inserted (no controller logic).

	Every fourth has a next action a week after it: open for the last two weeks' and one in forty of
	the older ones (forgotten), done for the rest, as a busy account's follow-ups look. With `all_open`,
	every one has an open next action (the rest of a busy site, for `crowd`)."""
	from frappe.utils import add_days, add_to_date, now_datetime

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
		"next_action",
		"next_action_date",
		"follow_up_status",
	]
	categories = {o: frappe.db.get_value("Sales Interaction Outcome", o, "category") for o in outcomes}
	rows = []
	for i in range(count):
		when = add_to_date(now, hours=-i * 17)
		outcome = outcomes[i % len(outcomes)]
		follow_up = (None, None, "")
		if all_open or i % 4 == 0:
			status = "Open" if all_open or i * 17 < 14 * 24 or i % 40 == 0 else "Done"
			follow_up = ("Call back", add_days(when.date(), 7), status)
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
				categories[outcome],
				"Administrator",
				"Administrator",
				when,
				when,
				"SI-.YYYY.-",
				*follow_up,
			)
		)
	frappe.db.bulk_insert("Sales Interaction", fields, rows)
	update_interaction_summary(customer.name)
	return customer.name


def run(customer: str | None = None, runs: int = 50, seed: int = 0, crowd: int = 0) -> dict:
	"""`crowd` (e.g. 30000): that many open follow-ups of another throwaway customer too, as on a
	busy site (what the customer's own follow-ups are looked for among)."""
	from frappe.desk.form.load import getdoc

	from bizlink.api import customer as api

	if seed:
		customer = seed_interactions(seed)
	if crowd:
		seed_interactions(crowd, all_open=True)
	try:
		return measure(customer, runs, getdoc, api)
	finally:
		if seed or crowd:
			frappe.db.rollback()


def deep_cursor(customer: str, pages: int) -> list | None:
	"""The cursor of the timeline's page `pages` deep, walked to page by page as the desk would."""
	from bizlink.api.customer import get_customer_file, get_customer_interactions

	page = get_customer_file(customer)["interactions"]
	for _ in range(pages - 1):
		if not page["has_more"]:
			break
		page = get_customer_interactions(customer, page["cursor"])
	return page["cursor"]


def measure(customer, runs, getdoc, api) -> dict:
	customer = customer or frappe.db.get_value(
		"Customer", {}, "name", order_by="bizlink_interaction_count desc"
	)
	interactions = frappe.db.count("Sales Interaction", {"customer": customer})
	cursor = deep_cursor(customer, 100)
	results = {
		"customer file": timed(lambda: api.get_customer_file(customer), runs),
		"timeline page 101 (cursor)": timed(lambda: api.get_customer_interactions(customer, cursor), runs),
		"playbook": timed(lambda: api.get_customer_playbook(customer, 5), runs),
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
