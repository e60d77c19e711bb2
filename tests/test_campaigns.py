"""Segment Campaigns: from a market segment to a call list or an email, and back to what it brought.

Every figure is checked against numbers worked out by hand in the test; the REST rules are checked
with each role's own API key through Frappe's web stack (those tests commit what the requests need
and remove it at the end)."""

import json
from unittest.mock import patch

import frappe
import pytest
from frappe.utils import add_days, getdate, random_string, today

from bizlink.api import campaign as api
from bizlink.devtools.factories import (
	get_outcome,
	make_customer,
	make_sales_order,
	make_sales_person,
	make_user,
)
from bizlink.exceptions import (
	CampaignBusyError,
	CampaignInteractionCustomerError,
	CampaignLockedError,
	EmptySegmentError,
	NegativeCampaignCostError,
	NoSalesPeopleError,
)
from bizlink.market_analysis import campaigns
from bizlink.sales_crm import playbook
from bizlink.sales_crm.doctype.sales_interaction import campaign_work

ROW = "Segment Campaign Customer"
HOSTILE = "'\"><img src=x onerror=alert(1)>"


def new_group(prefix: str = "Camp") -> str:
	name = f"{prefix} {random_string(8)}"
	frappe.get_doc(
		{
			"doctype": "Customer Group",
			"customer_group_name": name,
			"parent_customer_group": "All Customer Groups",
		}
	).insert(ignore_permissions=True)
	return name


def segment_customers(group: str, count: int, city: str = "Madrid", prefix: str = "C") -> list[str]:
	"""`count` customers of one segment (same group, territory and city), named in order."""
	tag = random_string(5)
	return [
		make_customer(f"{prefix}{k} {tag}", city=city, customer_group=group, customer_type="Company").name
		for k in range(count)
	]


def new_campaign(group: str, people=(), **values):
	return frappe.get_doc(
		{
			"doctype": "Segment Campaign",
			"title": values.pop("title", f"Campaign {random_string(5)}"),
			"channel": "Call List",
			"audience": "Segment",
			"customer_group": group,
			"sales_people": [{"sales_person": p} for p in people],
			**values,
		}
	).insert()


def rows(campaign: str) -> list[dict]:
	return frappe.get_all(ROW, {"campaign": campaign}, ["*"], order_by="customer")


def written() -> tuple:
	return tuple(frappe.db.count(d) for d in (ROW, "Sales Interaction", "ToDo", "Event", "Email Group"))


@pytest.fixture
def people():
	return [make_sales_person(f"Vendedor {k} {random_string(5)}").name for k in range(3)]


# the segment and its rows -------------------------------------------------------------------------


def test_empty_segment_is_refused_and_nothing_is_written(people):
	campaign = new_campaign(new_group(), people)
	before = written()
	with pytest.raises(EmptySegmentError):
		api.create_work(campaign.name)
	assert written() == before
	assert frappe.db.get_value("Segment Campaign", campaign.name, "status") == "Draft"


def test_no_sales_people_is_refused():
	group = new_group()
	segment_customers(group, 1)
	campaign = new_campaign(group)
	with pytest.raises(NoSalesPeopleError):
		api.create_work(campaign.name)
	assert not rows(campaign.name)


