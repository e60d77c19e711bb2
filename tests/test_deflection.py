"""Deflection on the portal (bizlink/api/deflection.py, /service-tickets, report Deflection Rate).

As a customer types a request, the published public articles matching it are shown; "this solved it"
closes the attempt without a ticket, a ticket sent anyway closes it as Ticket Filed, and the report
counts both by month and item group.

InnoDB's FULLTEXT index sees a row once its transaction commits: the articles searched here (and the
customers and users who search them over HTTP) are committed by a module fixture and purged at the end.
What the tests write themselves (attempts, tickets, deliveries) is rolled back, unless the test goes
over HTTP (marked `commits`; what the served site wrote is purged with the module's world)."""

import random
import string

import frappe
import frappe.desk.query_report
import pytest
import requests
from committed import purge, purge_world
from frappe.utils import add_to_date, now_datetime
from test_rest_permissions import give_api_key

from bizlink.api import deflection
from bizlink.api.deflection import MAX_ARTICLES, SUGGESTIONS_PER_HOUR, filed, solved, suggest
from bizlink.api.service_ticket import create_portal_ticket
from bizlink.devtools.factories import (
	make_customer,
	make_delivery_note,
	make_item,
	make_portal_user,
	make_sales_order,
	make_user,
)
from bizlink.exceptions import DeflectionError
from bizlink.service.report.deflection_rate.deflection_rate import execute as deflection_rate

ATTEMPT = "Knowledge Deflection"
ARTICLE = "Knowledge Article"
HOSTILE = "'\"><img src=x onerror=alert(1)>"
HOSTILE_STEPS = '<p>Paso uno</p><img src=x onerror="alert(1)"><script>alert(2)</script><a href="javascript:alert(3)">x</a>'
PASSWORD = "Deflexion-2026!"
# the articles customers never see: each title carries a marker looked for in every answer and page
HIDDEN = ("internal", "draft", "review", "archived")


def word() -> str:
	"""A word no other document holds (letters only: it stems to itself)."""
	return "zq" + "".join(random.choices(string.ascii_lowercase, k=8))


def item_group(name: str) -> str:
	if not frappe.db.exists("Item Group", name):
		frappe.get_doc(
			{"doctype": "Item Group", "item_group_name": name, "parent_item_group": "All Item Groups"}
		).insert(ignore_permissions=True)
	return name


def make_article(title: str, problem: str, steps: str, status="Published", visibility="Public", **fields):
	"""An article as the review flow leaves it: written as a draft, then given its status and
	visibility directly (the flow's own rules are tested with it)."""
	doc = frappe.get_doc(
		{"doctype": ARTICLE, "title": title, "problem": problem, "steps": steps, **fields}
	).insert(ignore_permissions=True)
	doc.db_set({"status": status, "visibility": visibility}, update_modified=False)
	return doc.name


