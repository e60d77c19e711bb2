"""Sales Interaction: what a salesperson logs, what it refuses, and what it keeps in sync."""

import frappe
import pytest
from frappe.utils import add_days, add_to_date, get_datetime, getdate, now_datetime, today

from bizlink.devtools.factories import (
	get_outcome,
	make_customer,
	make_interaction,
	make_sales_order,
	make_sales_person,
	make_user,
)
from bizlink.exceptions import (
	ContactNotOfCustomerError,
	DisabledCustomerError,
	FutureOutcomeError,
	InvalidDurationError,
	InvalidNextActionDateError,
	InvalidPartyTypeError,
	ReferenceCustomerMismatchError,
)
from bizlink.sales_crm.doctype.sales_interaction.follow_up import (
	get_overdue_follow_ups,
	send_overdue_digest,
)


def count_interactions() -> int:
	return frappe.db.count("Sales Interaction")


@pytest.fixture
def customer():
	return make_customer()


def test_logged_interaction_is_named_by_series_and_fetches_customer_name(customer):
	interaction = make_interaction(customer.name, duration=15, outcome=get_outcome("Positive"))
	assert interaction.name.startswith(f"SI-{getdate(today()).year}-")
	assert interaction.customer_name == customer.customer_name
	assert interaction.outcome_category == "Positive"
	assert interaction.user == "Administrator"


def test_customer_summary_follows_interactions(customer):
	first = make_interaction(customer.name, interaction_date=add_to_date(now_datetime(), days=-10))
	second = make_interaction(
		customer.name,
		interaction_date=add_to_date(now_datetime(), days=-2),
		next_action="Send offer",
		next_action_date=add_days(today(), 3),
	)
	make_interaction(customer.name, interaction_date=add_to_date(now_datetime(), days=5))  # planned
	row = frappe.db.get_value(
		"Customer",
		customer.name,
		["bizlink_interaction_count", "bizlink_last_interaction", "bizlink_next_follow_up"],
		as_dict=True,
	)
	assert row.bizlink_interaction_count == 3
	assert get_datetime(row.bizlink_last_interaction) == get_datetime(second.interaction_date)
	assert getdate(row.bizlink_next_follow_up) == getdate(add_days(today(), 3))

	second.delete()
	row = frappe.db.get_value(
		"Customer",
		customer.name,
		["bizlink_interaction_count", "bizlink_last_interaction", "bizlink_next_follow_up"],
		as_dict=True,
	)
	assert row.bizlink_interaction_count == 2
	assert get_datetime(row.bizlink_last_interaction) == get_datetime(first.interaction_date)
	assert row.bizlink_next_follow_up is None


def test_moving_an_interaction_updates_both_customers(customer):
	other = make_customer(city=None)
	interaction = make_interaction(customer.name)
	interaction.customer = other.name
	interaction.save()
	assert frappe.db.get_value("Customer", customer.name, "bizlink_interaction_count") == 0
	assert frappe.db.get_value("Customer", other.name, "bizlink_interaction_count") == 1


# Follow-ups --------------------------------------------------------------------------------------


def test_next_action_creates_todo_and_event_for_the_sales_persons_user(customer):
	user = make_user(roles=["Sales User"])
	person = make_sales_person(user=user.name)
	interaction = make_interaction(
		customer.name,
		sales_person=person.name,
		next_action="Send the quotation",
		next_action_date=add_days(today(), 2),
	)
	assert interaction.follow_up_status == "Open"
	todo = frappe.get_doc("ToDo", interaction.todo)
	assert todo.allocated_to == user.name
	assert todo.status == "Open"
	assert getdate(todo.date) == getdate(add_days(today(), 2))
	assert "Send the quotation" in todo.description
	assert (todo.reference_type, todo.reference_name) == ("Sales Interaction", interaction.name)
	event = frappe.get_doc("Event", interaction.event)
	assert event.owner == user.name  # in the salesperson's calendar
	assert getdate(event.starts_on) == getdate(add_days(today(), 2))
	assert user.name in (frappe.get_value("Sales Interaction", interaction.name, "_assign") or "")


def test_follow_up_without_sales_person_goes_to_who_logged_it(customer):
	interaction = make_interaction(customer.name, next_action_date=add_days(today(), 1))
	assert frappe.db.get_value("ToDo", interaction.todo, "allocated_to") == "Administrator"


