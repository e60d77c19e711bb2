"""BizLink's figures equal what the documents say, reached the way users reach them (issue 15).

Documents are saved through the form's own call (`frappe.desk.form.save.savedocs`, what the desk's
Save button posts) as the user who would save them; figures are read from the Market Segments report
and checked against the same aggregate computed from the documents, and against numbers worked out
by hand."""

import json

import frappe
import pytest
from frappe.utils import add_days, add_to_date, get_datetime, getdate, random_string, today
from test_market import market
from test_segments import ALL, assert_matches, figures

from bizlink import reconcile
from bizlink.devtools.factories import make_customer, make_item, make_sales_order, make_user
from bizlink.exceptions import MixedCurrencyError
from bizlink.market_analysis import segments
from bizlink.market_analysis.report.market_segments import market_segments
from bizlink.service import escalation


def save_as_form(doc: dict, user: str | None = None) -> "frappe.model.document.Document":
	"""Save a new document as the desk's Save button does: savedocs with the document as JSON."""
	from frappe.desk.form.save import savedocs

	previous = frappe.session.user
	if user:
		frappe.set_user(user)
	try:
		savedocs(frappe.as_json({"__islocal": 1, "name": f"new-{random_string(8)}", **doc}), "Save")
		saved = frappe.response.docs[-1]
		return frappe.get_doc(saved["doctype"], saved["name"])
	finally:
		frappe.set_user(previous)


def interactions_of(market, group: str) -> int:  # noqa: F811
	return figures(
		{"territory": market.territory, "dimensions": ["Customer Group"], "customer_group": group},
		True,
	)[(group,)][5]


# 1. interactions with a follow-up reach the rollup ------------------------------------------


def test_an_interaction_with_a_next_action_date_is_counted(market):  # noqa: F811
	salesperson = make_user(roles=["Sales User"]).name
	before = interactions_of(market, market.g2)  # C and D: none in the last 12 months
	assert before == 0
	save_as_form(
		{
			"doctype": "Sales Interaction",
			"customer": market.d,
			"subject": "Call back about the quote",
			"interaction_type": "Call",
			"interaction_date": add_to_date(get_datetime(today()), days=-1, hours=9),
			"next_action": "Send the quote",
			"next_action_date": add_days(today(), 3),
		},
		user=salesperson,
	)
	assert interactions_of(market, market.g2) == 1
	assert_matches(market.territory)
	# the customer moves to the other group: its interaction goes with it, nothing left below zero
	customer = frappe.get_doc("Customer", market.d)
	customer.customer_group = market.g1
	customer.save()
	assert interactions_of(market, market.g2) == 0
	assert interactions_of(market, market.g1) == 3 + 1  # A's three in the last 12 months, and D's
	assert_matches(market.territory)


def test_an_interaction_moved_and_its_follow_up_cleared_stays_counted_once(market):  # noqa: F811
	doc = save_as_form(
		{
			"doctype": "Sales Interaction",
			"customer": market.c,
			"subject": "Visit",
			"interaction_type": "Visit",
			"interaction_date": add_to_date(get_datetime(today()), days=-2, hours=11),
			"next_action_date": add_days(today(), 1),
		}
	)
	assert doc.todo and doc.follow_up_status == "Open"
	doc.customer = market.a
	doc.save()
	doc.next_action_date = None
	doc.save()
	assert interactions_of(market, market.g2) == 0
	assert interactions_of(market, market.g1) == 3 + 1
	frappe.delete_doc("Sales Interaction", doc.name)
	assert interactions_of(market, market.g1) == 3
	assert_matches(market.territory)


# 2. the city is the one of the address a user would call the customer's -----------------------


def by_city(market) -> dict:  # noqa: F811
	return {
		key[0]: value[0]
		for key, value in figures({"territory": market.territory, "dimensions": ["City"]}, True).items()
	}