def test_round_robin_7_customers_3_sales_people(people):
	group = new_group()
	customers = segment_customers(group, 7)
	user = make_user(roles=["Sales User"]).name
	salesman = make_sales_person(f"Con usuario {random_string(5)}", user=user).name
	day = add_days(today(), 3)
	campaign = new_campaign(group, [salesman, *people[:2]], first_contact_date=day, subject="Oferta")
	result = api.create_work(campaign.name)
	assert result["queued"] is False and result["added"] == 7

	made = rows(campaign.name)
	assert [r.customer for r in made] == sorted(customers)
	# customers in the order of their IDs, the sales people in turn: 3 / 2 / 2
	assert [r.sales_person for r in made] == [salesman, people[0], people[1]] * 2 + [salesman]
	counts = {p: [r.sales_person for r in made].count(p) for p in (salesman, *people[:2])}
	assert counts == {salesman: 3, people[0]: 2, people[1]: 2}
	for row in made:
		assert row.status == "Planned"
		interaction = frappe.get_doc("Sales Interaction", row.sales_interaction)
		assert (interaction.customer, interaction.campaign, interaction.sales_person) == (
			row.customer,
			campaign.name,
			row.sales_person,
		)
		assert interaction.interaction_type == "Call" and interaction.direction == "Outbound"
		assert getdate(interaction.next_action_date) == getdate(day)
		assert interaction.follow_up_status == "Open"
		assert interaction.contact == frappe.db.get_value(
			"Customer", row.customer, "customer_primary_contact"
		)
		todo = frappe.get_doc("ToDo", interaction.todo)
		assert todo.reference_name == interaction.name and todo.status == "Open"
		assert todo.allocated_to == (user if row.sales_person == salesman else "Administrator")
		event = frappe.get_doc("Event", interaction.event)
		assert event.owner == todo.allocated_to and str(event.starts_on).startswith(str(day))
		assert json.loads(frappe.db.get_value("Sales Interaction", interaction.name, "_assign")) == [
			todo.allocated_to
		]
		assert getdate(frappe.db.get_value("Customer", row.customer, "bizlink_next_follow_up")) == getdate(
			day
		)
	# the market segments rollup counts the 7 planned interactions on their day
	segment = frappe.db.get_value("Customer", customers[0], "bizlink_market_segment")
	assert (
		frappe.db.get_value(
			"Segment Activity",
			{"segment": segment, "period": "Day", "period_start": day, "company": ""},
			"interactions",
		)
		== 7
	)
	doc = frappe.get_doc("Segment Campaign", campaign.name)
	assert (doc.status, doc.customers, doc.reached, doc.started_on) == ("Active", 7, 0, getdate(today()))
	# the interaction list shows them to the sales person: they are theirs to work
	assert frappe.db.count("Sales Interaction", {"campaign": campaign.name}) == 7


def test_bulk_interactions_equal_the_controllers(people):
	"""The bulk path writes what the controllers write (the site that listens gets the controllers)."""
	group = new_group()
	customers = segment_customers(group, 2)
	day = add_days(today(), 2)
	fast = new_campaign(group, people[:1], first_contact_date=day, subject="Oferta")
	api.create_work(fast.name)
	slow = new_campaign(group, people[:1], first_contact_date=day, subject="Oferta")
	with patch.object(campaign_work, "site_listens_to_new_interactions", return_value=True):
		api.create_work(slow.name)
	fields = [
		"customer",
		"customer_name",
		"contact",
		"interaction_type",
		"direction",
		"interaction_date",
		"sales_person",
		"user",
		"subject",
		"next_action",
		"next_action_date",
		"follow_up_status",
		"_assign",
	]
	for customer in customers:
		a, b = (
			frappe.db.get_value(
				"Sales Interaction",
				{"campaign": c.name, "customer": customer},
				["name", *fields],
				as_dict=True,
			)
			for c in (fast, slow)
		)
		assert {f: a[f] for f in fields} == {f: b[f] for f in fields}
		todo_fields = ["allocated_to", "description", "date", "status", "assigned_by", "reference_type"]
		ta, tb = (
			frappe.db.get_value("ToDo", {"reference_name": x.name}, todo_fields, as_dict=True) for x in (a, b)
		)
		assert ta == tb
		event_fields = ["subject", "starts_on", "ends_on", "event_type", "event_category", "owner"]
		ea, eb = (
			frappe.db.get_value(
				"Event",
				frappe.db.get_value("Sales Interaction", x.name, "event"),
				event_fields,
				as_dict=True,
			)
			for x in (a, b)
		)
		assert ea == eb
		assert frappe.db.exists("Comment", {"reference_name": a.name, "comment_type": "Assigned"})


def test_a_customer_is_once_in_a_campaign_two_contacts_and_again(people):
	group = new_group()
	first, second = segment_customers(group, 2)
	frappe.get_doc(
		{
			"doctype": "Contact",
			"first_name": "Otra",
			"email_ids": [{"email_id": f"otra-{random_string(6)}@example.com", "is_primary": 1}],
			"links": [{"link_doctype": "Customer", "link_name": first}],
		}
	).insert()
	campaign = new_campaign(group, people)
	api.create_work(campaign.name)
	assert [r.customer for r in rows(campaign.name)] == sorted([first, second])
	# again: nobody twice, nothing new
	assert api.create_work(campaign.name)["added"] == 0
	# a customer who joined the segment since: only them
	[third] = segment_customers(group, 1, prefix="Z")
	assert api.create_work(campaign.name)["added"] == 1
	assert len(rows(campaign.name)) == 3
	assert frappe.db.count("Sales Interaction", {"campaign": campaign.name}) == 3
	assert frappe.db.get_value("Segment Campaign", campaign.name, "customers") == 3
	# the database refuses a second row of a customer (the bulk insert ignores it)
	campaigns.insert_rows([{"campaign": campaign.name, "customer": third}])
	assert frappe.db.count(ROW, {"campaign": campaign.name, "customer": third}) == 1
	with pytest.raises(frappe.UniqueValidationError):
		frappe.get_doc({"doctype": ROW, "campaign": campaign.name, "customer": third}).insert(
			ignore_permissions=True
		)


