"""What a technician's phone did offline, applied once when it is back online.

Each action carries an id the phone made (a UUID v4), the job, what it did, and what the phone had
read of the job (its booked start and status). The server applies actions in order, each on its own:

- **once**: the id is claimed (a Field Sync Action row, unique by id) before the action is applied, in
  the same transaction; the same action sent again (a retry after a lost answer) gets the first answer
  and changes nothing. An id already used by another user or for another action is refused, and so is
  one that is not a UUID.
- **as in the desk**: the action runs as the technician, through the Field Visit's own methods and
  save, so every rule of the form holds; a job whose stored crew does not include them is refused and
  the attempt logged.
- **never over someone else's change**: a job cancelled, completed by another crew member, or moved
  since the phone read it is a conflict, shown to the technician, and the job is left as it is.
- **all or nothing per action**: an action refused or in conflict writes nothing of itself (a
  savepoint), only its log row.
"""

import base64
import binascii
import hashlib
import html
import json
import re

import frappe
from frappe import _
from frappe.utils import cint, escape_html, flt, get_datetime, now_datetime

from bizlink.bizlink.permissions import jobs_of
from bizlink.exceptions import (
	PhotoTooLargeError,
	SyncConflictError,
	SyncDataError,
	SyncRefusedError,
	SyncReplayError,
)
from bizlink.field_service.appointment import eta_after

JOB = "Field Visit"
LOG = "Field Sync Action"
MAX_ACTIONS = 200  # one request; the phone sends the rest in the next
DEFAULT_PHOTO_KB = 5120
CLIENT_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def sync(actions: list[dict]) -> list[dict]:
	"""Each action's answer, in order. Consecutive edits of one job (ticks, quantities, parts, notes,
	the signature) are saved together when they all pass, else each on its own."""
	if not isinstance(actions, list):
		frappe.throw(_("Send a list of actions."), exc=SyncDataError)
	actions = [frappe._dict(a) if isinstance(a, dict) else frappe._dict() for a in actions[:MAX_ACTIONS]]
	results, run_of_edits = [], []
	for action in actions:
		if run_of_edits and (action.action not in EDITS or action.visit != run_of_edits[0].visit):
			results += apply_together(run_of_edits)
			run_of_edits = []
		if action.action in EDITS:
			run_of_edits.append(action)
		else:
			results.append(apply(action))
	return results + apply_together(run_of_edits)


def apply_together(actions: list[frappe._dict]) -> list[dict]:
	"""Edits of one job in one save, their ids claimed in the same savepoint; when any is not new
	(a retry), or one is refused or in conflict, they are applied one by one instead, so that each
	gets its own answer."""
	fresh = [a for a in actions if CLIENT_ID.match(str(a.client_id or ""))]
	ids = {a.client_id for a in fresh}
	if (
		len(actions) < 2
		or len(fresh) != len(actions)
		or len(ids) != len(actions)
		or frappe.db.exists(LOG, {"client_id": ("in", list(ids))})
	):
		return [apply(a) for a in actions]
	frappe.db.savepoint("sync_together")
	try:
		for action in actions:
			claim(action, "Applied")
		job = crew_job(actions[0].visit)
		for action in actions:
			check_conflict(job, action)
			HANDLERS[action.action](job, data_of(action))
		job.save()
	except Exception:  # any of them refused or failing: each on its own, for its own answer
		frappe.db.rollback(save_point="sync_together")
		frappe.clear_messages()
		return [apply(a) for a in actions]
	return [answer(a.client_id, "Applied") for a in actions]


def claim(action: frappe._dict, result: str | None = None):
	"""The action's log row, which holds its id (unique) from now on."""
	return frappe.get_doc(
		{
			"doctype": LOG,
			"client_id": action.client_id,
			"user": frappe.session.user,
			"field_visit": action.visit if frappe.db.exists(JOB, action.visit or "") else None,
			"action": str(action.action or "")[:140],
			"done_on_phone": safe_datetime(action.done_at),
			"payload_hash": digest(action),
			"result": result,
		}
	).insert(ignore_permissions=True)