def build_world(tag: str | None = None) -> frappe._dict:
	"""Articles of every status and visibility about one boiler problem (all holding the word `tag`),
	two portal customers, a website user of no customer and a support agent. Committed by the caller."""
	tag = tag or word()
	w = frappe._dict(tag=tag, articles={}, users=[], customers=[], item_codes=[], groups=[])
	w.group = item_group(f"Calderas {tag}")
	w.groups.append(w.group)
	w.other_item = make_item(f"KD-OTRA-{tag}", item_group=w.group).name  # no customer here owns it
	w.item_codes.append(w.other_item)
	problem = f"<p>La caldera pierde presión y hay una fuga de agua ({tag}).</p>"
	steps = "<ol><li>Cierre la llave de paso.</li><li>Rellene hasta 1,5 bar.</li></ol>"
	w.articles["public"] = make_article(
		f"La caldera pierde presión {tag}", problem, steps, item_group=w.group
	)
	w.articles["other_item"] = make_article(
		f"Fuga en la caldera de otro modelo {tag}", problem, steps, item=w.other_item
	)
	w.articles["hostile"] = make_article(f"{HOSTILE} caldera fuga {tag}", problem, steps)
	frappe.db.set_value(
		ARTICLE,
		w.articles["hostile"],
		{  # past the sanitiser, as a value written around it would be
			"title": f"{HOSTILE} caldera fuga {tag}",
			"problem": '"<img src=x onerror=alert(4)>"',
			"steps": HOSTILE_STEPS,
		},
		update_modified=False,
	)
	for kind, status, visibility in (
		("internal", "Published", "Internal"),
		("draft", "Draft", "Public"),
		("review", "In Review", "Public"),
		("archived", "Archived", "Public"),
	):
		w.articles[kind] = make_article(
			f"SECRETO-{kind.upper()} caldera presión fuga {tag}", problem, steps, status, visibility
		)
	w.public = {w.articles[k] for k in ("public", "other_item", "hostile")}
	w.hidden = {w.articles[k] for k in HIDDEN}
	for name in ("mine", "theirs"):
		customer = make_customer(f"Deflexión {name} {tag}", city=None).name
		user = make_portal_user(customer)
		doc = frappe.get_doc("User", user)
		doc.new_password, doc.language = PASSWORD, "es"
		doc.save(ignore_permissions=True)
		w[name] = frappe._dict(customer=customer, user=user)
		w.customers.append(customer)
		w.users.append(user)
	w.stray = make_user(roles=["Customer"], user_type="Website User").name  # linked to no customer
	w.agent = make_user(roles=["Support Team"]).name
	w.users += [w.stray, w.agent]
	return w


def purge_built(w) -> None:
	attempts = frappe.get_all(ATTEMPT, {"user": ("in", w.users)}, pluck="name")
	purge(ATTEMPT, set(attempts))
	purge(ARTICLE, set(w.articles.values()))
	purge_world(w.customers, items=w.item_codes, users=w.users)
	purge("Item Group", set(w.groups))


@pytest.fixture(scope="module")
def world(site):
	w = None
	try:
		w = build_world()
		w.api_keys = {user: give_api_key(user) for user in w.users}
		frappe.db.commit()  # nosemgrep (the FULLTEXT index and the served site read committed rows)
		yield w
	finally:
		frappe.db.rollback()
		if w:
			purge_built(w)
		frappe.db.commit()  # nosemgrep (the purge of what the module committed)


def query(w) -> str:
	return f"La caldera pierde presión, hay una fuga {w.tag}"


def names(answer: dict) -> list[str]:
	return [row["name"] for row in answer["articles"]]


def ours(found: list[str], w) -> set[str]:
	"""The world's own articles among `found`: the site's others (the demo's, indexed once a worker has
	run their jobs) may match the query too."""
	return set(found) & set(w.articles.values())


def attempt_row(key: str) -> dict:
	return frappe.db.get_value(ATTEMPT, {"attempt_key": key}, "*", as_dict=True)


def as_user(user: str, fn, *args, **kwargs):
	frappe.set_user(user)
	try:
		return fn(*args, **kwargs)
	finally:
		frappe.set_user("Administrator")


# What reaches the customer ----------------------------------------------------------------------


def test_only_published_public_articles_are_suggested(world):
	answer = as_user(world.mine.user, suggest, query(world))
	assert ours(names(answer), world) == world.public  # the one for an item they do not own included
	assert all(set(row) == {"name", "title", "problem", "steps"} for row in answer["articles"])
	for kind in HIDDEN:  # each hidden article's own title as the query: still never shown
		title = frappe.db.get_value(ARTICLE, world.articles[kind], "title")
		shown = as_user(world.mine.user, suggest, title)
		assert not world.hidden & set(names(shown)) and "SECRETO" not in frappe.as_json(shown)


def test_a_desk_user_sees_what_customers_see_and_records_nothing(world):
	answer = as_user(world.agent, suggest, query(world))
	assert ours(names(answer), world) == world.public and answer["attempt"] is None
	assert not frappe.db.exists(ATTEMPT, {"user": world.agent})


