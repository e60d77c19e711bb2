"""Escalation of Service Tickets against their SLA resolution target.

Each ticket carries the moment it must be escalated (`escalate_at`: a configurable share of the time
from creation to `sla_resolution_by`). The job reads only the tickets whose moment has come, through
the (escalation_level, escalate_at) and (escalation_level, sla_resolution_by) indexes: its cost grows
with the tickets coming due, not with all open tickets.

- warn: the assignees (or, with none, the owner) get a notification;
- breach: the ticket is assigned to the support manager (BizLink Settings), who is notified.
"""

from datetime import datetime

import frappe
from frappe import _
from frappe.utils import add_to_date, flt, get_datetime, now_datetime, time_diff_in_seconds

OPEN_STATUSES = ("Open", "In Progress")
TICKET = "Service Ticket"


def get_escalate_at(ticket) -> datetime | None:
	if not ticket.sla_resolution_by or ticket.status not in OPEN_STATUSES:
		return None
	start = get_datetime(ticket.service_level_agreement_creation or ticket.creation or now_datetime())
	fraction = flt(frappe.db.get_single_value("BizLink Settings", "escalation_fraction") or 75) / 100
	span = max(time_diff_in_seconds(ticket.sla_resolution_by, start), 0)
	return add_to_date(start, seconds=int(span * fraction))


def escalate_tickets(limit: int = 500) -> dict[str, int]:
	"""Scheduled: warn and breach the tickets that came due since the last run."""
	now = now_datetime()
	ticket = frappe.qb.DocType(TICKET)
	to_warn = (
		frappe.qb.from_(ticket)
		.select(ticket.name)
		.where(ticket.escalation_level.isnull() | (ticket.escalation_level == ""))
		.where(ticket.escalate_at <= now)
		.where(ticket.status.isin(OPEN_STATUSES))
		.limit(limit)
		.run(pluck=True)
	)
	to_breach = (
		frappe.qb.from_(ticket)
		.select(ticket.name)
		.where(ticket.escalation_level.isnull() | (ticket.escalation_level.isin(("", "Warned"))))
		.where(ticket.sla_resolution_by <= now)
		.where(ticket.status.isin(OPEN_STATUSES))
		.limit(limit)
		.run(pluck=True)
	)
	for name in to_warn:
		if name not in to_breach:
			warn(name)
	for name in to_breach:
		breach(name)
	return {"warned": len(set(to_warn) - set(to_breach)), "breached": len(to_breach)}


def assignees(name: str) -> list[str]:
	return frappe.get_all(
		"ToDo",
		filters={"reference_type": TICKET, "reference_name": name, "status": "Open"},
		pluck="allocated_to",
	)


def notify(name: str, users: list[str], subject: str) -> None:
	from frappe.desk.doctype.notification_log.notification_log import make_notification_logs

	make_notification_logs(
		{
			"subject": subject,
			"document_type": TICKET,
			"document_name": name,
			"type": "Alert",
			"from_user": "Administrator",
		},
		users,
	)


def warn(name: str) -> None:
	ticket = frappe.db.get_value(TICKET, name, ["subject", "owner", "sla_resolution_by"], as_dict=True)
	users = assignees(name) or [ticket.owner]
	notify(
		name,
		users,
		_("Service Ticket {0} is due by {1}: {2}").format(
			name, frappe.format(ticket.sla_resolution_by, "Datetime"), ticket.subject
		),
	)
	frappe.db.set_value(TICKET, name, "escalation_level", "Warned", update_modified=False)


def breach(name: str) -> None:
	from frappe.desk.form.assign_to import add as assign

	ticket = frappe.db.get_value(TICKET, name, ["subject", "owner"], as_dict=True)
	manager = frappe.db.get_single_value("BizLink Settings", "support_manager")
	users = [manager] if manager else (assignees(name) or [ticket.owner])
	if manager and manager not in assignees(name):
		assign(
			{"assign_to": [manager], "doctype": TICKET, "name": name, "description": ticket.subject},
			ignore_permissions=True,
		)
	notify(
		name, users, _("Service Ticket {0} breached its resolution target: {1}").format(name, ticket.subject)
	)
	frappe.db.set_value(TICKET, name, "escalation_level", "Breached", update_modified=False)
