"""The customer file API, the similar-case playbook and the Similar Customers report, on figures
computed by hand from a small isolated set of customers."""

import json

import frappe
import pytest
from frappe.utils import add_days, add_to_date, getdate, now_datetime, random_string, today

from bizlink.api.customer import get_customer_file, get_customer_interactions, get_customer_playbook
from bizlink.devtools.factories import (
	get_outcome,
	make_customer,
	make_interaction,
	make_item,
	make_portal_user,
	make_sales_invoice,
	make_sales_order,
	make_sales_person,
	make_user,
)
from bizlink.sales_crm.report.similar_customers.similar_customers import execute as similar_customers_report


def days_ago(n: int, hour: int = 10):
	return add_to_date(getdate(today()), days=-n, hours=hour, as_datetime=True)


@pytest.fixture
def market():
	"""Target T and its neighbours, in a group, territory and city of their own.

	A: same group, territory, city, both items  -> 2 + 2 + 1 + 2 = 7
	D: same territory and city, one item        -> 2 + 1 + 1     = 4
	B: same group only                          -> 2
	C: nothing in common                        -> not similar
	"""
	suffix = random_string(5)
	group = frappe.get_doc(
		{
			"doctype": "Customer Group",
			"customer_group_name": f"BL Group {suffix}",
			"parent_customer_group": "All Customer Groups",
		}
	).insert()
	territory = frappe.get_doc(
		{
			"doctype": "Territory",
			"territory_name": f"BL Territory {suffix}",
			"parent_territory": "All Territories",
		}
	).insert()
	city = f"Cádiz {suffix}"
	i1, i2 = make_item(rate=100), make_item(rate=50)

	def customer(name, **kw):
		return make_customer(f"{name} {suffix}", **kw).name

	t = customer("Target", customer_group=group.name, territory=territory.name, city=city)
	a = customer("Alike", customer_group=group.name, territory=territory.name, city=city)
	d = customer("Neighbour", territory=territory.name, city=city)
	b = customer("Peer", customer_group=group.name, city="Lugo")
	c = customer("Stranger", city="Soria")

	order_t = make_sales_order(
		customer=t,
		items=[{"item_code": i1.name, "qty": 2, "rate": 100}, {"item_code": i2.name, "qty": 1, "rate": 50}],
	)
	make_sales_order(
		customer=a,
		transaction_date=add_days(today(), -20),
		items=[{"item_code": i1.name, "qty": 1, "rate": 100}, {"item_code": i2.name, "qty": 1, "rate": 50}],
	)
	make_sales_order(
		customer=d,
		transaction_date=add_days(today(), -45),
		items=[{"item_code": i1.name, "qty": 1, "rate": 100}],
	)
	make_sales_order(customer=c, items=[{"item_code": make_item().name, "qty": 1, "rate": 100}])

	make_interaction(
		a, interaction_type="Call", interaction_date=days_ago(40), outcome=get_outcome("Neutral")
	)
	make_interaction(
		a, interaction_type="Visit", interaction_date=days_ago(30), outcome=get_outcome("Positive")
	)
	make_interaction(
		d, interaction_type="Email", interaction_date=days_ago(50), outcome=get_outcome("Positive")
	)
	lost = frappe.get_doc(
		{"doctype": "Sales Interaction Outcome", "outcome_name": f"Lost {suffix}", "category": "Lost"}
	).insert()
	make_interaction(b, interaction_type="Demo", interaction_date=days_ago(10), outcome=lost.name)

	make_interaction(
		t, interaction_type="Call", interaction_date=days_ago(5), next_action_date=add_days(today(), 2)
	)
	make_interaction(t, interaction_type="Visit", interaction_date=days_ago(100))
	make_sales_invoice(order_t.name)
	return frappe._dict(t=t, a=a, b=b, c=c, d=d, lost=lost.name, order_t=order_t.name)