def test_changing_next_action_date_moves_todo_and_event(customer):
	interaction = make_interaction(customer.name, next_action_date=add_days(today(), 1))
	todo, event = interaction.todo, interaction.event
	interaction.next_action_date = add_days(today(), 7)
	interaction.save()
	assert interaction.todo == todo and interaction.event == event
	assert getdate(frappe.db.get_value("ToDo", todo, "date")) == getdate(add_days(today(), 7))
	assert getdate(frappe.db.get_value("Event", event, "starts_on")) == getdate(add_days(today(), 7))
	assert frappe.db.count("ToDo", {"reference_name": interaction.name, "status": "Open"}) == 1


def test_clearing_next_action_date_cancels_follow_up(customer):
	interaction = make_interaction(customer.name, next_action_date=add_days(today(), 1))
	todo, event = interaction.todo, interaction.event
	interaction.next_action_date = None
	interaction.save()
	assert frappe.db.get_value("ToDo", todo, "status") == "Cancelled"
	assert not frappe.db.exists("Event", event)
	assert not interaction.follow_up_status
	assert frappe.db.get_value("Customer", customer.name, "bizlink_next_follow_up") is None


def test_closing_the_todo_marks_follow_up_done(customer):
	interaction = make_interaction(customer.name, next_action_date=add_days(today(), 1))
	todo = frappe.get_doc("ToDo", interaction.todo)
	todo.status = "Closed"
	todo.save()
	assert frappe.db.get_value("Sales Interaction", interaction.name, "follow_up_status") == "Done"
	assert frappe.db.get_value("Customer", customer.name, "bizlink_next_follow_up") is None


def test_deleting_interaction_removes_its_follow_up(customer):
	interaction = make_interaction(customer.name, next_action_date=add_days(today(), 1))
	todo, event = interaction.todo, interaction.event
	interaction.delete()
	assert frappe.db.get_value("ToDo", todo, "status") in (None, "Cancelled")
	assert not frappe.db.exists("Event", event)


def test_overdue_follow_ups_and_daily_digest(customer, outgoing_email):
	user = make_user(roles=["Sales User"])
	person = make_sales_person(user=user.name)
	overdue = make_interaction(
		customer.name,
		sales_person=person.name,
		interaction_date=add_to_date(now_datetime(), days=-5),
		next_action="Call back",
		next_action_date=add_days(today(), -1),
	)
	make_interaction(customer.name, sales_person=person.name, next_action_date=add_days(today(), 3))
	assert [row.name for row in get_overdue_follow_ups(user.name)] == [overdue.name]

	before = frappe.db.count("Email Queue")
	send_overdue_digest()
	queued = frappe.get_all(
		"Email Queue",
		fields=["name", "message"],
		order_by="creation desc",
		limit=frappe.db.count("Email Queue") - before,
	)
	recipients = frappe.get_all(
		"Email Queue Recipient", filters={"parent": ("in", [q.name for q in queued])}, pluck="recipient"
	)
	assert user.name in recipients
	assert any("Call back" in q.message for q in queued)


def test_digest_skips_quietly_without_outgoing_email(customer):
	frappe.db.set_value("Email Account", {"enable_outgoing": 1}, "enable_outgoing", 0)
	frappe.local.outgoing_email_account = {}
	make_interaction(
		customer.name,
		interaction_date=add_to_date(now_datetime(), days=-5),
		next_action_date=add_days(today(), -1),
	)
	before = frappe.db.count("Email Queue")
	send_overdue_digest()
	assert frappe.db.count("Email Queue") == before


# Bad input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("duration", [-1, 24 * 60 + 1, 100000])
def test_duration_out_of_range_is_refused(customer, duration):
	before = count_interactions()
	with pytest.raises(InvalidDurationError, match="between 0 and 1440"):
		make_interaction(customer.name, duration=duration)
	assert count_interactions() == before


@pytest.mark.parametrize("duration", [0, 1440])
def test_duration_bounds_are_accepted(customer, duration):
	assert make_interaction(customer.name, duration=duration).duration == duration


def test_future_interaction_with_outcome_is_refused(customer):
	before = count_interactions()
	with pytest.raises(FutureOutcomeError, match="cannot have an outcome yet"):
		make_interaction(
			customer.name, interaction_date=add_to_date(now_datetime(), days=1), outcome=get_outcome("Won")
		)
	assert count_interactions() == before


def test_future_interaction_without_outcome_is_a_plan(customer):
	assert make_interaction(customer.name, interaction_date=add_to_date(now_datetime(), days=1)).name


def test_next_action_before_interaction_is_refused(customer):
	before = count_interactions()
	with pytest.raises(InvalidNextActionDateError, match="before the interaction"):
		make_interaction(customer.name, next_action_date=add_days(today(), -1))
	assert count_interactions() == before
	assert not frappe.db.exists(
		"ToDo", {"reference_type": "Sales Interaction", "date": add_days(today(), -1)}
	)


