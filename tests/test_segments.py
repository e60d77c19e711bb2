"""The market segments rollup (Segment Activity) against the documents it sums.

After every kind of change a user makes (sell, cancel, log or move an interaction, resolve and rate a
ticket, move a customer to another group, territory, city or age band, disable, merge or delete it)
the Market Segments report from the rollup shows the same figures as the same aggregate computed
from the documents, and the rollup kept by the hooks is the one a rebuild computes."""

import frappe
import pytest
from committed import purge
from erpnext import get_default_company
from frappe.utils import add_days, add_months, add_to_date, flt, get_datetime, get_first_day, getdate, today
from test_concurrency import race
from test_market import market, sell

from bizlink.devtools.factories import make_customer, make_interaction, make_item, make_sales_order
from bizlink.market_analysis import segments
from bizlink.market_analysis.report.market_segments.market_segments import segment_figures
from bizlink.overrides.customer import refresh_age_bands

ALL = ["Age Band", "City", "Customer Group", "Territory"]


def periods():
	"""Last 30 days (parts of two months), whole months, a year, and days inside one month."""
	first = get_first_day(today())
	return [
		(add_days(today(), -30), today()),
		(add_months(first, -3), add_days(first, -1)),
		(add_months(today(), -12), today()),
		(add_days(first, 1), add_days(first, 3)),
	]


def figures(filters: dict, from_rollup: bool) -> dict:
	return segment_figures(filters, from_rollup)


def assert_matches(territory: str) -> None:
	"""The report's figures from the rollup equal those from the documents, and a rebuild changes nothing."""
	for from_date, to_date in periods():
		for dimensions in (ALL, ["Customer Group"]):
			for company in (None, get_default_company(), "Another Company"):
				filters = {
					"territory": territory,
					"from_date": from_date,
					"to_date": to_date,
					"dimensions": dimensions,
					"company": company,
				}
				assert figures(filters, True) == figures(filters, False), filters
	kept = rollup(territory)
	segments.rebuild()
	assert rollup(territory) == kept


def rollup(territory: str) -> dict:
	"""The territory's rollup rows that hold something, by name."""
	rows = frappe.get_all(
		"Segment Activity", filters={"territory": territory}, fields=["name", *segments.MEASURES]
	)
	return {
		row.name: tuple(flt(row[m], 2) for m in segments.MEASURES)
		for row in rows
		if any(flt(row[m], 6) for m in segments.MEASURES)
	}


def test_rollup_matches_the_documents(market):  # noqa: F811
	assert_matches(market.territory)
	now_rows = frappe.get_all(
		"Segment Activity", {"territory": market.territory, "period": "Now"}, pluck="customers"
	)
	assert sum(now_rows) == 4


def test_cancelled_invoice_and_order_leave_it(market):  # noqa: F811
	invoice = frappe.get_last_doc("Sales Invoice", {"customer": market.a, "docstatus": 1})
	order = frappe.get_doc("Sales Order", invoice.items[0].sales_order)
	invoice.cancel()
	order.reload().cancel()
	assert_matches(market.territory)


def test_interaction_moved_to_another_day_then_deleted(market):  # noqa: F811
	interaction = make_interaction(market.c, interaction_date=add_to_date(get_datetime(today()), days=-2))
	assert_matches(market.territory)
	interaction.reload()
	interaction.interaction_date = add_to_date(get_datetime(today()), days=-45)
	interaction.save()
	assert_matches(market.territory)
	interaction.delete()
	assert_matches(market.territory)


def test_ticket_resolved_rated_moved_and_deleted(market):  # noqa: F811
	ticket = frappe.get_doc(
		{"doctype": "Service Ticket", "subject": "Leak", "customer": market.d, "status": "Open"}
	).insert()
	assert_matches(market.territory)
	ticket.reload()
	ticket.update({"status": "Resolved", "resolution_details": "Fixed"})
	ticket.save()
	ticket.reload().rate(3)
	assert_matches(market.territory)
	ticket.reload()
	ticket.customer = market.c
	ticket.save()
	assert_matches(market.territory)
	ticket.delete()
	assert_matches(market.territory)


def test_customer_moves_with_its_history(market):  # noqa: F811
	customer = frappe.get_doc("Customer", market.a)
	customer.customer_group = market.g2
	customer.save()
	assert_matches(market.territory)
	assert figures(period_filters(market), True)[(market.g2,)][1] == 1100  # A's 1000 joined C's 100

	other = frappe.get_doc(
		{
			"doctype": "Territory",
			"territory_name": f"{market.territory} 2",
			"parent_territory": "All Territories",
		}
	).insert()
	customer.reload().territory = other.name
	customer.save()
	assert_matches(market.territory)
	assert_matches(other.name)
	assert figures({**period_filters(market), "territory": other.name}, True)[(market.g2,)][1] == 1000


