"""Promised installation dates: targets in BizLink Settings, the due and warning dates on each job and
order counted in working days, the daily check, the managers told, On Time / Late on completion."""

from unittest.mock import patch
from urllib.parse import parse_qs, urlparse

import frappe
import pytest
from frappe.utils import add_days, getdate, now_datetime, random_string, today

from bizlink.devtools.factories import (
	SIGNATURE,
	make_customer,
	make_delivery_note,
	make_item,
	make_sales_invoice,
	make_sales_order,
	make_user,
)
from bizlink.exceptions import InstallationTargetError
from bizlink.field_service.promise import check_promises, working_days_after

JOB = "Field Visit"
SETTINGS = "BizLink Settings"


def group(doctype: str, parent_field: str, parent: str, name: str | None = None) -> str:
	name = name or f"{doctype} {random_string(6)}"
	frappe.get_doc(
		{
			"doctype": doctype,
			frappe.scrub(doctype) + "_name": name,
			parent_field: parent,
			"is_group": 1,
		}
	).insert(ignore_permissions=True)
	return name


@pytest.fixture
def groups():
	"""An item group with a sub-group, a customer group with a sub-group."""
	heating = group("Item Group", "parent_item_group", "All Item Groups")
	boilers = group("Item Group", "parent_item_group", heating)
	trade = group("Customer Group", "parent_customer_group", "All Customer Groups")
	installers = group("Customer Group", "parent_customer_group", trade)
	return frappe._dict(heating=heating, boilers=boilers, trade=trade, installers=installers)


@pytest.fixture
def holidays():
	"""A Holiday List for 2026: every Saturday and Sunday, and Wednesday 4 November."""
	days = [
		add_days("2026-01-01", n)
		for n in range(365)
		if getdate(add_days("2026-01-01", n)).weekday() >= 5 or add_days("2026-01-01", n) == "2026-11-04"
	]
	return (
		frappe.get_doc(
			{
				"doctype": "Holiday List",
				"holiday_list_name": f"Promise {random_string(6)}",
				"from_date": "2026-01-01",
				"to_date": "2026-12-31",
				"holidays": [{"holiday_date": day, "description": "Off"} for day in days],
			}
		)
		.insert(ignore_permissions=True)
		.name
	)


def set_targets(rows: list[dict], warn: float = 75, holiday_list: str | None = None):
	settings = frappe.get_single(SETTINGS)
	settings.installation_targets = []
	for row in rows:
		settings.append("installation_targets", row)
	settings.installation_warning_percent = warn
	settings.installation_holiday_list = holiday_list
	settings.save()
	return settings


def order_for(item_group: str, customer_group: str | None = None, **fields):
	item = make_item(item_group=item_group, bizlink_requires_installation=1, rate=900)
	customer = make_customer(customer_group=customer_group) if customer_group else make_customer()
	return make_sales_order(
		customer=customer.name, items=[{"item_code": item.name, "qty": 1, "rate": 900}], **fields
	)


def job_of(order):
	return frappe.get_doc(JOB, frappe.db.get_value(JOB, {"sales_order": order.name}))


def manager() -> str:
	return make_user(roles=["Installation Manager"]).name


def told(user: str, job: str, state: str) -> int:
	"""Notifications the user got about the job in that state (the bell, beside the email)."""
	subject = {"At Risk": "Installation at risk", "Breached": "Installation promise broken"}[state]
	return frappe.db.count(
		"Notification Log",
		{"for_user": user, "document_type": JOB, "document_name": job, "subject": ("like", f"{subject}%")},
	)


# BizLink Settings --------------------------------------------------------------------------------


@pytest.mark.parametrize("days", [0, -3])
def test_a_target_of_no_working_days_is_refused_and_nothing_saved(groups, days):
	before = frappe.get_all("Installation Target", {"parent": SETTINGS}, ["item_group", "working_days"])
	with pytest.raises(InstallationTargetError, match="at least 1 working day"):
		set_targets([{"item_group": groups.heating, "working_days": days}])
	assert (
		frappe.get_all("Installation Target", {"parent": SETTINGS}, ["item_group", "working_days"]) == before
	)


def test_two_targets_for_the_same_groups_are_refused(groups):
	with pytest.raises(InstallationTargetError, match="Rows 1 and 2"):
		set_targets(
			[
				{"item_group": groups.heating, "customer_group": groups.trade, "working_days": 5},
				{"item_group": groups.heating, "customer_group": groups.trade, "working_days": 9},
			]
		)


