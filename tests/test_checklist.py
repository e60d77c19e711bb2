"""The mandatory checks of an installation are the template's: a technician neither removes, rewords
nor unmarks one, through any path, and completion checks the template, not the rows left."""

import json

import frappe
import pytest
from frappe.client import delete, save, set_value
from test_field_visit import JOB, job_of, ready_to_complete

from bizlink.devtools.factories import make_item, make_sales_order
from bizlink.exceptions import CrewChangeNotAllowedError, OpenChecklistError


@pytest.fixture
def template():
	return frappe.get_doc(
		{
			"doctype": "Checklist Template",
			"template_name": f"Caldera {frappe.generate_hash(length=5)}",
			"items": [
				{"description": "Comprobar presión y estanqueidad", "mandatory": 1},
				{"description": "Fotos de la instalación", "mandatory": 0},
			],
		}
	).insert()


@pytest.fixture
def order(template):
	boiler = make_item(
		has_serial_no=1, bizlink_requires_installation=1, bizlink_checklist_template=template.name
	)
	return make_sales_order(items=[{"item_code": boiler.name, "qty": 1, "rate": 1800}])


@pytest.fixture
def started(order):
	"""The job of `order`, delivered and started by its technician, everything ticked and signed."""
	job = job_of(order)
	ready_to_complete(order, job)  # scheduled with a technician of its own
	job.save()
	return job, job.crew[0].user


def as_user(user, fn, *args, **kwargs):
	frappe.set_user(user)
	try:
		return fn(*args, **kwargs)
	finally:
		frappe.set_user("Administrator")


def stored_checks(job) -> list[tuple[str, int]]:
	return [(r.description, r.mandatory) for r in frappe.get_doc(JOB, job.name).checklist]


def test_a_technician_cannot_delete_a_mandatory_check_through_save(started):
	"""The phone form's row-select box and Delete send the job without the row (frappe.client.save)."""
	job, user = started
	before = stored_checks(job)
	payload = frappe.get_doc(JOB, job.name).as_dict(convert_dates_to_str=True)
	payload["checklist"] = [row for row in payload["checklist"] if not row["mandatory"]]
	with pytest.raises(CrewChangeNotAllowedError):
		as_user(user, save, json.dumps(payload, default=str))
	assert stored_checks(job) == before


def test_a_technician_cannot_delete_a_mandatory_check_row_on_its_own(started):
	job, user = started
	row = next(r for r in job.checklist if r.mandatory)
	with pytest.raises(frappe.PermissionError):
		as_user(user, delete, "Field Visit Checklist Item", row.name)
	assert frappe.db.exists("Field Visit Checklist Item", row.name)


def test_a_technician_cannot_unmark_or_reword_a_mandatory_check(started):
	job, user = started
	row = next(r for r in job.checklist if r.mandatory)
	as_user(user, set_value, "Field Visit Checklist Item", row.name, "mandatory", 0)
	assert frappe.db.get_value("Field Visit Checklist Item", row.name, "mandatory") == 1
	with pytest.raises(CrewChangeNotAllowedError):
		as_user(user, set_value, "Field Visit Checklist Item", row.name, "description", "Nada")
	assert frappe.db.get_value("Field Visit Checklist Item", row.name, "description") == row.description


def test_completion_checks_the_template_not_the_rows_left(started, template):
	"""A mandatory check missing from the job (a row lost however it was lost) stops completion."""
	job, user = started
	row = next(r for r in job.checklist if r.mandatory)
	frappe.db.delete("Field Visit Checklist Item", {"name": row.name})  # behind the form's back
	job = frappe.get_doc(JOB, job.name)
	frappe.set_user(user)
	with pytest.raises(OpenChecklistError, match=row.description):
		job.submit()
	frappe.set_user("Administrator")
	assert frappe.db.get_value(JOB, job.name, "docstatus") == 0
