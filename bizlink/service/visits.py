"""Repair visits from a Service Ticket: the ticket asks Field Service for a visit to the customer's
site and unit; completing the visit can resolve the ticket.

Field Service sits below Service (ARCHITECTURE.md), so the visit knows its ticket only by link and
Service follows the visit through doc_events (`on_visit_submit`). A visit the customer rated low gets
a ticket to follow it up (`follow_up_low_rating`).
"""

from urllib.parse import quote

import frappe
from frappe import _
from frappe.translate import print_language
from frappe.utils import escape_html, strip_html

from bizlink.exceptions import TicketAlreadyResolvedError
from bizlink.field_service.appointment import customer_language
from bizlink.field_service.installation import OPEN_STATUSES
from bizlink.field_service.ratings import low_rating_threshold, stars_of
from bizlink.service.doctype.service_ticket.service_ticket import RESOLVED_STATUSES


def open_repair_visit(ticket: str) -> str | None:
	return frappe.db.get_value(
		"Field Visit",
		{"service_ticket": ticket, "visit_type": "Repair", "docstatus": 0, "status": ("in", OPEN_STATUSES)},
		"name",
	)


@frappe.whitelist(methods=["POST"])
def schedule_visit(ticket: str | None = None) -> str:
	"""A repair visit for the ticket's customer, site and unit, in To Schedule for the dispatcher (who
	books crew and time like any visit); the ticket's open repair visit if it has one.

	Whoever may change the ticket may ask for the visit (a support agent does not book crews, so it is
	made on their behalf)."""
	if not ticket:
		frappe.throw(_("Which Service Ticket is the visit for?"), frappe.MandatoryError)
	doc = frappe.get_doc("Service Ticket", ticket)
	doc.check_permission("write")
	if doc.status in RESOLVED_STATUSES:
		frappe.throw(
			_("Service Ticket {0} is {1}: reopen it before scheduling a visit.").format(
				frappe.bold(doc.name), frappe.bold(_(doc.status))
			),
			title=_("Ticket Resolved"),
			exc=TicketAlreadyResolvedError,
		)
	if existing := open_repair_visit(doc.name):
		return existing
	visit = frappe.get_doc(
		{
			"doctype": "Field Visit",
			"visit_type": "Repair",
			"service_ticket": doc.name,
			"customer": doc.customer,
			"serial_no": doc.serial_no,
			"contact": doc.contact,
			"sales_order": doc.sales_order,
			"notes": doc.description,
		}
	)
	visit.flags.ignore_permissions = True
	visit.insert()
	doc.add_comment("Info", _("Repair visit {0} asked for").format(visit.name))
	return visit.name


def on_visit_cancel(visit, method=None) -> None:
	"""A completed repair visit cancelled: the ticket it resolved is open again."""
	if visit.visit_type != "Repair" or not visit.service_ticket or not visit.resolve_ticket:
		return
	ticket = frappe.get_doc("Service Ticket", visit.service_ticket)
	if ticket.status == "Resolved" and visit.name in (ticket.resolution_details or ""):
		ticket.status = "Open"
		ticket.flags.ignore_permissions = True
		ticket.save()
		ticket.add_comment("Info", _("Reopened: Field Visit {0} was cancelled").format(visit.name))


def on_visit_submit(visit, method=None) -> None:
	"""A completed repair visit that is to resolve its ticket resolves it, with the visit's notes."""
	if visit.visit_type != "Repair" or not visit.service_ticket or not visit.resolve_ticket:
		return
	ticket = frappe.get_doc("Service Ticket", visit.service_ticket)
	if ticket.status in RESOLVED_STATUSES:
		return
	notes = strip_html(visit.notes or "").strip()
	ticket.status = "Resolved"
	ticket.resolution_details = _("Resolved on site (Field Visit {0}).").format(visit.name) + (
		f"\n\n{notes}" if notes else ""
	)
	ticket.flags.ignore_permissions = True  # the technician resolves it by completing the visit
	ticket.save()


def follow_up_low_rating(visit: str) -> str | None:
	"""A visit rated at or below *Low Rating* (BizLink Settings; 0: never) gets one Service Ticket to
	follow it up, kept on its Visit Rating (`rating_ticket`); run again, it returns that ticket. Queued
	after the customer's rating commits (`bizlink.api.visit_rating.submit`). The ticket says what the
	customer wrote, not the stars: who reads tickets (support, sales) does not read ratings."""
	threshold = low_rating_threshold()
	# under the rating's row lock: two runs at once make one ticket
	rating = frappe.db.get_value(
		"Visit Rating", visit, ["rating", "rating_comment", "rating_ticket"], as_dict=True, for_update=True
	)
	job = frappe.db.get_value(
		"Field Visit",
		visit,
		["name", "docstatus", "visit_type", "customer", "contact", "serial_no", "sales_order"],
		as_dict=True,
	)
	if not job or not rating or job.docstatus != 1 or not rating.rating or not threshold:
		return None
	job.update(rating)
	if job.rating_ticket and frappe.db.exists("Service Ticket", job.rating_ticket):
		return job.rating_ticket
	stars = stars_of(job.rating)
	if stars > threshold:
		return None
	with print_language(customer_language(job)):  # the customer is told of it (ticket received)
		subject = _("Follow up the customer's feedback on Field Visit {0}").format(job.name)
		said = _("The customer was not satisfied with the {0} visit {1}:").format(_(job.visit_type), job.name)
		# kept escaped (see `ratings.rate`): markup-safe as it is
		comment = (job.rating_comment or "").replace("\n", "<br>") or escape_html(_("No comment."))
	# what the customer typed is shown as text, and the link leads back to the visit
	description = (
		f"<p>{escape_html(said)}</p><blockquote>{comment}</blockquote>"
		f'<p><a href="/app/field-visit/{quote(job.name)}">{escape_html(job.name)}</a></p>'
	)
	ticket = frappe.get_doc(
		{
			"doctype": "Service Ticket",
			"subject": subject[:140],
			"description": description,
			"customer": job.customer,
			"contact": job.contact,
			"serial_no": job.serial_no,
			"sales_order": job.sales_order,
			"field_visit": job.name,
			"channel": "Visit",
		}
	)
	ticket.flags.ignore_permissions = True  # the customer's rating opens it, on nobody's desk rights
	ticket.insert()
	frappe.db.set_value("Visit Rating", visit, "rating_ticket", ticket.name, update_modified=False)
	return ticket.name


@frappe.whitelist()
def get_first_time_fix_rate(filters=None) -> dict:
	"""Number card: of the tickets whose repair visits were all completed in the last 90 days, the
	share one visit resolved (a second visit means the first did not fix it); tickets the reader may
	read."""
	from frappe.utils import add_days, today

	tickets = frappe.get_list(
		"Service Ticket", filters={"status": ("in", RESOLVED_STATUSES)}, pluck="name", limit=0
	)
	visits = (
		frappe.get_all(
			"Field Visit",
			filters={
				"service_ticket": ("in", tickets),
				"visit_type": "Repair",
				"docstatus": 1,
				"actual_end": (">=", add_days(today(), -90)),
			},
			fields=["service_ticket", "count(name) as visits"],
			group_by="service_ticket",
		)
		if tickets
		else []
	)
	fixed = sum(1 for row in visits if row.visits == 1)
	return {
		"value": round(100 * fixed / len(visits), 1) if visits else 0,
		"fieldtype": "Percent",
		"route": ["List", "Field Visit"],
		"route_options": {"visit_type": "Repair", "docstatus": 1},
	}