@pytest.mark.parametrize("percent", [0.5, 100, 150])
def test_a_warning_outside_the_time_is_refused(groups, percent):
	with pytest.raises(InstallationTargetError, match="between 1 % and 99 %"):
		set_targets([{"item_group": groups.heating, "working_days": 5}], warn=percent)


def test_the_refusal_is_in_spanish():
	frappe.local.lang = "es"
	try:
		with pytest.raises(InstallationTargetError) as refused:
			set_targets([{"working_days": 0}])
	finally:
		frappe.local.lang = "en"
	assert "día laborable" in str(refused.value)


# Working days ------------------------------------------------------------------------------------


def test_working_days_skip_the_holiday_list_and_without_one_the_weekend(holidays):
	# Monday 2 November 2026; Wednesday 4 is a holiday; 7 and 8 the weekend
	assert [str(d) for d in working_days_after("2026-11-02", 5, holidays)] == [
		"2026-11-03",
		"2026-11-05",
		"2026-11-06",
		"2026-11-09",
		"2026-11-10",
	]
	# no list: Saturdays and Sundays only (the Wednesday is worked)
	assert [str(d) for d in working_days_after("2026-11-05", 3, None)] == [
		"2026-11-06",
		"2026-11-09",
		"2026-11-10",
	]


# The promise of an order -------------------------------------------------------------------------


def test_the_closest_target_wins_and_sub_groups_fit(groups):
	set_targets(
		[
			{"working_days": 20, "counted_from": "Order"},
			{"item_group": groups.heating, "working_days": 10, "counted_from": "Order"},
			{"customer_group": groups.trade, "working_days": 3, "counted_from": "Order"},
			{
				"item_group": groups.heating,
				"customer_group": groups.trade,
				"working_days": 7,
				"counted_from": "Order",
			},
		]
	)
	other_items = group("Item Group", "parent_item_group", "All Item Groups")
	both = order_for(groups.boilers, groups.installers)  # sub-groups of both
	items_only = order_for(groups.boilers)
	customers_only = order_for(other_items, groups.installers)
	neither = order_for(other_items)
	assert [job_of(o).target_days for o in (both, items_only, customers_only, neither)] == [7, 10, 3, 20]


def test_without_a_fitting_target_an_order_has_no_promise(groups):
	set_targets([{"item_group": groups.heating, "working_days": 5}])
	other = group("Item Group", "parent_item_group", "All Item Groups")
	job = job_of(order_for(other))
	assert (job.target_days, job.promised_date, job.promise_status) == (0, None, "")


def test_counted_from_the_order_on_the_holiday_list(groups, holidays):
	"""5 working days from Monday 2 November: the 10th (the 4th is off); warned at 60 %: the 3rd
	working day, the 6th. Both have passed today: the promise is broken and the managers are told."""
	set_targets([{"item_group": groups.heating, "working_days": 5, "counted_from": "Order"}], 60, holidays)
	boss = manager()
	order = order_for(groups.heating, transaction_date="2026-11-02")
	job = job_of(order)
	assert (str(job.promised_date), str(job.warn_on), job.target_days) == ("2026-11-10", "2026-11-06", 5)
	assert job.promise_status == "Breached"
	assert str(frappe.db.get_value("Sales Order", order.name, "bizlink_installation_due")) == "2026-11-10"
	assert told(boss, job.name, "Breached") == 1


def test_counted_from_delivery_starts_with_the_delivery(groups, company):
	"""No delivery yet: a target but no date. Delivered today: the 4th working day after today (no
	list: weekends off) is the due date, and the job is on track."""
	set_targets([{"item_group": groups.heating, "working_days": 4, "counted_from": "Delivery"}])
	frappe.db.set_value("Company", company, "default_holiday_list", None)
	order = order_for(groups.heating, company=company)
	job = job_of(order)
	assert (job.target_days, job.promised_date, job.promise_status) == (4, None, "")
	make_delivery_note(order.name)
	job.reload()
	expected = working_days_after(today(), 4, None)
	assert job.promised_date == expected[-1]
	assert job.warn_on == expected[2]  # 75 % of 4 = the 3rd
	assert job.promise_status == "On Track"
	assert frappe.db.get_value("Sales Order", order.name, "bizlink_installation_due") == expected[-1]


@pytest.mark.parametrize(("days", "warned"), [(3, 2), (10, 8), (1, 1)])
def test_the_warning_comes_before_the_due_date(groups, company, days, warned):
	"""At 75 %: 3 days → 2.25, rounded up the 3rd, which is the due date: warned on the 2nd instead;
	10 days → 7.5: the 8th; 1 day: on the day itself."""
	set_targets([{"item_group": groups.heating, "working_days": days, "counted_from": "Order"}])
	frappe.db.set_value("Company", company, "default_holiday_list", None)
	job = job_of(order_for(groups.heating, company=company))
	expected = working_days_after(today(), days, None)  # no list: weekends off
	assert (job.target_days, job.promised_date) == (days, expected[-1])
	assert job.warn_on == expected[warned - 1]


