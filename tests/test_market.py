"""Market Segments and What Top Customers Share, on figures computed by hand from an isolated territory."""

import frappe
import pytest
from frappe.utils import add_days, add_to_date, get_datetime, random_string, today

from bizlink.devtools.factories import (
	make_customer,
	make_interaction,
	make_item,
	make_sales_invoice,
	make_sales_order,
)
from bizlink.market_analysis.report.market_segments.market_segments import execute as market_segments
from bizlink.market_analysis.report.what_top_customers_share.what_top_customers_share import (
	execute as top_share,
)


def sell(customer: str, amount: float, days_ago: int):
	order = make_sales_order(
		customer=customer,
		transaction_date=add_days(today(), -days_ago),
		items=[{"item_code": make_item(rate=amount).name, "qty": 1, "rate": amount}],
	)
	make_sales_invoice(order.name, posting_date=add_days(today(), -days_ago))


@pytest.fixture
def market():
	"""Territory T: A (G1, X) sells 1000 now and 500 in the previous period; B (G1, X) 500; C (G2, Y) 100; D (G2, Y) nothing."""
	suffix = random_string(5)
	territory = frappe.get_doc(
		{"doctype": "Territory", "territory_name": f"T {suffix}", "parent_territory": "All Territories"}
	).insert()
	groups = [
		frappe.get_doc(
			{
				"doctype": "Customer Group",
				"customer_group_name": f"G{i} {suffix}",
				"parent_customer_group": "All Customer Groups",
			}
		).insert()
		for i in (1, 2)
	]
	x, y = f"X {suffix}", f"Y {suffix}"

	def customer(name, group, city):
		return make_customer(
			f"{name} {suffix}", customer_group=group.name, territory=territory.name, city=city
		).name

	a, b = customer("A", groups[0], x), customer("B", groups[0], x)
	c, d = customer("C", groups[1], y), customer("D", groups[1], y)
	sell(a, 1000, 5)
	sell(a, 500, 40)  # previous period
	sell(b, 500, 10)
	sell(c, 100, 20)
	make_interaction(a, interaction_date=add_to_date(get_datetime(today()), days=-3, hours=10))
	make_interaction(a, interaction_date=add_to_date(get_datetime(today()), days=-4, hours=10))
	make_interaction(a, interaction_date=add_to_date(get_datetime(today()), days=-50, hours=10))
	ticket = lambda customer, status: frappe.get_doc(  # noqa: E731
		{
			"doctype": "Service Ticket",
			"subject": "x",
			"customer": customer,
			"status": status,
			"resolution_details": "done",
		}
	).insert()
	ticket(a, "Open")
	ticket(b, "Resolved").rate(4)
	ticket(a, "Resolved").rate(5)
	ticket(c, "Resolved").rate(2)
	return frappe._dict(
		territory=territory.name, g1=groups[0].name, g2=groups[1].name, x=x, y=y, a=a, b=b, c=c, d=d
	)


def period(market, **extra):
	return {"from_date": add_days(today(), -30), "to_date": today(), "territory": market.territory, **extra}


def test_segments_by_group_and_city(market):
	_, data, _, chart = market_segments(period(market, dimensions=["Customer Group", "City"]))
	rows = {(row.customer_group, row.city): row for row in data}
	g1 = rows[(market.g1, market.x)]
	assert (g1.customers, g1.revenue, g1.orders, g1.average_order_value, g1.interactions) == (
		2,
		1500,
		2,
		750,
		2,
	)
	assert g1.growth == 200  # 1500 against 500 in the 30 days before
	assert (g1.open_tickets, g1.csat) == (1, 4.5)  # ratings 4 and 5
	g2 = rows[(market.g2, market.y)]
	assert (g2.customers, g2.revenue, g2.orders, g2.average_order_value, g2.growth) == (2, 100, 1, 100, None)
	assert (g2.open_tickets, g2.csat) == (0, 2)
	assert [row.customer_group for row in data] == [market.g1, market.g2]  # by revenue
	assert chart["data"]["datasets"][0]["values"] == [1500, 100]


def test_drill_down_to_the_customers_of_a_segment(market):
	_, data, _, _ = market_segments(
		period(market, dimensions=["Customer Group"], customer_group=market.g1, view="Customers")
	)
	assert [(row.customer, row.revenue) for row in data] == [(market.a, 1000), (market.b, 500)]


def test_age_band_dimension_counts_individuals():
	suffix = random_string(5)
	territory = frappe.get_doc(
		{"doctype": "Territory", "territory_name": f"T {suffix}", "parent_territory": "All Territories"}
	).insert()
	for born in ("1990-01-01", "1992-06-01", "1950-01-01"):
		make_customer(
			customer_type="Individual", territory=territory.name, city=None, bizlink_date_of_birth=born
		)
	_, data, _, _ = market_segments({"territory": territory.name, "dimensions": ["Age Band"]})
	assert {row.age_band: row.customers for row in data} == {"25-34": 1, "35-44": 1, "65+": 1}


def test_what_top_customers_share(market):
	total = frappe.db.count("Customer", {"disabled": 0})
	_, data, message = top_share(period(market, top=2))
	assert "2 customers selected" in message
	rows = {(row["attribute"], row["value"]): row for row in data}
	group = rows[("Customer Group", market.g1)]
	assert (group["selected"], group["selected_share"]) == (2, 100)
	assert group["lift"] == round(100 / (2 / total * 100), 2)
	assert ("Customer Group", market.g2) not in rows  # not in the selection at all
	city = rows[("City", market.x)]
	assert city["selected"] == 2


@pytest.mark.parametrize("bad", ["'; DROP TABLE tabCustomer; --", '" OR 1=1 --', "%' OR '1'='1"])
def test_sql_metacharacters_in_filters_are_only_values(market, bad):
	_, data, _, _ = market_segments(period(market, city=bad, customer_group=bad))
	assert data == []
	assert frappe.db.table_exists("Customer")
