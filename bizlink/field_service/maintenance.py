"""Maintenance plans: an installed unit's visits every N months.

- An item carries the interval, checklist and hours (`bizlink_maintenance_*` on Item). Completing an
  installation makes a plan per installed unit of such an item (`make_plans`): per serial number, or
  one for the item's units without serial numbers.
- Each day (`create_due_visits`) a plan whose next visit is within the lead time (BizLink Settings)
  gets a Maintenance visit in To Schedule, due on the plan's due date, for the dispatcher to book
  like any visit. The query reads only the plans due (`visit_on <= today`, indexed), never all plans.
- Completing the visit moves the plan on by one interval from the due date or from the done date
  (BizLink Settings); skipping it (`skip`, before it starts) moves it on from the due date. An
  open visit past its due date is overdue (list indicator, number card, daily digest).
- Coverage: a unit under warranty or AMC (ERPNext's Serial No dates) on the day of the visit is
  not billed.
"""

import re

import frappe
from frappe import _
from frappe.translate import print_language
from frappe.utils import add_days, add_months, cint, flt, getdate, today

from bizlink.bizlink.guard import system_write
from bizlink.bizlink.listeners import site_listens_to_new
from bizlink.exceptions import MaintenanceIntervalError, PlanNotActiveError
from bizlink.field_service.installation import NOT_STARTED_STATUSES, OPEN_STATUSES

MAX_MONTHS = 120  # a plan's (and an item's) longest maintenance interval: ten years
DEFAULT_LEAD_DAYS = 21
DEFAULT_VISIT_HOURS = 1


def settings() -> frappe._dict:
	"""The maintenance settings, their defaults where the site has never saved them (a value not in
	Singles, not a 0 the user chose)."""
	singles = frappe.qb.DocType("Singles")
	stored = dict(
		frappe.qb.from_(singles)
		.select(singles.field, singles.value)
		.where(singles.doctype == "BizLink Settings")
		.where(singles.field.isin(("maintenance_lead_days", "maintenance_schedule_from")))
		.run()
	)
	lead = stored.get("maintenance_lead_days")
	return frappe._dict(
		lead_days=DEFAULT_LEAD_DAYS if lead in (None, "") else cint(lead),
		schedule_from=stored.get("maintenance_schedule_from") or "Due Date",
	)


# Plans -----------------------------------------------------------------------------------------


def schedule_next(plan, base=None) -> None:
	"""Set the plan's next due date one interval after `base` (the start date for a new plan) and the
	day its visit is to be made."""
	base = getdate(base or plan.last_done_date or plan.start_date)
	plan.next_due_date = add_months(base, cint(plan.interval_months))
	plan.visit_on = add_days(plan.next_due_date, -settings().lead_days)


def make_plans(visit) -> list[str]:
	"""Plans for the units a completed installation installed, for items with a maintenance interval."""
	made = []
	for row in visit.items:
		if flt(row.installed_qty) <= 0:
			continue
		item = frappe.get_cached_value(
			"Item",
			row.item_code,
			["bizlink_maintenance_interval", "bizlink_maintenance_checklist", "bizlink_maintenance_hours"],
			as_dict=True,
		)
		if not item or cint(item.bizlink_maintenance_interval) <= 0:
			continue
		from bizlink.field_service.doctype.field_visit.field_visit import split_serials

		for serial in split_serials(row.serial_no) or [None]:
			if frappe.db.exists(
				"Maintenance Plan",
				{"serial_no": serial, "status": "Active"} if serial else
				{"installation_visit": visit.name, "item_code": row.item_code, "serial_no": ("is", "not set")},
			):  # fmt: skip
				continue
			plan = frappe.get_doc(
				{
					"doctype": "Maintenance Plan",
					"customer": visit.customer,
					"serial_no": serial,
					"item_code": row.item_code,
					"address": visit.address,
					"company": visit.company,
					"installation_visit": visit.name,
					"interval_months": min(cint(item.bizlink_maintenance_interval), MAX_MONTHS),
					"checklist_template": item.bizlink_maintenance_checklist,
					"visit_hours": item.bizlink_maintenance_hours,
					"start_date": getdate(visit.actual_end or today()),
				}
			)
			plan.flags.ignore_permissions = True  # the technician completing the job makes it
			plan.insert()
			made.append(plan.name)
	return made


