"""Dispatch: who does which Field Visit when.

A technician's profile (Field Technician) holds their working hours, days off (a Holiday List) and
skills (item groups, sub-groups included). The rules that hold on every write path (the job form, REST,
the dispatch board) live in the Field Visit controller: a crew member's booking lies in their working
hours and not on a day off (`check_working_hours`), and the crew is never double-booked. The board adds
what a dispatcher's drag means: not in the past, only enabled technicians, and a technician without the
skill the job needs only with a reason, which is kept on the job.
"""

import frappe
from frappe import _
from frappe.query_builder.functions import Coalesce, Count
from frappe.utils import (
	add_days,
	add_to_date,
	cint,
	escape_html,
	flt,
	format_time,
	get_datetime,
	getdate,
	now_datetime,
)
from frappe.utils.nestedset import get_descendants_of

from bizlink.bizlink.guard import system_write
from bizlink.bizlink.permissions import may_change_crew
from bizlink.exceptions import (
	BadScheduleInputError,
	CrewChangeNotAllowedError,
	InvalidPointError,
	JobNotMovableError,
	NotATechnicianError,
	OutsideWorkingHoursError,
	SchedulePastError,
	SkillMismatchError,
)
from bizlink.field_service.installation import NOT_STARTED_STATUSES, OPEN_STATUSES, jobs_with_crew

JOB = "Field Visit"
TECHNICIAN = "Field Technician"
PRIORITY_RANK = {"High": 0, "Medium": 1, "Low": 2}
UNSCHEDULED_LIMIT = 300  # the board's list of work to schedule: the most urgent first
MAX_BOARD_DAYS = 14


# Technicians ------------------------------------------------------------------------------------


def get_technicians(users: list[str] | None = None, territory: str | None = None) -> list[frappe._dict]:
	"""Enabled technicians (all, or `users`), each with `skills` (item groups) and `groups` (those and
	their sub-groups: what they may work on; None when any)."""
	tech = frappe.qb.DocType(TECHNICIAN)
	query = (
		frappe.qb.from_(tech)
		.select(
			tech.name.as_("user"),
			tech.technician_name,
			tech.territory,
			tech.work_start,
			tech.work_end,
			tech.holiday_list,
		)
		.where(tech.enabled == 1)
		.orderby(tech.technician_name)
	)
	if users is not None:
		if not users:
			return []
		query = query.where(tech.name.isin(users))
	if territory:
		query = query.where(tech.territory.isin(territory_and_below(territory)))
	technicians = query.run(as_dict=True)
	skill = frappe.qb.DocType("Field Technician Skill")
	skills = {}
	if technicians:
		for row in (
			frappe.qb.from_(skill)
			.select(skill.parent, skill.item_group)
			.where(skill.parenttype == TECHNICIAN)
			.where(skill.parent.isin([t.user for t in technicians]))
			.run(as_dict=True)
		):
			skills.setdefault(row.parent, []).append(row.item_group)
	tree = item_group_tree() if skills else []
	for technician in technicians:
		technician.skills = sorted(skills.get(technician.user, []))
		technician.groups = sorted(groups_under(technician.skills, tree)) if technician.skills else None
	return technicians


def item_group_tree() -> list[tuple[str, int, int]]:
	group = frappe.qb.DocType("Item Group")
	return frappe.qb.from_(group).select(group.name, group.lft, group.rgt).run()


def groups_under(groups: list[str], tree: list[tuple[str, int, int]]) -> set[str]:
	"""The item groups `groups` name and every group below them, in the tree read once."""
	bounds = [(lft, rgt) for name, lft, rgt in tree if name in groups]
	return set(groups) | {name for name, lft, rgt in tree if any(a <= lft and rgt <= b for a, b in bounds)}


def territory_and_below(territory: str) -> list[str]:
	if not frappe.db.exists("Territory", territory):
		return [territory]
	return [territory, *get_descendants_of("Territory", territory, ignore_permissions=True)]


# Working hours ----------------------------------------------------------------------------------


def days_off(technicians: list[frappe._dict], start, end) -> dict[str, set]:
	"""Each technician's days off between `start` and `end` (dates), from their Holiday List, else the
	default company's."""
	default_list = frappe.get_cached_value(
		"Company", frappe.defaults.get_defaults().get("company") or "", "default_holiday_list"
	)
	lists = {t.user: t.holiday_list or default_list for t in technicians}
	names = sorted({name for name in lists.values() if name})
	holidays = {}
	if names:
		holiday = frappe.qb.DocType("Holiday")
		for row in (
			frappe.qb.from_(holiday)
			.select(holiday.parent, holiday.holiday_date)
			.where(holiday.parent.isin(names))
			.where(holiday.holiday_date[getdate(start) : getdate(end)])
			.run(as_dict=True)
		):
			holidays.setdefault(row.parent, set()).add(getdate(row.holiday_date))
	return {user: holidays.get(name, set()) for user, name in lists.items()}


