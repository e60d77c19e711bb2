"""Customers rate completed visits (bizlink/field_service/ratings.py, bizlink/api/visit_rating.py,
/visit-feedback), a low rating is followed up by a Service Ticket (bizlink/service/visits.py), and the
ratings roll up: the Visit Ratings report, a technician's own average on My Day, the customer file.

The first part runs in the test's transaction; the last drives the user's path over HTTP (the
technician submits the visit with their API key, the customer follows the mailed link as a guest),
with what it needs committed and removed at the end."""

import json
import threading
from unittest.mock import patch
from urllib.parse import parse_qs, urlparse

import frappe
import frappe.desk.query_report
import pytest
from frappe.utils import add_days, add_to_date, flt, get_datetime, now_datetime, random_string, today
from mail import mail_text

from bizlink.api import my_day as my_day_api
from bizlink.api.customer import get_customer_file
from bizlink.api.visit_rating import submit
from bizlink.devtools.factories import (
	SIGNATURE,
	make_customer,
	make_delivery_note,
	make_item,
	make_sales_order,
	make_user,
)
from bizlink.exceptions import (
	InvalidVisitRatingError,
	VisitAlreadyRatedError,
	VisitNotRateableError,
	VisitRatingLinkError,
	VisitRatingLinkExpiredError,
	VisitRatingsNotPermittedError,
)
from bizlink.field_service import ratings
from bizlink.field_service.installation import create_field_visit
from bizlink.field_service.report.visit_ratings.visit_ratings import execute as visit_ratings
from bizlink.service.visits import follow_up_low_rating

JOB = "Field Visit"
HOSTILE = "'\"><img src=x onerror=alert(1)>"
SLOT = iter(range(0, 10_000, 3))  # each visit its own hours: a technician is never double-booked


def item_group(name: str) -> str:
	if not frappe.db.exists("Item Group", name):
		frappe.get_doc(
			{"doctype": "Item Group", "item_group_name": name, "parent_item_group": "All Item Groups"}
		).insert()
	return name


def technician(name: str | None = None) -> str:
	return make_user(roles=["Installation Technician"], first_name=name or f"Tec {random_string(4)}").name


def new_visit(customer: str | None = None, group: str | None = None, **customer_fields) -> str:
	"""An installation of one delivered unit, to schedule."""
	item = make_item(
		is_stock_item=0,
		bizlink_requires_installation=1,
		bizlink_installation_hours=2,
		**({"item_group": group} if group else {}),
	)
	customer = customer or make_customer(**customer_fields).name
	order = make_sales_order(customer=customer, items=[{"item_code": item.name, "qty": 1, "rate": 900}])
	make_delivery_note(order.name)
	return frappe.db.get_value(JOB, {"sales_order": order.name}) or create_field_visit(order)


def ready(visit: str, crew: list[str]):
	"""Booked for `crew`, started, everything installed, checks done and signed: ready to submit."""
	job = frappe.get_doc(JOB, visit)
	start = add_to_date(get_datetime(f"{add_days(today(), 400)} 00:00:00"), hours=next(SLOT))
	job.scheduled_start, job.scheduled_end = start, add_to_date(start, hours=2)
	for user in crew:
		job.append("crew", {"user": user})
	job.save()
	job.start()
	for row in job.items:
		row.installed_qty = row.qty
	for check in job.checklist:
		check.done = 1
	job.signature, job.signed_by = SIGNATURE, "Lucía Martínez"
	return job


def complete(crew: list[str] | None = None, **kwargs) -> str:
	job = ready(new_visit(**kwargs), crew or [technician()])
	job.submit()
	return job.name


def rating_mails(visit: str) -> list[str]:
	"""The rating requests queued for the visit, as their recipient reads them."""
	rows = frappe.get_all(
		"Email Queue",
		filters={"reference_doctype": JOB, "reference_name": visit, "message_id": ratings.message_id(visit)},
		fields=["name", "message"],
	)
	return [mail_text(row.message) for row in rows]


def recipients(visit: str) -> list[str]:
	queued = frappe.get_all(
		"Email Queue",
		filters={"reference_name": visit, "message_id": ratings.message_id(visit)},
		pluck="name",
	)
	return frappe.get_all(
		"Email Queue Recipient", filters={"parent": ("in", queued or [""])}, pluck="recipient"
	)


def link_of(message: str) -> dict:
	start = message.index("/visit-feedback?")
	url = message[start:].split()[0].split("<")[0].split('"')[0].split(")")[0].replace("&amp;", "&")
	return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


def link(visit: str, valid_days: int | None = None) -> dict:
	return {k: v[0] for k, v in parse_qs(urlparse(ratings.rating_url(visit, valid_days)).query).items()}


def as_guest(fn, *args, **kwargs):
	frappe.set_user("Guest")
	try:
		return fn(*args, **kwargs)
	finally:
		frappe.set_user("Administrator")


RATING = "Visit Rating"
RATING_FIELDS = ("rating", "rated_on", "rating_comment", "rating_ticket")


