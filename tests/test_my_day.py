"""My Day (/my-day), the technician's phone page, on the server: the jobs the phone reads, what it sends
back (each action once, in order, only on the technician's own jobs, never over the office's change),
the page itself, and its service worker and manifest.

The page in a real browser, offline: tests/test_my_day_browser.py.
"""

import base64
import io
import json
import os
import re
import uuid

import frappe
import pytest
from frappe.utils import add_days, get_datetime, today

from bizlink.api import my_day as api
from bizlink.bizlink.status_log import set_status
from bizlink.devtools.factories import SIGNATURE, make_delivery_note, make_item, make_sales_order, make_user
from bizlink.field_service import dispatch
from bizlink.field_service.installation import create_field_visit

JOB = "Field Visit"
LOG = "Field Sync Action"


def at(hhmm: str, day: str | None = None) -> str:
	return f"{day or add_days(today(), 1)} {hhmm}:00"


def make_technician(language: str | None = None, password: str | None = None) -> str:
	"""An Installation Technician with a profile that works 08:00-17:00 every day (no days off: the
	company's holiday list may have weekends off)."""
	user = make_user(roles=["Installation Technician"], **({"language": language} if language else {}))
	if password:
		user.new_password = password
		user.save(ignore_permissions=True)
	holidays = frappe.get_doc(
		{
			"doctype": "Holiday List",
			"holiday_list_name": f"My Day {frappe.generate_hash(length=8)}",
			"from_date": add_days(today(), -1),
			"to_date": add_days(today(), 30),
		}
	).insert()
	frappe.get_doc(
		{
			"doctype": "Field Technician",
			"user": user.name,
			"work_start": "08:00",
			"work_end": "17:00",
			"holiday_list": holidays.name,
		}
	).insert()
	return user.name


def make_job(crew: list[str], start: str, customer: str | None = None, item: str | None = None) -> str:
	"""An installation of one delivered boiler (one mandatory check) booked for `crew` at `start`."""
	if not item:
		template = frappe.get_doc(
			{
				"doctype": "Checklist Template",
				"template_name": f"Caldera {frappe.generate_hash(length=6)}",
				"items": [
					{"description": "Comprobar presión", "mandatory": 1},
					{"description": "Explicar el uso", "mandatory": 0},
				],
			}
		).insert()
		# not kept in stock: its delivery writes no ledger
		item = make_item(
			item_name="Caldera de condensación",
			is_stock_item=0,
			bizlink_requires_installation=1,
			bizlink_checklist_template=template.name,
		).name
	order = make_sales_order(customer=customer, items=[{"item_code": item, "qty": 1, "rate": 1800}])
	make_delivery_note(order.name)
	visit = frappe.db.get_value(JOB, {"sales_order": order.name}) or create_field_visit(order)
	dispatch.book(visit, crew, start)
	return visit


def action(card: dict, name: str, data: dict | None = None, client_id: str | None = None) -> dict:
	"""What the phone sends for `name` done on the job `card` (as get_my_day gave it)."""
	return {
		"client_id": client_id or str(uuid.uuid4()),
		"visit": card["name"],
		"action": name,
		"data": data or {},
		"seen": card["seen"],
		"done_at": f"{today()} 10:00:00",
	}


def the_whole_job(card: dict) -> list[dict]:
	"""Start, tick the mandatory check, install what was delivered, sign, complete."""
	mandatory = next(row for row in card["checklist"] if row["mandatory"])
	return [
		action(card, "start"),
		action(card, "check", {"row": mandatory["row"], "done": 1}),
		action(card, "installed", {"row": card["items"][0]["row"], "qty": 1}),
		action(card, "sign", {"signature": SIGNATURE, "signed_by": "Lucía Martínez"}),
		action(card, "complete"),
	]


def read_my_day(user: str) -> dict:
	frappe.set_user(user)
	try:
		return api.get_my_day()
	finally:
		frappe.set_user("Administrator")


