"""Field Visit: from the Sales Order to a scheduled crew, on-site completion and sign-off,
rolled back up into ERPNext's Installation Note, Delivery Note and Sales Order."""

import frappe
import pytest
from frappe.utils import add_days, add_to_date, get_datetime, today

from bizlink.devtools.factories import (
	SIGNATURE,
	make_delivery_note,
	make_item,
	make_sales_order,
	make_serial_nos,
	make_user,
)
from bizlink.exceptions import (
	CrewOverlapError,
	EndBeforeStartError,
	InstallationInProgressError,
	InstalledQtyExceedsDeliveredError,
	InvalidStatusTransitionError,
	MissingSignatureError,
	OpenChecklistError,
	OrderNotOpenError,
	SerialNotOnDeliveryError,
)
from bizlink.field_service.installation import create_field_visit

JOB = "Field Visit"


@pytest.fixture
def template():
	return frappe.get_doc(
		{
			"doctype": "Checklist Template",
			"template_name": f"Boiler {frappe.generate_hash(length=5)}",
			"items": [
				{"description": "Pressure test", "mandatory": 1},
				{"description": "Explain use to customer", "mandatory": 1},
				{"description": "Photos of the installation", "mandatory": 0},
			],
		}
	).insert()


@pytest.fixture
def boiler(template):
	return make_item(
		has_serial_no=1,
		rate=1800,
		bizlink_requires_installation=1,
		bizlink_installation_hours=3,
		bizlink_checklist_template=template.name,
	)


@pytest.fixture
def order(boiler):
	return make_sales_order(
		items=[
			{"item_code": boiler.name, "qty": 2, "rate": 1800},
			{"item_code": make_item().name, "qty": 5, "rate": 10},
		]
	)


def job_of(order) -> "frappe.model.document.Document":
	return frappe.get_doc(JOB, frappe.db.get_value(JOB, {"sales_order": order.name}))


def technician():
	return make_user(roles=["Installation Technician"]).name


def at(hours: float):
	"""Tomorrow at 08:00, plus `hours`."""
	return add_to_date(get_datetime(f"{add_days(today(), 1)} 08:00:00"), hours=hours)


def schedule(job, start_hours: float = 0, crew: list[str] | None = None, hours: float = 3):
	job.scheduled_start = at(start_hours)
	job.scheduled_end = at(start_hours + hours)
	for user in crew or [technician()]:
		job.append("crew", {"user": user})
	job.save()
	return job


def ready_to_complete(order, job):
	"""Deliver the order, start the job, install everything, tick the checklist, sign."""
	note = make_delivery_note(order.name)
	job.reload()
	if job.status == "To Schedule":
		schedule(job)
	job.start()
	tick_and_sign(job)
	return note


def tick_and_sign(job):
	"""Everything installed, every check done, the customer's signature: what completion needs."""
	for row in job.items:
		row.installed_qty = row.qty
	for check in job.checklist:
		check.done = 1
	job.signature, job.signed_by = SIGNATURE, "Lucía Martínez"


# From the Sales Order ----------------------------------------------------------------------------


def test_submitted_order_gets_a_job_to_schedule(order, boiler, template):
	job = job_of(order)
	assert job.status == "To Schedule"
	assert job.customer == order.customer
	assert [(row.item_code, row.qty) for row in job.items] == [(boiler.name, 2)]  # only what needs installing
	assert [c.description for c in job.checklist] == [i.description for i in template.items]
	assert [log.status for log in job.status_log] == ["To Schedule"]
	assert frappe.db.get_value("Sales Order", order.name, "bizlink_installation_status") == "To Install"


def test_order_without_installation_items_gets_no_job():
	order = make_sales_order()
	assert not frappe.db.exists(JOB, {"sales_order": order.name})
	assert frappe.db.get_value("Sales Order", order.name, "bizlink_installation_status") == "Not Applicable"


def test_job_creation_is_idempotent(order):
	first = job_of(order).name
	assert create_field_visit(order) == first
	assert frappe.db.count(JOB, {"sales_order": order.name}) == 1