@pytest.mark.parametrize("user", ["Guest", "stray", "agent"])
def test_guests_and_users_of_no_customer_are_refused(world, user):
	"""A desk user may look at what customers are shown, never close an attempt."""
	user = world[user] if user != "Guest" else user
	calls = [(solved, ("x", "y")), (filed, ("x", "y"))]
	if user != world.agent:
		calls.append((suggest, (query(world),)))
	for fn, args in calls:
		with pytest.raises(frappe.PermissionError):
			as_user(user, fn, *args)


def test_article_html_is_sanitised_and_the_title_left_as_text(world):
	[row] = [r for r in as_user(world.mine.user, suggest, query(world))["articles"] if HOSTILE in r["title"]]
	assert row["name"] == world.articles["hostile"]
	for html in (row["problem"], row["steps"]):
		assert "onerror" not in html and "<script" not in html and "javascript:" not in html
	assert "Paso uno" in row["steps"]
	assert row["title"] == f"{HOSTILE} caldera fuga {world.tag}"  # text: the page never reads it as markup


@pytest.mark.parametrize(
	"noisy, plain",
	[
		('+caldera -presión "fuga" * @x {tag}', "caldera presión fuga x {tag}"),
		("caldera* (presión) ~fuga <> {tag}", "caldera presión fuga {tag}"),
		(
			"caldera'; DROP TABLE `tabKnowledge Article`; -- {tag}",
			"caldera DROP TABLE tabKnowledge Article {tag}",
		),
	],
)
def test_operators_are_only_text(world, noisy, plain):
	ask = lambda text: names(as_user(world.mine.user, suggest, text.format(tag=world.tag)))  # noqa: E731
	assert ask(noisy) == ask(plain) and ours(ask(plain), world) == world.public


@pytest.mark.parametrize("empty", ["", "   ", None, '+-*"@ ~'])
def test_an_empty_query_shows_nothing_and_records_nothing(world, empty):
	assert as_user(world.mine.user, suggest, empty) == {"attempt": None, "articles": []}
	assert not frappe.db.exists(ATTEMPT, {"user": world.mine.user})


def test_a_huge_query_is_answered_and_kept_short(world):
	huge = (query(world) + " ") * 250
	assert len(huge) > 10_000
	answer = as_user(world.mine.user, suggest, huge[:10_000])
	assert 0 < len(answer["articles"]) <= MAX_ARTICLES
	stored = attempt_row(answer["attempt"])
	assert stored.query.startswith("La caldera pierde presión") and len(stored.query) <= deflection.QUERY_KEPT


# The attempt ------------------------------------------------------------------------------------


def test_the_first_answer_starts_an_attempt_and_later_ones_update_it(world):
	first = as_user(world.mine.user, suggest, f"caldera fuga {world.tag}")
	row = attempt_row(first["attempt"])
	assert (row.outcome, row.customer, row.user, row.item_group) == (
		"Open",
		world.mine.customer,
		world.mine.user,
		None,
	)
	assert set(row.articles_shown.split("\n")) == set(names(first))
	again = as_user(world.mine.user, suggest, f"{HOSTILE} otra {world.tag}", attempt=first["attempt"])
	assert again["attempt"] == first["attempt"]
	row = attempt_row(first["attempt"])
	assert set(row.articles_shown.split("\n")) == set(names(first)) | set(names(again))
	assert row.query == frappe.utils.escape_html(f"{HOSTILE} otra {world.tag}")  # text in the desk
	assert frappe.db.count(ATTEMPT, {"user": world.mine.user}) == 1


def test_nothing_matching_starts_no_attempt(world):
	assert as_user(world.mine.user, suggest, f"lavadora centrifuga {word()}") == {
		"attempt": None,
		"articles": [],
	}
	assert not frappe.db.exists(ATTEMPT, {"user": world.mine.user})