def check_interval(months, of_item: bool = False) -> None:
	"""A maintenance interval: 1 to MAX_MONTHS months (an item's may also be 0: no maintenance)."""
	months = cint(months)
	if (0 if of_item else 1) <= months <= MAX_MONTHS:
		return
	frappe.throw(
		_("An item's maintenance interval is from 1 to {0} months (0 for none), not {1}.").format(
			MAX_MONTHS, months
		)
		if of_item
		else _("A maintenance plan's interval is from 1 to {0} months, not {1}.").format(MAX_MONTHS, months),
		title=_("Invalid Interval"),
		exc=MaintenanceIntervalError,
	)


def validate_item(item, method=None) -> None:
	"""An item's maintenance interval: none (0) or 1 to MAX_MONTHS months, as a plan's."""
	check_interval(item.get("bizlink_maintenance_interval"), of_item=True)


def check_plan_active(visit) -> None:
	"""A visit of a cancelled plan is neither made nor booked (its crew or time changed)."""
	if not (
		visit.is_new()
		or visit.has_value_changed("scheduled_start")
		or visit.has_value_changed("scheduled_end")
		or visit.has_value_changed("crew")
	):
		return
	status = frappe.db.get_value("Maintenance Plan", visit.maintenance_plan, "status")
	if status != "Active":
		frappe.throw(
			_("Maintenance Plan {0} is {1}: no visit can be made or scheduled for it.").format(
				frappe.bold(visit.maintenance_plan), frappe.bold(_(status or "Cancelled"))
			),
			title=_("Plan Not Active"),
			exc=PlanNotActiveError,
		)


def visit_hours(visit) -> float:
	if visit.maintenance_plan:
		hours = flt(frappe.db.get_value("Maintenance Plan", visit.maintenance_plan, "visit_hours"))
		if hours:
			return hours
	if visit.item_code and visit.visit_type == "Maintenance":
		hours = flt(frappe.get_cached_value("Item", visit.item_code, "bizlink_maintenance_hours"))
		if hours:
			return hours
	return 0


def cancel_plan(plan) -> None:
	plan = frappe.get_doc("Maintenance Plan", plan.name, for_update=True)  # as stored, not as sent
	visit = plan.open_visit
	with system_write(plan, "status", "open_visit"):
		plan.status = "Cancelled"
		plan.open_visit = None
		plan.save()
	if visit and frappe.db.get_value("Field Visit", visit, "status") in NOT_STARTED_STATUSES:
		from bizlink.bizlink.status_log import set_status

		doc = frappe.get_doc("Field Visit", visit)
		set_status(doc, "Cancelled")
		doc.add_comment("Info", _("Cancelled with Maintenance Plan {0}").format(plan.name))


# Visits ----------------------------------------------------------------------------------------


def due_plans(on) -> list[str]:
	"""The active plans whose next visit is to be made by `on` and has not been: read by the index on
	(status, visit_on), so the work grows with the plans due, never with all plans."""
	plan = frappe.qb.DocType("Maintenance Plan")
	return (
		frappe.qb.from_(plan)
		.select(plan.name)
		.where(plan.status == "Active")
		.where(plan.visit_on <= getdate(on))
		.where(plan.open_visit.isnull())
		.orderby(plan.visit_on)
		.orderby(plan.name)
		.run(pluck=True)
	)


