"""The dispatch board's rules (bizlink/field_service/dispatch.py), route order (route.py) and the
customer's appointment notice (appointment.py), against the real site: what a dispatcher's drag may
and may not do, and what the customer receives."""

import itertools
import json
from urllib.parse import parse_qs, urlparse

import frappe
import pytest
from frappe.utils import add_days, add_to_date, get_datetime, now_datetime, today
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mail import mail_text

from bizlink.api import dispatch as api
from bizlink.api.appointment import answer as answer_appointment
from bizlink.devtools.factories import (
	make_customer,
	make_delivery_note,
	make_item,
	make_sales_order,
	make_user,
)
from bizlink.exceptions import (
	AppointmentLinkError,
	AppointmentLinkUsedError,
	CrewChangeNotAllowedError,
	CrewOverlapError,
	EndBeforeStartError,
	InvalidPointError,
	JobNotMovableError,
	NotATechnicianError,
	OutsideWorkingHoursError,
	SchedulePastError,
	SkillMismatchError,
)
from bizlink.field_service import appointment, dispatch, route
from bizlink.field_service.installation import create_field_visit

JOB = "Field Visit"


def tomorrow() -> str:
	return add_days(today(), 1)


def at(hhmm: str, day=None) -> str:
	return f"{day or tomorrow()} {hhmm}:00"


def item_group(name: str, parent: str = "All Item Groups") -> str:
	if not frappe.db.exists("Item Group", name):
		frappe.get_doc(
			{"doctype": "Item Group", "item_group_name": name, "parent_item_group": parent, "is_group": 1}
		).insert()
	return name


def make_technician(skills=(), territory=None, work_start="08:00", work_end="17:00", **fields) -> str:
	user = make_user(roles=["Installation Technician"]).name
	frappe.get_doc(
		{
			"doctype": "Field Technician",
			"user": user,
			"work_start": work_start,
			"work_end": work_end,
			"territory": territory,
			"skills": [{"item_group": group} for group in skills],
			**fields,
		}
	).insert()
	return user


def make_job(group: str | None = None, hours: float = 3, city: str = "Madrid", **customer) -> str:
	"""An installation of one delivered unit of an item in `group`, to schedule."""
	item = make_item(
		is_stock_item=0,
		bizlink_requires_installation=1,
		bizlink_installation_hours=hours,
		**({"item_group": group} if group else {}),
	)
	if city:
		customer.setdefault("email", f"obra-{frappe.generate_hash(length=6)}@example.com")
	party = make_customer(city=city, **customer)
	order = make_sales_order(customer=party.name, items=[{"item_code": item.name, "qty": 1, "rate": 900}])
	make_delivery_note(order.name)
	return frappe.db.get_value(JOB, {"sales_order": order.name}) or create_field_visit(order)


@pytest.fixture
def heating():
	return item_group(f"Calefacción {frappe.generate_hash(length=4)}")


def stored(visit: str) -> frappe._dict:
	job = frappe.get_doc(JOB, visit)
	return frappe._dict(
		status=job.status,
		start=str(job.scheduled_start) if job.scheduled_start else None,
		end=str(job.scheduled_end) if job.scheduled_end else None,
		crew=[row.user for row in job.crew],
		skill_reason=job.skill_reason,
	)


# Booking from the board -------------------------------------------------------------------------


def test_a_drop_books_the_crew_at_the_time_for_the_items_hours(heating):
	user = make_technician([heating])
	visit = make_job(heating, hours=3)
	booking = api.book(visit, json.dumps([user]), at("09:00"))
	assert booking["crew"] == [user]
	assert stored(visit) == {
		"status": "Scheduled",
		"start": at("09:00"),
		"end": at("12:00"),
		"crew": [user],
		"skill_reason": None,
	}


def test_moving_a_booking_keeps_its_length_and_may_change_technician(heating):
	first, second = make_technician([heating]), make_technician([heating])
	visit = make_job(heating, hours=2)
	api.book(visit, [first], at("09:00"))
	frappe.db.set_value(JOB, visit, "scheduled_end", at("12:30"))  # the dispatcher lengthened it
	api.book(visit, [second], at("13:00"))
	assert stored(visit).crew == [second]
	assert (stored(visit).start, stored(visit).end) == (at("13:00"), at("16:30"))