def digest(action: frappe._dict) -> str:
	"""What the action is (its id apart), so that an id reused for another action is told apart."""
	body = {k: action.get(k) for k in ("visit", "action", "data", "seen")}
	return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def apply(action: frappe._dict) -> dict:
	client_id = str(action.client_id or "")
	if not CLIENT_ID.match(client_id):
		return answer(client_id, "Refused", _("This action has no valid id: it was not applied."))
	fingerprint = digest(action)
	stored = frappe.db.get_value(
		LOG, {"client_id": client_id}, ["user", "payload_hash", "result", "message"], as_dict=True
	)
	if stored:
		if stored.user == frappe.session.user and stored.payload_hash == fingerprint:
			return answer(client_id, stored.result, stored.message, replayed=True)
		return answer(
			client_id,
			"Refused",
			_("This action's id was already used for another action: it was not applied."),
		)

	savepoint = f"sync_{client_id.replace('-', '')[:16]}"
	frappe.db.savepoint(savepoint)
	try:
		log = claim(action)
	except frappe.DuplicateEntryError:
		# the same id, sent twice at once: the other request holds it
		frappe.db.rollback(save_point=savepoint)
		return apply(action)
	frappe.db.savepoint(f"{savepoint}_apply")
	try:
		run(action)
		result, message = "Applied", None
	except SyncConflictError as e:
		result, message = "Conflict", plain(e)
	except frappe.ValidationError as e:  # refused: not in the crew, or a rule of the form
		result, message = "Refused", plain(e)
	except frappe.PermissionError as e:
		result, message = "Refused", plain(e)
	except Exception:  # what the action's data made fail: refused, logged, the rest still applied
		frappe.log_error(title=_("BizLink: a phone's action could not be applied"))
		result, message = "Refused", _("This action could not be applied: the office has been told.")
	if result != "Applied":
		frappe.db.rollback(save_point=f"{savepoint}_apply")
		frappe.clear_messages()
	log.db_set({"result": result, "message": message}, update_modified=False)
	return answer(client_id, result, message)


def answer(client_id: str, result: str, message: str | None = None, replayed: bool = False) -> dict:
	return {"client_id": client_id, "result": result, "message": message, "replayed": replayed}


def plain(exc: Exception) -> str:
	return frappe.utils.strip_html(str(exc))[:1000]


def safe_datetime(value):
	try:
		return get_datetime(value) if value else None
	except Exception:
		return None


def run(action: frappe._dict) -> None:
	if action.action not in HANDLERS:
		frappe.throw(
			_("{0} is not something My Day does.").format(frappe.bold(escape_html(str(action.action)))),
			exc=SyncDataError,
		)
	job = crew_job(action.visit)
	check_conflict(job, action)
	HANDLERS[action.action](job, data_of(action))
	if action.action in EDITS:
		job.save()


def data_of(action: frappe._dict) -> frappe._dict:
	if action.data is not None and not isinstance(action.data, dict):
		frappe.throw(_("The action's data is not readable."), exc=SyncDataError)
	return frappe._dict(action.data or {})


def crew_job(visit: str):
	"""The job, if the user is in its stored crew (the desk's rule); refused otherwise."""
	user = frappe.session.user
	if not visit or visit not in (jobs_of(user).where(frappe.qb.Field("parent") == visit).run(pluck=True)):
		frappe.throw(
			_("You are not in the crew of Field Visit {0}: your phone's change to it was refused.").format(
				frappe.bold(str(visit))
			),
			title=_("Not Your Job"),
			exc=SyncRefusedError,
		)
	return frappe.get_doc(JOB, visit)


def check_conflict(job, action: frappe._dict) -> None:
	seen = frappe._dict(action.seen or {})
	if job.docstatus == 2 or job.status == "Cancelled":
		conflict(_("Field Visit {0} was cancelled by the office.").format(job.name))
	if job.docstatus == 1 and action.action != "photo":
		by = frappe.db.get_value("User", job.modified_by, "full_name") or job.modified_by
		conflict(_("Field Visit {0} was already completed by {1}.").format(job.name, by))
	if job.status in ("To Schedule", "Scheduled") and seen.scheduled_start:
		moved = not job.scheduled_start or get_datetime(job.scheduled_start) != get_datetime(
			seen.scheduled_start
		)
		if moved:
			conflict(
				_("Field Visit {0} was moved by the office to {1}.").format(
					job.name,
					frappe.format(job.scheduled_start, "Datetime") if job.scheduled_start else _("no date"),
				)
			)