def stored(visit: str) -> frappe._dict:
	"""The visit's rating as stored (a Visit Rating named by the visit; none: no rating), and when
	the visit itself was last modified."""
	row = frappe.db.get_value(RATING, visit, list(RATING_FIELDS), as_dict=True) or frappe._dict(
		rating=0, rated_on=None, rating_comment=None, rating_ticket=None
	)
	row.modified = frappe.db.get_value(JOB, visit, "modified")
	return row


@pytest.fixture(autouse=True)
def settings():
	frappe.cache.delete_keys("rl:")  # the rate limiter counts per visit, in Redis
	frappe.db.set_single_value("BizLink Settings", {"rating_link_days": 14, "low_rating_threshold": 2})


# The request ---------------------------------------------------------------------------------------


def test_completing_a_visit_mails_its_contact_a_link_in_the_customers_language():
	visit = complete(language="es", email=f"obra-{random_string(6).lower()}@example.com")
	contact_email = frappe.db.get_value(JOB, visit, "contact_email")
	mails = rating_mails(visit)
	assert len(mails) == 1 and recipients(visit) == [contact_email]
	assert "Estimado cliente:" in mails[0] and "Dear customer" not in mails[0]
	parts = link_of(mails[0])
	assert parts["visit"] == visit
	# valid for the days BizLink Settings say (14), to the minute
	expected = add_days(now_datetime(), 14).timestamp()
	assert abs(int(parts["expires"]) - expected) < 120
	# a job run again (a worker's retry) sends nothing more
	ratings.request_rating(visit)
	assert len(rating_mails(visit)) == 1


@pytest.mark.parametrize("visit_type", ["Maintenance", "Repair"])
def test_every_visit_type_asks_for_its_rating(visit_type):
	customer = make_customer()
	job = frappe.get_doc(
		{"doctype": JOB, "visit_type": visit_type, "customer": customer.name, "notes": "Revisión"}
	)
	if visit_type == "Repair":
		ticket = frappe.get_doc(
			{"doctype": "Service Ticket", "subject": "No calienta", "customer": customer.name}
		).insert()
		job.service_ticket = ticket.name
	job.insert()
	job = ready(job.name, [technician()])
	job.submit()
	assert len(rating_mails(job.name)) == 1


def test_a_visit_contact_without_email_falls_back_to_the_customers_primary_contact():
	customer = make_customer()
	primary_email = frappe.db.get_value("Contact", customer.customer_primary_contact, "email_id")
	no_email = frappe.get_doc(
		{
			"doctype": "Contact",
			"first_name": "Sin correo",
			"links": [{"link_doctype": "Customer", "link_name": customer.name}],
		}
	).insert()
	visit = new_visit(customer=customer.name)
	frappe.db.set_value(JOB, visit, "contact", no_email.name)
	job = ready(visit, [technician()])
	assert not job.contact_email
	job.submit()
	assert recipients(visit) == [primary_email]


def test_a_customer_without_email_gets_nothing_and_the_visit_completes():
	visit = complete(city=None)  # no contact at all
	assert frappe.db.get_value(JOB, visit, "docstatus") == 1
	assert not rating_mails(visit)


# The rating ----------------------------------------------------------------------------------------


def test_a_rating_is_written_once():
	visit = complete()
	parts = link_of(rating_mails(visit)[0])
	before = stored(visit).modified
	assert as_guest(submit, **parts, rating="4", comment="  Muy <b>limpios</b>  ") == {
		"visit": visit,
		"rating": 4,
	}
	row = stored(visit)
	# kept escaped (the desk shows a Small Text as markup), given back as typed
	assert (row.rating, row.rating_comment, row.rating_ticket) == (
		0.8,
		"Muy &lt;b&gt;limpios&lt;/b&gt;",
		None,
	)
	assert ratings.comment_text(row.rating_comment) == "Muy <b>limpios</b>"
	assert row.rated_on and row.modified == before  # nobody "modified" the visit
	# no comment or version on the visit's timeline, which its technicians read
	assert not frappe.get_all("Comment", {"reference_name": visit, "content": ("like", "%limpios%")})
	assert not frappe.get_all("Version", {"docname": visit, "data": ("like", "%limpios%")})
	with pytest.raises(VisitAlreadyRatedError):
		as_guest(submit, **parts, rating=1, comment="otra vez")
	assert stored(visit).rating == 0.8 and "limpios" in stored(visit).rating_comment


@pytest.mark.parametrize("tamper", ["token", "visit", "expires"])
def test_a_tampered_link_is_refused(tamper):
	visit, other = complete(), complete()
	parts = link(visit)
	if tamper == "token":
		parts["token"] = parts["token"][:-1] + ("0" if parts["token"][-1] != "0" else "1")
	elif tamper == "visit":
		parts["visit"] = other
	else:
		parts["expires"] = str(int(parts["expires"]) + 86400)
	with pytest.raises(VisitRatingLinkError):
		as_guest(submit, **parts, rating=5)
	assert not stored(visit).rated_on and not stored(other).rated_on