def test_similar_customers_scores_and_reasons(market):
	similar = get_customer_playbook(market.t)["similar"]
	assert [(row["customer"], row["score"]) for row in similar] == [
		(market.a, 7),
		(market.d, 4),
		(market.b, 2),
	]
	reasons = similar[0]["reasons"]
	assert any(r.startswith("Same customer group") and r.endswith("+2") for r in reasons)
	assert any(r.startswith("Same territory") for r in reasons)
	assert any(r.startswith("Same city") for r in reasons)
	assert "Items bought by both: 2 +2" in reasons
	assert market.c not in [row["customer"] for row in similar]


def test_what_worked_with_similar_customers(market):
	playbook = get_customer_playbook(market.t)
	assert playbook["orders"] == 2  # A's and D's orders had interactions before them
	types = {row.interaction_type: row.orders for row in playbook["types_before_orders"]}
	assert types == {"Call": 1, "Visit": 1, "Email": 1}
	assert {tuple(s["sequence"]) for s in playbook["sequences"]} == {("Call", "Visit"), ("Email",)}
	assert playbook["median_days_to_order"] == 12.5  # A: 40 - 20 = 20 days, D: 50 - 45 = 5 days
	assert [(row.outcome, row["count"]) for row in playbook["lost_reasons"]] == [(market.lost, 1)]


def test_customer_file_sections(market):
	file = get_customer_file(market.t)
	assert file["profile"]["city"].startswith("Cádiz")
	assert file["totals"]["orders"] == 1
	assert file["totals"]["revenue"] == 250
	assert file["totals"]["interactions_90_days"] == 1  # the visit 100 days ago is older
	assert [row.name for row in file["open_orders"]["rows"]] == [market.order_t]  # billed, still to deliver
	assert len(file["interactions"]["rows"]) == 2
	assert file["interactions"]["rows"][0].interaction_type == "Call"  # newest first
	assert len(file["follow_ups"]["rows"]) == 1
	assert file["tickets"] == {"allowed": True, "rows": []}
	assert file["installations"] == {"allowed": True, "rows": []}  # no item needs installation


def test_similar_customers_report(market):
	columns, data, message, chart = similar_customers_report({"customer": market.t, "limit": 5})
	assert [c["fieldname"] for c in columns][:3] == ["customer", "score", "why"]
	rows = {row["customer"]: row for row in data}
	assert rows[market.a]["orders"] == 1 and rows[market.a]["revenue"] == 0
	assert rows[market.d]["orders"] == 1
	assert "12.5" in message
	assert chart["data"]["labels"]


def test_customer_file_of_unknown_customer():
	with pytest.raises(frappe.DoesNotExistError):
		get_customer_file("No Such Customer " + random_string(6))


def test_customer_file_needs_customer_read_permission(market):
	frappe.set_user(make_user(roles=[]).name)
	with pytest.raises(frappe.PermissionError):
		get_customer_file(market.t)


def test_sales_user_reads_customer_file(market):
	frappe.set_user(make_user(roles=["Sales User"]).name)
	file = get_customer_file(market.t)
	assert file["interactions"]["allowed"] and len(file["interactions"]["rows"]) == 2


def test_user_permission_on_customer_is_respected(market):
	# A has similar customers (T first) for a user who may read them all
	assert [row["customer"] for row in get_customer_playbook(market.a)["similar"]][:1] == [market.t]
	user = make_user(roles=["Sales User"])
	frappe.get_doc(
		{"doctype": "User Permission", "user": user.name, "allow": "Customer", "for_value": market.a}
	).insert()
	frappe.set_user(user.name)
	assert get_customer_file(market.a)["profile"]["name"] == market.a
	with pytest.raises(frappe.PermissionError):
		get_customer_file(market.t)
	# and the playbook of A does not reveal customers the user may not read
	assert get_customer_playbook(market.a)["similar"] == []


# The timeline's pages (keyset: interaction_date desc, name desc) -------------------------------