@pytest.mark.parametrize("whose", ["theirs", "unknown", "solved"])
def test_only_the_users_own_open_attempt_is_updated(world, whose):
	key = as_user(world.mine.user, suggest, query(world))["attempt"]
	user = world.theirs.user if whose == "theirs" else world.mine.user
	if whose == "unknown":
		key = frappe.generate_hash(length=32)
	if whose == "solved":
		as_user(user, solved, key, world.articles["public"])
	before = frappe.get_all(ATTEMPT, fields=["*"], order_by="name")
	with pytest.raises(DeflectionError):
		as_user(user, suggest, "otra consulta", attempt=key)
	assert frappe.get_all(ATTEMPT, fields=["*"], order_by="name") == before


@pytest.fixture
def delivered(world):
	"""A boiler of the item group `world.group`, delivered to `mine`."""
	item = make_item(has_serial_no=1, item_group=world.group)
	order = make_sales_order(world.mine.customer, items=[{"item_code": item.name, "qty": 1, "rate": 900}])
	note = make_delivery_note(order.name)
	return frappe._dict(item=item.name, serial=note.items[0].serial_no.split("\n")[0])


def test_the_item_group_is_the_customers_own_units(world, delivered):
	mine = as_user(world.mine.user, suggest, query(world), serial_no=delivered.serial)
	assert attempt_row(mine["attempt"]).item_group == world.group
	# another customer typing it learns nothing from it: no group, and the same articles in the same order
	theirs = as_user(world.theirs.user, suggest, query(world), serial_no=delivered.serial)
	plain = as_user(world.theirs.user, suggest, query(world))
	assert attempt_row(theirs["attempt"]).item_group is None and names(theirs) == names(plain)
	assert attempt_row(theirs["attempt"]).customer == world.theirs.customer


# "This solved it" -------------------------------------------------------------------------------


def helped(article: str) -> int:
	return frappe.db.get_value(ARTICLE, article, "helped_count")


def records_of(article: str) -> int:
	return frappe.db.count(ATTEMPT, {"article": article, "outcome": "Solved"}) + frappe.db.count(
		"Knowledge Article Ticket", {"parent": article, "parenttype": ARTICLE}
	)


def test_this_solved_it_closes_the_attempt_without_a_ticket(world):
	article = world.articles["public"]
	tickets = frappe.db.count("Service Ticket")
	keys = [as_user(world.mine.user, suggest, query(world))["attempt"]]
	keys.append(as_user(world.theirs.user, suggest, query(world))["attempt"])
	for key, user in zip(keys, (world.mine.user, world.theirs.user), strict=True):
		assert as_user(user, solved, key, article) == {"attempt": key, "outcome": "Solved"}
		row = attempt_row(key)
		assert (row.outcome, row.article, row.service_ticket) == ("Solved", article, None)
		assert row.closed_on and row.closed_on <= now_datetime()
	assert frappe.db.count("Service Ticket") == tickets
	assert helped(article) == records_of(article) == 2


@pytest.mark.parametrize("case", ["other user", "not shown", "hidden", "made internal", "twice", "filed"])
def test_this_solved_it_is_refused_and_changes_nothing(world, case):
	key = as_user(world.mine.user, suggest, f"caldera fuga {world.tag}")["attempt"]
	user, article = world.mine.user, world.articles["public"]
	if case == "other user":
		user = world.theirs.user
	elif case == "not shown":
		shown = as_user(world.theirs.user, suggest, query(world))  # shown to another attempt only
		article = next(iter(set(names(shown)) - set(attempt_row(key).articles_shown.split("\n"))), None)
		article = article or make_article(f"Nunca mostrado {world.tag}", "<p>x</p>", "<p>y</p>")
	elif case == "hidden":
		article = world.articles["internal"]
	elif case == "made internal":
		frappe.db.set_value(ARTICLE, article, "visibility", "Internal", update_modified=False)
	elif case == "twice":
		as_user(user, solved, key, article)
	elif case == "filed":
		ticket = as_user(user, create_portal_ticket, "Pierde presión", None, None, "k-" + word())
		as_user(user, filed, key, ticket)
	before = (attempt_row(key), helped(world.articles["public"]), frappe.db.count("Service Ticket"))
	with pytest.raises(DeflectionError):
		as_user(user, solved, key, article)
	assert (attempt_row(key), helped(world.articles["public"]), frappe.db.count("Service Ticket")) == before