def test_an_expired_link_is_refused():
	visit = complete()
	with pytest.raises(VisitRatingLinkExpiredError):
		as_guest(submit, **link(visit, valid_days=-1), rating=5)
	assert not stored(visit).rated_on


def test_a_visit_cancelled_or_not_completed_cannot_be_rated():
	visit = complete()
	parts = link_of(rating_mails(visit)[0])
	frappe.get_doc(JOB, visit).cancel()
	with pytest.raises(VisitNotRateableError):
		as_guest(submit, **parts, rating=5)
	draft = new_visit()
	with pytest.raises(VisitNotRateableError):
		as_guest(submit, **link(draft), rating=5)
	assert not stored(visit).rated_on and not stored(draft).rated_on


@pytest.mark.parametrize("rating", [0, 6, -1, "4.5", "five", "", None])
def test_a_rating_outside_one_to_five_is_refused(rating):
	visit = complete()
	with pytest.raises(InvalidVisitRatingError):
		as_guest(submit, **link(visit), rating=rating)
	assert not stored(visit).rated_on


def test_a_comment_over_the_limit_is_refused():
	visit = complete()
	with pytest.raises(InvalidVisitRatingError):
		as_guest(submit, **link(visit), rating=3, comment="x" * (ratings.MAX_COMMENT + 1))
	assert not stored(visit).rated_on


@pytest.mark.parametrize(
	"role", ["Installation Technician", "Installation Manager", "Sales Manager", "System Manager"]
)
def test_no_role_writes_a_rating_through_the_desk(role):
	"""Nobody creates, edits or deletes a Visit Rating from the desk: only the customer's link does."""
	tech = technician()
	visit = complete([tech])
	as_guest(submit, **link(visit), rating=4, comment="Bien")
	other = complete([tech])
	user = tech if role == "Installation Technician" else make_user(roles=[role]).name
	frappe.set_user(user)
	attempts = (
		lambda: frappe.client.set_value(RATING, visit, {"rating": 0.2, "rating_comment": "forged"}),
		lambda: frappe.client.insert({"doctype": RATING, "visit": other, "rating": 1}),
		lambda: frappe.client.delete(RATING, visit),
	)
	for attempt in attempts:
		with pytest.raises(frappe.PermissionError):
			attempt()
	frappe.set_user("Administrator")
	assert (stored(visit).rating, stored(visit).rating_comment) == (0.8, "Bien")
	assert not frappe.db.exists(RATING, other)


# A low rating ----------------------------------------------------------------------------------------


def test_a_low_rating_opens_one_follow_up_ticket():
	tech = technician()
	visit = complete([tech], group=item_group("Aerotermia RT"))
	job = frappe.get_doc(JOB, visit)
	as_guest(submit, **link(visit), rating=2, comment=HOSTILE)
	ticket_name = stored(visit).rating_ticket
	assert ticket_name
	ticket = frappe.get_doc("Service Ticket", ticket_name)
	assert (ticket.customer, ticket.contact, ticket.sales_order, ticket.field_visit) == (
		job.customer,
		job.contact,
		job.sales_order,
		visit,
	)
	assert visit in ticket.subject and "2" in ticket.subject
	assert f'href="/app/field-visit/{visit}"' in ticket.description
	assert "&lt;img src=x onerror=alert(1)&gt;" in ticket.description and "<img" not in ticket.description
	# a retry (the queued job run again) opens no second ticket
	assert follow_up_low_rating(visit) == ticket_name
	assert frappe.db.count("Service Ticket", {"field_visit": visit}) == 1


def test_a_repair_visits_follow_up_names_its_unit():
	customer = make_customer()
	item = make_item(has_serial_no=1)
	order = make_sales_order(customer=customer.name, items=[{"item_code": item.name, "qty": 1, "rate": 50}])
	serial = make_delivery_note(order.name).items[0].serial_no.split("\n")[0]
	job = frappe.get_doc(
		{"doctype": JOB, "visit_type": "Maintenance", "customer": customer.name, "serial_no": serial}
	).insert()
	job = ready(job.name, [technician()])
	job.submit()
	as_guest(submit, **link(job.name), rating=1)
	ticket = frappe.get_doc("Service Ticket", stored(job.name).rating_ticket)
	assert (ticket.serial_no, ticket.customer) == (serial, customer.name)


@pytest.mark.parametrize(
	("threshold", "rating", "opens"), [(2, 3, False), (2, 2, True), (0, 1, False), (4, 4, True)]
)
def test_only_a_rating_at_or_below_the_threshold_opens_a_ticket(threshold, rating, opens):
	frappe.db.set_single_value("BizLink Settings", "low_rating_threshold", threshold)
	visit = complete()
	as_guest(submit, **link(visit), rating=rating)
	assert bool(stored(visit).rating_ticket) is opens
	assert frappe.db.count("Service Ticket", {"field_visit": visit}) == int(opens)