def period_filters(market, **extra):  # noqa: F811
	return {
		"from_date": add_days(today(), -30),
		"to_date": today(),
		"territory": market.territory,
		"dimensions": ["Customer Group"],
		**extra,
	}


def test_a_new_city_moves_the_customers_of_the_address(market):  # noqa: F811
	address = frappe.get_doc("Customer", market.b).customer_primary_address
	address = frappe.get_doc("Address", address)
	address.city = "Zaragoza"
	address.save()
	assert_matches(market.territory)
	by_city = figures({**period_filters(market), "dimensions": ["City"]}, True)
	assert by_city[("Zaragoza",)][:2] == (1, 500)


def test_another_primary_address_moves_the_customer(market):  # noqa: F811
	address = frappe.get_doc(
		{
			"doctype": "Address",
			"address_title": "Second site",
			"address_line1": "Calle Real 2",
			"city": "Sevilla",
			"country": "Spain",
			"links": [{"link_doctype": "Customer", "link_name": market.c}],
		}
	).insert()
	customer = frappe.get_doc("Customer", market.c)
	customer.customer_primary_address = address.name
	customer.save()
	assert_matches(market.territory)
	assert ("Sevilla",) in figures({**period_filters(market), "dimensions": ["City"]}, True)


def test_disabled_customer_leaves_and_comes_back(market):  # noqa: F811
	customer = frappe.get_doc("Customer", market.a)
	customer.disabled = 1
	customer.save()
	assert_matches(market.territory)
	assert figures(period_filters(market), True)[(market.g1,)][:2] == (1, 500)
	customer.reload().disabled = 0
	customer.save()
	assert_matches(market.territory)
	assert figures(period_filters(market), True)[(market.g1,)][:2] == (2, 1500)


def test_birthday_moves_the_customer_to_its_new_age_band(market):  # noqa: F811
	born = add_months(today(), -12 * 25)  # 25 today
	customer = make_customer(
		customer_type="Individual", territory=market.territory, city=None, bizlink_date_of_birth=born
	)
	sell(customer.name, 300, 2)
	frappe.db.set_value("Customer", customer.name, "bizlink_age_band", "Under 25")  # as of yesterday
	segments.reconcile_customer(customer.name)
	assert figures({**period_filters(market), "dimensions": ["Age Band"]}, True)[("Under 25",)][1] == 300
	refresh_age_bands()
	assert_matches(market.territory)
	by_band = figures({**period_filters(market), "dimensions": ["Age Band"]}, True)
	assert ("Under 25",) not in by_band
	assert by_band[("25-34",)][:2] == (1, 300)


def test_a_change_behind_the_documents_back_is_reconciled(market):  # noqa: F811
	frappe.db.set_value("Customer", market.c, "customer_group", market.g1)  # no hooks run
	assert segments.reconcile_drifted() >= 1
	assert_matches(market.territory)
	assert segments.reconcile_drifted() == 0


def test_merged_customers(market):  # noqa: F811
	frappe.rename_doc("Customer", market.b, market.a, merge=True)
	assert_matches(market.territory)
	assert figures(period_filters(market), True)[(market.g1,)][:2] == (1, 1500)


def test_deleted_customer(market):  # noqa: F811
	frappe.delete_doc("Customer", market.d)
	assert_matches(market.territory)
	assert figures(period_filters(market), True)[(market.g2,)][0] == 1


def test_a_rolled_back_change_leaves_nothing(market):  # noqa: F811
	kept = rollup(market.territory)
	frappe.db.savepoint("before_sale")
	sell(market.d, 700, 1)
	assert rollup(market.territory) != kept
	frappe.db.rollback(save_point="before_sale")
	assert rollup(market.territory) == kept