def check_working_hours(job) -> None:
	"""Each crew member with a Field Technician profile works the whole booking: it starts no earlier
	than their day starts, ends no later than it ends (on its last day), and no day of it is off."""
	if not job.scheduled_start or not job.scheduled_end or not job.crew:
		return
	technicians = get_technicians([row.user for row in job.crew if row.user])
	if not technicians:
		return
	start, end = get_datetime(job.scheduled_start), get_datetime(job.scheduled_end)
	off = days_off(technicians, start.date(), end.date())
	for technician in technicians:
		day_starts = get_datetime(f"{start.date()} {technician.work_start}")
		day_ends = get_datetime(f"{end.date()} {technician.work_end}")
		day = start.date()
		while day <= end.date() and day not in off[technician.user]:
			day = add_days(day, 1)
		on_day_off = day <= end.date()
		if on_day_off or start < day_starts or end > day_ends:
			frappe.throw(
				(
					_("{0} has {1} off.").format(
						frappe.bold(escape_html(technician.technician_name or technician.user)),
						frappe.format(day, "Date"),
					)
					if on_day_off
					else _("{0} works from {1} to {2}: {3} to {4} is outside that.").format(
						frappe.bold(escape_html(technician.technician_name or technician.user)),
						hhmm(technician.work_start),
						hhmm(technician.work_end),
						frappe.format(start, "Datetime"),
						frappe.format(end, "Datetime"),
					)
				),
				title=_("Outside Working Hours"),
				exc=OutsideWorkingHoursError,
			)


def check_point(latitude, longitude) -> None:
	"""A point on the map: latitude within ±90, longitude within ±180."""
	if abs(flt(latitude)) > 90 or abs(flt(longitude)) > 180:
		frappe.throw(
			_(
				"{0}, {1} is not a point on the map: latitude goes from -90 to 90, longitude from -180 to 180."
			).format(flt(latitude), flt(longitude)),
			title=_("Not a Point on the Map"),
			exc=InvalidPointError,
		)


def validate_address_point(doc, method=None) -> None:
	"""Address validate: its BizLink point is on the map."""
	check_point(doc.get("bizlink_latitude"), doc.get("bizlink_longitude"))


def on_address_point_change(doc, method=None) -> None:
	"""Address on_update: a point set (or moved) on a site after its jobs were made moves the open
	jobs at that address with it, so the board's map and route order see it."""
	if not (doc.has_value_changed("bizlink_latitude") or doc.has_value_changed("bizlink_longitude")):
		return
	job = frappe.qb.DocType(JOB)
	(
		frappe.qb.update(job)
		.set(job.latitude, flt(doc.bizlink_latitude))
		.set(job.longitude, flt(doc.bizlink_longitude))
		.where(job.address == doc.name)
		.where(job.docstatus == 0)
		.where(job.status.isin(OPEN_STATUSES))
		.run()
	)


def hhmm(value) -> str:
	"""A Time as 08:00 (a Time column reads back as a timedelta)."""
	return format_time(value, "HH:mm")


# Skills -----------------------------------------------------------------------------------------


def item_groups_of(jobs: list[str]) -> dict[str, set[str]]:
	"""The item groups each job works on: its item rows' (an installation) or its unit's item's."""
	if not jobs:
		return {}
	item = frappe.qb.DocType("Item")
	row = frappe.qb.DocType("Field Visit Item")
	job = frappe.qb.DocType(JOB)
	groups = {}
	for name, group in (
		frappe.qb.from_(row)
		.join(item)
		.on(item.name == row.item_code)
		.select(row.parent, item.item_group)
		.where(row.parenttype == JOB)
		.where(row.parent.isin(jobs))
		.run()
	):
		groups.setdefault(name, set()).add(group)
	for name, group in (
		frappe.qb.from_(job)
		.join(item)
		.on(item.name == job.item_code)
		.select(job.name, item.item_group)
		.where(job.name.isin(jobs))
		.run()
	):
		groups.setdefault(name, set()).add(group)
	return groups


def missing_skills(technician: frappe._dict, groups: set[str]) -> list[str]:
	if technician.groups is None:
		return []
	return sorted(groups - set(technician.groups))


# The board's reads ------------------------------------------------------------------------------


def board(start, days: int = 7, territory: str | None = None) -> dict:
	"""What the dispatch board shows for `days` days from `start`: the technicians (with their hours,
	skills and days off), their bookings in those days, and the work still to schedule (the most
	urgent first, each with the item groups it needs and whether any technician has them)."""
	start = getdate(start)
	days = min(max(cint(days), 1), MAX_BOARD_DAYS)
	end = add_days(start, days)
	technicians = get_technicians(territory=territory)
	off = days_off(technicians, start, add_days(end, -1))
	for technician in technicians:
		technician.days_off = sorted(str(day) for day in off[technician.user])
	users = [t.user for t in technicians]
	return {
		"start": str(start),
		"days": days,
		"technicians": technicians,
		"bookings": bookings(users, start, end),
		**unscheduled(technicians, territory),
	}