def send(user: str, actions: list[dict]) -> list[dict]:
	"""The phone's sync, as the request brings it (a JSON string)."""
	frappe.set_user(user)
	try:
		return api.sync_actions(json.dumps(actions))
	finally:
		frappe.set_user("Administrator")


def card_of(user: str, visit: str) -> dict:
	return next(job for job in read_my_day(user)["jobs"] if job["name"] == visit)


def results(answers: list[dict]) -> list[str]:
	return [answer["result"] for answer in answers]


@pytest.fixture
def tech():
	return make_technician()


@pytest.fixture
def job(tech):
	return make_job([tech], at("09:00"))


# What the phone reads --------------------------------------------------------------------------------


def test_my_day_holds_the_crews_next_two_days_in_order_with_what_the_phone_needs(tech):
	other = make_technician()
	late = make_job([tech], at("13:00"))
	early = make_job([tech], at("09:00"))
	make_job([other], at("11:00"))  # someone else's
	make_job([tech], at("09:00", add_days(today(), 3)))  # beyond tomorrow
	day = read_my_day(tech)
	assert day["user"] == tech and day["full_name"] and get_datetime(day["server_time"])
	assert [job["name"] for job in day["jobs"]] == [early, late]
	card = day["jobs"][0]
	assert (card["visit_type"], card["status"]) == ("Installation", "Scheduled")
	assert card["scheduled_start"] == at("09:00")
	assert card["seen"] == {"scheduled_start": at("09:00"), "status": "Scheduled"}
	assert card["address"] and card["customer_name"]
	assert [(row["description"], row["mandatory"], row["done"]) for row in card["checklist"]] == [
		("Comprobar presión", 1, 0),
		("Explicar el uso", 0, 0),
	]
	assert [(row["qty"], row["delivered_qty"], row["installed_qty"]) for row in card["items"]] == [(1, 1, 0)]
	assert card["has_signature"] is False and card["parts"] == [] and card["history"] == []


def test_my_day_shows_the_sites_earlier_visits(tech):
	first = make_job([tech], at("09:00"))
	customer = frappe.db.get_value(JOB, first, "customer")
	second = make_job([tech], at("13:00"), customer=customer)
	assert results(send(tech, the_whole_job(card_of(tech, first)))) == ["Applied"] * 5
	card = card_of(tech, second)
	assert [(visit["name"], visit["visit_type"]) for visit in card["history"]] == [(first, "Installation")]
	assert first not in [job["name"] for job in read_my_day(tech)["jobs"]]  # completed: off the list


@pytest.mark.parametrize("role", [None, "Sales User", "Installation Manager"])
def test_my_day_is_refused_to_whoever_is_not_a_technician(job, role):
	user = "Guest" if role is None else make_user(roles=[role]).name
	frappe.set_user(user)
	with pytest.raises(frappe.PermissionError):
		api.get_my_day()
	with pytest.raises(frappe.PermissionError):
		api.sync_actions(json.dumps([]))
	frappe.set_user("Administrator")
	assert frappe.db.get_value(JOB, job, "status") == "Scheduled"


# The page ------------------------------------------------------------------------------------------------


def test_the_page_sends_a_guest_to_log_in_and_refuses_who_is_not_a_technician():
	from bizlink.www import my_day as page

	frappe.set_user("Guest")
	try:
		with pytest.raises(frappe.Redirect) as redirect:
			page.get_context(frappe._dict())
		assert redirect.value.http_status_code == 302  # a 301 would be remembered by the browser
		assert frappe.local.flags.redirect_location == "/login?redirect-to=/my-day"
	finally:
		frappe.local.flags.redirect_location = None
		frappe.set_user("Administrator")
	frappe.set_user(make_user(roles=["Sales User"]).name)
	with pytest.raises(frappe.PermissionError, match="Installation Technicians"):
		page.get_context(frappe._dict())


