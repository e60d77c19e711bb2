"""Market Segments' drill-down (view Customers) to the customers of a segment, on figures worked out by
hand from a fresh city: each customer's row equals its documents, the rows add up to the segment's row
(from the rollup and from the documents), and the company scope is the report's."""

import frappe
import pytest
from erpnext import get_default_company
from frappe.desk.query_report import run
from frappe.utils import add_days, add_to_date, get_datetime, random_string, today
from test_market import sell

from bizlink.devtools.factories import make_customer, make_interaction, make_user
from bizlink.exceptions import CompanyNotPermittedError
from bizlink.market_analysis.report.market_segments.market_segments import execute as market_segments
from bizlink.market_analysis.report.market_segments.market_segments import segment_figures

# a customer's row: invoiced, previous period, orders, order value, interactions, open tickets, csat
FIGURES = ("revenue", "previous_revenue", "orders", "order_value", "interactions", "open_tickets", "csat")


def ticket(customer: str, status: str, rating: int | None = None):
	doc = frappe.get_doc(
		{
			"doctype": "Service Ticket",
			"subject": "La caldera no enciende",
			"customer": customer,
			"status": status,
			"resolution_details": "Cambiada la placa" if status == "Resolved" else None,
		}
	).insert()
	if rating:
		doc.rate(rating)
	return doc


def interaction(customer: str, days_ago: int):
	return make_interaction(
		customer, interaction_date=add_to_date(get_datetime(today()), days=-days_ago, hours=10)
	)


@pytest.fixture
def city():
	"""City X, period the last 30 days (the previous period: the 30 days before):
	A (G1) sells 1000 now and 500 in the previous period, 2 interactions now and 1 before, an open
	ticket and a resolved one rated 5; B (G1) sells 300, 1 interaction, a ticket rated 4; C (G2) sold
	200 long ago and has a resolved ticket (no rating); D (G1) is disabled (sales excluded) and E (G1)
	is in city Y (excluded)."""
	suffix = random_string(6)
	groups = [
		frappe.get_doc(
			{
				"doctype": "Customer Group",
				"customer_group_name": f"DG{i} {suffix}",
				"parent_customer_group": "All Customer Groups",
			}
		).insert()
		for i in (1, 2)
	]
	x, y = f"Ciudad X {suffix}", f"Ciudad Y {suffix}"

	def customer(name, group, city):
		return make_customer(f"{name} {suffix}", customer_group=group.name, city=city).name

	a, b, c = customer("A", groups[0], x), customer("B", groups[0], x), customer("C", groups[1], x)
	d, e = customer("D", groups[0], x), customer("E", groups[0], y)
	sell(a, 1000, 5)
	sell(a, 500, 40)  # previous period
	sell(b, 300, 10)
	sell(c, 200, 100)  # before both periods
	sell(d, 700, 3)
	sell(e, 900, 3)
	for who, days_ago in ((a, 3), (a, 4), (a, 50), (b, 1), (d, 2), (e, 2)):
		interaction(who, days_ago)
	ticket(a, "Open")
	ticket(a, "Resolved", 5)
	ticket(b, "Resolved", 4)
	ticket(c, "Resolved")
	ticket(d, "Open")
	ticket(e, "Open")
	disabled = frappe.get_doc("Customer", d)
	disabled.disabled = 1
	disabled.save()  # as a user does: the rollup leaves it too
	return frappe._dict(x=x, y=y, g1=groups[0].name, g2=groups[1].name, a=a, b=b, c=c, d=d, e=e)


def period(**extra) -> dict:
	return {"from_date": add_days(today(), -30), "to_date": today(), "dimensions": ["City"], **extra}


def drill_down(**extra) -> list:
	_columns, data, *_ = market_segments(period(view="Customers", **extra))
	return data


def rows_by_customer(data) -> dict:
	return {row.customer: tuple(row[f] for f in FIGURES) for row in data}


def test_each_customer_equals_its_documents(city):
	data = drill_down(city=city.x)
	assert [row.customer for row in data] == [city.a, city.b, city.c]  # by amount invoiced
	assert rows_by_customer(data) == {
		city.a: (1000, 500, 1, 1000, 2, 1, 5),
		city.b: (300, 0, 1, 300, 1, 0, 4),
		city.c: (0, 0, 0, 0, 0, 0, None),
	}
	a = data[0]
	assert (a.customers, a.city, a.growth, a.average_order_value) == (1, city.x, 100, 1000)