# The report ---------------------------------------------------------------------------------------


@pytest.fixture
def rated_set():
	"""Three visits by two technicians in two crews over two months (1990, far from other data):
	V1 crew {Ana}, group G1, territory T1, October, 5 stars; V2 crew {Ana, Bruno}, group G2, T1,
	November, 2 stars (low: a follow-up ticket); V3 crew {Ana, Bruno}, G1, T2, November, not rated."""
	tag = random_string(5)
	ana, bruno = technician(f"Ana {tag}"), technician(f"Bruno {tag}")
	g1, g2 = item_group(f"Calderas {tag}"), item_group(f"Bombas {tag}")
	t1, t2 = (
		frappe.get_doc(
			{"doctype": "Territory", "territory_name": f"{name} {tag}", "parent_territory": "All Territories"}
		)
		.insert()
		.name
		for name in ("Norte", "Sur")
	)
	v1 = complete([ana], group=g1, territory=t1)
	v2 = complete([ana, bruno], group=g2, territory=t1)
	v3 = complete([bruno, ana], group=g1, territory=t2)
	as_guest(submit, **link(v1), rating=5)
	as_guest(submit, **link(v2), rating=2, comment="Llegaron tarde")
	for visit, day in ((v1, "1990-10-15 10:00:00"), (v2, "1990-11-10 10:00:00"), (v3, "1990-11-20 10:00:00")):
		frappe.db.set_value(JOB, visit, "actual_end", day)
	return frappe._dict(ana=ana, bruno=bruno, g1=g1, g2=g2, t1=t1, t2=t2, v1=v1, v2=v2, v3=v3, tag=tag)


def report(group_by: str, **filters) -> dict[str, tuple]:
	columns, data = visit_ratings(
		{"from_date": "1990-10-01", "to_date": "1990-11-30", "group_by": group_by, **filters}
	)
	assert [c["fieldname"] for c in columns] == [
		"group",
		"visits",
		"ratings",
		"response_rate",
		"average",
		"low_ratings",
		"open_tickets",
	]
	return {
		row["group"]: (row["visits"], row["ratings"], row["response_rate"], row["average"], row["low_ratings"], row["open_tickets"])
		for row in data
	}  # fmt: skip


def test_the_report_adds_up_by_hand(rated_set):
	s = rated_set
	name = frappe.utils.get_fullname
	# (visits, ratings, response rate %, average, low, follow-ups open)
	assert report("Technician") == {
		name(s.ana): (3, 2, 66.7, 3.5, 1, 1),  # V1 5, V2 2, V3 -
		name(s.bruno): (2, 1, 50.0, 2.0, 1, 1),  # V2 2, V3 -
	}
	assert report("Crew") == {
		name(s.ana): (1, 1, 100.0, 5.0, 0, 0),
		", ".join(name(u) for u in sorted([s.ana, s.bruno])): (2, 1, 50.0, 2.0, 1, 1),  # V2 and V3
	}
	assert report("Item Group") == {s.g1: (2, 1, 50.0, 5.0, 0, 0), s.g2: (1, 1, 100.0, 2.0, 1, 1)}
	assert report("Territory") == {s.t1: (2, 2, 100.0, 3.5, 1, 1), s.t2: (1, 0, 0.0, None, 0, 0)}
	assert report("Month") == {"1990-10": (1, 1, 100.0, 5.0, 0, 0), "1990-11": (2, 1, 50.0, 2.0, 1, 1)}
	# the follow-up resolved: no longer open; the low rating stays low
	ticket = frappe.get_doc("Service Ticket", stored(s.v2).rating_ticket)
	ticket.status, ticket.resolution_details = "Resolved", "Llamamos al cliente"
	ticket.save()
	assert report("Month")["1990-11"] == (2, 1, 50.0, 2.0, 1, 0)
	# filters: the visit type, the company, the period
	assert report("Month", visit_type="Repair") == {}
	assert report("Month", company=frappe.db.get_value(JOB, s.v1, "company"))["1990-10"][0] == 1
	assert report("Month", company="No Such Company") == {}
	assert report("Month", to_date="1990-10-31") == {"1990-10": (1, 1, 100.0, 5.0, 0, 0)}


@pytest.mark.parametrize("role", ["Installation Technician", "Sales User", "Support Team"])
def test_the_report_refuses_who_may_not_read_ratings(rated_set, role):
	frappe.set_user(make_user(roles=[role]).name)
	with pytest.raises(frappe.PermissionError):
		frappe.desk.query_report.run("Visit Ratings", filters={"group_by": "Technician"})
	with pytest.raises(VisitRatingsNotPermittedError):
		visit_ratings({"group_by": "Technician"})


@pytest.mark.parametrize("role", ["Installation Manager", "Sales Manager", "System Manager"])
def test_the_report_is_for_the_readers_of_ratings(rated_set, role):
	frappe.set_user(make_user(roles=[role]).name)
	result = frappe.desk.query_report.run(
		"Visit Ratings",
		filters={"group_by": "Month", "from_date": "1990-10-01", "to_date": "1990-11-30"},
	)
	rows = {row["group"]: row for row in result["result"] if isinstance(row, dict)}
	assert rows["1990-10"]["average"] == 5.0