# The ticket sent anyway -------------------------------------------------------------------------


def test_a_ticket_sent_anyway_closes_the_attempt_with_it(world):
	user = world.mine.user
	key = as_user(user, suggest, query(world))["attempt"]
	ticket = as_user(user, create_portal_ticket, "La caldera pierde presión", "Gotea", None, "k-" + word())
	assert as_user(user, filed, key, ticket) == {"attempt": key, "outcome": "Ticket Filed"}
	row = attempt_row(key)
	assert (row.outcome, row.service_ticket, row.article, row.customer) == (
		"Ticket Filed",
		ticket,
		None,
		world.mine.customer,
	)
	assert row.closed_on


@pytest.mark.parametrize(
	"case", ["their ticket", "their attempt", "desk ticket", "older ticket", "twice", "solved", "unknown"]
)
def test_filing_is_refused_and_changes_nothing(world, case):
	user = world.mine.user
	if case == "older ticket":  # made before the attempt began
		ticket = as_user(user, create_portal_ticket, "Antigua", None, None, "k-" + word())
		frappe.db.set_value(
			"Service Ticket", ticket, "creation", add_to_date(now_datetime(), hours=-2), update_modified=False
		)
	key = as_user(user, suggest, query(world))["attempt"]
	if case != "older ticket":
		ticket = as_user(user, create_portal_ticket, "Pierde presión", None, None, "k-" + word())
	if case == "their ticket":
		ticket = as_user(world.theirs.user, create_portal_ticket, "Suya", None, None, "k-" + word())
	elif case == "their attempt":
		user = world.theirs.user
		ticket = as_user(user, create_portal_ticket, "Suya", None, None, "k-" + word())
	elif case == "desk ticket":
		ticket = (
			frappe.get_doc(
				{
					"doctype": "Service Ticket",
					"customer": world.mine.customer,
					"subject": "x",
					"channel": "Phone",
				}
			)
			.insert()
			.name
		)
	elif case == "twice":
		as_user(user, filed, key, ticket)
	elif case == "solved":
		as_user(user, solved, key, world.articles["public"])
	elif case == "unknown":
		ticket = "ST-NO-SUCH"
	before = attempt_row(key)
	with pytest.raises(DeflectionError):
		as_user(user, filed, key, ticket)
	assert attempt_row(key) == before


# The report -------------------------------------------------------------------------------------


@pytest.fixture
def outcomes():
	"""Attempts in 1990 (far from other data), as the portal leaves them. March: group A 2 solved,
	1 filed, 1 open; group B 1 filed; no group 1 solved. April: group A 1 filed; no group 1 open."""
	tag = word()
	a, b = item_group(f"Calderas {tag}"), item_group(f"Bombas {tag}")
	article = make_article(f"Informe {tag}", "<p>x</p>", "<p>y</p>")
	customer = make_customer(city=None).name
	ticket = frappe.get_doc(
		{"doctype": "Service Ticket", "customer": customer, "subject": "x", "channel": "Portal"}
	).insert()
	made = (
		("1990-03-03", a, "Solved"),
		("1990-03-10", a, "Solved"),
		("1990-03-12", a, "Ticket Filed"),
		("1990-03-31 23:59:59", a, "Open"),
		("1990-03-15", b, "Ticket Filed"),
		("1990-03-20", None, "Solved"),
		("1990-04-01 00:00:00", a, "Ticket Filed"),
		("1990-04-22", None, "Open"),
		("1990-05-02", a, "Solved"),  # after the period asked for
	)
	for day, group, outcome in made:
		doc = frappe.get_doc(
			{
				"doctype": ATTEMPT,
				"attempt_key": frappe.generate_hash(length=32),
				"customer": customer,
				"user": "Administrator",
				"outcome": outcome,
				"item_group": group,
				"article": article if outcome == "Solved" else None,
				"service_ticket": ticket.name if outcome == "Ticket Filed" else None,
				"closed_on": day if outcome != "Open" else None,
			}
		).insert(ignore_permissions=True)
		frappe.db.set_value(ATTEMPT, doc.name, "creation", day, update_modified=False)
	return frappe._dict(a=a, b=b)


