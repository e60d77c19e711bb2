"""ERPNext's own cancel and amend paths keep BizLink and ERPNext consistent.

(Migrate twice, uninstall and reinstall run on a site of their own: `scripts/lifecycle`, in CI.)
"""

import frappe
import pytest
from test_field_visit import ready_to_complete

from bizlink.devtools.factories import make_item, make_sales_order


@pytest.fixture
def order():
	item = make_item(has_serial_no=1, bizlink_requires_installation=1, bizlink_installation_hours=2)
	return make_sales_order(items=[{"item_code": item.name, "qty": 1, "rate": 900}])


def job_of(order):
	return frappe.get_doc("Field Visit", {"sales_order": order.name, "docstatus": ("<", 2)})


def complete(order):
	"""Deliver, install and sign: the job completes and makes its Installation Note."""
	job = job_of(order)
	note = ready_to_complete(order, job)
	job.submit()
	return note, job


def snapshot(order, note=None):
	state = {
		"order": frappe.db.get_value(
			"Sales Order", order.name, ["docstatus", "bizlink_stage", "bizlink_per_installed"]
		),
		"jobs": frappe.get_all(
			"Field Visit", {"sales_order": order.name}, ["name", "docstatus", "status"], order_by="name"
		),
		"stages": frappe.db.count("Order Stage Log", {"sales_order": order.name}),
		"notes": frappe.get_all("Installation Note", {"customer": order.customer}, ["name", "docstatus"]),
	}
	if note:
		state["delivery"] = frappe.db.get_value("Delivery Note", note.name, "docstatus")
		state["installed"] = frappe.db.get_value("Delivery Note Item", note.items[0].name, "installed_qty")
	return state


def test_cancelling_the_installation_note_of_a_completed_job_is_refused(order):
	"""The note belongs to the job: ERPNext refuses to cancel it while the job stands, and nothing moves."""
	note, job = complete(order)
	before = snapshot(order, note)
	installation_note = frappe.get_doc("Installation Note", job.installation_note)
	frappe.db.savepoint("request")
	with pytest.raises(frappe.LinkExistsError):
		installation_note.cancel()
	frappe.db.rollback(save_point="request")  # what the desk's request does with a refused cancel
	assert snapshot(order, note) == before
	assert before["installed"] == 1 and before["order"][2] == 100


def test_cancelling_a_delivery_that_was_installed_is_refused(order):
	note, _job = complete(order)
	before = snapshot(order, note)
	frappe.db.savepoint("request")
	with pytest.raises(frappe.ValidationError, match="Installation Note"):
		frappe.get_doc("Delivery Note", note.name).cancel()
	frappe.db.rollback(save_point="request")
	assert snapshot(order, note) == before


def test_cancel_job_then_delivery_then_order_unwinds_everything(order):
	"""The way back: job (cancels its note), then the delivery, then the order; each step consistent."""
	note, job = complete(order)
	job.reload()
	job.cancel()
	state = snapshot(order, note)
	assert state["installed"] == 0 and state["order"][2] == 0
	assert [n.docstatus for n in state["notes"]] == [2]
	frappe.get_doc("Delivery Note", note.name).cancel()
	assert frappe.db.get_value("Sales Order", order.name, "bizlink_stage") == "Ordered"
	order.reload()
	order.cancel()
	state = snapshot(order)
	assert state["order"][0] == 2
	# the completed job is cancelled; the job its cancellation planned for the rest, with the order
	completed, rest = sorted(state["jobs"], key=lambda j: j.docstatus, reverse=True)
	assert completed.docstatus == 2
	assert (rest.docstatus, rest.status) == (0, "Cancelled")
	assert not frappe.db.exists("Order Stage Log", {"sales_order": order.name, "left_on": ("is", "not set")})


def test_amend_and_resubmit_moves_job_and_starts_a_new_history(order):
	job = job_of(order)
	job.notes = "<p>Acceso por el garaje</p>"
	job.save()
	order.reload()
	order.cancel()
	amended = frappe.copy_doc(order)
	amended.docstatus, amended.amended_from = 0, order.name
	amended.insert()
	amended.submit()
	jobs = frappe.get_all(
		"Field Visit",
		{"sales_order": ("in", [order.name, amended.name])},
		["name", "sales_order", "docstatus", "notes"],
	)
	open_jobs = [j for j in jobs if j.docstatus < 2]
	assert len(open_jobs) == 1 and open_jobs[0].sales_order == amended.name
	assert open_jobs[0].notes == "<p>Acceso por el garaje</p>"  # what was planned is kept
	assert frappe.db.get_value("Sales Order", amended.name, "bizlink_stage") == "Ordered"
	assert not frappe.db.exists("Order Stage Log", {"sales_order": order.name, "left_on": ("is", "not set")})