def test_audience_is_fixed_once_the_work_is_made(people):
	group = new_group()
	segment_customers(group, 1)
	campaign = new_campaign(group, people)
	api.create_work(campaign.name)
	campaign.reload()
	campaign.city = "Valencia"
	with pytest.raises(CampaignLockedError):
		campaign.save()
	campaign.reload()
	campaign.attribution_days = 90  # the results' window: rewriting it would rewrite the results
	with pytest.raises(CampaignLockedError):
		campaign.save()
	campaign.reload()
	campaign.cost = -1
	with pytest.raises(NegativeCampaignCostError):
		campaign.save()
	campaign.reload()
	campaign.cost = 10  # the cost (an input, corrected) and the title may still change
	campaign.title = "Otro título"
	campaign.save()
	assert frappe.db.get_value("Segment Campaign", campaign.name, ["cost", "attribution_days"]) == (10, 60)


def test_a_negative_cost_is_refused_on_a_new_campaign():
	with pytest.raises(NegativeCampaignCostError):
		new_campaign(new_group(), cost=-0.01)


def test_a_failure_midway_leaves_nothing(people):
	group = new_group()
	segment_customers(group, 3)
	campaign = new_campaign(group, people)
	before = written()
	with patch.object(campaign_work, "update_summaries", side_effect=RuntimeError("disk full")):
		with pytest.raises(RuntimeError):
			api.create_work(campaign.name)
	assert written() == before
	assert frappe.db.get_value("Segment Campaign", campaign.name, ["status", "started_on"]) == ("Draft", None)


def test_a_big_campaign_is_made_on_the_queue_and_a_second_click_is_refused(people):
	group = new_group()
	segment_customers(group, 3)
	campaign = new_campaign(group, people)
	with patch.object(campaigns, "INLINE_LIMIT", 2):
		result = api.create_work(campaign.name)
	assert result == {"queued": True, "customers": 3}
	doc = frappe.get_doc("Segment Campaign", campaign.name)  # the worker ran the job (tests/conftest.py)
	assert [row.status for row in doc.status_log] == ["Draft", "Creating", "Active"]
	assert doc.customers == 3
	frappe.db.set_value("Segment Campaign", campaign.name, "status", "Creating")
	with pytest.raises(CampaignBusyError):
		api.create_work(campaign.name)


def test_a_failing_job_puts_the_campaign_back_with_its_error(people):
	"""The job as the worker runs it, after the request set the campaign Creating (the worker's own
	rollback of what the job wrote is Frappe's: here the job's savepoint shows nothing stays)."""
	from bizlink.bizlink.status_log import set_status

	group = new_group()
	segment_customers(group, 3)
	campaign = new_campaign(group, people)
	set_status(campaign, "Creating")
	with (
		patch.object(campaign_work, "add_to_rollup", side_effect=RuntimeError("rollup down")),
		patch.object(frappe.db, "commit", lambda *args, **kwargs: None),  # the worker's commit
	):
		with pytest.raises(RuntimeError):
			campaign_work.call_list_job(campaign.name)
	doc = frappe.get_doc("Segment Campaign", campaign.name)
	assert doc.status == "Draft" and "rollup down" in doc.creation_error
	assert [row.status for row in doc.status_log] == ["Draft", "Creating", "Draft"]
	assert not rows(campaign.name)
	assert not frappe.db.count("Sales Interaction", {"campaign": campaign.name})


# email --------------------------------------------------------------------------------------------