@pytest.mark.parametrize("city", ["Valencia", "L'Hospitalet de Llobregat"])
def test_an_address_added_from_the_address_form_gives_the_city(market, city):  # noqa: F811
	customer = make_customer(f"No address {random_string(5)}", territory=market.territory, city=None)
	assert not frappe.db.get_value("Customer", customer.name, "customer_primary_address")
	assert by_city(market)[market_segments._("Not Set")] == 1
	address = save_as_form(
		{
			"doctype": "Address",
			"address_title": customer.name,
			"address_type": "Billing",
			"address_line1": "Calle Mayor 1",
			"city": city,
			"country": "Spain",
			"is_primary_address": 1,
			"links": [{"doctype": "Dynamic Link", "link_doctype": "Customer", "link_name": customer.name}],
		}
	)
	assert frappe.db.get_value("Customer", customer.name, "customer_primary_address") in (None, "")
	assert frappe.db.get_value("Customer", customer.name, "bizlink_market_address") == address.name
	assert by_city(market).get(city) == 1
	assert market_segments._("Not Set") not in by_city(market)
	assert_matches(market.territory)
	# a second, shipping address made later does not take its place; deleting the first one does
	second = save_as_form(
		{
			"doctype": "Address",
			"address_title": f"{customer.name} warehouse",
			"address_type": "Shipping",
			"address_line1": "Polígono 4",
			"city": "Sagunto",
			"country": "Spain",
			"links": [{"doctype": "Dynamic Link", "link_doctype": "Customer", "link_name": customer.name}],
		}
	)
	assert by_city(market).get(city) == 1
	frappe.delete_doc("Address", address.name)
	assert frappe.db.get_value("Customer", customer.name, "bizlink_market_address") == second.name
	assert by_city(market).get("Sagunto") == 1 and city not in by_city(market)
	assert_matches(market.territory)


def test_the_customers_primary_address_wins_over_a_linked_one(market):  # noqa: F811
	address_of_b = frappe.db.get_value("Customer", market.b, "customer_primary_address")
	save_as_form(
		{
			"doctype": "Address",
			"address_title": "Other",
			"address_type": "Billing",
			"address_line1": "Gran Vía 2",
			"city": "Bilbao",
			"country": "Spain",
			"is_primary_address": 1,
			"links": [{"doctype": "Dynamic Link", "link_doctype": "Customer", "link_name": market.b}],
		}
	)
	assert frappe.db.get_value("Customer", market.b, "bizlink_market_address") == address_of_b
	assert "Bilbao" not in by_city(market)


# 8. the report says what it shows ---------------------------------------------------------------


def test_the_report_says_when_it_shows_only_the_first_segments(market, monkeypatch):  # noqa: F811
	company = frappe.defaults.get_global_default("company")
	filters = {"territory": market.territory, "dimensions": ALL, "company": company}
	_columns, rows, message, *_ = market_segments.execute(filters)
	assert len(rows) == 2 and message is None  # X and Y: all shown
	monkeypatch.setattr(market_segments, "ROW_LIMIT", 1)
	monkeypatch.setattr(segments, "ROW_LIMIT", 1)
	_columns, rows, message, *_ = market_segments.execute(filters)
	assert len(rows) == 1 and "Only the first 1 rows" in message and "narrow the filters" in message


def test_each_amount_column_says_what_it_counts(market):  # noqa: F811
	# an order not yet invoiced: order value without revenue, as the columns now say
	make_sales_order(
		customer=market.d, items=[{"item_code": make_item(rate=5200).name, "qty": 1, "rate": 5200}]
	)
	company = frappe.defaults.get_global_default("company")
	columns, rows, *_ = market_segments.execute(
		{
			"territory": market.territory,
			"dimensions": ["Customer Group"],
			"customer_group": market.g2,
			"company": company,
		}
	)
	labels = {column["fieldname"]: column["label"] for column in columns}
	assert labels["revenue"] == "Invoiced" and labels["order_value"] == "Order Value"
	row = rows[0]
	assert (row.revenue, row.orders, row.order_value, row.average_order_value) == (100, 2, 5300, 2650)
	descriptions = {column["fieldname"]: column.get("description") for column in columns}
	assert "Sales Invoices" in descriptions["revenue"] and "invoiced or not" in descriptions["order_value"]
	assert row.currency == frappe.get_cached_value("Company", company, "default_currency")


def test_companies_with_other_currencies_are_not_added_up(market):  # noqa: F811
	company = frappe.defaults.get_global_default("company")
	currency = frappe.get_cached_value("Company", company, "default_currency")
	# a second company keeping its books in another currency: its row alone (making a whole ERPNext
	# company creates tables' worth of accounts and commits)
	name = f"BizLink US {random_string(4)}"
	frappe.get_doc(
		{
			"doctype": "Company",
			"name": name,
			"company_name": name,
			"abbr": random_string(4).upper(),
			"default_currency": "USD" if currency != "USD" else "EUR",
			"country": "United States",
		}
	).db_insert()
	filters = {"territory": market.territory, "dimensions": ["Customer Group"]}
	with pytest.raises(MixedCurrencyError):
		market_segments.execute(filters)
	_columns, rows, *_ = market_segments.execute({**filters, "company": company})
	assert {row.revenue for row in rows} == {1000 + 500 + 500, 100}  # the last 12 months
	assert {row.currency for row in rows} == {currency}