def conflict(message: str) -> None:
	frappe.throw(message, title=_("Changed Meanwhile"), exc=SyncConflictError)


# The actions, each through the Field Visit's own methods ---------------------------------------


def do_start(job, data) -> None:
	if job.status != "In Progress":  # another crew member started it: nothing to do
		job.start()


def do_check(job, data) -> None:
	row = child(job, "checklist", data.row)
	row.done = cint(data.done)
	if data.note is not None:
		row.note = str(data.note)[:140]


def do_installed(job, data) -> None:
	row = child(job, "items", data.row)
	row.installed_qty = flt(data.qty)
	if data.serial_no is not None:
		row.serial_no = str(data.serial_no)


def do_part(job, data) -> None:
	job.append(
		"parts",
		{
			"item_code": data.item_code,
			"qty": flt(data.qty) or 1,
			"serial_no": data.serial_no,
			"replaced_serial_no": data.replaced_serial_no,
		},
	)


def do_note(job, data) -> None:
	"""The job's notes as the phone shows and edits them (all of them: the office's too)."""
	if not isinstance(data.get("text"), str):
		frappe.throw(_("The note has no text."), exc=SyncDataError)
	job.notes = html.escape(data.text, quote=False).replace("\n", "<br>")


def do_sign(job, data) -> None:
	signature = str(data.signature or "")
	if not signature.startswith("data:image/"):
		frappe.throw(_("The signature is not an image."), exc=SyncDataError)
	content = signature.split(",", 1)[-1]
	check_size(content, _("The signature"))
	try:
		check_image(base64.b64decode(content, validate=True))
	except (binascii.Error, ValueError, SyncDataError):
		frappe.throw(_("The signature is not an image."), exc=SyncDataError)
	job.signature, job.signed_by = signature, str(data.signed_by or "")[:140]


def do_photo(job, data) -> None:
	content = str(data.data or "").split(",", 1)[-1]
	size = check_size(content, _("The photo"))
	try:
		raw = base64.b64decode(content, validate=True)
	except (binascii.Error, ValueError):
		frappe.throw(_("The photo could not be read."), exc=SyncDataError)
	if not size:
		frappe.throw(_("The photo is empty."), exc=SyncDataError)
	check_image(raw)
	name = re.sub(r"[^\w.-]", "_", str(data.filename or "photo.jpg"))[-80:] or "photo.jpg"
	frappe.get_doc(
		{
			"doctype": "File",
			"file_name": name,
			"attached_to_doctype": JOB,
			"attached_to_name": job.name,
			"is_private": 1,
			"content": raw,
		}
	).insert(ignore_permissions=True)


def check_image(raw: bytes) -> None:
	"""A photo is a JPEG, PNG or WebP image that opens."""
	from io import BytesIO

	from PIL import Image

	try:
		with Image.open(BytesIO(raw)) as image:
			image.verify()
			kind = image.format
	except Exception:
		kind = None
	if kind not in ("JPEG", "PNG", "WEBP"):
		frappe.throw(_("The photo is not a JPEG, PNG or WebP image."), exc=SyncDataError)


def do_complete(job, data) -> None:
	job.submit()


def do_on_my_way(job, data) -> None:
	from bizlink.bizlink.queue import after_commit

	eta = eta_after(data.minutes)
	job.db_set("eta", eta, update_modified=False)
	after_commit("bizlink.field_service.appointment.notify_on_my_way", visit=job.name, eta=eta)


EDITS = ("check", "installed", "part", "note", "sign")  # they change the job; one save keeps them
HANDLERS = {
	"start": do_start,
	"check": do_check,
	"installed": do_installed,
	"part": do_part,
	"note": do_note,
	"photo": do_photo,
	"sign": do_sign,
	"complete": do_complete,
	"on_my_way": do_on_my_way,
}