def test_changing_the_target_moves_the_open_jobs_promise(groups, company):
	"""Promised in 3 working days (no list: weekends off); the target becomes 7: the open job is
	promised on the 7th working day, warned on the 6th (75 % of 7 = 5.25, rounded up)."""
	from bizlink.field_service import promise

	set_targets([{"item_group": groups.heating, "working_days": 3, "counted_from": "Order"}])
	frappe.db.set_value("Company", company, "default_holiday_list", None)
	order = order_for(groups.heating, company=company)
	assert job_of(order).promised_date == working_days_after(today(), 3, None)[-1]
	with patch.object(promise, "INLINE_ORDERS", 10**6):  # at once, however many the site has open
		set_targets([{"item_group": groups.heating, "working_days": 7, "counted_from": "Order"}])
	expected = working_days_after(today(), 7, None)
	job = job_of(order)
	assert (job.target_days, job.promised_date, job.warn_on) == (7, expected[-1], expected[5])
	assert frappe.db.get_value("Sales Order", order.name, "bizlink_installation_due") == expected[-1]


def test_many_open_jobs_are_recomputed_on_the_long_queue_and_an_unchanged_save_does_nothing(groups):
	from bizlink.field_service import promise

	set_targets([{"item_group": groups.heating, "working_days": 3, "counted_from": "Order"}])
	order_for(groups.heating)
	with patch.object(promise, "INLINE_ORDERS", 0), patch("frappe.enqueue") as enqueue:
		with patch.object(promise, "update_promise") as update:
			set_targets([{"item_group": groups.heating, "working_days": 7, "counted_from": "Order"}])
			frappe.get_single(SETTINGS).save()  # nothing the promises read changed
	[call] = enqueue.call_args_list
	assert call.args == ("bizlink.field_service.promise.update_open_promises",)
	assert (call.kwargs["queue"], call.kwargs["job_id"], call.kwargs["deduplicate"]) == (
		"long",
		"bizlink-update-open-promises",
		True,
	)
	update.assert_not_called()


# The daily check ---------------------------------------------------------------------------------


def open_job(groups, warn_on, due):
	set_targets([{"item_group": groups.heating, "working_days": 10, "counted_from": "Order"}])
	job = job_of(order_for(groups.heating))
	# as if the days had passed since the order: the dates the promise gave it
	frappe.db.set_value(
		JOB, job.name, {"warn_on": warn_on, "promised_date": due, "promise_status": "On Track"}
	)
	return job.name


def test_the_check_warns_once_when_the_warning_date_comes(groups):
	boss = manager()
	job = open_job(groups, today(), add_days(today(), 3))
	later = open_job(groups, add_days(today(), 1), add_days(today(), 4))
	check_promises()
	assert frappe.db.get_value(JOB, job, "promise_status") == "At Risk"
	assert frappe.db.get_value(JOB, later, "promise_status") == "On Track"
	assert told(boss, job, "At Risk") == 1
	check_promises()  # the next day's run tells nobody again
	assert told(boss, job, "At Risk") == 1
	assert told(boss, later, "At Risk") == 0


def test_the_check_marks_a_passed_due_date_broken(groups):
	boss = manager()
	job = open_job(groups, add_days(today(), -3), add_days(today(), -1))
	frappe.db.set_value(JOB, job, "promise_status", "At Risk")  # warned already
	due_today = open_job(groups, add_days(today(), -2), today())
	frappe.db.set_value(JOB, due_today, "promise_status", "At Risk")
	check_promises()
	assert frappe.db.get_value(JOB, job, "promise_status") == "Breached"
	assert frappe.db.get_value(JOB, due_today, "promise_status") == "At Risk"  # still today to do it
	assert told(boss, job, "Breached") == 1


def test_the_check_reads_only_jobs_coming_due_by_index():
	"""What the daily check costs: the rows whose state and date say they are due, found by index."""
	for field in ("warn_on", "promised_date"):
		plan = frappe.db.sql(  # nosemgrep
			f"""explain select name from `tabField Visit`
			where promise_status in ('On Track') and `{field}` <= %s and docstatus = 0""",
			today(),
			as_dict=True,
		)
		assert plan[0].key and "promise_status" in plan[0].key, plan