@pytest.mark.parametrize(
	("from_date", "to_date", "expected"),
	[
		(
			"2026-01-15",
			"2026-03-31",
			[("Month", "2026-02-01", "2026-03-01"), ("Day", "2026-01-15", "2026-01-31")],
		),
		("2026-01-01", "2026-01-31", [("Month", "2026-01-01", "2026-01-01")]),
		("2026-01-05", "2026-01-20", [("Day", "2026-01-05", "2026-01-20")]),
		("2026-01-31", "2026-02-01", [("Day", "2026-01-31", "2026-02-01")]),
		(
			"2025-11-27",
			"2026-11-27",
			[
				("Month", "2025-12-01", "2026-10-01"),
				("Day", "2025-11-27", "2025-11-30"),
				("Day", "2026-11-01", "2026-11-27"),
			],
		),
	],
)
def test_a_period_is_read_as_whole_months_and_the_days_around_them(from_date, to_date, expected):
	assert segments.date_ranges(from_date, to_date) == [
		(period, getdate(start), getdate(end)) for period, start, end in expected
	]


# Two connections at once -----------------------------------------------------------------------


@pytest.fixture
def city_orders(site):
	"""Two customers of one city, each with a draft order, committed; removed afterwards."""
	city = f"Carrera {frappe.generate_hash(length=6)}"
	customers = [make_customer(city=city) for _ in range(2)]
	items = [make_item() for _ in customers]  # one each: ERPNext races making a new item's Bin
	orders = [
		make_sales_order(c.name, items=[{"item_code": i.name, "qty": 1, "rate": 250}], submit=False)
		for c, i in zip(customers, items, strict=True)
	]
	frappe.db.commit()
	yield frappe._dict(city=city, customers=[c.name for c in customers], orders=[o.name for o in orders])
	frappe.db.rollback()
	for order in orders:
		for doctype in ("Field Visit", "Order Stage Log"):
			purge(doctype, set(frappe.get_all(doctype, {"sales_order": order.name}, pluck="name")))
	purge("Sales Order", {o.name for o in orders})
	purge("Customer", {c.name for c in customers})
	frappe.db.delete("Bin", {"item_code": ("in", [i.name for i in items])})
	purge("Item", {i.name for i in items})
	frappe.db.commit()


def city_figures(city: str, from_rollup: bool) -> dict:
	filters = {"city": city, "from_date": add_days(today(), -30), "dimensions": ["City", "Customer Group"]}
	return figures(filters, from_rollup)


def submit(name: str):
	def run():
		frappe.get_doc("Sales Order", name).submit()
		return name

	return run


@pytest.mark.commits
def test_two_orders_of_one_segment_submitted_at_once_both_count(site, city_orders):
	results = race(site, *(submit(name) for name in city_orders.orders))
	frappe.db.rollback()
	assert all("value" in r for r in results), results
	rows = city_figures(city_orders.city, True)
	assert [row[3] for row in rows.values()] == [2]  # orders
	assert rows == city_figures(city_orders.city, False)


@pytest.mark.commits
def test_customer_moved_while_its_order_is_submitted(site, city_orders):
	"""Whichever commits first, the order's figures end in the customer's new segment."""
	customer = city_orders.customers[0]
	other_group = frappe.get_all(
		"Customer Group",
		filters={"is_group": 0, "name": ("!=", frappe.db.get_value("Customer", customer, "customer_group"))},
		pluck="name",
		limit=1,
	)[0]

	def move():
		doc = frappe.get_doc("Customer", customer)
		doc.customer_group = other_group
		doc.save()
		return "moved"

	changes = (submit(city_orders.orders[0]), move)
	results = race(site, *changes)
	# a deadlock between the two is allowed (the loser is told and retries); a wrong figure is not
	for change, result in zip(changes, results, strict=True):
		for _attempt in range(3):
			if "value" in result:
				break
			assert isinstance(result["error"], frappe.QueryDeadlockError), results
			result = race(site, change)[0]
		assert "value" in result, result
	frappe.db.rollback()
	assert frappe.db.get_value("Sales Order", city_orders.orders[0], "docstatus") == 1
	assert frappe.db.get_value("Customer", customer, "customer_group") == other_group
	rows = city_figures(city_orders.city, True)
	# the order (one of 250) counts in the customer's new segment, and only there
	orders = {key: (row[3], row[4]) for key, row in rows.items() if row[3]}
	assert orders == {(city_orders.city, other_group): (1, 250)}
	assert rows == city_figures(city_orders.city, False)


@pytest.mark.parametrize(
	"dims",
	[
		("30-39", "Valencia", "Commercial", "Spain"),
		("", "L'Hospitalet", "", ""),
		("", "", "", ""),
		("<b>", "Sèvres", "a\\b", "%s"),
	],
)
def test_the_segment_key_is_the_same_in_python_and_in_sql(dims):
	sql = segments.segment_key_sql(["%s"] * len(dims))
	assert frappe.db.sql(f"select {sql}", dims)[0][0] == segments.segment_key(dims)  # nosemgrep
