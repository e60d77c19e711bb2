"""Repair visits from a Service Ticket: the ticket asks Field Service for a visit to the customer's
site and unit; completing the visit can resolve the ticket.

Field Service sits below Service (ARCHITECTURE.md), so the visit knows its ticket only by link and
Service follows the visit through doc_events (`on_visit_submit`).
"""

import frappe
from frappe import _
from frappe.utils import strip_html

from bizlink.exceptions import TicketAlreadyResolvedError
from bizlink.field_service.installation import OPEN_STATUSES
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
