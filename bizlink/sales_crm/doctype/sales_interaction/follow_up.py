"""The follow-up of a Sales Interaction: a ToDo for the salesperson and an Event in their calendar.

The interaction owns both: its next action date creates them, a change moves them, clearing the date
cancels the ToDo and removes the Event. Closing the ToDo (from the desk's assignment sidebar or the
To Do list) marks the follow-up Done; cancelling or deleting it, Cancelled. Deleting the Event leaves
the follow-up open.
"""

import frappe
from frappe import _
from frappe.utils import get_datetime, getdate, today

from bizlink.market_analysis import campaigns
from bizlink.sales_crm.customers import update_interaction_summary

DOCTYPE = "Sales Interaction"


def get_follow_up_user(doc) -> str:
	"""The sales person's user when there is one, else whoever logged the interaction."""
	if doc.sales_person:
		employee = frappe.db.get_value("Sales Person", doc.sales_person, "employee")
		user = employee and frappe.db.get_value("Employee", employee, "user_id")
		if user:
			return user
	return doc.user or doc.owner or frappe.session.user


def get_party_title(doc) -> str:
	"""Who the interaction was with, as people call them: the customer's name, else the Lead's or
	Prospect's (before it is a customer)."""
	if doc.get("customer"):
		return doc.get("customer_name") or doc.customer
	if doc.get("party_type") and doc.get("party"):
		field = {"Lead": "lead_name", "Prospect": "company_name"}.get(doc.party_type)
		title = field and frappe.db.get_value(doc.party_type, doc.party, field)
		return title or doc.party
	return ""


def sync_follow_up(doc) -> None:
	if doc.follow_up_status == "Open":
		user = get_follow_up_user(doc)
		description = doc.next_action or doc.subject
		doc.db_set(
			{
				"todo": upsert_todo(doc, user, description),
				"event": upsert_event(doc, user, description),
			},
			update_modified=False,
		)
	elif not doc.follow_up_status:
		remove_follow_up(doc)


def upsert_todo(doc, user: str, description: str) -> str:
	values = {
		"allocated_to": user,
		"date": doc.next_action_date,
		"description": todo_description(doc, description),
		"reference_type": DOCTYPE,
		"reference_name": doc.name,
		"status": "Open",
	}
	if own_todo(doc):
		todo = frappe.get_doc("ToDo", doc.todo)
		if any(todo.get(key) != value for key, value in values.items() if key != "date") or getdate(
			todo.date
		) != getdate(doc.next_action_date):
			todo.update(values)
			todo.save(ignore_permissions=True)
		return todo.name
	todo = frappe.get_doc({"doctype": "ToDo", "assigned_by": frappe.session.user, **values})
	todo.insert(ignore_permissions=True)
	return todo.name


def todo_description(doc, description: str) -> str:
	"""The follow-up ToDo's description: who it is with, and the next action."""
	return _("{0}: {1}").format(get_party_title(doc), description)


def event_values(doc, description: str) -> dict:
	"""The follow-up Event's values: half an hour from 09:00 on the next action date."""
	return {
		"subject": _("Follow up {0}: {1}").format(get_party_title(doc), description),
		"starts_on": get_datetime(f"{doc.next_action_date} 09:00:00"),
		"ends_on": get_datetime(f"{doc.next_action_date} 09:30:00"),
		"event_type": "Private",
		"event_category": "Call" if doc.interaction_type == "Call" else "Meeting",
		"reference_doctype": DOCTYPE,
		"reference_docname": doc.name,
	}


def upsert_event(doc, user: str, description: str) -> str:
	values = event_values(doc, description)
	if own_event(doc):
		event = frappe.get_doc("Event", doc.event)
		event.update(values)
		event.save(ignore_permissions=True)
	else:
		event = frappe.get_doc({"doctype": "Event", **values}).insert(ignore_permissions=True)
	if event.owner != user:
		# an Event is shown in its owner's calendar
		event.db_set("owner", user, update_modified=False)
	return event.name


def own_todo(doc) -> bool:
	"""The interaction's ToDo is open and is the one BizLink made for it: BizLink acts on it with
	elevated rights, so it never touches a ToDo the interaction merely names."""
	return bool(doc.todo) and frappe.db.exists(
		"ToDo", {"name": doc.todo, "reference_type": DOCTYPE, "reference_name": doc.name, "status": "Open"}
	)