def test_an_interaction_at_midnight_counts_on_its_own_day(market):  # noqa: F811
	day = getdate(add_days(today(), -6))
	frappe.get_doc(
		{
			"doctype": "Sales Interaction",
			"customer": market.c,
			"subject": "At midnight",
			"interaction_type": "Email",
			"interaction_date": get_datetime(f"{add_days(day, 1)} 00:00:00"),  # the next day's first moment
		}
	).insert()
	filters = {"territory": market.territory, "dimensions": ["Customer Group"], "customer_group": market.g2}
	ending_that_day = {**filters, "from_date": add_days(day, -5), "to_date": day}
	starting_next_day = {**filters, "from_date": add_days(day, 1), "to_date": add_days(day, 2)}
	for period, expected in ((ending_that_day, 0), (starting_next_day, 1)):
		assert figures(period, True)[(market.g2,)][5] == expected
		assert figures(period, False) == figures(period, True)


# 8. one failing ticket does not hold back escalation -----------------------------------------


def test_a_ticket_that_fails_to_escalate_does_not_block_the_others(market, monkeypatch):  # noqa: F811
	tickets = []
	for hours_late in (30, 20, 10):  # the oldest first, as the job reads them
		ticket = frappe.get_doc(
			{"doctype": "Service Ticket", "subject": f"late {hours_late}", "customer": market.a}
		).insert()
		due = add_to_date(get_datetime(), hours=-hours_late)
		ticket.db_set({"sla_resolution_by": add_to_date(due, hours=100), "escalate_at": due})
		tickets.append(ticket.name)
	bad = tickets[0]
	real_notify = escalation.notify

	def notify(name, users, subject):
		if name == bad:
			raise frappe.ValidationError("mail server refused")
		real_notify(name, users, subject)

	monkeypatch.setattr(escalation, "notify", notify)
	errors = frappe.db.count("Error Log")
	done = escalation.escalate_tickets()
	assert done["failed"] == 1 and done["warned"] >= 2
	levels = {
		name: frappe.db.get_value("Service Ticket", name, "escalation_level") or None for name in tickets
	}
	assert levels == {bad: None, tickets[1]: "Warned", tickets[2]: "Warned"}
	retry = frappe.db.get_value("Service Ticket", bad, "escalate_at")
	assert get_datetime(retry) > get_datetime()  # tried again later, not blocking the next run
	assert frappe.db.count("Error Log") == errors + 1


# 7. work lost when the queue fails is found and redone ------------------------------------------


@pytest.fixture
def worker_down(monkeypatch):
	"""The queue takes jobs and never runs them (the worker is down, or the job failed)."""
	dropped = []
	monkeypatch.setattr("bizlink.bizlink.queue.after_commit", lambda method, **kwargs: dropped.append(method))
	return dropped


def installable_order():
	item = make_item(rate=900, bizlink_requires_installation=1)
	return make_sales_order(items=[{"item_code": item.name, "qty": 2, "rate": 900}])


def test_an_order_whose_queued_work_was_lost_is_repaired(worker_down):
	reconcile.repair_orders(grace_minutes=-1)  # whatever else the site had lost (its queue never ran)
	order = installable_order()
	assert worker_down == ["bizlink.field_service.installation.after_sales_order_submit"]
	assert not frappe.db.exists("Field Visit", {"sales_order": order.name})
	assert not frappe.db.get_value("Sales Order", order.name, "bizlink_stage")
	logs = frappe.db.count(reconcile.LOG)

	figures_ = reconcile.repair_orders(grace_minutes=-1)
	assert (figures_["jobs_created"], figures_["stages_repaired"], figures_["installation_repaired"]) == (
		1,
		1,
		1,
	)
	job = frappe.get_doc("Field Visit", {"sales_order": order.name})
	assert job.status == "To Schedule" and [row.qty for row in job.items] == [2]
	assert frappe.db.get_value(
		"Sales Order", order.name, ["bizlink_stage", "bizlink_installation_status"]
	) == ("Ordered", "To Install")
	assert frappe.db.count("Order Stage Log", {"sales_order": order.name}) == 1
	log = frappe.get_last_doc(reconcile.LOG)
	assert frappe.db.count(reconcile.LOG) == logs + 1
	assert (log.run, log.jobs_created, log.repaired) == ("Orders", 1, 3)
	assert json.loads(log.details)["orders"] == [
		{"sales_order": order.name, "repaired": ["job", "installed", "stage"]}
	]
	# a second run finds nothing and writes nothing
	assert reconcile.repair_orders(grace_minutes=-1)["repaired"] == 0
	assert frappe.db.count(reconcile.LOG) == logs + 1
	assert frappe.db.count("Field Visit", {"sales_order": order.name}) == 1