def test_the_page_carries_its_labels_in_the_technicians_language(tech):
	from bizlink.www import my_day as page

	frappe.set_user(tech)
	frappe.local.lang = "es"  # the technician's language, as a request of theirs sets it
	try:
		context = page.get_context(frappe._dict())
	finally:
		frappe.local.lang = "en"
	assert page.no_cache == 1
	boot = context.boot
	assert (boot["user"], boot["lang"], boot["scope"]) == (tech, "es", "/my-day")
	assert boot["service_worker"] == "/api/method/bizlink.api.my_day.service_worker"
	assert boot["labels"]["status_Scheduled"] == "Programada" and boot["labels"]["today"] == "Hoy"
	# every label the script reads is there, with its placeholders
	with open(frappe.get_app_path("bizlink", "public", "js", "my_day.js"), encoding="utf-8") as f:
		script = f.read()
	used = set(re.findall(r"\bL\.(\w+)", script))
	assert used <= set(boot["labels"]), used - set(boot["labels"])
	assert "{0}" in boot["labels"]["waiting"] and "{0}" in boot["labels"]["open_checks"]


def test_the_service_worker_may_control_my_day_and_keeps_its_shell():
	response = api.service_worker()
	assert response.mimetype == "application/javascript"
	assert response.headers["Service-Worker-Allowed"] == "/"
	script = response.get_data(as_text=True)
	assert '"/my-day"' in script and "__" not in script.replace("__proto__", "")  # all filled in
	for url in api.shell_assets():
		assert url in script
		path = url.split("?")[0].removeprefix("/assets/")
		app, rest = path.split("/", 1)
		assert os.path.isfile(frappe.get_app_path(app, "public", rest)), url
	# the page asks for the same files (the service worker keeps exactly those)
	assert {"/assets/bizlink/js/my_day.js", "/assets/bizlink/css/my_day.css"} <= {
		url.split("?")[0] for url in api.shell_assets()
	}


def test_the_manifest_installs_my_day():
	manifest = json.loads(api.manifest().get_data(as_text=True))
	assert (manifest["start_url"], manifest["scope"], manifest["display"]) == (
		"/my-day",
		"/my-day",
		"standalone",
	)
	assert manifest["name"]
	icon = manifest["icons"][0]["src"].removeprefix("/assets/")
	app, rest = icon.split("/", 1)
	assert os.path.isfile(frappe.get_app_path(app, "public", rest))


# What the phone sends back ------------------------------------------------------------------------------


def test_a_day_of_work_is_applied_once_in_order_and_a_retry_gets_the_first_answers(tech, job):
	actions = the_whole_job(card_of(tech, job))
	first = send(tech, actions)
	assert results(first) == ["Applied"] * 5 and not any(answer["replayed"] for answer in first)
	stored = frappe.get_doc(JOB, job)
	assert (stored.docstatus, stored.status, stored.signed_by) == (1, "Completed", "Lucía Martínez")
	assert stored.installation_note
	assert frappe.db.get_value("Installation Note", stored.installation_note, "docstatus") == 1
	# the answer was lost: the phone sends everything again
	again = send(tech, actions)
	assert [(a["client_id"], a["result"], a["replayed"]) for a in again] == [
		(a["client_id"], "Applied", True) for a in actions
	]
	assert frappe.db.count("Installation Note", {"remarks": ("like", f"%{job}%")}) == 1
	for sent in actions:
		assert frappe.db.count(LOG, {"client_id": sent["client_id"]}) == 1
	logged = frappe.get_all(LOG, {"field_visit": job}, ["action", "result", "user"], order_by="creation")
	assert [(row.action, row.result, row.user) for row in logged] == [
		(sent["action"], "Applied", tech) for sent in actions
	]