def report(**filters) -> dict[tuple, tuple]:
	columns, data, _message, chart, summary = deflection_rate(
		{"from_date": "1990-03-01", "to_date": "1990-04-30", **filters}
	)
	assert [c["fieldname"] for c in columns] == [
		"month",
		"item_group",
		"attempts",
		"solved",
		"filed",
		"still_open",
		"deflection_rate",
	]
	report.chart, report.summary = chart, summary
	return {
		(r["month"], r["item_group"]): (r["attempts"], r["solved"], r["filed"], r["still_open"], r["deflection_rate"])
		for r in data
	}  # fmt: skip


def test_the_report_adds_up_by_hand(outcomes):
	a, b = outcomes.a, outcomes.b
	# (attempts, solved, filed, still open, solved / (solved + filed) %)
	assert report() == {
		("1990-03", a): (4, 2, 1, 1, 66.7),
		("1990-03", b): (1, 0, 1, 0, 0.0),
		("1990-03", "(none)"): (1, 1, 0, 0, 100.0),
		("1990-04", a): (1, 0, 1, 0, 0.0),
		("1990-04", "(none)"): (1, 0, 0, 1, None),
	}
	assert report.chart["data"]["labels"] == ["1990-03", "1990-04"]
	assert [d["values"] for d in report.chart["data"]["datasets"]] == [[3, 0], [2, 1]]
	assert [s["value"] for s in report.summary] == [3, 3, 50.0]
	assert report(item_group=b) == {("1990-03", b): (1, 0, 1, 0, 0.0)}
	assert report(to_date="1990-03-31") == {k: v for k, v in report().items() if k[0] == "1990-03"}
	assert report(from_date="1991-01-01", to_date="1991-12-31") == {}


@pytest.mark.parametrize("role", ["Support Team", "Sales Manager"])
def test_the_report_refuses_who_may_not_read_attempts(outcomes, role):
	frappe.set_user(make_user(roles=[role]).name)
	with pytest.raises(frappe.PermissionError):
		frappe.desk.query_report.run("Deflection Rate", filters={"from_date": "1990-03-01"})
	with pytest.raises(frappe.PermissionError):
		deflection_rate({"from_date": "1990-03-01"})


def test_the_report_is_for_support_managers(outcomes):
	frappe.set_user(make_user(roles=["Support Manager"]).name)
	result = frappe.desk.query_report.run(
		"Deflection Rate", filters={"from_date": "1990-03-01", "to_date": "1990-03-31"}
	)
	rows = {(r["month"], r["item_group"]): r for r in result["result"] if isinstance(r, dict)}
	assert rows[("1990-03", outcomes.a)]["deflection_rate"] == 66.7


# Over HTTP, as the portal calls it --------------------------------------------------------------


def http(server: str, w, user: str | None, method: str, **data) -> requests.Response:
	headers = {"Authorization": f"token {w.api_keys[user]}"} if user else {}
	return requests.post(f"{server}/api/method/{method}", data=data, headers=headers, timeout=60)