def test_a_narrower_segment_city_and_customer_group(city):
	data = drill_down(city=city.x, customer_group=city.g1, dimensions=["City", "Customer Group"])
	assert rows_by_customer(data) == {
		city.a: (1000, 500, 1, 1000, 2, 1, 5),
		city.b: (300, 0, 1, 300, 1, 0, 4),
	}
	assert drill_down(city=city.y, customer_group=city.g2) == []


def test_the_customers_add_up_to_the_segment(city):
	data = drill_down(city=city.x)
	_columns, segments, *_ = market_segments(period(city=city.x))
	(segment,) = segments
	for key in ("revenue", "previous_revenue", "orders", "order_value", "interactions", "open_tickets"):
		assert sum(row[key] for row in data) == segment[key], key
	assert segment.customers == len(data) == 3
	assert (segment.revenue, segment.interactions, segment.csat) == (1300, 3, 4.5)
	# the segment's row from the rollup is the one from the documents
	filters = period(city=city.x)
	assert segment_figures(filters, True) == segment_figures(filters, False)
	assert segment_figures(filters, True)[(city.x,)][:2] == (3, 1300)


def test_the_company_scope_is_the_reports(city):
	company = get_default_company()
	currency = frappe.get_cached_value("Company", company, "default_currency")
	other = f"Otra {random_string(5)}"
	frappe.get_doc(
		{
			"doctype": "Company",
			"name": other,
			"company_name": other,
			"abbr": random_string(4).upper(),
			"default_currency": currency,
			"country": "Spain",
		}
	).db_insert()
	# an invoice of the other company for A, in the period (its row alone: only its totals are read)
	frappe.get_doc(
		{
			"doctype": "Sales Invoice",
			"name": f"OTRA-{random_string(8)}",
			"customer": city.a,
			"company": other,
			"posting_date": add_days(today(), -2),
			"base_net_total": 77,
			"docstatus": 1,
		}
	).db_insert()
	every_company = {row.customer: row.revenue for row in drill_down(city=city.x)}
	assert every_company[city.a] == 1077
	assert rows_by_customer(drill_down(city=city.x, company=company))[city.a][0] == 1000
	assert rows_by_customer(drill_down(city=city.x, company=other))[city.a][0] == 77

	user = make_user(roles=["Sales User"]).name
	frappe.get_doc(
		{"doctype": "User Permission", "user": user, "allow": "Company", "for_value": company}
	).insert(ignore_permissions=True)
	frappe.set_user(user)
	try:
		result = run(
			"Market Segments", filters=period(view="Customers", city=city.x), ignore_prepared_report=True
		)
		revenue = {row["customer"]: row["revenue"] for row in result["result"] if isinstance(row, dict)}
		assert revenue == {city.a: 1000, city.b: 300, city.c: 0}  # their company's invoices only
		with pytest.raises(CompanyNotPermittedError):
			run(
				"Market Segments",
				filters=period(view="Customers", city=city.x, company=other),
				ignore_prepared_report=True,
			)
	finally:
		frappe.set_user("Administrator")


def test_a_long_list_keeps_the_most_invoiced(city, monkeypatch):
	"""Cut to ROW_LIMIT rows: the customers invoiced the most come first, then the others by name; the
	figures of those shown are the same as uncut."""
	from bizlink.market_analysis.report.market_segments import market_segments as report

	zero = make_customer(f"0 {city.c}", customer_group=city.g2, city=city.x).name  # sorts before C
	uncut = rows_by_customer(drill_down(city=city.x))
	monkeypatch.setattr(report, "ROW_LIMIT", 3)
	_columns, data, message, _chart = market_segments(period(view="Customers", city=city.x))
	assert [row.customer for row in data] == [city.a, city.b, zero]
	assert "Only the first 3 rows" in message
	assert rows_by_customer(data) == {name: uncut[name] for name in (city.a, city.b, zero)}
	monkeypatch.setattr(report, "ROW_LIMIT", 1)
	assert [row.customer for row in drill_down(city=city.x)] == [city.a]


def test_the_index_the_drill_down_reads_a_segments_customers_by_exists():
	"""A city's enabled customers are read from this index alone (bizlink.install.INDEXES)."""
	rows = frappe.db.sql("show index from `tabCustomer`", as_dict=True)  # nosemgrep (no qb form)
	columns = [
		row.Column_name
		for row in sorted(rows, key=lambda r: r.Seq_in_index)
		if row.Key_name == "bizlink_market_customers"
	]
	assert columns == ["bizlink_market_address", "disabled"]