def test_email_leaves_out_who_unsubscribed_and_counts_them():
	group = new_group()
	tag = random_string(6)
	plain, flagged, global_out, no_email, second_ok = (
		make_customer(
			f"E{k} {tag}", city="Madrid", customer_group=group, email=f"e{k}-{tag}@example.com"
		).name
		for k in range(5)
	)
	# no contact at all
	frappe.db.set_value("Customer", no_email, "customer_primary_contact", None)
	for contact in frappe.get_all(
		"Dynamic Link", {"link_name": no_email, "parenttype": "Contact"}, pluck="parent"
	):
		frappe.db.delete("Dynamic Link", {"parent": contact})
	frappe.db.set_value(
		"Contact", frappe.db.get_value("Customer", flagged, "customer_primary_contact"), "unsubscribed", 1
	)
	frappe.get_doc(
		{"doctype": "Email Unsubscribe", "email": f"e2-{tag}@example.com", "global_unsubscribe": 1}
	).insert()
	# its primary contact unsubscribed from an earlier campaign's group; another contact may be mailed
	frappe.db.set_value(
		"Contact", frappe.db.get_value("Customer", second_ok, "customer_primary_contact"), "unsubscribed", 1
	)
	frappe.get_doc(
		{
			"doctype": "Contact",
			"first_name": "Compras",
			"email_ids": [{"email_id": f"compras-{tag}@example.com", "is_primary": 1}],
			"links": [{"link_doctype": "Customer", "link_name": second_ok}],
		}
	).insert()
	campaign = new_campaign(group, channel="Email", email_subject="Novedades", email_message="<p>Hola</p>")
	api.create_work(campaign.name)
	campaign.reload()
	by_customer = {r.customer: r for r in rows(campaign.name)}
	assert {c: (r.status, r.left_out_reason) for c, r in by_customer.items()} == {
		plain: ("Planned", None),
		flagged: ("Left Out", "Unsubscribed"),
		global_out: ("Left Out", "Unsubscribed"),
		no_email: ("Left Out", "No Email"),
		second_ok: ("Planned", None),
	}
	assert by_customer[second_ok].email == f"compras-{tag}@example.com"
	assert (campaign.customers, campaign.left_out, campaign.left_out_unsubscribed) == (5, 3, 2)
	members = set(frappe.get_all("Email Group Member", {"email_group": campaign.email_group}, pluck="email"))
	assert members == {f"e0-{tag}@example.com", f"compras-{tag}@example.com"}
	newsletter = frappe.get_doc("Newsletter", campaign.newsletter)
	assert not newsletter.email_sent and newsletter.send_unsubscribe_link
	assert [g.email_group for g in newsletter.email_group] == [campaign.email_group]

	# the buyer unsubscribes before the manager sends it: left out then; the other is reached
	member = frappe.get_doc(
		"Email Group Member", {"email_group": campaign.email_group, "email": f"compras-{tag}@example.com"}
	)
	member.unsubscribed = 1
	member.save()
	newsletter.send_emails()
	by_customer = {r.customer: r for r in rows(campaign.name)}
	assert (by_customer[plain].status, by_customer[plain].reached_on) == ("Reached", getdate(today()))
	assert (by_customer[second_ok].status, by_customer[second_ok].left_out_reason) == (
		"Left Out",
		"Unsubscribed",
	)
	campaign.reload()
	assert (campaign.reached, campaign.left_out_unsubscribed) == (1, 3)
	# a later campaign leaves out who unsubscribed from this one's group
	later = new_campaign(group, channel="Email", email_subject="Otra", email_message="<p>Otra</p>")
	api.create_work(later.name)
	assert frappe.db.get_value(ROW, {"campaign": later.name, "customer": second_ok}, "status") == "Left Out"


# reached, attribution, results --------------------------------------------------------------------


def reach(row_interaction: str, category: str = "Positive") -> None:
	interaction = frappe.get_doc("Sales Interaction", row_interaction)
	interaction.outcome = get_outcome(category)
	interaction.save()