def test_the_number_card_counts_jobs_at_risk_and_broken(groups):
	from frappe.desk.doctype.number_card.number_card import get_result

	card = frappe.get_doc("Number Card", "Installations at Risk")
	# the targets first: changing them recomputes every open job's promise on the site
	set_targets([{"item_group": groups.heating, "working_days": 10, "counted_from": "Order"}])
	before = get_result(card.as_dict(), card.filters_json)
	at_risk = open_job(groups, today(), add_days(today(), 2))
	broken = open_job(groups, add_days(today(), -5), add_days(today(), -1))
	open_job(groups, add_days(today(), 5), add_days(today(), 8))
	check_promises()
	assert {frappe.db.get_value(JOB, j, "promise_status") for j in (at_risk, broken)} == {
		"At Risk",
		"Breached",
	}
	assert get_result(card.as_dict(), card.filters_json) == before + 2


# Completion ---------------------------------------------------------------------------------------


def complete(job, due=None):
	"""Complete the job today; with `due`, as if its promise had fallen due on that day."""
	if due:
		frappe.db.set_value(JOB, job.name, "promised_date", due)
	job.reload()
	job.scheduled_start = f"{add_days(today(), 1)} 09:00:00"
	job.scheduled_end = f"{add_days(today(), 1)} 12:00:00"
	job.append("crew", {"user": make_user(roles=["Installation Technician"]).name})
	job.save()
	job.start()
	for row in job.items:
		row.installed_qty = row.qty
	for check in job.checklist:
		check.done = 1
	job.signature, job.signed_by = SIGNATURE, "Lucía Martínez"
	job.submit()
	return frappe.db.get_value(JOB, job.name, "promise_status")


def test_a_completed_job_is_on_time_or_late(groups):
	set_targets([{"item_group": groups.heating, "working_days": 10, "counted_from": "Order"}])
	on_time, late = order_for(groups.heating), order_for(groups.heating)
	for order in (on_time, late):
		make_delivery_note(order.name)
	assert complete(job_of(on_time), today()) == "On Time"  # the promised day itself is in time
	assert complete(job_of(late), add_days(today(), -1)) == "Late"


def test_completing_the_job_when_it_is_done_keeps_on_time(groups):
	set_targets([{"item_group": groups.heating, "working_days": 10, "counted_from": "Order"}])
	order = order_for(groups.heating)
	make_delivery_note(order.name)
	assert complete(job_of(order)) == "On Time"  # today, well before the 10th working day
	# everything installed: nothing left open to promise
	assert not frappe.db.exists(JOB, {"sales_order": order.name, "docstatus": 0})


def test_cancelling_the_completed_job_puts_the_promise_on_the_new_one(groups):
	set_targets([{"item_group": groups.heating, "working_days": 10, "counted_from": "Order"}])
	order = order_for(groups.heating)
	make_delivery_note(order.name)
	job = job_of(order)
	complete(job)
	job.reload()
	job.cancel()
	again = frappe.get_doc(JOB, {"sales_order": order.name, "docstatus": 0})
	assert again.promised_date == job.promised_date
	assert again.promise_status == "On Track"


# Market Segments ---------------------------------------------------------------------------------


def test_market_segments_show_installations_on_time_and_visit_ratings(groups):
	"""Two installations in a new territory: one on time rated 4, one late; the segment shows 50 % on
	time and a visit rating of 4, from the rollup and from the documents alike; cancelling the rated
	one takes both away."""
	from test_segments import assert_matches

	from bizlink.field_service.ratings import rate, rating_url
	from bizlink.market_analysis.report.market_segments.market_segments import execute

	territory = frappe.get_doc(
		{
			"doctype": "Territory",
			"territory_name": f"Promise {random_string(6)}",
			"parent_territory": "All Territories",
		}
	).insert(ignore_permissions=True)
	set_targets([{"item_group": groups.heating, "working_days": 10, "counted_from": "Order"}])
	customer = make_customer(territory=territory.name, city="L'Hospitalet")
	item = make_item(item_group=groups.heating, bizlink_requires_installation=1)
	jobs = []
	for _n in range(2):
		order = make_sales_order(
			customer=customer.name, items=[{"item_code": item.name, "qty": 1, "rate": 500}]
		)
		make_delivery_note(order.name)
		jobs.append(job_of(order))
	complete(jobs[0], today())
	complete(jobs[1], add_days(today(), -1))
	# 4 of 5 stars, through the customer's link
	query = parse_qs(urlparse(rating_url(jobs[0].name)).query)
	rate(jobs[0].name, query["expires"][0], query["token"][0], 4, "Bien")
	rated = frappe.get_doc(JOB, jobs[0].name)

	filters = {
		"territory": territory.name,
		"from_date": add_days(today(), -30),
		"to_date": today(),
		"dimensions": ["Territory"],
	}
	assert_matches(territory.name)
	columns, rows = execute(frappe._dict(filters))[:2]
	assert {c["fieldname"] for c in columns} >= {"on_time_rate", "visit_rating"}
	assert [
		(r.installations_promised, r.installations_on_time, r.on_time_rate, r.visit_rating) for r in rows
	] == [(2, 1, 50.0, 4.0)]
	rated.reload()
	rated.cancel()
	assert_matches(territory.name)
	rows = execute(frappe._dict(filters))[1]
	assert [(r.installations_promised, r.on_time_rate, r.visit_rating) for r in rows] == [(1, 0.0, None)]


