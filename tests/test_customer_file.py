"""The customer file API, the similar-case playbook and the Similar Customers report, on figures
computed by hand from a small isolated set of customers."""

import frappe
import pytest
from frappe.utils import add_days, add_to_date, getdate, now_datetime, random_string, today

from bizlink.api.customer import get_customer_file, get_customer_playbook
from bizlink.devtools.factories import (
	get_outcome,
	make_customer,
	make_interaction,
	make_item,
	make_sales_invoice,
	make_sales_order,
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
