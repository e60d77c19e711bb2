"""Knowledge on the job: the published articles for a Field Visit's items (the desk's form, My Day) and
for what a customer owns (the Customer File), for staff who may read the visit or the customer.

In a browser (the form and My Day, hostile titles): tests/test_knowledge_jobs_browser.py.
"""

import json
import threading
from unittest.mock import patch

import frappe
import pytest
from frappe.utils import add_days, random_string, today
from test_my_day import make_job, make_technician, read_my_day
from test_rest_permissions import give_api_key

from bizlink.api import knowledge_jobs as api
from bizlink.devtools.factories import make_item, make_portal_user, make_sales_order, make_user

JOB = "Field Visit"
ARTICLE = "Knowledge Article"
HOSTILE = "'\"><img src=x onerror=alert(1)> L'Hospitalet"
STEPS = "<ol><li>Purgar el circuito</li><li><img src=x onerror=alert(1)>Revisar la presión</li></ol><script>alert(2)</script>"


def make_group(name: str, parent: str = "All Item Groups", is_group: int = 0) -> str:
	return (
		frappe.get_doc(
			{
				"doctype": "Item Group",
				"item_group_name": name,
				"parent_item_group": parent,
				"is_group": is_group,
			}
		)
		.insert(ignore_permissions=True)
		.name
	)


def make_article(
	title: str, status: str = "Published", visibility: str = "Internal", helped: int = 0, **fields
):
	doc = frappe.get_doc(
		{
			"doctype": ARTICLE,
			"title": title,
			"problem": "<p>La caldera no arranca</p>",
			"steps": STEPS,
			**fields,
		}
	).insert(ignore_permissions=True)
	# the review flow is another part's: the state it leaves, written directly
	doc.db_set({"status": status, "visibility": visibility, "helped_count": helped})
	return doc.name


def build_world(language: str | None = None, password: str | None = None, title: str | None = None):
	"""A boiler of a sub-group (Calderas > Condensación) installed by a technician's job whose unit is
	another item; articles published, draft, in review, archived, for those items, their groups and
	an item the job does not have; the customer also ordered a third item, and drafted an order of
	the one without the job."""
	tag = random_string(6)
	calderas = make_group(f"KJ Calderas {tag}", is_group=1)
	condensacion = make_group(f"KJ Condensación {tag}", parent=calderas)
	bombas = make_group(f"KJ Bombas {tag}")
	boiler = make_item(
		item_name=f"Caldera KJ {tag}",
		is_stock_item=0,
		bizlink_requires_installation=1,
		item_group=condensacion,
	).name
	pump = make_item(item_name=f"Bomba KJ {tag}", is_stock_item=0, item_group=bombas).name
	other = make_item(item_name=f"Otro KJ {tag}", is_stock_item=0, item_group=bombas).name
	ordered = make_item(item_name=f"Termo KJ {tag}", is_stock_item=0, item_group=bombas).name
	tech = make_technician(language=language, password=password)
	stranger = make_technician(password=password)
	visit = make_job([tech], f"{add_days(today(), 1)} 09:00:00", item=boiler)
	frappe.db.set_value(JOB, visit, "item_code", pump)  # the unit the job also looks at
	customer = frappe.db.get_value(JOB, visit, "customer")
	make_sales_order(customer=customer, items=[{"item_code": ordered, "qty": 1, "rate": 300}])
	make_sales_order(customer=customer, items=[{"item_code": other, "qty": 1, "rate": 300}], submit=False)
	articles = frappe._dict(
		boiler=make_article(f"Caldera sin encendido {tag}", item=boiler, helped=3),
		ancestor=make_article(f"Calderas: purgar {tag}", item_group=calderas, visibility="Public", helped=1),
		group=make_article(f"Condensación: sifón {tag}", item_group=condensacion, helped=2),
		draft=make_article(f"Borrador {tag}", status="Draft", item=boiler, helped=9),
		in_review=make_article(f"En revisión {tag}", status="In Review", item_group=condensacion, helped=9),
		archived=make_article(f"Archivado {tag}", status="Archived", item=boiler, helped=9),
		other=make_article(f"Otro {tag}", item=other, helped=9),
		pump=make_article(f"Bomba ruidosa {tag}", item=pump, visibility="Public"),
		ordered=make_article(f"Termo gotea {tag}", item=ordered, helped=5),
	)
	if title:  # as an attacker writing around the form would store it (a save sanitises a title)
		frappe.db.set_value(ARTICLE, articles.boiler, "title", title)
	return frappe._dict(
		tag=tag,
		groups=[condensacion, calderas, bombas],
		item=frappe._dict(boiler=boiler, pump=pump, other=other, ordered=ordered),
		tech=tech,
		stranger=stranger,
		visit=visit,
		customer=customer,
		articles=articles,
	)