def bookings(users: list[str], start, end) -> list[dict]:
	"""The visits booking any of `users` that overlap [start, end), each once with its crew."""
	if not users:
		return []
	query, job, crew = jobs_with_crew()
	rows = (
		query.select(
			job.name,
			job.visit_type,
			job.status,
			job.customer_name,
			job.scheduled_start,
			job.scheduled_end,
			job.latitude,
			job.longitude,
			job.route_order,
			job.appointment_status,
			crew.user,
			crew.is_lead,
		)
		.where(crew.user.isin(users))
		.where(job.docstatus < 2)
		.where(job.status != "Cancelled")
		.where(job.scheduled_start < get_datetime(end))
		.where(job.scheduled_end > get_datetime(start))
		.orderby(job.scheduled_start)
		.run(as_dict=True)
	)
	visits = {}
	for row in rows:
		if row.name not in visits:
			visits[row.name] = booking_of(row, crew=[])
		visit = visits[row.name]
		visit["crew"].insert(0, row.user) if row.is_lead else visit["crew"].append(row.user)
	return list(visits.values())


def unscheduled(technicians: list[frappe._dict], territory: str | None = None) -> dict:
	job = frappe.qb.DocType(JOB)
	customer = frappe.qb.DocType("Customer")
	address = frappe.qb.DocType("Address")
	query = (
		frappe.qb.from_(job)
		.left_join(customer)
		.on(customer.name == job.customer)
		.left_join(address)
		.on(address.name == job.address)
		.where(job.docstatus == 0)
		.where(job.status == "To Schedule")
	)
	if territory:
		query = query.where(customer.territory.isin(territory_and_below(territory)))
	total = query.select(Count("*")).run()[0][0]
	rank = frappe.qb.terms.Case()
	for priority, order in PRIORITY_RANK.items():
		rank = rank.when(job.priority == priority, order)
	# an installation is due when it was promised; a maintenance visit when its plan says
	due = Coalesce(job.promised_date, job.due_date)
	rows = (
		query.select(
			job.name,
			job.visit_type,
			job.priority,
			due.as_("due_date"),
			job.promise_status,
			job.customer_name,
			job.sales_order,
			customer.territory,
			address.city,
			job.latitude,
			job.longitude,
		)
		.orderby(rank.else_(1))
		.orderby(due.isnull())
		.orderby(due)
		.orderby(job.creation)
		.limit(UNSCHEDULED_LIMIT)
		.run(as_dict=True)
	)
	groups = item_groups_of([row.name for row in rows])
	skilled = {}  # who has the skills a set of item groups needs, worked out once per set
	for row in rows:
		row.item_groups = sorted(groups.get(row.name, ()))
		row.due_date = str(row.due_date) if row.due_date else None
		needs = frozenset(row.item_groups)
		if needs not in skilled:
			skilled[needs] = [t for t in technicians if not missing_skills(t, set(needs))]
		row.fits = [
			t.user
			for t in skilled[needs]
			if not row.territory or not t.territory or t.territory == row.territory
		]
		row.no_skill = bool(needs) and not skilled[needs]
	return {"unscheduled": rows, "unscheduled_total": total}


# The board's writes -----------------------------------------------------------------------------


def book(
	visit: str,
	technicians: list[str],
	start,
	reason: str | None = None,
	length=None,
	route: tuple[int, int] | None = None,
) -> dict:
	"""Book `visit` for `technicians` (the first leads) from `start`: a drag onto the board, or a move
	of a booked job (which keeps its length, or takes `length`; `route` is its stop and travel minutes
	in an accepted route). Refused, with nothing written, when the start is past,
	the job has begun (or ended), someone is not an enabled technician, a technician lacks the skill and
	no reason is given, or the working hours or another booking say no (the controller)."""
	job = movable_job(visit)
	start = read_datetime(start)
	if start < now_datetime():
		frappe.throw(
			_("{0} is in the past: book the job from now on.").format(frappe.format(start, "Datetime")),
			title=_("In the Past"),
			exc=SchedulePastError,
		)
	users = list(dict.fromkeys(u for u in technicians or [] if u))
	profiles = {t.user: t for t in get_technicians(users)}
	strangers = [u for u in users if u not in profiles]
	if not users or strangers:
		frappe.throw(
			_("{0} is not an enabled Field Technician.").format(
				frappe.bold(escape_html(", ".join(strangers)))
			)
			if strangers
			else _("Choose at least one technician."),
			title=_("Not a Technician"),
			exc=NotATechnicianError,
		)
	check_skills(job, [profiles[u] for u in users], reason)

	length = length or (
		get_datetime(job.scheduled_end) - get_datetime(job.scheduled_start)
		if job.scheduled_start and job.scheduled_end
		else None
	)
	kept = {row.user: row for row in job.crew}
	job.crew = []
	for position, user in enumerate(users):
		row = kept.get(user) or frappe._dict(user=user)
		job.append("crew", {"user": user, "employee": row.get("employee"), "is_lead": int(position == 0)})
	job.scheduled_start = start
	job.scheduled_end = start + length if length else None
	with system_write(job, "skill_reason", "route_order", "travel_minutes"):
		job.skill_reason = (reason or "").strip() or None if job.flags.skill_gaps else None
		job.route_order, job.travel_minutes = route or (0, 0)
		job.save()
	return booking_of(job)