def test_the_cycle_time_report_shows_the_share_installed_on_time(groups):
	"""Three installations of a new customer group with a promise: two on time, one late → 66.7 %
	in the report's summary; an installation without a promise does not count. No stage's row
	carries the share (it would read 0 % on Ordered, In Transit or Billed)."""
	from bizlink.fulfilment.report.order_fulfilment_cycle_time.order_fulfilment_cycle_time import execute

	customers = group("Customer Group", "parent_customer_group", "All Customer Groups")
	frappe.db.set_value("Customer Group", customers, "is_group", 0)
	set_targets([{"customer_group": customers, "working_days": 10, "counted_from": "Order"}])
	jobs = []
	for _n in range(3):
		order = order_for(groups.heating, customers)
		make_delivery_note(order.name)
		jobs.append(job_of(order))
	for job, due in zip(jobs, (today(), add_days(today(), 3), add_days(today(), -2)), strict=True):
		complete(job, due)
	set_targets([])
	unpromised = order_for(groups.heating, customers)
	make_delivery_note(unpromised.name)
	complete(job_of(unpromised))
	make_sales_invoice(jobs[0].sales_order)  # an order that has left Installed: the stage's row
	columns, data, _message, _chart, summary = execute({"customer_group": customers})
	assert [(s["label"], s["value"]) for s in summary] == [("Installed on Time", "66.7 % (2 of 3)")]
	assert {"Ordered", "Delivered", "Installed"} <= {row["stage_name"] for row in data}  # rows exist
	assert not [row for row in data if "on_time_rate" in row]
	assert "on_time_rate" not in {column["fieldname"] for column in columns}


def test_the_portal_order_page_shows_the_promised_date_until_installed(groups):
	from test_portal_order_page import page

	from bizlink.devtools.factories import make_portal_user

	set_targets([{"item_group": groups.heating, "working_days": 10, "counted_from": "Order"}])
	order = order_for(groups.heating)
	make_delivery_note(order.name)
	due = job_of(order).promised_date
	user = make_portal_user(order.customer)
	promised = f"Promised by {frappe.format(due, 'Date')}"
	assert promised in page(user, f"order-progress/{order.name}")
	complete(job_of(order))
	assert promised not in page(user, f"order-progress/{order.name}")


def test_counted_from_delivery_waits_for_goods_on_a_trip_to_arrive(groups, company):
	"""Delivered by note today, the promise starts; the trip leaves: the goods are on the road and the
	promise waits; the stop is visited: it counts from the arrival."""
	from test_logistics import make_trip, visit

	set_targets([{"item_group": groups.heating, "working_days": 4, "counted_from": "Delivery"}])
	frappe.db.set_value("Company", company, "default_holiday_list", None)
	order = order_for(groups.heating, company=company)
	shipped = add_days(today(), -7)  # the note's day: a week before the goods arrive
	note = make_delivery_note(order.name, posting_date=shipped)
	assert job_of(order).promised_date == working_days_after(shipped, 4, None)[-1]
	trip = make_trip(note.name)
	assert frappe.db.get_value("Sales Order", order.name, "bizlink_stage") == "In Transit"
	job = job_of(order)
	assert (job.promised_date, job.promise_status, job.target_days) == (None, "", 4)
	assert frappe.db.get_value("Sales Order", order.name, "bizlink_installation_due") is None
	visit(trip)
	arrived = frappe.db.get_value(
		"Order Stage Log",
		{"sales_order": order.name, "stage": "Delivered", "reference_doctype": "Delivery Trip"},
		"entered_on",
	)
	assert getdate(arrived) == getdate(today())
	assert job_of(order).promised_date == working_days_after(today(), 4, None)[-1]
	assert job_of(order).promised_date > working_days_after(shipped, 4, None)[-1]