def test_create_button_returns_the_existing_job(order):
	from bizlink.api.installation import make_field_visit

	assert make_field_visit(order.name) == job_of(order).name


def test_cancel_and_amend_moves_the_job_without_duplicating(order):
	job = schedule(job_of(order))
	order.reload()
	order.cancel()
	job.reload()
	assert job.status == "Cancelled" and job.cancelled_with_order

	amended = frappe.copy_doc(order)
	amended.amended_from, amended.docstatus = order.name, 0
	amended.insert()
	amended.submit()
	job.reload()
	assert job.sales_order == amended.name
	assert job.status == "Scheduled"  # crew and schedule kept
	assert {row.so_detail for row in job.items} <= {row.name for row in amended.items}
	assert frappe.db.count(JOB, {"sales_order": ("in", [order.name, amended.name])}) == 1
	assert [log.status for log in job.status_log][-2:] == ["Cancelled", "Scheduled"]


def test_job_cancelled_with_its_order_cannot_be_edited(order):
	order.cancel()
	job = job_of(order)
	job.notes = "still here?"
	with pytest.raises(frappe.CancelledLinkError, match=order.name):
		job.save()


def test_order_cancel_refused_while_installation_in_progress(order):
	job = schedule(job_of(order))
	job.start()
	order.reload()
	with pytest.raises(InstallationInProgressError, match="cannot be cancelled"):
		order.cancel()
	assert frappe.db.get_value("Sales Order", order.name, "docstatus") == 1
	assert frappe.db.get_value(JOB, job.name, "status") == "In Progress"


# Scheduling --------------------------------------------------------------------------------------


def test_schedule_with_crew_makes_it_scheduled_and_end_defaults_from_item_hours(order):
	job = job_of(order)
	job.scheduled_start = at(0)
	job.append("crew", {"user": technician()})
	job.save()
	assert job.status == "Scheduled"
	assert get_datetime(job.scheduled_end) == get_datetime(at(6))  # 3 hours a boiler, 2 boilers
	assert job.crew[0].is_lead


def test_end_before_start_is_refused_and_nothing_written(order):
	job = job_of(order)
	modified = job.modified
	job.scheduled_start, job.scheduled_end = at(5), at(4)
	with pytest.raises(EndBeforeStartError, match="not after the scheduled start"):
		job.save()
	assert frappe.db.get_value(JOB, job.name, "modified") == modified


def test_technician_cannot_be_double_booked(boiler):
	tech = technician()
	first = schedule(job_of(make_sales_order(items=[{"item_code": boiler.name, "qty": 1}])), 0, [tech], 3)
	second = job_of(make_sales_order(items=[{"item_code": boiler.name, "qty": 1}]))
	with pytest.raises(CrewOverlapError, match="already booked"):
		schedule(second, 2, [tech], 3)
	second.reload()
	assert second.status == "To Schedule"
	schedule(second, 3, [tech], 2)  # back to back is fine
	assert second.status == "Scheduled" and first.status == "Scheduled"


def test_closed_order_cannot_be_scheduled(order):
	order.reload()
	order.update_status("Closed")
	job = job_of(order)
	with pytest.raises(OrderNotOpenError, match="cannot be scheduled"):
		schedule(job)


def test_cannot_start_an_unscheduled_job(order):
	with pytest.raises(InvalidStatusTransitionError):
		job_of(order).start()


def test_hold_and_resume(order):
	job = schedule(job_of(order))
	job.start()
	job.hold()
	assert job.status == "On Hold"
	job.resume()
	assert [log.status for log in job.status_log] == [
		"To Schedule",
		"Scheduled",
		"In Progress",
		"On Hold",
		"In Progress",
	]


# Completion --------------------------------------------------------------------------------------