def movable_job(visit: str):
	"""The job a dispatcher books or moves: one not begun, by someone who books crews."""
	if not may_change_crew():
		frappe.throw(
			_("Only an Installation Manager can book technicians."),
			title=_("Not Permitted"),
			exc=CrewChangeNotAllowedError,
		)
	# two dispatchers dropping the same job at once: the second waits here, before taking any other
	# lock, and is then told the job changed since they saw it (TimestampMismatchError); without this
	# the two deadlocked rewriting its crew rows (the load test, 50 users)
	frappe.db.get_value(JOB, visit, "name", for_update=True)
	job = frappe.get_doc(JOB, visit)
	job.check_permission("write")
	if job.docstatus != 0 or job.status not in NOT_STARTED_STATUSES:
		frappe.throw(
			_("Field Visit {0} is {1}: only a job not yet begun can be booked or moved.").format(
				frappe.bold(job.name), frappe.bold(_(job.status))
			),
			title=_("Job Not Movable"),
			exc=JobNotMovableError,
		)
	return job


def read_datetime(value):
	"""A date and time sent by the board (YYYY-MM-DD HH:MM:SS), or a clear refusal."""
	try:
		parsed = get_datetime(value) if value else None
	except Exception:
		parsed = None
	if not parsed:
		frappe.throw(
			_("{0} is not a date and time.").format(frappe.bold(escape_html(str(value)))),
			title=_("Not a Date"),
			exc=BadScheduleInputError,
		)
	return parsed


def check_skills(job, technicians: list[frappe._dict], reason: str | None) -> None:
	groups = item_groups_of([job.name]).get(job.name, set())
	gaps = {t.technician_name: missing_skills(t, groups) for t in technicians}
	gaps = {name: missing for name, missing in gaps.items() if missing}
	job.flags.skill_gaps = gaps
	if gaps and not (reason or "").strip():
		frappe.throw(
			_(
				"{0} does not have the skill this job needs ({1}). Give the reason to book them anyway."
			).format(
				frappe.bold(escape_html(", ".join(gaps))),
				escape_html(", ".join(sorted({g for missing in gaps.values() for g in missing}))),
			),
			title=_("Skill Missing"),
			exc=SkillMismatchError,
		)


def booking_of(job, crew: list[str] | None = None) -> dict:
	"""A booking as the board draws it, from a job (its crew, lead first) or a row of `bookings`."""
	return {
		"name": job.name,
		"visit_type": job.visit_type,
		"status": job.status,
		"customer_name": job.customer_name,
		"start": str(job.scheduled_start),
		"end": str(job.scheduled_end),
		"latitude": job.latitude,
		"longitude": job.longitude,
		"route_order": job.route_order,
		"appointment_status": job.appointment_status,
		"crew": crew
		if crew is not None
		else [row.user for row in sorted(job.crew, key=lambda r: -cint(r.is_lead))],
		"skill_reason": job.get("skill_reason"),
	}


def unbook(visit: str) -> dict:
	"""Take a booked job off the board: back to the work to schedule."""
	job = movable_job(visit)
	if job.scheduled_start or job.scheduled_end:
		job.scheduled_start = job.scheduled_end = None
		job.save()
	return booking_of(job)


def open_bookings_of(user: str, day) -> list[frappe._dict]:
	"""`user`'s open jobs starting on `day`, by start."""
	query, job, crew = jobs_with_crew()
	day = getdate(day)
	return (
		query.select(
			job.name,
			job.scheduled_start,
			job.scheduled_end,
			job.latitude,
			job.longitude,
			job.status,
			job.customer_name,
		)
		.where(crew.user == user)
		.where(job.docstatus == 0)
		.where(job.status.isin(OPEN_STATUSES))
		.where(job.scheduled_start >= get_datetime(day))
		.where(job.scheduled_start < get_datetime(add_to_date(day, days=1)))
		.orderby(job.scheduled_start)
		.run(as_dict=True)
	)