# My Day: the technician's own average ----------------------------------------------------------------


def test_my_day_shows_a_technician_their_own_average_only():
	tech, colleague = technician(), technician()
	visits = [complete([tech]) for _ in range(4)] + [complete([colleague])]
	for visit, stars in zip(visits, (5, 4, 5, 1, 1), strict=True):
		as_guest(submit, **link(visit), rating=stars)
	# the fourth was completed 100 days ago: out of the 90 days
	frappe.db.set_value(JOB, visits[3], "actual_end", add_days(now_datetime(), -100))
	frappe.set_user(tech)
	day = my_day_api.get_my_day()
	assert day["rating"] == {"average": 4.7, "ratings": 3, "days": 90}  # (5 + 4 + 5) / 3
	# the jobs on the phone carry no visit's rating
	assert not any(key.startswith("rat") for job in day["jobs"] for key in job)
	frappe.set_user("Administrator")
	from bizlink.www.my_day import get_labels

	assert get_labels()["your_rating"].format("4.7", 3, 90) == "Your rating: 4.7 ★ from 3 visits (90 days)"


def test_below_three_ratings_my_day_shows_no_average():
	tech = technician()
	for stars in (5, 2):
		as_guest(submit, **link(complete([tech])), rating=stars)
	frappe.set_user(tech)
	assert my_day_api.get_my_day()["rating"] is None


# The customer file -----------------------------------------------------------------------------------


def test_the_customer_file_shows_the_ratings_to_their_readers_only():
	customer = make_customer()
	first, second, unrated = (complete(customer=customer.name) for _ in range(3))
	as_guest(submit, **link(first), rating=5, comment="Perfecto")
	as_guest(submit, **link(second), rating=2, comment=HOSTILE)
	frappe.db.set_value(RATING, second, "rated_on", add_to_date(now_datetime(), minutes=1))
	for role in ("Sales Manager", "Installation Manager"):
		frappe.set_user(make_user(roles=[role, "Sales User"]).name)
		section = get_customer_file(customer.name)["visit_ratings"]
		assert (section["allowed"], section["ratings"], section["average"]) == (True, 2, 3.5)
		assert [(r["name"], r["stars"], r["rating_comment"]) for r in section["last"]] == [
			(second, 2, HOSTILE),  # stored as typed (it is text), escaped where shown
			(first, 5, "Perfecto"),
		]
		assert section["last"][0]["rating_ticket"]
		frappe.set_user("Administrator")
	frappe.set_user(make_user(roles=["Sales User"]).name)
	assert get_customer_file(customer.name)["visit_ratings"] == {"allowed": False}
	assert unrated


# The user's path, over HTTP ---------------------------------------------------------------------------

PASSWORD = "Valoraciones-2026!"


class Http:
	"""Requests through Frappe's whole web stack, each in a thread with its own connection."""

	def __init__(self, site: str):
		from frappe.utils import get_test_client

		self.site, self.client, self.keys = site, get_test_client(), {}

	def open(self, path: str, method: str = "GET", user: str | None = None, **kwargs):
		result = {}
		headers = {"Authorization": f"token {self.keys[user]}"} if user else {}

		def run():
			with patch("frappe.app.get_site_name", return_value=self.site):
				result["response"] = self.client.open(path, method=method, headers=headers, **kwargs)

		thread = threading.Thread(target=run)
		thread.start()
		thread.join()
		return result["response"]


def give_api_key(user: str) -> str:
	doc = frappe.get_doc("User", user)
	doc.api_key = frappe.generate_hash(length=15)
	secret = frappe.generate_hash(length=15)
	doc.api_secret = secret
	doc.new_password = PASSWORD
	doc.save(ignore_permissions=True)
	return f"{doc.api_key}:{secret}"