def test_attribution_window_edges(people):
	group = new_group()
	customers = segment_customers(group, 3)
	day = add_days(today(), -20)
	campaign = new_campaign(group, people, first_contact_date=day, attribution_days=5)
	api.create_work(campaign.name)
	frappe.db.set_value("Segment Campaign", campaign.name, "started_on", day)  # made on that day
	for row in rows(campaign.name):
		reach(row.sales_interaction)
	assert {r.reached_on for r in rows(campaign.name)} == {getdate(day)}
	make_sales_order(
		customers[0], transaction_date=add_days(day, 5), items=[{"item_code": item(), "rate": 100}]
	)
	make_sales_order(
		customers[1], transaction_date=add_days(day, 6), items=[{"item_code": item(), "rate": 70}]
	)
	make_sales_order(
		customers[2], transaction_date=add_days(day, -1), items=[{"item_code": item(), "rate": 30}]
	)
	figures = campaigns.results(frappe._dict(frappe.get_doc("Segment Campaign", campaign.name).as_dict()))
	# day N counts, day N + 1 and the day before do not
	assert (figures.orders, figures.revenue, figures.ordering, figures.reached) == (1, 100, 1, 3)


def item() -> str:
	from bizlink.devtools.factories import make_item

	return make_item(f"CAMP-ITEM-{random_string(5)}", is_stock_item=0).name


def test_campaign_results_by_hand_with_lift_and_cost_per_order(people):
	"""4 customers called 10 days ago (attribution 30 days, cost 300); 3 reached: Positive, Won,
	Negative; customer 1 orders 100 and 50 in its window, customer 2 orders 200 after it (day 31).
	5 customers of the same segment joined after the list was made (not in the campaign): 1 orders in
	the window. So: reached 3, positive 2, orders 2, revenue 150, conversion 1/3 = 33.33 %, cost per
	order 150, control conversion 1/5 = 20 %, lift 33.33 / 20 = 1.67."""
	group = new_group()
	customers = segment_customers(group, 4)
	day = add_days(today(), -40)
	campaign = new_campaign(group, people, first_contact_date=day, attribution_days=30, cost=300)
	api.create_work(campaign.name)
	frappe.db.set_value("Segment Campaign", campaign.name, "started_on", day)  # made on that day
	made = rows(campaign.name)
	for row, category in zip(made[:3], ("Positive", "Won", "Negative"), strict=True):
		reach(row.sales_interaction, category)
	code = item()
	make_sales_order(
		made[0].customer, transaction_date=add_days(day, 2), items=[{"item_code": code, "rate": 100}]
	)
	make_sales_order(
		made[0].customer, transaction_date=add_days(day, 30), items=[{"item_code": code, "rate": 50}]
	)
	make_sales_order(
		made[1].customer, transaction_date=add_days(day, 31), items=[{"item_code": code, "rate": 200}]
	)
	newcomers = segment_customers(group, 5, prefix="N")
	make_sales_order(
		newcomers[0], transaction_date=add_days(day, 10), items=[{"item_code": code, "rate": 80}]
	)
	make_sales_order(
		newcomers[1], transaction_date=add_days(day, 31), items=[{"item_code": code, "rate": 80}]
	)
	assert len(customers) == 4

	frappe.set_user(make_user(roles=["Sales User"]).name)  # the report as a Sales User reads it
	from bizlink.market_analysis.report.campaign_results.campaign_results import execute

	columns, data = execute({"campaign": campaign.name})
	[row] = data
	assert (row["customers"], row["reached"], row["positive"], row["orders"]) == (4, 3, 2, 2)
	assert row["revenue"] == 150
	assert round(row["conversion"], 2) == 33.33
	assert row["cost_per_order"] == 150
	assert (row["control_customers"], row["control_ordering"]) == (5, 1)
	assert row["control_conversion"] == 20
	assert round(row["lift"], 2) == 1.67
	assert row["window_end"] == getdate(add_days(day, 30))
	assert row["customer_group"] == group
	assert {c["fieldname"] for c in columns} >= {"lift", "cost_per_order", "conversion", "positive"}


def test_reached_by_the_follow_up_done_and_not_after_closing(people):
	group = new_group()
	segment_customers(group, 2)
	campaign = new_campaign(group, people, first_contact_date=add_days(today(), -1))
	api.create_work(campaign.name)
	frappe.db.set_value("Segment Campaign", campaign.name, "started_on", add_days(today(), -1))
	first, second = rows(campaign.name)
	todo = frappe.get_doc("ToDo", frappe.db.get_value("Sales Interaction", first.sales_interaction, "todo"))
	todo.status = "Closed"
	todo.save()
	assert frappe.db.get_value(ROW, first.name, ["status", "reached_on"]) == (
		"Reached",
		getdate(add_days(today(), -1)),
	)
	api.close(campaign.name)
	reach(second.sales_interaction)
	assert frappe.db.get_value(ROW, second.name, "status") == "Planned"
	assert frappe.db.get_value("Segment Campaign", campaign.name, ["status", "reached"]) == ("Closed", 1)
	with pytest.raises(CampaignBusyError):
		api.create_work(campaign.name)


