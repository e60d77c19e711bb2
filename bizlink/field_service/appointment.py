"""The customer's notice of a booked visit, and their answer.

When a visit is booked or moved, the site contact gets the slot by email (and by SMS through Frappe's
SMS Settings where a gateway is set), with a link to confirm it or ask for another. The link is signed
for that visit **and that slot**, and expires: once the visit moves, the old link no longer answers for
it (the new notice carries a new one), and a slot is answered once. "On my way" from My Day sends the
expected arrival the same way.
"""

import frappe
from frappe import _
from frappe.translate import print_language
from frappe.utils import add_days, add_to_date, cint, get_datetime, get_url, now_datetime
from frappe.utils.data import format_datetime

from bizlink.bizlink.signed import is_signed, sign
from bizlink.exceptions import AppointmentLinkError, AppointmentLinkUsedError

JOB = "Field Visit"
ANSWERS = {"confirm": "Confirmed", "another": "New Slot Requested"}
DEFAULT_LINK_DAYS = 7


def slot_of(start) -> int:
	return int(get_datetime(start).timestamp())


def appointment_url(visit: str, start, valid_days: int | None = None) -> str:
	days = valid_days or cint(frappe.db.get_single_value("BizLink Settings", "appointment_link_days"))
	expires = int(add_days(now_datetime(), days or DEFAULT_LINK_DAYS).timestamp())
	slot = slot_of(start)
	token = sign("appointment", visit, slot, expires)
	return get_url(f"/appointment?visit={visit}&slot={slot}&expires={expires}&token={token}")


def notify_appointment(visit: str) -> None:
	"""On the short queue after a booking commits: send the slot, once per slot (`appointment_status`
	goes from empty to Sent; a move empties it again)."""
	job = frappe.get_doc(JOB, visit)
	if job.docstatus != 0 or job.status != "Scheduled" or not job.scheduled_start or job.appointment_status:
		return
	if not job.contact_email and not job.contact_phone:
		return
	when = format_datetime(job.scheduled_start, "EEEE d MMMM, HH:mm")
	url = appointment_url(job.name, job.scheduled_start)
	lang = customer_language(job)
	with print_language(lang):
		subject = _("Your appointment: {0}").format(when)
		message = _(
			"Our technician will visit you on {0} ({1}). Please confirm this slot or ask for another: {2}"
		).format(when, _(job.visit_type), url)
	send(job, subject, message)
	job.db_set("appointment_status", "Sent", update_modified=False)


def notify_on_my_way(visit: str, eta) -> None:
	job = frappe.get_doc(JOB, visit)
	lang = customer_language(job)
	with print_language(lang):
		subject = _("Our technician is on the way")
		message = _("Our technician is on the way and expects to arrive at about {0}.").format(
			format_datetime(eta, "HH:mm")
		)
	send(job, subject, message)


def send(job, subject: str, message: str) -> None:
	if job.contact_email:
		frappe.sendmail(
			recipients=[job.contact_email],
			subject=subject,
			message=frappe.utils.escape_html(message).replace("\n", "<br>"),
			reference_doctype=JOB,
			reference_name=job.name,
			now=False,
		)
	if job.contact_phone and frappe.db.get_single_value("SMS Settings", "sms_gateway_url"):
		from bizlink.bizlink.queue import queue_after_commit

		# the gateway is another server, which may answer slowly or never: a worker waits for it
		queue_after_commit(
			"bizlink.field_service.appointment.send_text", phone=job.contact_phone, text=message
		)


def send_text(phone: str, text: str) -> None:
	"""The job: an SMS through the site's gateway (SMS Settings); a gateway down does not hold back
	the email, sent already."""
	from frappe.core.doctype.sms_settings.sms_settings import send_sms

	try:
		send_sms([phone], text, success_msg=False)
	except Exception:
		frappe.log_error(title=_("BizLink: SMS to {0} not sent").format(phone))


def customer_language(job) -> str:
	"""The language the site contact reads: the customer's, else the system's (as BizLink's other
	notices to a customer; never the language of whoever booked)."""
	customer = frappe.db.get_value("Customer", job.customer, "language") if job.customer else None
	return customer or frappe.db.get_single_value("System Settings", "language") or "en"


def check_link(visit: str, slot, expires, token: str) -> frappe._dict:
	"""The job a link answers for, or a refusal: not signed, expired, or for a slot since moved."""
	if not visit or not is_signed(token, "appointment", visit, cint(slot), cint(expires)):
		frappe.throw(
			_("This appointment link is not valid."), title=_("Invalid Link"), exc=AppointmentLinkError
		)
	if cint(expires) < now_datetime().timestamp():
		frappe.throw(
			_("This appointment link has expired. Please call us to arrange the visit."),
			title=_("Link Expired"),
			exc=AppointmentLinkError,
		)
	job = frappe.db.get_value(
		JOB,
		visit,
		[
			"name",
			"customer_name",
			"visit_type",
			"status",
			"docstatus",
			"scheduled_start",
			"appointment_status",
		],
		as_dict=True,
	)
	if (
		not job
		or job.docstatus != 0
		or job.status != "Scheduled"
		or not job.scheduled_start
		or slot_of(job.scheduled_start) != cint(slot)
	):
		frappe.throw(
			_("This visit has been moved or cancelled since this link was sent: see our latest message."),
			title=_("Link Expired"),
			exc=AppointmentLinkError,
		)
	return job


def answer(visit: str, slot, expires, token: str, response: str, note: str | None = None) -> dict:
	check_link(visit, slot, expires, token)
	if response not in ANSWERS:
		frappe.throw(_("Confirm the slot or ask for another."), exc=AppointmentLinkError)
	# one answer per slot, even from two tabs at once: read again under the row's lock
	if frappe.db.get_value(JOB, visit, "appointment_status", for_update=True) != "Sent":
		frappe.throw(
			_("This appointment has already been answered. Please call us to change it."),
			title=_("Already Answered"),
			exc=AppointmentLinkUsedError,
		)
	note = (note or "").strip()[:1000]
	frappe.db.set_value(
		JOB, visit, {"appointment_status": ANSWERS[response], "appointment_note": note or None}
	)
	comment = (
		_("The customer confirmed the appointment.")
		if response == "confirm"
		else _("The customer asked for another slot: {0}").format(note or "-")
	)
	frappe.get_doc(JOB, visit).add_comment("Comment", frappe.utils.escape_html(comment))
	return {"visit": visit, "appointment_status": ANSWERS[response]}


def eta_after(minutes) -> str:
	return str(add_to_date(now_datetime(), minutes=max(cint(minutes), 0)))