@pytest.fixture(scope="module")
def world(site):
	from committed import purge_world

	tag = random_string(6).lower()
	http = Http(site)
	users = {}
	for role in (
		"Installation Technician",
		"Installation Manager",
		"Sales Manager",
		"Sales User",
		"Support Team",
		"System Manager",
	):
		email = f"rating-{frappe.scrub(role)}-{tag}@example.com"
		users[role] = make_user(email, [role] + (["Sales User"] if role == "Sales Manager" else [])).name
		http.keys[users[role]] = give_api_key(users[role])
	customer = make_customer(f"Valoraciones {tag}", email=f"cliente-{tag}@example.com")
	job = ready(new_visit(customer=customer.name), [users["Installation Technician"]])
	job.save()  # installed, checked and signed: the technician's submit is what is left
	visit = job.name
	# a second visit, completed, for the page in a browser
	second = ready(new_visit(customer=customer.name), [users["Installation Technician"]])
	second.submit()
	# a third, completed, that strangers try to rate
	third = ready(new_visit(customer=customer.name), [users["Installation Technician"]])
	third.submit()
	frappe.db.commit()  # nosemgrep (the served site reads it on its own connection)
	visits = [visit, second.name, third.name]
	items = frappe.get_all("Field Visit Item", {"parent": ("in", visits)}, pluck="item_code")
	try:
		yield frappe._dict(
			http=http,
			users=users,
			customer=customer.name,
			visit=visit,
			second=second.name,
			third=third.name,
			tag=tag,
		)
	finally:
		frappe.db.rollback()
		tickets = frappe.get_all("Service Ticket", {"customer": customer.name}, pluck="name")
		by_customer = {"customer": customer.name}
		purge_world(
			[customer.name],
			items=items,
			users=list(users.values()),
			extra=(
				("Installation Note", frappe.get_all("Installation Note", by_customer, pluck="name")),
				("Delivery Note", frappe.get_all("Delivery Note", by_customer, pluck="name")),
				(
					"Email Queue",
					frappe.get_all(
						"Email Queue", {"reference_name": ("in", [*visits, *tickets])}, pluck="name"
					),
				),
				(
					"Notification Log",
					frappe.get_all(
						"Notification Log", {"document_name": ("in", tickets or [""])}, pluck="name"
					),
				),
			),
		)
		frappe.db.commit()  # nosemgrep (the purge of what the module committed)


def body(response) -> dict:
	return json.loads(response.get_data(as_text=True) or "{}")


@pytest.mark.commits
def test_the_whole_flow_as_users_do_it(world):
	http, tech, visit = world.http, world.users["Installation Technician"], world.visit
	frappe.cache.delete_keys("rl:")
	# the technician completes the visit from the desk's REST API with their own key
	response = http.open(f"/api/resource/{JOB}/{visit}", "PUT", tech, json={"docstatus": 1})
	assert response.status_code == 200, response.get_data(as_text=True)[:500]
	frappe.db.rollback()  # read what the request committed
	mails = rating_mails(visit)
	assert len(mails) == 1 and recipients(visit) == [f"cliente-{world.tag}@example.com"]
	parts = link_of(mails[0])
	page = f"/visit-feedback?visit={parts['visit']}&expires={parts['expires']}&token={parts['token']}"

	# the customer opens the link: a form with five stars
	response = http.open(page)
	html = response.get_data(as_text=True)
	assert response.status_code == 200 and 'id="bizlink-visit-feedback-form"' in html
	assert html.count('name="rating"') == 5

	# ... and rates it, as a guest, with a hostile comment
	method = "/api/method/bizlink.api.visit_rating.submit"
	response = http.open(method, "POST", data={**parts, "rating": "1", "comment": HOSTILE})
	assert response.status_code == 200, response.get_data(as_text=True)[:500]
	assert body(response)["message"] == {"visit": visit, "rating": 1}
	frappe.db.rollback()
	row = stored(visit)
	# Frappe sanitises a guest's arguments (no handler survives); what is left is kept escaped, so the
	# desk's form, list and report view show it as text
	assert (row.rating, ratings.comment_text(row.rating_comment)) == (
		0.2,
		frappe.utils.sanitize_html(HOSTILE),
	)
	assert row.rated_on and "<" not in row.rating_comment
	assert row.rating_ticket and frappe.db.count("Service Ticket", {"field_visit": visit}) == 1

	# the link again: refused with its own error, nothing more written
	response = http.open(method, "POST", data={**parts, "rating": "5"})
	assert response.status_code == 417 and body(response)["exc_type"] == "VisitAlreadyRatedError"
	frappe.db.rollback()
	assert stored(visit).rating == 0.2 and frappe.db.count("Service Ticket", {"field_visit": visit}) == 1

	# the page now thanks them and shows what they wrote, as text: here the hostile comment as it
	# stands when it reaches `ratings.rate` unsanitised (as the tests above call it)
	frappe.db.set_value(
		RATING, visit, "rating_comment", frappe.utils.escape_html(HOSTILE), update_modified=False
	)
	frappe.db.commit()  # nosemgrep (the served site reads it on its own connection)
	html = http.open(page).get_data(as_text=True)
	assert "your rating of this visit is recorded" in html
	assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
	forged = page.replace(f"visit={visit}", "visit=FV-NOPE")
	assert "This rating link is not valid." in http.open(forged).get_data(as_text=True)