def seller_of(group: str, count: int):
	"""A Sales User with their sales person, the only one of a call list to `count` customers of
	`group`, made today (its start)."""
	customers = segment_customers(group, count)
	user = make_user(roles=["Sales User"]).name
	salesman = make_sales_person(f"Con usuario {random_string(5)}", user=user).name
	campaign = new_campaign(group, [salesman])
	api.create_work(campaign.name)
	return customers, user, campaign


def test_a_backdated_interaction_reaches_no_earlier_than_the_campaign_start():
	"""Made today (attribution 60 days); the customer ordered 10 days ago. The Sales User dates the
	call 15 days ago with an outcome: the customer is reached today, not 15 days ago, and the order
	of 10 days ago is not the campaign's (0 orders, revenue 0)."""
	group = new_group()
	[customer], user, campaign = seller_of(group, 1)
	make_sales_order(
		customer, transaction_date=add_days(today(), -10), items=[{"item_code": item(), "rate": 90}]
	)
	[row] = rows(campaign.name)
	frappe.set_user(user)
	interaction = frappe.get_doc("Sales Interaction", row.sales_interaction)
	interaction.interaction_date = f"{add_days(today(), -15)} 10:00:00"
	interaction.outcome = get_outcome("Positive")
	interaction.save()
	frappe.set_user("Administrator")
	assert frappe.db.get_value(ROW, row.name, ["status", "reached_on"]) == ("Reached", getdate(today()))
	figures = campaigns.results(frappe._dict(frappe.get_doc("Segment Campaign", campaign.name).as_dict()))
	assert (figures.reached, figures.orders, figures.revenue) == (1, 0, 0)


def test_a_campaign_interaction_cannot_move_to_another_customer():
	"""The Sales User moves the call planned for A to B with an outcome: refused, A's row stays
	Planned and the interaction stays A's."""
	group = new_group()
	[a, b], user, campaign = seller_of(group, 2)
	first = next(r for r in rows(campaign.name) if r.customer == a)
	frappe.set_user(user)
	interaction = frappe.get_doc("Sales Interaction", first.sales_interaction)
	interaction.customer = b
	interaction.contact = None
	interaction.outcome = get_outcome("Positive")
	with pytest.raises(CampaignInteractionCustomerError):
		interaction.save()
	frappe.set_user("Administrator")
	assert frappe.db.get_value(ROW, first.name, ["status", "reached_on"]) == ("Planned", None)
	assert frappe.db.get_value("Sales Interaction", first.sales_interaction, "customer") == a
	assert frappe.db.get_value("Segment Campaign", campaign.name, "reached") == 0


def test_a_deleted_interaction_leaves_its_customer_out(people):
	group = new_group()
	segment_customers(group, 1)
	campaign = new_campaign(group, people)
	api.create_work(campaign.name)
	[row] = rows(campaign.name)
	frappe.delete_doc("Sales Interaction", row.sales_interaction)
	assert frappe.db.get_value(ROW, row.name, ["status", "left_out_reason", "sales_interaction"]) == (
		"Left Out",
		"Interaction Deleted",
		None,
	)


def test_playbook_reads_which_channel_converted(people):
	"""A call list reached a, b and c on day D (20 days to order): a orders on D+3 and b on D+2, so 2 of
	3 = 66.7 %; an email reached b on D+1 and b's order is in its window: 1 of 1 = 100 %. Best first."""
	group = new_group()
	a, b, c = segment_customers(group, 3)
	day = add_days(today(), -10)
	calls = new_campaign(group, people, first_contact_date=day, attribution_days=20)
	api.create_work(calls.name)
	frappe.db.set_value("Segment Campaign", calls.name, "started_on", day)  # made on that day
	for row in rows(calls.name):
		reach(row.sales_interaction)
	mail = new_campaign(
		group, channel="Email", email_subject="S", email_message="<p>M</p>", attribution_days=20
	)
	campaigns.insert_rows(
		[{"campaign": mail.name, "customer": b, "status": "Reached", "reached_on": add_days(day, 1)}]
	)
	code = item()
	make_sales_order(a, transaction_date=add_days(day, 3), items=[{"item_code": code, "rate": 10}])
	make_sales_order(b, transaction_date=add_days(day, 2), items=[{"item_code": code, "rate": 10}])
	worked = playbook.what_worked([a, b, c])
	assert [(r.channel, r.reached, r.ordered, r.conversion) for r in worked["campaign_channels"]] == [
		("Email", 1, 1, 100.0),
		("Call List", 3, 2, 66.7),
	]
	assert worked["campaign_channels"][1]["explanation"] == "Call List: 2 of 3 reached ordered (66.7%)"