@pytest.fixture
def timeline_customer():
	"""A customer with 11 interactions, 5 of them at the very same date and time, and the order the
	timeline must show them in (newest first; at the same time, by name descending)."""
	customer = make_customer(city=None).name
	tie = days_ago(3, hour=9)
	dates = [days_ago(1), days_ago(2), tie, tie, tie, tie, tie, days_ago(4), days_ago(5, hour=8)]
	dates += [days_ago(5, hour=7), days_ago(400)]
	names = [
		make_interaction(customer, interaction_date=when, subject=f"Timeline {n}").name
		for n, when in enumerate(dates)
	]
	expected = [name for when, name in sorted(zip(dates, names, strict=True), reverse=True)]
	return frappe._dict(
		customer=customer, expected=expected, tie=tie, dates=dict(zip(names, dates, strict=True))
	)


def walk(customer: str, page_length: int, as_json: bool = False) -> list[list[str]]:
	pages, before = [], None
	while True:
		page = get_customer_interactions(customer, before, page_length)
		assert page["allowed"]
		pages.append([row.name for row in page["rows"]])
		if not page["has_more"]:
			assert page["cursor"] is None
			return pages
		before = json.dumps(page["cursor"]) if as_json else page["cursor"]
		assert len(pages) < 50, "the pages never end"