def own_event(doc) -> bool:
	# an Event keeps no reference to the interaction: that `event` is the one BizLink made is held by
	# bizlink.bizlink.guard (a read-only field no payload can set)
	return bool(doc.event) and bool(frappe.db.exists("Event", doc.event))


def remove_follow_up(doc) -> None:
	if own_todo(doc):
		todo = frappe.get_doc("ToDo", doc.todo)
		todo.status = "Cancelled"
		todo.save(ignore_permissions=True)
	if own_event(doc):
		frappe.delete_doc("Event", doc.event, ignore_permissions=True, force=True)
	if not doc.flags.in_delete and (doc.todo or doc.event):
		doc.db_set({"todo": None, "event": None}, update_modified=False)


def on_todo_update(todo, method=None) -> None:
	"""ToDo doc_event: closing or cancelling the follow-up's ToDo ends the follow-up."""
	if todo.reference_type != DOCTYPE or todo.status == "Open" or not todo.has_value_changed("status"):
		return
	interaction = frappe.db.get_value(
		DOCTYPE,
		todo.reference_name,
		["name", "todo", "follow_up_status", "customer", "campaign", "outcome", "interaction_date"],
		as_dict=True,
	)
	if not interaction or interaction.todo != todo.name or interaction.follow_up_status != "Open":
		return
	status = "Done" if todo.status == "Closed" else "Cancelled"
	frappe.db.set_value(DOCTYPE, interaction.name, "follow_up_status", status, update_modified=False)
	update_interaction_summary(interaction.customer)
	interaction.follow_up_status = status
	campaigns.interaction_done(interaction)  # a campaign's planned call done: its customer reached


def on_todo_trash(todo, method=None) -> None:
	"""ToDo doc_event: deleting the follow-up's ToDo (from the To Do list) cancels the follow-up, as
	cancelling it does, and the interaction no longer names it."""
	for interaction in frappe.get_all(DOCTYPE, {"todo": todo.name}, ["name", "follow_up_status", "customer"]):
		values = {"todo": None}
		if interaction.follow_up_status == "Open":
			values["follow_up_status"] = "Cancelled"
		frappe.db.set_value(DOCTYPE, interaction.name, values, update_modified=False)
		if interaction.customer:
			update_interaction_summary(interaction.customer)


def on_event_trash(event, method=None) -> None:
	"""Event doc_event: deleting the follow-up's calendar Event leaves the follow-up (its ToDo) open."""
	frappe.db.set_value(DOCTYPE, {"event": event.name}, "event", None, update_modified=False)


def get_overdue_follow_ups(user: str | None = None) -> list[dict]:
	interaction = frappe.qb.DocType(DOCTYPE)
	todo = frappe.qb.DocType("ToDo")
	query = (
		frappe.qb.from_(interaction)
		.join(todo)
		.on(todo.name == interaction.todo)
		.select(
			interaction.name,
			interaction.customer,
			interaction.customer_name,
			interaction.party_type,
			interaction.party,
			interaction.subject,
			interaction.next_action,
			interaction.next_action_date,
			todo.allocated_to,
		)
		.where(interaction.follow_up_status == "Open")
		.where(interaction.next_action_date < today())
		.orderby(interaction.next_action_date)
	)
	if user:
		query = query.where(todo.allocated_to == user)
	rows = query.run(as_dict=True)
	for row in rows:
		row.customer_name = get_party_title(row)  # a Lead's or Prospect's name before it is a customer
	return rows


def send_overdue_digest() -> None:
	"""Daily: each salesperson gets one email listing their overdue follow-ups."""
	if not (frappe.db.exists("Email Account", {"enable_outgoing": 1}) or frappe.conf.get("mail_server")):
		return  # no outgoing mail on this site: the desk's overdue filter still shows them
	by_user: dict[str, list] = {}
	for row in get_overdue_follow_ups():
		by_user.setdefault(row.allocated_to, []).append(row)
	for user, rows in by_user.items():
		if not frappe.db.get_value("User", user, "enabled"):
			continue
		frappe.sendmail(
			recipients=[user],
			subject=_("{0} overdue follow-ups").format(len(rows)),
			template="overdue_follow_ups",
			args={"rows": rows, "user": user},
			reference_doctype=DOCTYPE,
			reference_name=rows[0].name,
		)