def test_an_order_submitted_a_moment_ago_is_left_to_its_queue(worker_down):
	reconcile.repair_orders(grace_minutes=-1)  # whatever else the site had lost (its queue never ran)
	order = installable_order()
	assert reconcile.repair_orders()["orders_checked"] == 0
	assert not frappe.db.exists("Field Visit", {"sales_order": order.name})


def test_the_daily_run_repairs_rollup_drift_beyond_set_value(market):  # noqa: F811
	interaction = frappe.get_last_doc("Sales Interaction", {"customer": market.a})
	# written behind BizLink's back: the day the interaction counts on changes, the customer does not
	frappe.db.set_value(
		"Sales Interaction", interaction.name, "interaction_date", add_days(interaction.interaction_date, -1)
	)
	assert segments.drifted_segments()
	result = reconcile.repair_all()
	assert result["segments_repaired"] >= 1
	assert not segments.drifted_segments()
	assert_matches(market.territory)
	assert frappe.get_last_doc(reconcile.LOG).run == "Daily"


# found by the review: the ticket of an installed serial, a Lead converted into another customer ---


def test_a_ticket_names_the_job_that_installed_its_serial():
	from test_field_visit import job_of, schedule, technician
	from test_installation_quantities import complete_with_serials, deliver, start_as

	boiler = make_item(rate=1800, has_serial_no=1, bizlink_requires_installation=1)
	order = make_sales_order(items=[{"item_code": boiler.name, "qty": 2, "rate": 1800}])
	serials = deliver(order, {boiler.name: 2}).items[0].serial_no.split("\n")
	installer = technician()
	first = start_as(installer, schedule(job_of(order), crew=[installer]))
	complete_with_serials(installer, first, serials[:1])
	rest = frappe.db.get_value("Field Visit", {"sales_order": order.name, "docstatus": 0})
	ticket = lambda serial: frappe.get_doc(  # noqa: E731
		{"doctype": "Service Ticket", "subject": "No heat", "serial_no": serial}
	).insert()
	assert ticket(serials[0]).field_visit == first.name
	assert ticket(serials[1]).field_visit == rest  # not installed yet: the job planning it


def test_an_interaction_cannot_name_a_lead_that_became_another_customer():
	from bizlink.exceptions import ReferenceCustomerMismatchError

	lead = frappe.get_doc({"doctype": "Lead", "first_name": f"Lead {random_string(5)}"}).insert()
	converted = make_customer(lead_name=lead.name)
	other = make_customer()
	with pytest.raises(ReferenceCustomerMismatchError, match=converted.name):
		frappe.get_doc(
			{
				"doctype": "Sales Interaction",
				"customer": other.name,
				"party_type": "Lead",
				"party": lead.name,
				"subject": "Call",
				"interaction_type": "Call",
				"interaction_date": get_datetime(),
			}
		).insert()


def test_only_a_system_manager_reads_the_reconciliation_log():
	log = frappe.get_doc({"doctype": reconcile.LOG, "run": "Orders", "repaired": 1}).insert(
		ignore_permissions=True
	)
	for roles, may_read in (
		(["System Manager"], True),
		(["Sales Manager"], False),
		(["Installation Manager"], False),
		(["Support Manager"], False),
		(["Sales User", "Stock User"], False),
	):
		user = make_user(roles=roles).name
		assert frappe.has_permission(reconcile.LOG, "read", doc=log.name, user=user) == may_read, roles
		for action in ("create", "write"):  # written by the scheduler only
			assert not frappe.has_permission(reconcile.LOG, action, doc=log.name, user=user), (roles, action)