def create_due_visits(on=None) -> list[str]:
	"""Daily: a Maintenance visit for each active plan whose next visit is due to be made by `on`.

	A day's visits are made in batches (`make_visits`: the same documents `make_visit` makes, with
	what they read fetched once per batch), unless the site acts on new Field Visits itself (an
	assignment rule, notification, server script, webhook, workflow... or another app's hook): then one
	by one through the controller, so that all of it runs."""
	due = due_plans(on or today())
	if not due:
		return []
	if site_listens_to_new_visits():
		return [make_visit(name) for name in due]
	made = []
	for start in range(0, len(due), VISIT_BATCH):
		made += make_visits(due[start : start + VISIT_BATCH])
	return made


VISIT_BATCH = 500


def site_listens_to_new_visits() -> bool:
	"""Something other than BizLink acts on a new Field Visit: the day's visits go one by one."""
	return site_listens_to_new("Field Visit")


def customer_contact(customer: str, primary: str | None = None) -> str | None:
	"""The contact a customer's visits reach: its Primary Contact, else the contact Frappe takes as
	its default (marked primary, else the first linked)."""
	from frappe.contacts.doctype.contact.contact import get_default_contact

	if primary is None:
		primary = frappe.db.get_value("Customer", customer, "customer_primary_contact")
	return primary or get_default_contact("Customer", customer)


def new_visit(plan):
	"""The Maintenance visit a plan asks for, before its controller fills the rest."""
	visit = frappe.new_doc("Field Visit")
	visit.update(
		{
			"visit_type": "Maintenance",
			"maintenance_plan": plan.name,
			"due_date": plan.next_due_date,
			"customer": plan.customer,
			"serial_no": plan.serial_no,
			"item_code": plan.item_code,
			"address": plan.address,
			"company": plan.company,
			"checklist_template": plan.checklist_template,
		}
	)
	visit.flags.ignore_permissions = True
	return visit