@pytest.mark.commits
def test_who_reads_ratings_over_rest(world):
	http, users, visit = world.http, world.users, world.visit
	if not frappe.db.exists(RATING, visit):
		pytest.skip("needs the visit rated by the whole flow above")
	rating_keys = set(RATING_FIELDS)
	tech = users["Installation Technician"]
	# the technician reads their own visit, without its rating
	doc = body(http.open(f"/api/resource/{JOB}/{visit}", user=tech))["data"]
	assert doc["name"] == visit and not rating_keys & set(doc)
	# the ratings are a DocType of their own: every way Frappe has of reading, counting or filtering
	# one is refused to the technician (and to sales users and support), served to a manager
	asked = (
		("GET", f"/api/resource/{RATING}/{visit}", {}),
		("GET", f"/api/resource/{RATING}", {"filters": json.dumps([["rating", "=", 0.2]])}),
		("POST", "/api/method/frappe.client.get_count", {"doctype": RATING, "filters": json.dumps({"rating": 0.2})}),
		("POST", "/api/method/frappe.client.get_list", {"doctype": RATING, "filters": json.dumps({"visit": visit})}),
		("POST", "/api/method/frappe.client.get_value", {"doctype": RATING, "fieldname": "rating", "filters": json.dumps({"visit": visit})}),
		("POST", "/api/method/frappe.desk.reportview.get", {"doctype": RATING, "fields": json.dumps(["name"]), "filters": json.dumps([[RATING, "rating", "=", 0.2]])}),
		("POST", "/api/method/frappe.desk.listview.get_group_by_count", {"doctype": RATING, "current_filters": "[]", "field": "rating"}),
		("POST", "/api/method/frappe.desk.doctype.number_card.number_card.get_result", {"doc": json.dumps({"type": "Document Type", "document_type": RATING, "function": "Count"}), "filters": json.dumps([[RATING, "visit", "=", visit], [RATING, "rating", "=", 0.2]])}),
	)  # fmt: skip
	for role in ("Installation Technician", "Sales User", "Support Team"):
		for http_method, path, args in asked:
			key = "query_string" if http_method == "GET" else "data"
			response = http.open(path, http_method, users[role], **{key: args})
			assert response.status_code == 403, (role, path, args, response.status_code)
	for http_method, path, args in asked:
		key = "query_string" if http_method == "GET" else "data"
		manager = http.open(path, http_method, users["Installation Manager"], **{key: args})
		assert manager.status_code == 200, (path, args, manager.get_data(as_text=True)[:300])
	# a document method run on the visit sends the visit back: with no rating in it
	response = http.open(
		"/api/method/run_doc_method",
		"POST",
		tech,
		data={"dt": JOB, "dn": visit, "method": "add_comment", "args": json.dumps({"comment_type": "Like", "text": "x"})},
	)  # fmt: skip
	assert response.status_code == 200 and not rating_keys & set(body(response)["docs"][0])
	# the technician's own lists still work, filtered on anything else
	listed = body(
		http.open(
			f"/api/resource/{JOB}", user=tech, query_string={"filters": json.dumps([["name", "=", visit]])}
		)
	)["data"]
	assert listed == [{"name": visit}]
	# ... cannot run the report, nor its data through the report view
	for role, allowed in (
		("Installation Technician", False),
		("Sales User", False),
		("Installation Manager", True),
		("Sales Manager", True),
		("System Manager", True),
	):
		response = http.open(
			"/api/method/frappe.desk.query_report.run",
			"POST",
			users[role],
			data={"report_name": "Visit Ratings", "filters": json.dumps({"group_by": "Month"})},
		)
		assert (response.status_code == 200) is allowed and (allowed or response.status_code == 403), (
			role,
			response.status_code,
		)
	# the managers read it
	for role in ("Installation Manager", "Sales Manager", "System Manager"):
		doc = body(http.open(f"/api/resource/{RATING}/{visit}", user=users[role]))["data"]
		assert doc["rating"] == 0.2 and ratings.comment_text(doc["rating_comment"]) == HOSTILE
	# nobody writes it: REST PUT, POST and frappe.client.set_value, every role
	for user in users.values():
		http.open(f"/api/resource/{RATING}/{visit}", "PUT", user, json={"rating": 1, "rating_comment": "x"})
		http.open(f"/api/resource/{RATING}", "POST", user, json={"visit": visit, "rating": 1})
		http.open(
			"/api/method/frappe.client.set_value",
			"POST",
			user,
			data={"doctype": RATING, "name": visit, "fieldname": json.dumps({"rating": 1, "rated_on": None})},
		)
	frappe.db.rollback()
	row = stored(visit)
	# as it was: the escaped comment the flow left
	assert (row.rating, ratings.comment_text(row.rating_comment)) == (0.2, HOSTILE) and row.rated_on
	# My Day: no single rating, no average from one visit
	day = body(http.open("/api/method/bizlink.api.my_day.get_my_day", user=tech))["message"]
	assert day["rating"] is None and not any(k.startswith("rat") for job in day["jobs"] for k in job)
	# the customer file: the ratings for their readers, nothing for a salesperson
	for role, allowed in (("Sales Manager", True), ("Installation Manager", False), ("Sales User", False)):
		response = http.open(
			"/api/method/bizlink.api.customer.get_customer_file",
			user=users[role],
			query_string={"customer": world.customer},
		)
		if role == "Installation Manager":  # the customer file is for sales and support roles
			assert response.status_code == 403
			continue
		section = body(response)["message"]["visit_ratings"]
		assert section["allowed"] is allowed
		assert (section.get("last") or [{}])[0].get("rating_comment") == (HOSTILE if allowed else None)