def test_completion_creates_installation_note_and_rolls_up(order):
	job = job_of(order)
	note = ready_to_complete(order, job)
	job.submit()
	assert job.status == "Completed" and job.actual_end and job.signed_on
	installation_note = frappe.get_doc("Installation Note", job.installation_note)
	assert installation_note.docstatus == 1
	assert installation_note.items[0].prevdoc_docname == note.name
	dn_row = next(row for row in note.items if row.item_code == job.items[0].item_code)
	assert frappe.db.get_value("Delivery Note Item", dn_row.name, "installed_qty") == 2
	so = frappe.db.get_value(
		"Sales Order", order.name, ["bizlink_installation_status", "bizlink_per_installed"], as_dict=True
	)
	assert so.bizlink_installation_status == "Installed" and so.bizlink_per_installed == 100

	html = frappe.get_print(JOB, job.name, "Installation Certificate")
	assert "Installation Certificate" in html
	for serial in job.items[0].serial_no.split("\n"):
		assert serial in html
	assert "Pressure test" in html and "Lucía Martínez" in html


def test_cancelling_a_completed_job_cancels_its_installation_note(order):
	job = job_of(order)
	ready_to_complete(order, job)
	job.submit()
	job.cancel()
	assert frappe.db.get_value("Installation Note", job.installation_note, "docstatus") == 2
	assert frappe.db.get_value("Sales Order", order.name, "bizlink_per_installed") == 0
	assert job.status == "Cancelled"


def test_completion_without_signature_is_refused(order):
	job = job_of(order)
	ready_to_complete(order, job)
	job.signature = None
	with pytest.raises(MissingSignatureError, match="signature"):
		job.submit()
	assert frappe.db.get_value(JOB, job.name, "docstatus") == 0
	assert not frappe.db.exists("Installation Note", {"customer": order.customer})


def test_completion_with_mandatory_check_open_is_refused(order):
	job = job_of(order)
	ready_to_complete(order, job)
	job.checklist[0].done = 0
	job.checklist[2].done = 0  # optional: not the problem
	with pytest.raises(OpenChecklistError, match="Pressure test"):
		job.submit()
	assert frappe.db.get_value(JOB, job.name, "docstatus") == 0


def test_installed_qty_above_delivered_is_refused(order):
	job = job_of(order)
	ready_to_complete(order, job)
	job.items[0].installed_qty = 3
	# whole units read as whole numbers, as on the form ("2", not "2.0" or "2.000")
	with pytest.raises(InstalledQtyExceedsDeliveredError, match=r"Row 1: 2 units of .* not 3: "):
		job.save()


def test_installing_before_delivery_is_refused(order):
	job = schedule(job_of(order))
	job.start()
	job.items[0].installed_qty = 1
	with pytest.raises(InstalledQtyExceedsDeliveredError):
		job.save()


def test_serial_not_on_delivery_note_is_refused(order, boiler):
	job = job_of(order)
	ready_to_complete(order, job)
	stranger = make_serial_nos(boiler.name, 1)[0]
	job.items[0].serial_no = job.items[0].serial_no.split("\n")[0] + "\n" + stranger
	with pytest.raises(SerialNotOnDeliveryError, match=stranger):
		job.save()


def test_serial_count_must_match_installed_qty(order):
	job = job_of(order)
	ready_to_complete(order, job)
	job.items[0].installed_qty = 1
	with pytest.raises(SerialNotOnDeliveryError, match="serial numbers"):
		job.submit()


def test_completing_a_job_not_started_is_refused(order):
	job = schedule(job_of(order))
	make_delivery_note(order.name)
	job.reload()
	job.signature, job.signed_by = SIGNATURE, "X"
	with pytest.raises(InvalidStatusTransitionError, match="Start the visit"):
		job.submit()


# Who sees what -----------------------------------------------------------------------------------