def make_visits(plan_names: list[str]) -> list[str]:
	"""The visits of these plans (locked; those no longer due left alone), inserted as the controller
	would leave them (`FieldVisit.validate` for a new Maintenance visit without crew or schedule: the
	unit's item, site and cover on the due date, the customer's name, the site's address as shown, the
	plan's checklist, To Schedule and its first status log row), with what they read fetched once."""
	from frappe.contacts.doctype.address.address import get_address_templates, get_default_address
	from frappe.utils.jinja import get_jenv

	from bizlink.bizlink.status_log import log_status_change

	plan = frappe.qb.DocType("Maintenance Plan")
	plans = (
		frappe.qb.from_(plan)
		.select("*")
		.where(plan.name.isin(plan_names))
		.where(plan.status == "Active")
		.where(plan.open_visit.isnull())
		.orderby(plan.visit_on)
		.orderby(plan.name)
		.for_update()
		.run(as_dict=True)
	)
	if not plans:
		return []
	serials = {
		row.name: row
		for row in frappe.get_all(
			"Serial No",
			filters={"name": ("in", {p.serial_no for p in plans if p.serial_no})},
			fields=["name", "item_code", "bizlink_site_address", "warranty_expiry_date", "amc_expiry_date"],
		)
	}
	customers = {
		row.name: row
		for row in frappe.get_all(
			"Customer",
			filters={"name": ("in", {p.customer for p in plans})},
			fields=["name", "customer_name", "customer_primary_contact"],
		)
	}
	for customer in customers.values():
		customer.contact = customer_contact(customer.name, customer.customer_primary_contact or "")
	contacts = {
		row.name: row
		for row in frappe.get_all(
			"Contact",
			filters={"name": ("in", {c.contact for c in customers.values()} - {None})},
			fields=["name", "mobile_no", "email_id"],
		)
	}
	checks = {
		name: [(c.description, c.mandatory) for c in frappe.get_cached_doc("Checklist Template", name).items]
		for name in {p.checklist_template for p in plans if p.checklist_template}
	}
	compiled, templates, default_company = {}, {}, None
	addresses = {
		row.name: row
		for row in frappe.get_all(
			"Address",
			filters={
				"name": (
					"in",
					{p.address for p in plans if p.address}
					| {u.bizlink_site_address for u in serials.values() if u.bizlink_site_address},
				)
			},
			fields=["*"],
		)
	}

	def address_display(address: str) -> str:
		# what render_address returns (the address template given the address's fields), with the
		# addresses read at once and each country's template read and compiled once
		values = addresses.get(address) or frappe.get_cached_doc("Address", address).as_dict()
		values.doctype = "Address"
		country = values.get("country")
		if country not in templates:
			templates[country] = get_address_templates(values)[1]
		template = templates[country]
		if template not in compiled:
			compiled[template] = get_jenv().from_string(template)
		return compiled[template].render(values)

	visits, made = [], []
	for row in plans:
		visit = new_visit(row)
		unit = serials.get(row.serial_no)
		if unit:
			visit.item_code = unit.item_code
			visit.address = visit.address or unit.bizlink_site_address
		if not visit.company:
			if default_company is None:
				from erpnext import get_default_company

				default_company = get_default_company()
			visit.company = default_company
		visit.address = visit.address or get_default_address("Customer", visit.customer)
		customer = customers.get(visit.customer) or frappe._dict()
		visit.customer_name = customer.customer_name
		contact = contacts.get(customer.contact)
		if contact:  # the customer's own contact, as the controller's `set_contact_details`
			visit.contact, visit.contact_phone, visit.contact_email = (
				contact.name,
				contact.mobile_no,
				contact.email_id,
			)
		visit.coverage, visit.covered_until, covered = cover_on(unit, visit.due_date)
		visit.billable = int(not covered)
		if visit.address:
			visit.address_display = address_display(visit.address)
			site = addresses.get(visit.address) or frappe.get_cached_doc("Address", visit.address)
			if site.get("bizlink_latitude") or site.get("bizlink_longitude"):  # as `set_location`
				visit.latitude, visit.longitude = site.bizlink_latitude, site.bizlink_longitude
		for description, mandatory in checks.get(visit.checklist_template, ()):
			visit.append("checklist", {"description": description, "mandatory": mandatory})
		visit.status = "To Schedule"
		log_status_change(visit)
		visits.append(visit)
	for visit, name in zip(visits, reserve_names(visits), strict=True):
		visit.set_new_name(set_name=name, set_child_names=False)
		for child in visit.get_all_children():
			child.name = child.name or frappe.generate_hash(length=10)  # Frappe's name for a row
		visit.set_parent_in_children()
		visit.set_user_and_timestamp()
		made.append((visit.maintenance_plan, visit.name))
	insert_rows([row for visit in visits for row in (visit, *visit.get_all_children())])
	frappe.db.bulk_update("Maintenance Plan", {name: {"open_visit": visit} for name, visit in made})
	return [visit for _plan, visit in made]


def reserve_names(visits: list) -> list[str | None]:
	"""Names from the visits' naming series, one query for the lot: the first named as Frappe names it
	(which locks the series row), the series then moved on past the others. A name that does not end
	in the series' number (a Document Naming Rule, a custom series) leaves each to Frappe."""
	if not visits:
		return []
	first = visits[0]
	first.set_new_name()
	number = re.fullmatch(r"(.*?)(\d+)", first.name or "")
	rule = frappe.db.exists("Document Naming Rule", {"document_type": "Field Visit", "disabled": 0})
	series = frappe.qb.DocType("Series")
	current = number and (
		frappe.qb.from_(series)
		.select(series.current)
		.where(series.name == number.group(1))
		.for_update()
		.run(pluck=True)
	)
	if len(visits) == 1 or not number or rule or current != [int(number.group(2))]:
		return [first.name] + [None] * (len(visits) - 1)
	prefix, start, digits = number.group(1), int(number.group(2)), len(number.group(2))
	frappe.qb.update(series).set(series.current, start + len(visits) - 1).where(series.name == prefix).run()
	return [f"{prefix}{start + k:0{digits}d}" for k in range(len(visits))]