def test_actions_are_applied_in_the_order_the_phone_made_them(tech, job):
	card = card_of(tech, job)
	row = card["checklist"][1]["row"]
	send(
		tech,
		[
			action(card, "start"),
			action(card, "check", {"row": row, "done": 1, "note": "hecho"}),
			action(card, "check", {"row": row, "done": 0}),
		],
	)
	done, note = frappe.db.get_value("Field Visit Checklist Item", row, ["done", "note"])
	assert (done, note) == (0, "hecho")


@pytest.mark.parametrize(
	"client_id",
	[
		None,
		"",
		"not-a-uuid",
		str(uuid.uuid1()),  # not random
		str(uuid.uuid4()).upper(),
		"0b1d3f56-3c2a-4e5b-7a9c-1d2e3f4a5b6c",  # wrong variant
		"'; DROP TABLE `tabField Visit`; --",
		{"$ne": None},
	],
)
def test_an_action_without_a_valid_id_is_refused_and_changes_nothing(tech, job, client_id):
	sent = action(card_of(tech, job), "start")
	sent["client_id"] = client_id
	[answer] = send(tech, [sent])
	assert answer["result"] == "Refused" and "valid id" in answer["message"]
	assert frappe.db.get_value(JOB, job, "status") == "Scheduled"
	assert not frappe.db.exists(LOG, {"field_visit": job})


def test_an_id_reused_for_another_action_or_by_someone_else_is_refused(tech, job):
	card = card_of(tech, job)
	started = action(card, "start")
	assert results(send(tech, [started])) == ["Applied"]
	tampered = action(card, "check", {"row": card["checklist"][0]["row"], "done": 1}, started["client_id"])
	[answer] = send(tech, [tampered])
	assert (answer["result"], answer["replayed"]) == ("Refused", False)
	assert "already used" in answer["message"]
	assert frappe.db.get_value("Field Visit Checklist Item", card["checklist"][0]["row"], "done") == 0
	# a crew member replaying a colleague's id gets no answer of theirs
	colleague = make_technician()
	visit = frappe.get_doc(JOB, job)
	visit.append("crew", {"user": colleague})
	visit.save()
	[answer] = send(colleague, [started])
	assert answer["result"] == "Refused" and not answer["replayed"]
	assert frappe.db.count(LOG, {"client_id": started["client_id"]}) == 1


@pytest.mark.parametrize(
	"payload",
	[
		[{"visit": "x"}],  # no id
		["start"],
		[None],
		[{"client_id": str(uuid.uuid4()), "visit": None, "action": "start"}],
		[{"client_id": str(uuid.uuid4()), "visit": "FV-NO-SUCH", "action": "start"}],
	],
)
def test_malformed_actions_are_refused_one_by_one(tech, job, payload):
	answers = send(tech, payload)
	assert results(answers) == ["Refused"] * len(payload)
	assert frappe.db.get_value(JOB, job, "status") == "Scheduled"


def test_an_unknown_action_is_refused(tech, job):
	[answer] = send(tech, [action(card_of(tech, job), "delete")])
	assert answer["result"] == "Refused"


def test_another_technicians_job_is_refused_and_logged(tech, job):
	stranger = make_technician()
	card = card_of(tech, job)
	sent = action(card, "start")
	[answer] = send(stranger, [sent])
	assert answer["result"] == "Refused" and "not in the crew" in answer["message"]
	assert frappe.db.get_value(JOB, job, "status") == "Scheduled"
	log = frappe.db.get_value(
		LOG, {"client_id": sent["client_id"]}, ["user", "field_visit", "action", "result"], as_dict=True
	)
	assert log == {"user": stranger, "field_visit": job, "action": "start", "result": "Refused"}


def move(job: str, tech: str) -> None:
	dispatch.book(job, [tech], at("14:00"))


def cancel(job: str, tech: str) -> None:
	set_status(frappe.get_doc(JOB, job), "Cancelled")  # as cancelling its order does


def complete_by_colleague(job: str, tech: str) -> None:
	colleague = make_technician()
	visit = frappe.get_doc(JOB, job)
	visit.append("crew", {"user": colleague})
	visit.save()
	assert results(send(colleague, the_whole_job(card_of(colleague, job)))) == ["Applied"] * 5