def test_technician_sees_and_changes_only_their_jobs(boiler):
	mine_tech, other_tech = technician(), technician()
	mine = schedule(job_of(make_sales_order(items=[{"item_code": boiler.name, "qty": 1}])), 0, [mine_tech])
	theirs = schedule(job_of(make_sales_order(items=[{"item_code": boiler.name, "qty": 1}])), 0, [other_tech])

	frappe.set_user(mine_tech)
	visible = frappe.get_list(JOB, pluck="name")
	assert mine.name in visible and theirs.name not in visible
	assert frappe.has_permission(JOB, "read", mine.name)
	assert not frappe.has_permission(JOB, "read", theirs.name)
	with pytest.raises(frappe.PermissionError):
		frappe.get_doc(JOB, theirs.name).check_permission("write")
	theirs_doc = frappe.get_doc(JOB, theirs.name)
	theirs_doc.notes = "not mine"
	with pytest.raises(frappe.PermissionError):
		theirs_doc.save()
	job = frappe.get_doc(JOB, mine.name)
	job.start()  # their own job: allowed
	assert job.status == "In Progress"
	with pytest.raises(frappe.PermissionError):
		frappe.get_doc({"doctype": JOB, "sales_order": mine.sales_order, "items": []}).insert()


def test_installation_manager_sees_all(boiler):
	one = schedule(job_of(make_sales_order(items=[{"item_code": boiler.name, "qty": 1}])))
	frappe.set_user(make_user(roles=["Installation Manager"]).name)
	assert one.name in frappe.get_list(JOB, pluck="name")
	assert frappe.has_permission(JOB, "write", one.name)


def test_sales_user_reads_but_does_not_write(order):
	job = job_of(order)
	frappe.set_user(make_user(roles=["Sales User"]).name)
	assert frappe.has_permission(JOB, "read", job.name)
	assert not frappe.has_permission(JOB, "write", job.name)


def test_user_without_role_sees_nothing(order):
	frappe.set_user(make_user(roles=[]).name)
	with pytest.raises(frappe.PermissionError):
		frappe.get_list(JOB)


# Reminders and the technician's day --------------------------------------------------------------


def queued_emails_since(before: int) -> list[dict]:
	queued = frappe.get_all(
		"Email Queue",
		fields=["name", "message"],
		order_by="creation desc",
		limit=frappe.db.count("Email Queue") - before,
	)
	for q in queued:
		q["recipients"] = frappe.get_all(
			"Email Queue Recipient", filters={"parent": q.name}, pluck="recipient"
		)
	return queued


def test_crew_is_told_when_scheduled_and_crew_and_customer_reminded_the_day_before(boiler, outgoing_email):
	from frappe.email.doctype.notification.notification import evaluate_alert

	from bizlink.devtools.factories import make_customer

	customer = make_customer()
	order = make_sales_order(
		customer.name,
		items=[{"item_code": boiler.name, "qty": 1, "rate": 1800}],
		contact_person=customer.customer_primary_contact,  # whom the customer reminder goes to
	)
	tech = technician()
	before = frappe.db.count("Email Queue")
	job = schedule(job_of(order), 0, [tech])  # tomorrow
	assert any(tech in q["recipients"] for q in queued_emails_since(before))

	before = frappe.db.count("Email Queue")
	# what the daily scheduler does (trigger_daily_alerts), without the commit it makes after each alert
	for name in ("Installation Reminder to Crew", "Installation Reminder to Customer"):
		alert = frappe.get_doc("Notification", name)
		for doc in alert.get_documents_for_today():
			evaluate_alert(doc, alert, alert.event)
	reminders = queued_emails_since(before)
	assert any(tech in q["recipients"] and job.customer_name in q["message"] for q in reminders)
	assert job.contact_email == frappe.db.get_value("Contact", customer.customer_primary_contact, "email_id")
	assert any(job.contact_email in q["recipients"] for q in reminders)


def test_technician_schedule_shows_each_technicians_day(boiler):
	from bizlink.field_service.report.technician_schedule.technician_schedule import execute

	a, b = technician(), technician()
	first = schedule(job_of(make_sales_order(items=[{"item_code": boiler.name, "qty": 1}])), 0, [a, b])
	second = schedule(job_of(make_sales_order(items=[{"item_code": boiler.name, "qty": 1}])), 4, [a])
	day = str(at(0).date())
	_, rows = execute({"date": day, "technician": a})
	assert [row.job for row in rows] == [first.name, second.name]

	frappe.set_user(b)
	_, rows = execute({"date": day})
	assert {(row.technician, row.job) for row in rows} == {(b, first.name)}