def shape(groups: list[dict]) -> list[tuple]:
	return [(group["item_code"], [row["name"] for row in group["articles"]]) for group in groups]


def as_user(user: str, fn, *args):
	frappe.set_user(user)
	try:
		return fn(*args)
	finally:
		frappe.set_user("Administrator")


@pytest.fixture
def world():
	return build_world()


# What is found ------------------------------------------------------------------------------------


def test_a_job_shows_the_published_articles_of_its_items_and_their_groups(world):
	a, item = world.articles, world.item
	expected = [
		# the boiler's own article, then its group's, then the group above it: most helpful first
		(item.boiler, [a.boiler, a.group, a.ancestor]),
		(item.pump, [a.pump]),  # the job's unit
	]
	assert shape(as_user(world.tech, api.for_visit, world.visit)) == expected
	assert shape(api.for_visit(world.visit)) == expected  # Administrator
	[boiler, pump] = as_user(world.tech, api.for_visit, world.visit)
	assert boiler["item_name"] == f"Caldera KJ {world.tag}" and pump["item_name"] == f"Bomba KJ {world.tag}"
	article = boiler["articles"][0]
	assert (article["visibility"], article["helped_count"]) == ("Internal", 3)  # staff read internal ones
	assert "Purgar el circuito" in article["steps"] and "Revisar la presión" in article["steps"]
	assert "<script" not in article["steps"] and "onerror" not in article["steps"]


def test_the_customer_file_shows_the_articles_of_what_the_customer_owns(world):
	a, item = world.articles, world.item
	sales = make_user(roles=["Sales User"]).name
	# the job's items, then the items of their submitted orders (the draft order's item is not theirs)
	assert shape(as_user(sales, api.for_customer, world.customer)) == [
		(item.boiler, [a.boiler, a.group, a.ancestor]),
		(item.pump, [a.pump]),
		(item.ordered, [a.ordered]),
	]


def test_a_unit_sold_with_a_serial_number_brings_its_articles(world):
	serial_item = make_item(has_serial_no=1, item_group=world.groups[2]).name
	serial = frappe.get_doc(
		{"doctype": "Serial No", "serial_no": f"KJ-{world.tag}", "item_code": serial_item}
	)
	serial.insert(ignore_permissions=True)
	serial.db_set("customer", world.customer)
	article = make_article(f"Serie {world.tag}", item=serial_item)
	manager = make_user(roles=["Installation Manager", "Stock User"]).name
	groups = shape(as_user(manager, api.for_customer, world.customer))
	assert groups[0] == (serial_item, [article])  # their serial numbers come first
	# a visit about that unit brings its articles to the job too
	frappe.db.set_value(JOB, world.visit, "serial_no", serial.name)
	assert (serial_item, [article]) in shape(as_user(world.tech, api.for_visit, world.visit))


def test_an_item_without_articles_of_its_own_adds_nothing_and_an_article_is_listed_once(world):
	# the job's unit: another boiler of the same group, with no article of its own
	twin = make_item(is_stock_item=0, item_group=world.groups[0]).name
	frappe.db.set_value(JOB, world.visit, "item_code", twin)
	assert shape(api.for_visit(world.visit)) == [
		(world.item.boiler, [world.articles.boiler, world.articles.group, world.articles.ancestor])
	]


def test_my_day_keeps_the_articles_with_each_job(world):
	[card] = [job for job in read_my_day(world.tech)["jobs"] if job["name"] == world.visit]
	assert shape(card["articles"]) == shape(as_user(world.tech, api.for_visit, world.visit))
	assert json.dumps(card["articles"])  # kept on the phone as JSON


# Who may read them --------------------------------------------------------------------------------


def test_a_technician_not_in_the_crew_is_refused(world):
	with pytest.raises(frappe.PermissionError):
		as_user(world.stranger, api.for_visit, world.visit)
	assert not any(job["name"] == world.visit for job in read_my_day(world.stranger)["jobs"])