@pytest.mark.parametrize(
	("start", "hours", "what"),
	[
		("07:30", 2, "before the day starts"),
		("16:00", 2, "ends after the day ends"),
		("18:00", 1, "after hours"),
	],
)
def test_outside_working_hours_is_refused_and_nothing_written(heating, start, hours, what):
	user = make_technician([heating])
	visit = make_job(heating, hours=hours)
	before = stored(visit)
	with pytest.raises(OutsideWorkingHoursError):
		api.book(visit, [user], at(start))
	assert stored(visit) == before, what


def test_the_working_hours_hold_on_the_form_too(heating):
	"""Not only the board: a manager saving the job (form, REST) meets the same rule."""
	user = make_technician([heating], work_start="09:00", work_end="13:00")
	job = frappe.get_doc(JOB, make_job(heating))
	job.scheduled_start, job.scheduled_end = at("12:00"), at("14:00")
	job.append("crew", {"user": user})
	with pytest.raises(OutsideWorkingHoursError):
		job.save()
	# someone without a technician profile keeps today's behaviour: no hours to hold
	job.reload()
	job.scheduled_start, job.scheduled_end = at("20:00"), at("22:00")
	job.append("crew", {"user": make_user(roles=["Installation Technician"]).name})
	job.save()
	assert job.status == "Scheduled"


def test_a_day_off_on_the_holiday_list_is_refused(heating):
	holidays = frappe.get_doc(
		{
			"doctype": "Holiday List",
			"holiday_list_name": f"Técnicos {frappe.generate_hash(length=5)}",
			"from_date": add_days(today(), -30),
			"to_date": add_days(today(), 60),
			"holidays": [{"holiday_date": tomorrow(), "description": "Fiesta local"}],
		}
	).insert()
	user = make_technician([heating], holiday_list=holidays.name)
	visit = make_job(heating)
	with pytest.raises(OutsideWorkingHoursError, match="off"):
		api.book(visit, [user], at("09:00"))
	api.book(visit, [user], at("09:00", add_days(today(), 2)))
	assert stored(visit).status == "Scheduled"


def test_booking_in_the_past_is_refused(heating):
	user = make_technician([heating], work_start="00:00", work_end="23:59")
	visit = make_job(heating, hours=1)
	past = add_to_date(now_datetime(), minutes=-30).replace(second=0, microsecond=0)
	with pytest.raises(SchedulePastError):
		api.book(visit, [user], str(past))
	assert stored(visit).status == "To Schedule"


def test_a_technician_without_the_skill_needs_a_reason(heating):
	boilers = item_group(f"Calderas {frappe.generate_hash(length=4)}", parent=heating)
	solar = item_group(f"Solar {frappe.generate_hash(length=4)}")
	heating_tech, solar_tech = make_technician([heating]), make_technician([solar])
	visit = make_job(boilers)
	with pytest.raises(SkillMismatchError):
		api.book(visit, [solar_tech], at("09:00"))
	assert stored(visit).status == "To Schedule"
	api.book(visit, [solar_tech], at("09:00"), reason="El único libre esta semana")
	assert stored(visit).skill_reason == "El único libre esta semana"
	# a skill covers its sub-groups; booking someone who has it needs (and keeps) no reason
	api.book(visit, [heating_tech], at("10:00"))
	assert stored(visit).skill_reason is None


def test_double_booking_is_refused_for_every_member_of_a_crew(heating):
	first, second = make_technician([heating]), make_technician([heating])
	busy, other = make_job(heating, hours=3), make_job(heating, hours=3)
	api.book(busy, [second], at("09:00"))
	before = stored(other)
	with pytest.raises(CrewOverlapError):
		api.book(other, [first, second], at("11:00"))
	assert stored(other) == before
	api.book(other, [first, second], at("12:00"))
	assert stored(other).crew == [first, second]


def test_only_enabled_technicians_can_be_booked(heating):
	visit = make_job(heating)
	off = make_technician([heating], enabled=0)
	stranger = make_user(roles=["Installation Technician"]).name  # no profile
	for users in ([off], [stranger], []):
		with pytest.raises(NotATechnicianError):
			api.book(visit, users, at("09:00"))


