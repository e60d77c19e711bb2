"""Escalation of Service Tickets against their SLA resolution target.

Each open ticket carries its next escalation moment, `escalate_at`: first the warning (a
configurable share of the time from creation to `sla_resolution_by`), once warned the target
itself, once breached none. The job reads only the tickets whose moment has come, through the
index on `escalate_at`: its cost grows with the tickets coming due, not with all open tickets.

- warn: the assignees (or, with none, the owner) get a notification;
- breach: the ticket is assigned to the support manager (BizLink Settings), who is notified.
"""

from datetime import datetime

import frappe
from frappe import _
from frappe.utils import add_to_date, flt, get_datetime, now_datetime, time_diff_in_seconds

ESCALATING_STATUSES = ("Open", "In Progress")
TICKET = "Service Ticket"
BATCH = 500  # tickets per run; a backlog is worked off over the next runs (every 5 minutes)
RETRY_MINUTES = 60  # a ticket whose escalation failed is tried again after this


def get_escalate_at(ticket) -> datetime | None:
	"""The ticket's next escalation moment, from its SLA target and what was already done."""
	if not ticket.sla_resolution_by or ticket.status not in ESCALATING_STATUSES:
		return None
	if ticket.escalation_level == "Breached":
		return None
	if ticket.escalation_level == "Warned":
		return get_datetime(ticket.sla_resolution_by)
	start = get_datetime(ticket.service_level_agreement_creation or ticket.creation or now_datetime())
	fraction = flt(frappe.db.get_single_value("BizLink Settings", "escalation_fraction") or 75) / 100
	span = max(time_diff_in_seconds(ticket.sla_resolution_by, start), 0)
	return add_to_date(start, seconds=int(span * fraction))


def get_due(now: datetime, limit: int) -> list[frappe._dict]:
	ticket = frappe.qb.DocType(TICKET)
	return (
		frappe.qb.from_(ticket)
		.select(ticket.name, ticket.subject, ticket.owner, ticket.escalation_level, ticket.sla_resolution_by)
		.where(ticket.escalate_at <= now)
		.where(ticket.status.isin(ESCALATING_STATUSES))
		.orderby(ticket.escalate_at)
		.limit(limit)
		.run(as_dict=True)
	)


def escalate_tickets(limit: int = BATCH) -> dict[str, int]:
	"""Scheduled: warn and breach the tickets whose escalation moment has come (oldest first).

	Each ticket is escalated on its own (a savepoint): one that fails is rolled back alone, logged in
	the Error Log and tried again after RETRY_MINUTES, so it never holds back the others (the job
	reads oldest first: a ticket failing in place would block every later one)."""
	now = now_datetime()
	due = get_due(now, limit)
	owners = open_assignees([row.name for row in due])
	done = {"warned": 0, "breached": 0, "failed": 0}
	for row in due:
		savepoint = f"escalate_{frappe.generate_hash(length=8)}"
		frappe.db.savepoint(savepoint)
		try:
			outcome = escalate(row, owners.get(row.name, []), now)
		except Exception:
			frappe.db.rollback(save_point=savepoint)
			frappe.log_error(title=_("Escalation of Service Ticket {0} failed").format(row.name))
			frappe.db.set_value(
				TICKET,
				row.name,
				"escalate_at",
				add_to_date(now, minutes=RETRY_MINUTES),
				update_modified=False,
			)
			done["failed"] += 1
		else:
			frappe.db.release_savepoint(savepoint)
			if outcome:
				done[outcome] += 1
	return done


def escalate(row, assigned: list[str], now: datetime) -> str | None:
	"""Warn or breach one due ticket; returns what was done."""
	if get_datetime(row.sla_resolution_by) <= now:
		breach(row, assigned)
		return "breached"
	if not row.escalation_level:
		warn(row, assigned)
		return "warned"
	# warned already, its next moment is the target itself
	frappe.db.set_value(TICKET, row.name, "escalate_at", row.sla_resolution_by, update_modified=False)
	return None


def open_assignees(names: list[str]) -> dict[str, list[str]]:
	"""Each ticket's open assignees, in one query."""
	out: dict[str, list[str]] = {}
	if names:
		for todo in frappe.get_all(
			"ToDo",
			filters={"reference_type": TICKET, "reference_name": ("in", names), "status": "Open"},
			fields=["reference_name", "allocated_to"],
		):
			out.setdefault(todo.reference_name, []).append(todo.allocated_to)
	return out


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


def warn(row, assigned: list[str]) -> None:
	notify(
		row.name,
		assigned or [row.owner],
		_("Service Ticket {0} is due by {1}: {2}").format(
			row.name, frappe.format(row.sla_resolution_by, "Datetime"), row.subject
		),
	)
	frappe.db.set_value(
		TICKET,
		row.name,
		{"escalation_level": "Warned", "escalate_at": row.sla_resolution_by},
		update_modified=False,
	)


def breach(row, assigned: list[str]) -> None:
	from frappe.desk.form.assign_to import add as assign

	manager = frappe.db.get_single_value("BizLink Settings", "support_manager")
	users = [manager] if manager else (assigned or [row.owner])
	if manager and manager not in assigned:
		assign(
			{"assign_to": [manager], "doctype": TICKET, "name": row.name, "description": row.subject},
			ignore_permissions=True,
		)
	notify(
		row.name,
		users,
		_("Service Ticket {0} breached its resolution target: {1}").format(row.name, row.subject),
	)
	frappe.db.set_value(
		TICKET, row.name, {"escalation_level": "Breached", "escalate_at": None}, update_modified=False
	)