def test_lookalikes_are_the_top_customers_segments_without_them(people):
	group = new_group()
	top = segment_customers(group, 1, prefix="A")[0]
	alike = segment_customers(group, 2, prefix="B")
	segment_customers(group, 1, city="Sevilla", prefix="C")  # another segment
	code = item()
	from bizlink.devtools.factories import make_sales_invoice

	order = make_sales_order(top, items=[{"item_code": code, "rate": 1000}])
	make_sales_invoice(order.name)
	campaign = new_campaign(
		group, people, audience="Look-alikes of Top Customers", top_customers=1, customer_group=group
	)
	assert [c.name for c in campaigns.audience(campaign)] == sorted(alike)


def test_customers_merged_count_once_in_their_campaign(people):
	group = new_group()
	first, second = segment_customers(group, 2)
	campaign = new_campaign(group, people, first_contact_date=add_days(today(), -1))
	api.create_work(campaign.name)
	reach(frappe.db.get_value(ROW, {"campaign": campaign.name, "customer": first}, "sales_interaction"))
	frappe.rename_doc("Customer", first, second, merge=True)
	[row] = rows(campaign.name)
	assert (row.customer, row.status) == (second, "Reached")  # the merged one had been reached
	assert frappe.db.get_value("Segment Campaign", campaign.name, ["customers", "reached"]) == (1, 1)


def test_a_sales_user_may_not_make_the_work(people):
	group = new_group()
	segment_customers(group, 1)
	campaign = new_campaign(group, people)
	frappe.set_user(make_user(roles=["Sales User"]).name)
	with pytest.raises(frappe.PermissionError):
		api.create_work(campaign.name)
	with pytest.raises(frappe.PermissionError):
		api.close(campaign.name)
	assert frappe.get_doc("Segment Campaign", campaign.name).status == "Draft"


# over REST, with each role's own API key -----------------------------------------------------------


@pytest.fixture(scope="module")
def rest(site):
	"""Users of each role with their API keys, a segment of two customers in L'Hospitalet and a sales
	person, committed (the requests run on their own connections) and removed at the end."""
	from committed import names_where, purge_world
	from test_rest_permissions import Api, give_api_key

	frappe.set_user("Administrator")
	tag = random_string(6).lower()
	world = frappe._dict(api=Api(site), users={}, tag=tag)
	for role in ("Sales User", "Sales Manager", "System Manager"):
		user = make_user(f"camp-{frappe.scrub(role)}-{tag}@example.com", [role]).name
		world.users[role] = user
		world.api.keys[user] = give_api_key(user)
	world.group = new_group(f"REST Camp {tag}")
	world.customers = segment_customers(world.group, 2, city="L'Hospitalet", prefix=f"REST Camp {tag} ")
	world.person = make_sales_person(f"REST Camp {tag}").name
	frappe.db.commit()  # nosemgrep (the requests read it on their own connections)
	try:
		yield world
	finally:
		frappe.db.rollback()
		frappe.set_user("Administrator")
		names = frappe.get_all("Segment Campaign", {"customer_group": world.group}, pluck="name")
		frappe.db.delete(ROW, {"campaign": ("in", names or [""])})
		interactions = names_where("Sales Interaction", "campaign", names)
		frappe.db.delete("ToDo", {"reference_name": ("in", interactions or [""])})
		frappe.db.delete("Comment", {"reference_name": ("in", interactions or [""])})
		frappe.db.delete(
			"Event",
			{
				"name": (
					"in",
					names_where("Sales Interaction", "name", interactions, pluck="event") or [""],
				)
			},
		)
		purge_world(world.customers, users=list(world.users.values()), extra=(("Segment Campaign", names),))
		frappe.db.delete("Sales Person", {"name": world.person})
		frappe.db.delete("Customer Group", {"name": world.group})
		frappe.db.commit()  # nosemgrep (what the fixture committed is removed for good)