def test_a_started_job_is_not_moved(heating):
	user = make_technician([heating])
	visit = make_job(heating)
	api.book(visit, [user], at("09:00"))
	frappe.get_doc(JOB, visit).start()
	with pytest.raises(JobNotMovableError):
		api.book(visit, [user], at("13:00"))
	with pytest.raises(JobNotMovableError):
		api.unbook(visit)


def test_unbook_puts_the_job_back_to_schedule(heating):
	user = make_technician([heating])
	visit = make_job(heating)
	api.book(visit, [user], at("09:00"))
	api.unbook(visit)
	assert stored(visit).status == "To Schedule"
	assert visit in [row.name for row in api.get_board(today())["unscheduled"]]


@pytest.mark.parametrize("role", ["Installation Technician", "Sales User", "Sales Manager", "Support Team"])
def test_only_dispatchers_use_the_board(heating, role):
	tech = make_technician([heating])
	visit = make_job(heating)
	frappe.set_user(make_user(roles=[role]).name)
	for call in (
		lambda: api.get_board(today()),
		lambda: api.book(visit, [tech], at("09:00")),
		lambda: api.unbook(visit),
		lambda: api.propose_route(tech, tomorrow()),
		lambda: api.accept_route(tech, tomorrow(), []),
	):
		with pytest.raises((frappe.PermissionError, CrewChangeNotAllowedError)):
			call()
	frappe.set_user("Administrator")
	assert stored(visit).status == "To Schedule"


# What the board reads ---------------------------------------------------------------------------


def test_the_board_shows_technicians_bookings_and_work_with_who_fits(heating):
	territory = frappe.get_doc(
		{"doctype": "Territory", "territory_name": f"Zona {frappe.generate_hash(length=4)}"}
	).insert()
	solar = item_group(f"Solar {frappe.generate_hash(length=4)}")
	nobody = item_group(f"Ascensores {frappe.generate_hash(length=4)}")
	local = make_technician([heating], territory=territory.name)
	solar_tech = make_technician([solar], territory=territory.name)
	booked, to_do = make_job(heating), make_job(heating, territory=territory.name)
	rare = make_job(nobody, territory=territory.name)
	api.book(booked, [local], at("09:00"))

	board = api.get_board(today(), 7)
	technicians = {t.user: t for t in board["technicians"]}
	assert technicians[local].skills == [heating]
	assert technicians[solar_tech].groups == [solar]
	assert next(b for b in board["bookings"] if b["name"] == booked)["crew"] == [local]
	work = {row.name: row for row in board["unscheduled"]}
	assert booked not in work
	assert local in work[to_do].fits and solar_tech not in work[to_do].fits
	assert work[to_do].item_groups == [heating] and not work[to_do].no_skill
	assert board["unscheduled_total"] >= 3

	# a territory narrows both sides; there, nobody has the lifts' skill
	narrowed = api.get_board(today(), 7, territory=territory.name)
	assert {t.user for t in narrowed["technicians"]} == {local, solar_tech}
	work = {row.name: row for row in narrowed["unscheduled"]}
	assert sorted(work) == sorted([to_do, rare])
	assert work[rare].no_skill and not work[rare].fits and not work[to_do].no_skill


# Route order ------------------------------------------------------------------------------------


def test_route_order_on_a_line_visits_points_in_line():
	# four sites along a road (one degree of longitude apart), given out of order
	points = [(40.0, -3.0), (40.0, 0.0), (40.0, -2.0), (40.0, -1.0)]
	assert route.order_stops(points, start=(40.0, -4.0)) == [0, 2, 3, 1]
	assert round(route.path_km(points, [0, 2, 3, 1], start=(40.0, -4.0))) == round(
		4 * route.distance_km((40.0, 0.0), (40.0, 1.0))
	)


def test_distance_is_the_great_circle():
	madrid, barcelona = (40.4168, -3.7038), (41.3874, 2.1686)
	assert 500 < route.distance_km(madrid, barcelona) < 510  # 505 km as the crow flies