def test_contact_of_another_customer_is_refused(customer):
	other = make_customer()
	before = count_interactions()
	with pytest.raises(ContactNotOfCustomerError, match="does not belong to customer"):
		make_interaction(customer.name, contact=other.customer_primary_contact)
	assert count_interactions() == before


def test_own_contact_is_accepted(customer):
	assert make_interaction(customer.name, contact=customer.customer_primary_contact).contact


def test_sales_order_of_another_customer_is_refused(customer):
	order = make_sales_order(customer=make_customer(city=None).name)
	before = count_interactions()
	with pytest.raises(ReferenceCustomerMismatchError, match="not to customer"):
		make_interaction(customer.name, sales_order=order.name)
	assert count_interactions() == before


def test_own_sales_order_is_accepted(customer):
	order = make_sales_order(customer=customer.name)
	assert make_interaction(customer.name, sales_order=order.name).sales_order == order.name


def test_quotation_and_opportunity_of_another_customer_are_refused(customer):
	other = make_customer(city=None)
	opportunity = frappe.get_doc(
		{
			"doctype": "Opportunity",
			"opportunity_from": "Customer",
			"party_name": other.name,
			"company": frappe.defaults.get_global_default("company"),
		}
	).insert()
	with pytest.raises(ReferenceCustomerMismatchError):
		make_interaction(customer.name, opportunity=opportunity.name)
	quotation = frappe.get_doc(
		{
			"doctype": "Quotation",
			"quotation_to": "Customer",
			"party_name": other.name,
			"company": frappe.defaults.get_global_default("company"),
			"items": [{"item_code": make_sales_order(submit=False).items[0].item_code, "qty": 1, "rate": 10}],
		}
	).insert()
	with pytest.raises(ReferenceCustomerMismatchError):
		make_interaction(customer.name, quotation=quotation.name)


def test_disabled_customer_is_refused():
	customer = make_customer(city=None, disabled=1)
	before = count_interactions()
	with pytest.raises(DisabledCustomerError, match="is disabled"):
		make_interaction(customer.name)
	assert count_interactions() == before


def test_party_other_than_lead_or_prospect_is_refused(customer):
	with pytest.raises(InvalidPartyTypeError):
		make_interaction(
			customer.name, party_type="Supplier", party=frappe.db.get_value("Supplier", {}, "name")
		)


def test_lead_as_pre_sales_party(customer):
	lead = frappe.get_doc({"doctype": "Lead", "first_name": "Ana", "company_name": "Nueva S.L."}).insert()
	interaction = make_interaction(customer.name, party_type="Lead", party=lead.name)
	assert interaction.party == lead.name


def test_user_without_sales_role_cannot_log(customer):
	user = make_user(roles=["Stock User"])
	frappe.set_user(user.name)
	before = count_interactions()
	with pytest.raises(frappe.PermissionError):
		make_interaction(customer.name)
	frappe.set_user("Administrator")
	assert count_interactions() == before


def test_sales_user_can_log_but_not_delete(customer):
	user = make_user(roles=["Sales User"])
	frappe.set_user(user.name)
	interaction = make_interaction(customer.name)
	assert interaction.owner == user.name
	with pytest.raises(frappe.PermissionError):
		interaction.delete()


def test_sales_manager_can_delete(customer):
	user = make_user(roles=["Sales Manager"])
	frappe.set_user(user.name)
	interaction = make_interaction(customer.name)
	interaction.delete()
	assert not frappe.db.exists("Sales Interaction", interaction.name)


# Connections -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
	("doctype", "fieldname"),
	[
		("Customer", "customer"),
		("Sales Order", "sales_order"),
		("Opportunity", "opportunity"),
		("Quotation", "quotation"),
	],
)
def test_sales_interactions_in_connections(doctype, fieldname):
	data = frappe.get_meta(doctype).get_dashboard_data()
	assert any("Sales Interaction" in group["items"] for group in data.transactions)
	assert (data.get("non_standard_fieldnames") or {}).get("Sales Interaction", data.fieldname) == fieldname


def test_customer_connection_counts_interactions(customer):
	from frappe.desk.notifications import get_open_count

	make_interaction(customer.name)
	make_interaction(customer.name)
	counts = get_open_count("Customer", customer.name)["count"]["external_links_found"]
	assert {"doctype": "Sales Interaction", "open_count": 0, "count": 2} in counts