@pytest.mark.parametrize(
	"office, said",
	[(move, "was moved"), (cancel, "was cancelled"), (complete_by_colleague, "already completed")],
)
def test_a_job_changed_since_the_phone_read_it_is_a_conflict_and_left_as_it_is(tech, job, office, said):
	card = card_of(tech, job)  # the phone reads the job, then goes offline
	office(job, tech)
	frappe.set_user("Administrator")
	before = frappe.db.get_value(JOB, job, ["status", "docstatus", "scheduled_start", "modified"])
	answers = send(tech, the_whole_job(card))
	assert results(answers) == ["Conflict"] * 5
	assert all(said in answer["message"] for answer in answers)
	assert frappe.db.get_value(JOB, job, ["status", "docstatus", "scheduled_start", "modified"]) == before
	assert {row.result for row in frappe.get_all(LOG, {"user": tech}, ["result"])} == {"Conflict"}


def test_a_completion_the_rules_refuse_is_refused_and_the_job_stays_open(tech, job):
	card = card_of(tech, job)
	answers = send(tech, [action(card, "start"), action(card, "complete")])
	assert results(answers) == ["Applied", "Refused"]
	assert answers[1]["message"]  # the form's own reason, for the technician
	assert frappe.db.get_value(JOB, job, ["status", "docstatus"]) == ("In Progress", 0)


def jpeg(width: int, height: int) -> str:
	"""A JPEG as the page sends it (a data URL)."""
	from PIL import Image

	out = io.BytesIO()
	Image.new("RGB", (width, height), (200, 80, 30)).save(out, "JPEG", quality=80)
	return "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode()


def test_a_photo_is_attached_to_the_job_as_a_private_file(tech, job):
	from PIL import Image

	card = card_of(tech, job)
	photo = {"filename": "caldera 1.jpg", "data": jpeg(160, 120)}
	[answer] = send(tech, [action(card, "photo", photo)])
	assert answer["result"] == "Applied"
	files = frappe.get_all(
		"File",
		{"attached_to_doctype": JOB, "attached_to_name": job},
		["name", "file_name", "is_private", "file_url"],
	)
	try:
		assert len(files) == 1 and files[0].is_private == 1
		assert files[0].file_url.startswith("/private/files/") and files[0].file_name == "caldera_1.jpg"
		# Frappe strips a JPEG's metadata (re-encoding it): the same picture
		content = frappe.get_doc("File", files[0].name).get_content()
		assert Image.open(io.BytesIO(content)).size == (160, 120)
	finally:
		for file in files:  # the rollback leaves the file on disk
			path = frappe.get_doc("File", file.name).get_full_path()
			if os.path.exists(path):
				os.remove(path)


def test_a_photo_over_the_limit_is_refused_with_nothing_written(tech, job):
	frappe.db.set_single_value("BizLink Settings", "max_photo_kb", 1)
	card = card_of(tech, job)
	modified = frappe.db.get_value(JOB, job, "modified")
	big = base64.b64encode(os.urandom(4096)).decode()
	[answer] = send(tech, [action(card, "photo", {"filename": "big.jpg", "data": big})])
	assert answer["result"] == "Refused" and "1 KB" in answer["message"]
	assert not frappe.db.exists("File", {"attached_to_doctype": JOB, "attached_to_name": job})
	assert frappe.db.get_value(JOB, job, "modified") == modified


def test_on_my_way_sets_the_eta_and_tells_the_customer(tech, job):
	card = card_of(tech, job)
	[answer] = send(tech, [action(card, "on_my_way", {"minutes": 25})])
	assert answer["result"] == "Applied"
	eta = frappe.db.get_value(JOB, job, "eta")
	assert eta and get_datetime(eta) > get_datetime(frappe.utils.now_datetime())