def insert_rows(docs: list) -> None:
	"""Insert documents and child rows already named, one multi-row INSERT per table (the columns from
	the DocType's meta, the values as parameters)."""
	by_doctype: dict[str, list[dict]] = {}
	for doc in docs:
		by_doctype.setdefault(doc.doctype, []).append(doc.get_valid_dict(convert_dates_to_str=True))
	for doctype, rows in by_doctype.items():
		fields = list(rows[0])
		columns = ", ".join(f"`{field}`" for field in fields)
		row = "({})".format(", ".join(["%s"] * len(fields)))
		for start in range(0, len(rows), 500):
			chunk = rows[start : start + 500]
			frappe.db.sql(  # nosemgrep (column names from the meta; every value a parameter)
				f"insert into `tab{doctype}` ({columns}) values {', '.join([row] * len(chunk))}",
				[value.get(field) for value in chunk for field in fields],
			)


def make_visit(plan_name: str) -> str:
	"""The visit of one plan, through the controller (and whatever the site runs on a new visit)."""
	plan = frappe.get_doc("Maintenance Plan", plan_name, for_update=True)
	if plan.open_visit or plan.status != "Active":
		return plan.open_visit
	visit = new_visit(plan)
	visit.insert()
	plan.db_set("open_visit", visit.name)
	return visit.name


def on_maintenance_visit_change(visit) -> None:
	"""A maintenance visit completed or cancelled moves its plan on (or back, for a completed visit
	that is cancelled)."""
	if not visit.maintenance_plan:
		return
	plan = frappe.get_doc("Maintenance Plan", visit.maintenance_plan, for_update=True)
	if visit.docstatus == 1:  # completed
		done = getdate(visit.actual_end or today())
		plan.last_done_date = done
		base = done if settings().schedule_from == "Done Date" else visit.due_date or done
		plan.open_visit = None
		schedule_next(plan, base)
	elif visit.docstatus == 2:  # a completed visit cancelled: the plan counts from the visit before
		last = frappe.get_all(
			"Field Visit",
			{"maintenance_plan": plan.name, "docstatus": 1, "name": ("!=", visit.name)},
			["actual_end", "due_date"],
			order_by="actual_end desc",
			limit=1,
		)
		plan.last_done_date = getdate(last[0].actual_end) if last else None
		base = (
			(getdate(last[0].actual_end) if settings().schedule_from == "Done Date" else last[0].due_date)
			if last
			else plan.start_date
		)
		schedule_next(plan, base)
	plan.flags.ignore_permissions = True
	plan.save()


@frappe.whitelist(methods=["POST"])
def skip(visit: str | None = None, reason: str | None = None) -> None:
	"""A maintenance visit not done (the customer declined, the unit is gone for the season): it is
	cancelled before it starts and the plan's next due date is one interval after this one's."""
	if not visit:
		frappe.throw(_("Which Field Visit is skipped?"), frappe.MandatoryError)
	doc = frappe.get_doc("Field Visit", visit)
	doc.check_permission("cancel")
	stored = frappe.db.get_value("Field Visit", visit, ["status", "docstatus", "visit_type"], as_dict=True)
	if (
		stored.visit_type != "Maintenance"
		or stored.docstatus != 0
		or stored.status not in NOT_STARTED_STATUSES
	):
		from bizlink.exceptions import InvalidStatusTransitionError

		frappe.throw(
			_("Only a maintenance visit not started yet can be skipped."),
			title=_("Invalid Status Change"),
			exc=InvalidStatusTransitionError,
		)
	from bizlink.bizlink.status_log import set_status

	set_status(doc, "Cancelled")
	doc.add_comment("Info", _("Skipped: {0}").format(reason) if reason else _("Skipped"))
	if doc.maintenance_plan:
		plan = frappe.get_doc("Maintenance Plan", doc.maintenance_plan, for_update=True)
		plan.open_visit = None
		schedule_next(plan, doc.due_date or plan.next_due_date)
		plan.flags.ignore_permissions = True
		plan.save()