def child(job, table: str, name) -> object:
	row = next((row for row in job.get(table) if row.name == name), None)
	if not row:
		frappe.throw(
			_("That row is no longer on Field Visit {0}: the office changed the job.").format(job.name),
			exc=SyncConflictError,
		)
	return row


def check_size(content: str, what: str) -> int:
	"""The decoded size of base64 `content`, refused over BizLink Settings' photo limit."""
	limit_kb = cint(frappe.db.get_single_value("BizLink Settings", "max_photo_kb")) or DEFAULT_PHOTO_KB
	size = len(content) * 3 // 4
	if size > limit_kb * 1024:
		frappe.throw(
			_("{0} is {1} KB; the largest a phone may send is {2} KB.").format(what, size // 1024, limit_kb),
			title=_("Too Large"),
			exc=PhotoTooLargeError,
		)
	return size


def my_jobs(user: str, days: int = 2) -> list[dict]:
	"""`user`'s jobs from today for `days` days (and any they have begun), in route order, each with
	what My Day shows and needs offline."""
	from frappe.utils import add_days, getdate, today

	start = getdate(today())
	names = jobs_of(user).run(pluck=True)
	if not names:
		return []
	job = frappe.qb.DocType(JOB)
	rows = (
		frappe.qb.from_(job)
		.select(job.name)
		.where(job.name.isin(names))
		.where(job.docstatus == 0)
		.where(
			(job.status.isin(["In Progress", "On Hold"]))
			| (
				(job.status == "Scheduled")
				& (job.scheduled_start >= get_datetime(start))
				& (job.scheduled_start < get_datetime(add_days(start, days)))
			)
		)
		.orderby(job.scheduled_start)
		.orderby(job.route_order)
		.run(pluck=True)
	)
	return [job_card(frappe.get_doc(JOB, name)) for name in rows]


def job_card(job) -> dict:
	address = (
		frappe.db.get_value(
			"Address", job.address, ["address_line1", "address_line2", "city", "pincode"], as_dict=True
		)
		if job.address
		else None
	)
	history = frappe.get_all(
		JOB,
		filters={
			"docstatus": 1,
			"name": ("!=", job.name),
			**({"address": job.address} if job.address else {"customer": job.customer or ""}),
		},
		fields=["name", "visit_type", "actual_end", "notes"],
		order_by="actual_end desc",
		limit=5,
	)
	return {
		"name": job.name,
		"visit_type": job.visit_type,
		"status": job.status,
		"customer_name": job.customer_name,
		"scheduled_start": str(job.scheduled_start) if job.scheduled_start else None,
		"scheduled_end": str(job.scheduled_end) if job.scheduled_end else None,
		"route_order": job.route_order,
		"address": ", ".join(p for p in (address or {}).values() if p) if address else job.address_display,
		"latitude": job.latitude,
		"longitude": job.longitude,
		"contact_phone": job.contact_phone,
		"notes": html.unescape(frappe.utils.strip_html((job.notes or "").replace("<br>", "\n"))),
		"checklist": [
			{
				"row": r.name,
				"description": r.description,
				"mandatory": r.mandatory,
				"done": r.done,
				"note": r.note,
			}
			for r in job.checklist
		],
		"items": [
			{
				"row": r.name,
				"item_name": r.item_name or r.item_code,
				"qty": r.qty,
				"delivered_qty": r.delivered_qty,
				"installed_qty": r.installed_qty,
				"serial_no": r.serial_no,
			}
			for r in job.items
		],
		"parts": [{"item_code": r.item_code, "qty": r.qty} for r in job.parts],
		"signed_by": job.signed_by,
		"has_signature": bool(job.signature),
		"history": [
			{
				"name": h.name,
				"visit_type": h.visit_type,
				"date": str(h.actual_end)[:10] if h.actual_end else None,
				"notes": html.unescape(frappe.utils.strip_html(h.notes or ""))[:300],
			}
			for h in history
		],
		"seen": {
			"scheduled_start": str(job.scheduled_start) if job.scheduled_start else None,
			"status": job.status,
		},
	}