@pytest.mark.commits
def test_the_customer_file_shows_a_hostile_comment_as_text(world, server, browser):
	if not frappe.db.exists(RATING, world.visit):
		pytest.skip("needs the visit rated by the whole flow above")
	context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US")
	try:
		response = context.request.post(
			f"{server}/api/method/login", form={"usr": world.users["Sales Manager"], "pwd": PASSWORD}
		)
		assert response.ok, response.text()[:200]
		page = context.new_page()
		page.set_default_timeout(30_000)
		dialogs, errors = [], []
		page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
		page.on("pageerror", lambda error: errors.append(str(error)))
		page.goto(f"{server}/app/customer-file/{world.customer}")
		page.wait_for_function("() => document.querySelector('.bizlink-customer-file .bl-visit-rating')")
		page.wait_for_timeout(400)
		shown = page.inner_text(".bizlink-customer-file")
		assert HOSTILE in shown and "★☆☆☆☆" in shown
		assert page.evaluate("() => document.querySelectorAll('.bizlink-customer-file img').length") == 0
		assert not dialogs and not errors
	finally:
		context.close()


@pytest.mark.commits
def test_the_customer_rates_on_the_page_in_a_browser(world, server, browser):
	parts = link_of(rating_mails(world.second)[0])
	frappe.cache.delete_keys("rl:")
	context = browser.new_context(viewport={"width": 390, "height": 844}, locale="es-ES", has_touch=True)
	try:
		page = context.new_page()
		page.set_default_timeout(30_000)
		dialogs, errors = [], []
		page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
		page.on("pageerror", lambda error: errors.append(str(error)))
		page.goto(
			f"{server}/visit-feedback?visit={parts['visit']}&expires={parts['expires']}&token={parts['token']}"
		)
		page.click('[data-star="4"]')
		assert page.inner_text(".stars").replace("\n", "").replace(" ", "") == "★★★★☆"
		page.fill("textarea[name=comment]", "Puntuales y muy limpios")
		page.click("button[type=submit]")
		page.wait_for_selector("#bizlink-visit-feedback-done", state="visible")
		assert not dialogs and not errors
	finally:
		context.close()
	frappe.db.rollback()
	row = stored(world.second)
	assert (row.rating, row.rating_comment, row.rating_ticket) == (0.8, "Puntuales y muy limpios", None)


def test_the_workspace_card_is_the_average_for_who_reads_ratings_only():
	"""The Field Service workspace's *Visit Rating (90 Days)*: the Visit Ratings report over every
	visit completed in 90 days; two visits rated 5 and 2 today move it as hand-computed; shown to the
	report's roles, never to a technician."""
	from test_install import card_count

	from bizlink.devtools.factories import make_user

	def overall():
		rows = visit_ratings({"group_by": "All", "from_date": add_days(today(), -90), "to_date": today()})[1]
		return (rows[0]["ratings"], flt(rows[0]["average"])) if rows else (0, 0.0)

	count, average = overall()
	for stars in (5, 2):
		visit = complete()
		as_guest(submit, **link(visit), rating=stars)
	expected = (average * count + 7) / (count + 2)
	assert overall()[0] == count + 2
	assert round(card_count("Visit Rating (90 Days)"), 2) == round(expected, 2)
	card = frappe.get_doc("Number Card", "Visit Rating (90 Days)")
	manager = make_user(roles=["Installation Manager"]).name
	technician_user = make_user(roles=["Installation Technician"]).name
	for user, shown in ((manager, True), (technician_user, False)):
		frappe.set_user(user)  # the card's rule reads the session's reports
		try:
			assert frappe.has_permission("Number Card", doc=card) is shown, user
		finally:
			frappe.set_user("Administrator")


@pytest.mark.commits
def test_a_strangers_tries_do_not_lock_the_customer_out(world):
	"""Ten bogus ratings of the visit (forged tokens) as fast as one can send them: the customer's own
	link still rates it; the same link tried too often is what is limited (429)."""
	from bizlink.api.visit_rating import RATINGS_PER_HOUR

	http, visit = world.http, world.third
	frappe.cache.delete_keys("rl:")
	method = "/api/method/bizlink.api.visit_rating.submit"
	parts = link(visit)
	for n in range(RATINGS_PER_HOUR + 2):
		forged = {**parts, "token": f"{n:064x}"}
		assert http.open(method, "POST", data={**forged, "rating": "1"}).status_code == 417
	response = http.open(method, "POST", data={**parts, "rating": "5"})
	assert response.status_code == 200, response.get_data(as_text=True)[:300]
	frappe.db.rollback()
	assert stored(visit).rating == 1.0
	codes = [
		http.open(method, "POST", data={**parts, "rating": "5"}).status_code for _ in range(RATINGS_PER_HOUR)
	]
	assert codes[-1] == 429 and set(codes[:-1]) == {417}, codes