def test_a_portal_user_is_refused(world):
	portal = make_portal_user(world.customer)
	with pytest.raises(frappe.PermissionError):
		as_user(portal, api.for_visit, world.visit)
	with pytest.raises(frappe.PermissionError):
		as_user(portal, api.for_customer, world.customer)
	with pytest.raises(frappe.PermissionError):
		as_user("Guest", api.for_customer, world.customer)


def test_a_reader_of_the_customer_who_may_not_read_articles_is_refused(world):
	accounts = make_user(roles=["Accounts User"]).name
	assert frappe.has_permission("Customer", "read", doc=world.customer, user=accounts)
	with pytest.raises(frappe.PermissionError):
		as_user(accounts, api.for_customer, world.customer)


@pytest.mark.parametrize(
	"call",
	[lambda: api.for_visit("FV-NONE-0000"), lambda: api.for_visit(""), lambda: api.for_customer("No Such")],
)
def test_what_does_not_exist_is_said_so(call):
	with pytest.raises(frappe.DoesNotExistError):
		call()


# Over HTTP, with a user's own API key ------------------------------------------------------------------

PASSWORD = "Conocimiento-2026!"


def purge_world(world, users=()):
	from committed import purge, purge_world

	by_customer = {"customer": world.customer}
	tagged = frappe.get_all(ARTICLE, {"title": ("like", f"%{world.tag}%")}, pluck="name")
	purge(ARTICLE, {*tagged, *world.articles.values()})
	profiles = frappe.get_all(
		"Field Technician", {"user": ("in", [world.tech, world.stranger])}, ["name", "holiday_list"]
	)
	items = list(world.item.values())
	templates = frappe.get_all("Item", {"name": ("in", items)}, pluck="bizlink_checklist_template")
	purge_world(
		[world.customer],
		items=items,
		users=[world.tech, world.stranger, *users],
		extra=(
			("Installation Note", frappe.get_all("Installation Note", by_customer, pluck="name")),
			("Delivery Note", frappe.get_all("Delivery Note", by_customer, pluck="name")),
			("Checklist Template", [t for t in templates if t]),
			("Field Technician", [row.name for row in profiles]),
			("Holiday List", [row.holiday_list for row in profiles]),
			("Item Group", world.groups),
		),
	)


@pytest.fixture(scope="module")
def served(site):
	from frappe.utils import get_test_client

	frappe.set_user("Administrator")
	world = build_world(password=PASSWORD)
	portal = make_portal_user(world.customer)
	sales = make_user(roles=["Sales User"]).name
	keys = {user: give_api_key(user) for user in (world.tech, world.stranger, portal, sales)}
	frappe.db.commit()  # nosemgrep (the served site reads it on its own connection)
	try:
		yield frappe._dict(world=world, api_keys=keys, portal=portal, sales=sales, client=get_test_client())
	finally:
		frappe.db.rollback()
		purge_world(world, users=[portal, sales])
		frappe.db.commit()  # nosemgrep (the purge of what the module committed)


def get(served, user: str, method: str, **args):
	result, site = {}, frappe.local.site

	def run():
		with patch("frappe.app.get_site_name", return_value=site):
			result["response"] = served.client.get(
				f"/api/method/bizlink.api.knowledge_jobs.{method}",
				query_string=args,
				headers={"Authorization": f"token {served.api_keys[user]}"},
			)

	thread = threading.Thread(target=run)
	thread.start()
	thread.join()
	return result["response"]


@pytest.mark.commits
def test_over_rest_each_user_reads_what_they_may(served):
	world, a = served.world, served.world.articles
	response = get(served, world.tech, "for_visit", visit=world.visit)
	assert response.status_code == 200, response.get_data(as_text=True)[:500]
	assert shape(response.json["message"]) == [
		(world.item.boiler, [a.boiler, a.group, a.ancestor]),
		(world.item.pump, [a.pump]),
	]
	response = get(served, served.sales, "for_customer", customer=world.customer)
	assert response.status_code == 200, response.get_data(as_text=True)[:500]
	assert [group["item_code"] for group in response.json["message"]][-1] == world.item.ordered
	for user, method, args in (
		(world.stranger, "for_visit", {"visit": world.visit}),
		(served.portal, "for_visit", {"visit": world.visit}),
		(served.portal, "for_customer", {"customer": world.customer}),
	):
		response = get(served, user, method, **args)
		assert response.status_code == 403, (user, method, response.get_data(as_text=True)[:300])
		assert a.boiler not in response.get_data(as_text=True)
