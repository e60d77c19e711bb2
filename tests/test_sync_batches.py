"""A phone's consecutive edits of one job are saved together when they all pass; one that does not
gets its own answer and the others still apply, each once."""

import uuid
from unittest.mock import patch

import frappe
import pytest
from test_dispatch import at, make_job, make_technician

from bizlink.devtools.factories import SIGNATURE
from bizlink.field_service import dispatch, sync

JOB = "Field Visit"


@pytest.fixture
def started():
	template = frappe.get_doc(
		{
			"doctype": "Checklist Template",
			"template_name": f"Revisión {frappe.generate_hash(length=5)}",
			"items": [{"description": f"Paso {k}", "mandatory": 1} for k in range(3)],
		}
	).insert()
	group = "All Item Groups"
	user = make_technician()
	visit = make_job(group)
	job = frappe.get_doc(JOB, visit)
	job.checklist_template = template.name
	job.save()
	dispatch.book(visit, [user], at("09:00"))
	frappe.get_doc(JOB, visit).start()
	frappe.set_user(user)
	yield frappe._dict(visit=visit, user=user, card=sync.job_card(frappe.get_doc(JOB, visit)))
	frappe.set_user("Administrator")


def action(started, name, **data):
	return {
		"client_id": str(uuid.uuid4()),
		"visit": started.visit,
		"action": name,
		"data": data,
		"seen": started.card["seen"],
	}


def saves_of(actions) -> tuple[list[dict], int]:
	"""sync's answers to `actions`, and how many times it saved a Field Visit for them."""
	from bizlink.field_service.doctype.field_visit.field_visit import FieldVisit

	with patch.object(FieldVisit, "save", autospec=True, side_effect=FieldVisit.save) as save:
		results = sync.sync(actions)
	return results, save.call_count


def test_edits_in_a_row_are_one_save_and_a_retry_changes_nothing(started):
	rows = [row["row"] for row in started.card["checklist"]]
	item = started.card["items"][0]
	actions = [action(started, "check", row=row, done=1) for row in rows]
	actions += [
		action(started, "installed", row=item["row"], qty=item["qty"]),
		action(started, "sign", signature=SIGNATURE, signed_by="Lucía"),
	]
	results, saves = saves_of(actions)
	assert [r["result"] for r in results] == ["Applied"] * 5
	assert saves == 1
	job = frappe.get_doc(JOB, started.visit)
	assert [row.done for row in job.checklist] == [1, 1, 1]
	assert (job.items[0].installed_qty, job.signed_by) == (item["qty"], "Lucía")

	again, saves = saves_of(actions)
	assert [r["replayed"] for r in again] == [True] * 5
	assert saves == 0
	assert frappe.db.count("Field Sync Action", {"field_visit": started.visit}) == 5


def test_one_bad_edit_gets_its_own_answer_and_the_rest_still_apply(started):
	rows = [row["row"] for row in started.card["checklist"]]
	actions = [
		action(started, "check", row=rows[0], done=1),
		action(started, "check", row="not-a-row", done=1),
		action(started, "sign", signature="javascript:alert(1)", signed_by="X"),
		action(started, "check", row=rows[2], done=1),
	]
	results = sync.sync(actions)
	assert [r["result"] for r in results] == ["Applied", "Conflict", "Refused", "Applied"]
	job = frappe.get_doc(JOB, started.visit)
	assert [row.done for row in job.checklist] == [1, 0, 1]
	assert not job.signature
	logged = frappe.get_all(
		"Field Sync Action", {"field_visit": started.visit}, ["client_id", "result"], order_by="creation"
	)
	assert {r.client_id: r.result for r in logged} == {
		a["client_id"]: r["result"] for a, r in zip(actions, results, strict=True)
	}


def test_complete_after_edits_completes_once_with_its_installation_note(started):
	actions = [action(started, "check", row=row["row"], done=1) for row in started.card["checklist"]]
	item = started.card["items"][0]
	actions += [
		action(started, "installed", row=item["row"], qty=item["qty"]),
		action(started, "sign", signature=SIGNATURE, signed_by="Lucía"),
		action(started, "complete"),
	]
	assert [r["result"] for r in sync.sync(actions)] == ["Applied"] * 6
	assert sync.sync(actions[-1:])[0]["replayed"]
	job = frappe.get_doc(JOB, started.visit)
	assert job.docstatus == 1 and job.installation_note
	assert frappe.db.count("Installation Note", {"name": job.installation_note, "docstatus": 1}) == 1


def test_a_bad_photo_or_unreadable_data_is_refused_and_the_rest_still_applies(started):
	frappe.set_user("Administrator")
	frappe.db.set_value(JOB, started.visit, "notes", "<p>De la oficina</p>")
	frappe.set_user(started.user)
	card = sync.job_card(frappe.get_doc(JOB, started.visit))
	started.card = card
	actions = [
		action(started, "note", text="Nota en L'Hospitalet <b>ok</b>\nsegunda línea"),
		action(started, "photo", filename="x.jpg", data="data:image/jpeg;base64,AAAA"),
		{**action(started, "check"), "data": "not an object"},
		action(started, "note", note="the phone's key is text"),
	]
	results = sync.sync(actions)
	assert [r["result"] for r in results] == ["Applied", "Refused", "Refused", "Refused"]
	assert not frappe.get_all("File", {"attached_to_doctype": JOB, "attached_to_name": started.visit})
	# the note reads back on the phone as typed; the refused one erased nothing
	assert sync.job_card(frappe.get_doc(JOB, started.visit))["notes"] == (
		"Nota en L'Hospitalet <b>ok</b>\nsegunda línea"
	)
	assert frappe.db.count("Field Sync Action", {"field_visit": started.visit, "result": "Refused"}) == 3