def open_maintenance(due: list) -> list:
	"""Filters of the open maintenance visits whose due date meets `due` ([operator, value])."""
	return [
		["Field Visit", "visit_type", "=", "Maintenance"],
		["Field Visit", "docstatus", "=", 0],
		["Field Visit", "status", "in", list(OPEN_STATUSES)],
		["Field Visit", "due_date", *due],
	]


def overdue_filters() -> list:
	return open_maintenance(["<", today()])


def maintenance_card(due: list) -> dict:
	"""A number card of open maintenance visits by due date, counting what the reader may list."""
	rows = frappe.get_list("Field Visit", filters=open_maintenance(due), fields=["count(*) as count"])
	return {
		"value": rows[0].count if rows else 0,
		"fieldtype": "Int",
		"route": ["List", "Field Visit"],
		"route_options": {"visit_type": "Maintenance", "due_date": due},
	}


@frappe.whitelist()
def get_overdue_count(filters=None) -> dict:
	"""Number card: open maintenance visits past their due date."""
	return maintenance_card(["<", today()])


def send_overdue_digest() -> None:
	"""Daily: Installation Managers get one email listing the overdue maintenance visits."""
	if not (frappe.db.exists("Email Account", {"enable_outgoing": 1}) or frappe.conf.get("mail_server")):
		return
	rows = frappe.get_all(
		"Field Visit",
		filters=overdue_filters(),
		fields=["name", "customer_name", "item_code", "serial_no", "due_date", "status", "scheduled_start"],
		order_by="due_date",
		limit=500,
	)
	if not rows:
		return
	managers = frappe.get_all(
		"Has Role",
		filters={"role": "Installation Manager", "parenttype": "User"},
		pluck="parent",
		distinct=True,
	)
	for user in managers:
		if user in ("Administrator", "Guest") or not frappe.db.get_value("User", user, "enabled"):
			continue
		lang = frappe.db.get_value("User", user, "language") or frappe.db.get_default("lang")
		with print_language(lang):
			frappe.sendmail(
				recipients=[user],
				subject=_("{0} maintenance visits overdue").format(len(rows)),
				template="overdue_maintenance",
				args={"rows": rows},
				reference_doctype="Field Visit",
				reference_name=rows[0].name,
			)


# Coverage --------------------------------------------------------------------------------------


def coverage_of(serial_no: str | None, on=None) -> tuple[str, object, bool]:
	"""The unit's cover on the day (`on`, default today): ("Under Warranty", until, True), ("Under
	AMC", until, True) or ("Not Covered", None, False); stored in English, read translated."""
	unit = (
		frappe.db.get_value("Serial No", serial_no, ["warranty_expiry_date", "amc_expiry_date"], as_dict=True)
		if serial_no
		else None
	)
	return cover_on(unit, on)


def cover_on(unit, on=None) -> tuple[str, object, bool]:
	"""`coverage_of` for a Serial No's warranty and AMC expiry dates already read (or None)."""
	day = getdate(on or today())
	if unit and unit.warranty_expiry_date and getdate(unit.warranty_expiry_date) >= day:
		return "Under Warranty", unit.warranty_expiry_date, True
	if unit and unit.amc_expiry_date and getdate(unit.amc_expiry_date) >= day:
		return "Under AMC", unit.amc_expiry_date, True
	return "Not Covered", None, False


@frappe.whitelist()
def get_due_count(filters=None) -> dict:
	"""Number card: open maintenance visits due in the next 30 days."""
	from frappe.utils import add_days

	return maintenance_card(["between", [today(), add_days(today(), 30)]])