coordinates = st.tuples(st.floats(39.0, 42.0), st.floats(-4.0, 3.0))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(coordinates, min_size=1, max_size=12), st.one_of(st.none(), coordinates))
def test_route_order_is_a_permutation_no_reversal_shortens(points, start):
	order = route.order_stops(points, start)
	assert sorted(order) == list(range(len(points)))
	length = route.path_km(points, order, start)
	# 2-opt's local optimum: reversing any stretch of the path does not make it shorter
	for i, k in itertools.combinations(range(len(order) + 1), 2):
		if k - i < 2 and start is None:
			continue
		changed = order[:i] + order[i:k][::-1] + order[k:]
		if start is None and i == 0:
			continue  # an open path without a start may begin anywhere; its first stop is NN's
		assert route.path_km(points, changed, start) >= length - 1e-6


def located_job(group, lat, lng, hours=1):
	visit = make_job(group, hours=hours)
	frappe.db.set_value(JOB, visit, {"latitude": lat, "longitude": lng})
	return visit


def test_optimise_day_proposes_and_accepting_books_in_that_order(heating):
	settings_doc = frappe.get_single("BizLink Settings")
	settings_doc.average_speed_kmh, settings_doc.depot_latitude, settings_doc.depot_longitude = 60, 40.0, -4.0
	settings_doc.save()
	user = make_technician([heating])
	# booked far, near, middle: the route goes near → middle → far
	far, near, middle = (
		located_job(heating, 40.0, -3.0),
		located_job(heating, 40.0, -3.9),
		located_job(heating, 40.0, -3.5),
	)
	for visit, start in ((far, "09:00"), (near, "11:00"), (middle, "14:00")):
		api.book(visit, [user], at(start))
	proposal = api.propose_route(user, tomorrow())
	assert [s["name"] for s in proposal["stops"]] == [near, middle, far]
	first = proposal["stops"][0]
	km = route.distance_km((40.0, -4.0), (40.0, -3.9))
	assert first["travel_minutes"] == -(-km // 1)  # 8.5 km at 60 km/h: 9 minutes (rounded up)
	assert first["start"] == str(add_to_date(get_datetime(at("09:00")), minutes=first["travel_minutes"]))
	booked = api.accept_route(user, tomorrow(), json.dumps(proposal["stops"]))
	assert [b["route_order"] for b in booked] == [1, 2, 3]
	for stop in proposal["stops"]:
		assert (stored(stop["name"]).start, stored(stop["name"]).end) == (stop["start"], stop["end"])


def test_a_route_out_of_date_is_not_accepted(heating):
	user = make_technician([heating])
	one, two = located_job(heating, 40.0, -3.0), located_job(heating, 40.1, -3.1)
	api.book(one, [user], at("09:00"))
	proposal = api.propose_route(user, tomorrow())
	api.book(two, [user], at("13:00"))  # the day changed meanwhile
	with pytest.raises(frappe.TimestampMismatchError):
		api.accept_route(user, tomorrow(), proposal["stops"])
	assert stored(one).start == at("09:00")


# Points on the map ------------------------------------------------------------------------------


def test_a_job_takes_its_address_point_and_bad_points_are_refused(heating):
	visit = make_job(heating)
	address = frappe.get_doc("Address", frappe.db.get_value(JOB, visit, "address"))
	address.bizlink_latitude, address.bizlink_longitude = 41.3874, 2.1686
	address.save()
	job = frappe.get_doc(JOB, visit)
	job.latitude = job.longitude = 0
	job.save()
	assert (job.latitude, job.longitude) == (41.3874, 2.1686)
	address.bizlink_latitude = 91
	with pytest.raises(InvalidPointError):
		address.save()
	job.longitude = -181
	with pytest.raises(InvalidPointError):
		job.save()


def test_a_point_set_on_the_address_later_moves_its_open_jobs_to_it(heating):
	open_job, done_job = make_job(heating), make_job(heating)
	address = frappe.db.get_value(JOB, open_job, "address")
	frappe.db.set_value(JOB, done_job, {"address": address, "docstatus": 1, "status": "Completed"})
	doc = frappe.get_doc("Address", address)
	doc.bizlink_latitude, doc.bizlink_longitude = 41.3874, 2.1686  # clicked on the map afterwards
	doc.save()
	assert frappe.db.get_value(JOB, open_job, ["latitude", "longitude"]) == (41.3874, 2.1686)
	assert frappe.db.get_value(JOB, done_job, ["latitude", "longitude"]) == (0, 0)
	assert next(r for r in api.get_board(today())["unscheduled"] if r.name == open_job).latitude == 41.3874


def test_a_working_day_must_end_after_it_starts():
	with pytest.raises(EndBeforeStartError):
		make_technician(work_start="17:00", work_end="08:00")


# The customer's appointment --------------------------------------------------------------------


def appointment_mail(visit: str) -> list[frappe._dict]:
	"""The mail sent to the visit's site contact about it (the crew's own notices aside)."""
	contact_email = frappe.db.get_value(JOB, visit, "contact_email")
	mails = frappe.get_all(
		"Email Queue",
		filters={"reference_doctype": JOB, "reference_name": visit},
		fields=["name", "message"],
		order_by="creation",
	)
	return [
		frappe._dict(name=m.name, message=mail_text(m.message))
		for m in mails
		if contact_email
		in frappe.get_all("Email Queue Recipient", filters={"parent": m.name}, pluck="recipient")
	]


def link_of(message: str) -> dict:
	start = message.index("/appointment?")
	url = message[start:].split()[0].split("<")[0].split('"')[0].replace("&amp;", "&")
	return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


@pytest.fixture
def booked(heating):
	user = make_technician([heating])
	visit = make_job(heating, customer_name=f"L'Hospitalet {frappe.generate_hash(length=4)}")
	api.book(visit, [user], at("09:00"))
	return frappe._dict(visit=visit, user=user)


def test_booking_sends_the_customer_a_link_to_confirm(booked):
	mails = appointment_mail(booked.visit)
	assert len(mails) == 1
	assert frappe.db.get_value(JOB, booked.visit, "appointment_status") == "Sent"
	link = link_of(mails[0].message)
	frappe.set_user("Guest")
	assert answer_appointment(**link, response="confirm")["appointment_status"] == "Confirmed"
	frappe.set_user("Administrator")
	assert frappe.db.get_value(JOB, booked.visit, "appointment_status") == "Confirmed"
	with pytest.raises(AppointmentLinkUsedError):  # the same link again
		answer_appointment(**link, response="another", note="mejor por la tarde")
	assert frappe.db.get_value(JOB, booked.visit, "appointment_status") == "Confirmed"


def test_asking_for_another_slot_is_kept_for_the_dispatcher(booked):
	link = link_of(appointment_mail(booked.visit)[0].message)
	answer_appointment(**link, response="another", note="<b>Mejor</b> el jueves por la tarde")
	job = frappe.get_doc(JOB, booked.visit)
	assert (job.appointment_status, job.appointment_note) == (
		"New Slot Requested",
		"<b>Mejor</b> el jueves por la tarde",
	)
	board = api.get_board(today())
	assert (
		next(b for b in board["bookings"] if b["name"] == booked.visit)["appointment_status"]
		== "New Slot Requested"
	)


def test_moving_the_visit_voids_the_old_link_and_sends_a_new_one(booked):
	old = link_of(appointment_mail(booked.visit)[0].message)
	api.book(booked.visit, [booked.user], at("13:00"))
	mails = appointment_mail(booked.visit)
	assert len(mails) == 2
	with pytest.raises(AppointmentLinkError):
		answer_appointment(**old, response="confirm")
	answer_appointment(**link_of(mails[1].message), response="confirm")
	assert frappe.db.get_value(JOB, booked.visit, "appointment_status") == "Confirmed"


@pytest.mark.parametrize("tamper", ["token", "visit", "slot", "expires", "expired"])
def test_a_tampered_or_expired_link_is_refused(booked, heating, tamper):
	link = link_of(appointment_mail(booked.visit)[0].message)
	if tamper == "token":
		link["token"] = link["token"][:-1] + ("0" if link["token"][-1] != "0" else "1")
	elif tamper == "visit":
		other = make_job(heating)
		link["visit"] = other
	elif tamper == "slot":
		link["slot"] = str(int(link["slot"]) + 3600)
	elif tamper == "expires":
		link["expires"] = str(int(link["expires"]) + 86400)
	else:
		url = appointment.appointment_url(booked.visit, at("09:00"), valid_days=-1)
		link = {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
	with pytest.raises(AppointmentLinkError):
		answer_appointment(**link, response="confirm")
	assert frappe.db.get_value(JOB, booked.visit, "appointment_status") == "Sent"


def test_a_site_without_contact_gets_no_notice(heating):
	user = make_technician([heating])
	visit = make_job(heating, city=None)
	assert not frappe.db.get_value(JOB, visit, "contact")
	api.book(visit, [user], at("09:00"))
	assert not appointment_mail(visit)
	assert not frappe.db.get_value(JOB, visit, "appointment_status")


# The pages the customer sees -------------------------------------------------------------------


def guest_page(path: str, form: dict) -> str:
	"""The page as a guest's browser gets it from a link (routing, context, template)."""
	from frappe.utils import set_request
	from frappe.website.serve import get_response_content

	had_request = hasattr(frappe.local, "request")
	previous = getattr(frappe.local, "request", None)
	frappe.set_user("Guest")
	try:
		set_request(method="GET", path=f"/{path}")
		frappe.local.form_dict = frappe._dict(form)
		return get_response_content(path)
	finally:
		frappe.set_user("Administrator")
		if had_request:
			frappe.local.request = previous
		else:
			del frappe.local.request
		frappe.local.form_dict = frappe._dict()


def test_the_appointment_page_shows_the_slot_and_escapes_the_name(heating):
	user = make_technician([heating])
	visit = make_job(heating)
	api.book(visit, [user], at("09:00"))
	# a Customer's name (its ID) refuses "<": the name the page shows is the customer_name text
	frappe.db.set_value(JOB, visit, "customer_name", "'\"><img src=x onerror=alert(1)>")
	link = link_of(appointment_mail(visit)[0].message)
	html = guest_page("appointment", link)
	assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
	assert "Confirm this slot" in html
	answer_appointment(**link, response="confirm")
	assert "your answer is recorded" in guest_page("appointment", link)
	assert "This appointment link is not valid." in guest_page("appointment", {**link, "token": "0" * 64})


def test_the_portal_order_page_shows_the_appointment_and_the_eta(heating):
	from test_portal_order_page import page

	from bizlink.devtools.factories import make_portal_user

	tech = make_technician([heating])
	visit = make_job(heating)
	order = frappe.db.get_value(JOB, visit, "sales_order")
	customer = frappe.db.get_value(JOB, visit, "customer")
	api.book(visit, [tech], at("09:00"))
	user = make_portal_user(customer)
	assert "Waiting for your confirmation · Confirm or ask for another slot" in page(
		user, f"order-progress/{order}"
	)
	answer_appointment(**link_of(appointment_mail(visit)[0].message), response="confirm")
	html = page(user, f"order-progress/{order}")
	assert "Confirmed by you" in html and "Confirm or ask for another slot" not in html
	frappe.db.set_value(JOB, visit, "eta", add_to_date(now_datetime(), minutes=25))
	assert "Our technician is on the way: expected at about" in page(user, f"order-progress/{order}")
	frappe.db.set_value(JOB, visit, "eta", add_to_date(now_datetime(), hours=-4))
	assert "Our technician is on the way" not in page(user, f"order-progress/{order}")


def test_an_eta_after_midnight_is_shown_the_evening_before():
	"""On the way at 23:45, expected at 00:10: the customer sees it (it was hidden for being
	'not today'); yesterday's ETA is not shown."""
	from bizlink.www.order_progress import eta_is_current

	assert eta_is_current("2026-12-05 00:10:00", now="2026-12-04 23:45:00")
	assert eta_is_current("2026-12-04 22:00:00", now="2026-12-04 23:45:00")
	assert not eta_is_current("2026-12-03 18:00:00", now="2026-12-04 23:45:00")
	assert not eta_is_current(None, now="2026-12-04 23:45:00")


def test_the_notice_goes_by_sms_through_the_sites_gateway_too(heating):
	"""SMS Settings pointing to a gateway (here a local HTTP server standing in for the provider):
	the site contact's mobile gets the slot and the link; a gateway that fails holds back nothing."""
	import threading
	from http.server import BaseHTTPRequestHandler, HTTPServer

	received, status = [], [200]

	class Gateway(BaseHTTPRequestHandler):
		def do_GET(self):
			received.append(parse_qs(urlparse(self.path).query))
			self.send_response(status[0])
			self.end_headers()

		def log_message(self, *args):
			pass

	server = HTTPServer(("127.0.0.1", 0), Gateway)
	threading.Thread(target=server.serve_forever, daemon=True).start()
	try:
		sms = frappe.get_single("SMS Settings")
		sms.sms_gateway_url = f"http://127.0.0.1:{server.server_port}/send"
		sms.message_parameter, sms.receiver_parameter = "text", "to"
		sms.save()
		user = make_technician([heating])
		visit = make_job(heating, phone="+34 600 111 222")
		frappe.db.set_value(
			"Contact", frappe.db.get_value(JOB, visit, "contact"), "mobile_no", "+34600111222"
		)
		api.book(visit, [user], at("09:00"))
		assert len(received) == 1
		assert received[0]["to"] == ["+34600111222"]
		assert "/appointment?visit=" in received[0]["text"][0]
		assert frappe.db.get_value(JOB, visit, "appointment_status") == "Sent"

		status[0] = 500  # the gateway fails: the email still goes, the visit is still booked
		api.book(visit, [user], at("13:00"))
		assert len(received) == 2 and len(appointment_mail(visit)) == 2
		assert frappe.db.get_value(JOB, visit, "appointment_status") == "Sent"
	finally:
		server.shutdown()


def test_a_new_crew_on_the_same_slot_does_not_bother_the_customer_again(booked, heating):
	other = make_technician([heating])
	api.book(booked.visit, [other], at("09:00"))
	assert len(appointment_mail(booked.visit)) == 1
	assert frappe.db.get_value(JOB, booked.visit, "appointment_status") == "Sent"


def test_unreadable_times_and_stops_are_refused_clearly(heating):
	from bizlink.exceptions import BadScheduleInputError

	user = make_technician([heating])
	visit = make_job(heating)
	for start in ("tomorrow", "", "2026-13-45 99:00:00"):
		with pytest.raises(BadScheduleInputError):
			api.book(visit, [user], start)
	api.book(visit, [user], at("09:00"))
	for stops in (json.dumps([visit]), "[1, 2]", json.dumps({"name": visit})):
		with pytest.raises(BadScheduleInputError):
			api.accept_route(user, tomorrow(), stops)
	assert stored(visit).start == at("09:00")


def test_optimise_day_leaves_a_begun_job_in_place_and_plans_after_it(heating):
	user = make_technician([heating])
	begun, later = located_job(heating, 40.0, -3.5), located_job(heating, 40.0, -3.0)
	api.book(begun, [user], at("09:00"))
	api.book(later, [user], at("13:00"))
	frappe.db.set_value(JOB, begun, "status", "In Progress")  # started on site
	proposal = api.propose_route(user, tomorrow())
	assert [s["name"] for s in proposal["stops"]] == [later]
	km = route.distance_km((40.0, -3.5), (40.0, -3.0))  # from the begun job's site
	assert proposal["stops"][0]["km"] == round(km, 1)
	booked = api.accept_route(user, tomorrow(), proposal["stops"])
	assert [b["name"] for b in booked] == [later]
	assert stored(begun).start == at("09:00")


def test_a_customer_without_a_primary_contact_is_told_through_its_linked_contact(heating):
	user = make_technician([heating])
	visit = make_job(heating)
	customer = frappe.db.get_value(JOB, visit, "customer")
	frappe.db.set_value("Customer", customer, "customer_primary_contact", None)
	frappe.db.set_value(JOB, visit, "contact", None)
	api.book(visit, [user], at("09:00"))
	assert frappe.db.get_value(JOB, visit, "contact")
	assert len(appointment_mail(visit)) == 1


def test_the_notice_reads_in_the_customers_language_not_the_dispatchers(heating):
	user = make_technician([heating])
	visit = make_job(heating)
	frappe.db.set_value("Customer", frappe.db.get_value(JOB, visit, "customer"), "language", "es")
	frappe.local.lang = "en"  # the dispatcher's
	api.book(visit, [user], at("09:00"))
	assert "Nuestro técnico le visitará el" in appointment_mail(visit)[0].message
	assert frappe.local.lang == "en"