@pytest.mark.parametrize("page_length", [1, 2, 3, 4, 10, 11, 100])
def test_timeline_pages_show_every_interaction_once(timeline_customer, page_length):
	pages = walk(timeline_customer.customer, page_length, as_json=page_length % 2 == 0)
	names = [name for page in pages for name in page]
	assert names == timeline_customer.expected  # no gap, no repeat, ties split across pages included
	assert [len(page) for page in pages[:-1]] == [page_length] * (len(pages) - 1)
	assert len(pages) == -(-11 // page_length)


def test_timeline_ties_are_ordered_by_name(timeline_customer):
	at_tie = [
		row.name
		for row in get_customer_interactions(timeline_customer.customer, page_length=100)["rows"]
		if timeline_customer.dates[row.name] == timeline_customer.tie
	]
	assert len(at_tie) == 5 and at_tie == sorted(at_tie, reverse=True)


def test_file_has_the_first_page_and_tells_there_is_more():
	from bizlink.api.customer import TIMELINE_LIMIT
	from bizlink.devtools.benchmarks.customer_file import seed_interactions

	customer = seed_interactions(TIMELINE_LIMIT + 3)  # one every 17 hours, newest now
	everything = frappe.get_all(
		"Sales Interaction",
		filters={"customer": customer},
		order_by="interaction_date desc, name desc",
		pluck="name",
	)
	first = get_customer_file(customer)["interactions"]
	assert [row.name for row in first["rows"]] == everything[:TIMELINE_LIMIT]
	assert first["has_more"] and first["cursor"][1] == everything[TIMELINE_LIMIT - 1]
	older = get_customer_interactions(customer, first["cursor"])
	assert [row.name for row in older["rows"]] == everything[TIMELINE_LIMIT:]
	assert older["has_more"] is False and older["cursor"] is None


def test_customer_without_interactions_has_an_empty_timeline():
	customer = make_customer(city=None).name
	assert get_customer_file(customer)["interactions"] == {
		"allowed": True,
		"rows": [],
		"has_more": False,
		"cursor": None,
	}
	assert get_customer_interactions(customer)["rows"] == []


@pytest.mark.parametrize(
	("page_length", "rows"),
	[(0, 1), (-5, 1), (1, 1), (37, 37), (100, 100), (101, 100), (10**9, 100)],
)
def test_page_length_is_bounded(page_length, rows):
	from bizlink.devtools.benchmarks.customer_file import seed_interactions

	customer = seed_interactions(105)
	page = get_customer_interactions(customer, page_length=page_length)
	assert len(page["rows"]) == rows and page["has_more"]


@pytest.mark.parametrize(
	"before",
	[
		"not json",
		"[]",
		'["2026-01-01 10:00:00"]',
		'["2026-01-01 10:00:00", "SI-1", "extra"]',
		'["not a date", "SI-1"]',
		'["2026-13-45 99:00:00", "SI-1"]',
		'["", "SI-1"]',
		'["2026-01-01 10:00:00", ""]',
		'[20260101, "SI-1"]',
		'["2026-01-01 10:00:00", null]',
		'{"date": "2026-01-01", "name": "SI-1"}',
		["2026-01-01 10:00:00", "x" * 141],
		["2026-01-01 10:00:00"],
		"\"'><img src=x onerror=alert(1)>",
	],
)
def test_bad_cursor_is_refused(timeline_customer, before):
	from bizlink.exceptions import InvalidCursorError

	with pytest.raises(InvalidCursorError, match="page marker is not valid"):
		get_customer_interactions(timeline_customer.customer, before)


def test_cursor_of_a_deleted_row_still_pages_on(timeline_customer):
	first = get_customer_interactions(timeline_customer.customer, page_length=4)
	frappe.delete_doc("Sales Interaction", first["cursor"][1])
	older = get_customer_interactions(timeline_customer.customer, first["cursor"], page_length=100)
	assert [row.name for row in older["rows"]] == timeline_customer.expected[4:]


def test_unknown_customer_has_no_timeline():
	with pytest.raises(frappe.DoesNotExistError):
		get_customer_interactions("No Such Customer " + random_string(6))


def test_sales_user_pages_the_timeline(timeline_customer):
	frappe.set_user(make_user(roles=["Sales User"]).name)
	assert [
		name for page in walk(timeline_customer.customer, 4) for name in page
	] == timeline_customer.expected


def test_reader_of_customers_only_gets_no_interactions(timeline_customer):
	# a Stock User reads customers (the file opens for them) but no Sales Interaction
	frappe.set_user(make_user(roles=["Stock User"]).name)
	assert not frappe.has_permission("Sales Interaction", "read")
	empty = {"allowed": False, "rows": [], "has_more": False, "cursor": None}
	assert get_customer_file(timeline_customer.customer)["interactions"] == empty
	assert get_customer_interactions(timeline_customer.customer) == empty
	assert get_customer_interactions(timeline_customer.customer, ["2099-01-01 00:00:00", "SI-X"]) == empty


@pytest.mark.parametrize("who", ["no roles", "portal user", "Guest"])
def test_timeline_refused_to_users_without_customer_access(timeline_customer, who):
	user = {
		"no roles": lambda: make_user(roles=[]).name,
		"portal user": lambda: make_portal_user(timeline_customer.customer),
		"Guest": lambda: "Guest",
	}[who]()
	frappe.set_user(user)
	with pytest.raises(frappe.PermissionError):
		get_customer_interactions(timeline_customer.customer)


def test_timeline_respects_user_permissions(timeline_customer):
	"""Rows are read with the caller's User Permissions: one on Sales Person leaves only that sales
	person's interactions, in the same order; one on another customer refuses this one."""
	mine, theirs = make_sales_person(), make_sales_person()
	for n, name in enumerate(timeline_customer.expected):
		frappe.db.set_value("Sales Interaction", name, "sales_person", (mine if n % 3 else theirs).name)
	user = make_user(roles=["Sales User"])
	frappe.get_doc(
		{"doctype": "User Permission", "user": user.name, "allow": "Sales Person", "for_value": mine.name}
	).insert()
	frappe.set_user(user.name)
	visible = [name for n, name in enumerate(timeline_customer.expected) if n % 3]
	for page_length in (1, 2, 3, 100):
		assert [name for page in walk(timeline_customer.customer, page_length) for name in page] == visible
	assert [
		row.name for row in get_customer_file(timeline_customer.customer)["interactions"]["rows"]
	] == visible

	frappe.set_user("Administrator")
	other = make_customer(city=None).name
	frappe.get_doc(
		{"doctype": "User Permission", "user": user.name, "allow": "Customer", "for_value": other}
	).insert()
	frappe.set_user(user.name)
	assert get_customer_interactions(other)["rows"] == []
	with pytest.raises(frappe.PermissionError):
		get_customer_interactions(timeline_customer.customer)