@pytest.mark.commits
def test_every_rule_over_rest_with_hostile_names(rest):
	api, users = rest.api, rest.users
	manager, seller, admin = users["Sales Manager"], users["Sales User"], users["System Manager"]
	payload = {
		"title": HOSTILE,
		"channel": "Call List",
		"customer_group": rest.group,
		"city": "L'Hospitalet",
		"sales_people": [{"sales_person": rest.person}],
	}
	# only the campaign's managers make campaigns
	assert api.resource(seller, "POST", "Segment Campaign", json=payload).status_code == 403
	response = api.resource(manager, "POST", "Segment Campaign", json=payload)
	assert response.status_code == 200, response.get_data(as_text=True)[:300]
	name = response.json["data"]["name"]
	title = response.json["data"]["title"]
	assert "onerror" not in title  # Frappe's cleaning of a saved text; the report shows what is stored
	# a Sales User reads it, changes and deletes nothing, and may not make its work (403)
	assert api.resource(seller, "GET", "Segment Campaign", name).status_code == 200
	assert api.resource(seller, "PUT", "Segment Campaign", name, json={"cost": 1}).status_code == 403
	assert api.resource(seller, "DELETE", "Segment Campaign", name).status_code == 403
	for method in ("create_work", "close"):
		response = api.method(seller, "POST", f"bizlink.api.campaign.{method}", json={"campaign": name})
		assert response.status_code == 403, method
	assert not frappe.db.count(ROW, {"campaign": name})
	# the manager makes the call list; the status is the system's, whatever is sent
	response = api.method(manager, "POST", "bizlink.api.campaign.create_work", json={"campaign": name})
	assert response.status_code == 200, response.get_data(as_text=True)[:300]
	assert response.json["message"]["added"] == 2
	response = api.resource(manager, "PUT", "Segment Campaign", name, json={"status": "Closed", "reached": 9})
	assert response.status_code == 200
	frappe.db.rollback()
	assert frappe.db.get_value("Segment Campaign", name, ["status", "reached"]) == ("Active", 0)
	# the rows: read by both, written by nobody (the System Manager included)
	listed = api.resource(
		seller, "GET", ROW, query_string={"filters": json.dumps({"campaign": name}), "fields": '["name"]'}
	)
	assert listed.status_code == 200 and len(listed.json["data"]) == 2
	row = listed.json["data"][0]["name"]
	for user in (seller, manager, admin):
		assert api.resource(user, "PUT", ROW, row, json={"status": "Reached"}).status_code == 403
		assert api.resource(user, "DELETE", ROW, row).status_code == 403
		response = api.resource(user, "POST", ROW, json={"campaign": name, "customer": rest.customers[0]})
		assert response.status_code == 403
	frappe.db.rollback()
	assert frappe.db.get_value(ROW, row, "status") == "Planned"
	# the System Manager may change the campaign
	assert api.resource(admin, "PUT", "Segment Campaign", name, json={"cost": 120}).status_code == 200
	# the report, as a Sales User: the title and the city come back as typed (text, never markup)
	response = api.method(
		seller,
		"POST",
		"frappe.desk.query_report.run",
		json={"report_name": "Campaign Results", "filters": {"campaign": name}},
	)
	assert response.status_code == 200, response.get_data(as_text=True)[:300]
	[result] = response.json["message"]["result"]
	assert (result["title"], result["city"], result["customers"], result["cost"]) == (
		title,
		"L'Hospitalet",
		2,
		120,
	)
	# Market Segments (the button's report) with that city: the apostrophe is only a value
	response = api.method(
		manager,
		"POST",
		"frappe.desk.query_report.run",
		json={
			"report_name": "Market Segments",
			"filters": {"city": "L'Hospitalet", "customer_group": rest.group, "dimensions": "City"},
		},
	)
	assert response.status_code == 200
	[segment] = response.json["message"]["result"][:1]
	assert (segment["city"], segment["customers"]) == ("L'Hospitalet", 2)
	# the Sales User may not see the report's buttons' target either: no campaign is made for them
	assert api.resource(seller, "POST", "Segment Campaign", json={**payload, "title": "x"}).status_code == 403