@pytest.mark.commits  # what the served site writes is committed; purged with the world
def test_over_http_customers_get_public_articles_and_guests_nothing(world, server):
	frappe.cache.delete_keys("rl:")
	method = "bizlink.api.deflection.suggest"
	answer = http(server, world, world.mine.user, method, query=query(world))
	assert answer.status_code == 200, answer.text[:300]
	assert ours(names(answer.json()["message"]), world) == world.public
	assert "SECRETO" not in answer.text
	for row in answer.json()["message"]["articles"]:
		assert "onerror" not in row["problem"] + row["steps"] and "<script" not in row["steps"]
	for kind in HIDDEN:
		title = frappe.db.get_value(ARTICLE, world.articles[kind], "title")
		assert "SECRETO" not in http(server, world, world.mine.user, method, query=title).text
	# guests and users of no customer: refused, whatever they ask
	assert http(server, world, None, method, query=query(world)).status_code == 403
	assert http(server, world, world.stray, method, query=query(world)).status_code == 403
	for closing in ("solved", "filed"):
		response = http(
			server, world, None, f"bizlink.api.deflection.{closing}", attempt="x", article="y", ticket="z"
		)
		assert response.status_code == 403
	# operators are text; an empty request gets nothing; a 10,000-character one an answer
	noisy = http(server, world, world.mine.user, method, query=f'+caldera -presión "fuga" * @x {world.tag}')
	plain = http(server, world, world.mine.user, method, query=f"caldera presión fuga x {world.tag}")
	assert names(noisy.json()["message"]) == names(plain.json()["message"]) != []
	empty = http(server, world, world.mine.user, method, query="")
	assert empty.status_code == 200 and empty.json()["message"] == {"attempt": None, "articles": []}
	huge = http(server, world, world.mine.user, method, query=((query(world) + " ") * 250)[:10_000])
	assert huge.status_code == 200 and 0 < len(huge.json()["message"]["articles"]) <= MAX_ARTICLES


@pytest.mark.commits
def test_over_http_the_page_holds_no_article_customers_may_not_see(world, server):
	headers = {"Authorization": f"token {world.api_keys[world.mine.user]}"}
	page = requests.get(f"{server}/service-tickets", headers=headers, timeout=60)
	assert page.status_code == 200 and 'id="bizlink-suggestions"' in page.text
	assert "bizlink.api.deflection.suggest" in page.text
	assert "SECRETO" not in page.text
	guest = requests.get(f"{server}/service-tickets", timeout=60)
	assert "SECRETO" not in guest.text and 'id="bizlink-suggestions"' not in guest.text


@pytest.mark.commits
def test_over_http_a_customer_solves_it_once_and_another_cannot(world, server):
	frappe.cache.delete_keys("rl:")
	mine, theirs = world.mine.user, world.theirs.user
	answer = http(server, world, mine, "bizlink.api.deflection.suggest", query=query(world)).json()["message"]
	key, article = answer["attempt"], world.articles["other_item"]
	stolen = http(server, world, theirs, "bizlink.api.deflection.solved", attempt=key, article=article)
	assert stolen.status_code == 417 and stolen.json()["exc_type"] == "DeflectionError"
	ok = http(server, world, mine, "bizlink.api.deflection.solved", attempt=key, article=article)
	assert ok.status_code == 200 and ok.json()["message"]["outcome"] == "Solved"
	again = http(server, world, mine, "bizlink.api.deflection.solved", attempt=key, article=article)
	assert again.status_code == 417 and again.json()["exc_type"] == "DeflectionError"
	frappe.db.rollback()  # read what the requests committed
	assert attempt_row(key).outcome == "Solved"
	assert helped(article) == records_of(article) == 1
	assert not frappe.db.exists("Service Ticket", {"customer": world.mine.customer})


@pytest.mark.commits
def test_the_limit_is_counted_per_user(world, server):
	frappe.cache.delete_keys("rl:")
	counter = frappe.cache.make_key(f"rl:bizlink.api.deflection.suggest:user:{world.mine.user}")
	frappe.cache.setex(counter, 3600, SUGGESTIONS_PER_HOUR)
	method = "bizlink.api.deflection.suggest"
	assert http(server, world, world.mine.user, method, query="caldera").status_code == 429
	assert http(server, world, world.theirs.user, method, query="caldera").status_code == 200
	frappe.cache.delete_keys("rl:")
