"""Deflection on /service-tickets in Chromium, in Spanish, on a phone (390 x 844) and a desktop (1280):
the customer types a problem, the public articles matching it appear (never an internal, draft, in-review
or archived one; a hostile title as text, hostile steps sanitised), "Esto lo resolvió" thanks them and
clears the form without a ticket; sending the request anyway closes the attempt with the ticket.

The articles and the customers are committed (the FULLTEXT index and the served site read committed
rows) and purged at the end (tests/test_deflection.py builds them)."""

import frappe
import pytest
from committed import sideways_scroll, watched_page
from test_deflection import (
	ATTEMPT,
	HOSTILE,
	PASSWORD,
	build_world,
	helped,
	purge_built,
	records_of,
)

SUGGEST = "bizlink.api.deflection.suggest"


@pytest.fixture(scope="module")
def world(site):
	w = None
	try:
		w = build_world()
		frappe.db.commit()  # nosemgrep (the FULLTEXT index and the served site read committed rows)
		yield w
	finally:
		frappe.db.rollback()
		if w:
			purge_built(w)
		frappe.db.commit()  # nosemgrep (the purge of what the module committed)


def open_page(browser, server: str, user: str, width: int, height: int):
	context = browser.new_context(
		viewport={"width": width, "height": height}, locale="es-ES", has_touch=width < 500
	)
	response = context.request.post(f"{server}/api/method/login", form={"usr": user, "pwd": PASSWORD})
	assert response.ok, response.text()[:200]
	return context


def type_problem(page, server: str, world) -> list[str]:
	"""Types the problem as a person does, key by key; the suggestion calls the page made."""
	calls = []
	page.on("request", lambda request: SUGGEST in request.url and calls.append(request.post_data))
	page.goto(f"{server}/service-tickets")
	page.locator("input[name=subject]").press_sequentially("La caldera pierde presión", delay=40)
	page.locator("textarea[name=description]").press_sequentially(f"Hay una fuga {world.tag}", delay=40)
	# the last answer (for the whole text) lists the three public articles (and perhaps the site's own
	# about a boiler losing pressure: the demo's, indexed once a worker has run)
	page.wait_for_function(
		"""(names) => names.every((name) => document.querySelector(
			`#bizlink-suggestions .bizlink-article[data-article="${name}"]`))""",
		arg=sorted(world.public),
	)
	page.wait_for_load_state("networkidle")
	return calls


@pytest.mark.commits  # the served site commits the attempt; purged with the world
@pytest.mark.parametrize("width, height", [(390, 844), (1280, 800)])
def test_the_customer_solves_it_with_an_article(world, server, browser, width, height):
	frappe.cache.delete_keys("rl:")
	context = open_page(browser, server, world.mine.user, width, height)
	dialogs = []
	with watched_page(context, timeout=30_000) as page:
		page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
		calls = type_problem(page, server, world)
		# asked after a pause in typing, not at every key (about 45 keys typed)
		assert 1 <= len(calls) <= 6, calls
		shown = page.eval_on_selector_all(
			"#bizlink-suggestions .bizlink-article", "cards => cards.map(c => c.dataset.article)"
		)
		# the one for an item the customer does not own included; no other of the world's
		assert set(shown) & set(world.articles.values()) == world.public
		html = page.content()
		assert "SECRETO" not in html and not any(name in html for name in world.hidden)
		assert page.is_visible("text=Quizá esto le ayude")
		# the hostile title is text; its steps lost their script, handler and javascript: link
		hostile = f'[data-article="{world.articles["hostile"]}"]'
		assert page.inner_text(f"{hostile} summary") == f"{HOSTILE} caldera fuga {world.tag}"
		page.click(f"{hostile} summary")
		assert "Paso uno" in page.inner_text(f"{hostile} .bizlink-article-steps")
		assert (
			page.evaluate(
				"""() => document.querySelectorAll(
				'#bizlink-suggestions script, #bizlink-suggestions [onerror], #bizlink-suggestions a[href^="javascript"]'
			).length"""
			)
			== 0
		)
		# the article, opened, tells what to do
		card = f'[data-article="{world.articles["public"]}"]'
		page.click(f"{card} summary")
		assert "Cierre la llave de paso" in page.inner_text(f"{card} .bizlink-article-steps")
		assert sideways_scroll(page) == 0
		page.screenshot(path=f"/tmp/deflection-{width}.png", full_page=True)
		page.click(f"{card} >> text=Esto lo resolvió")
		page.wait_for_selector("#bizlink-deflection-thanks", state="visible")
		assert "Nos alegra haberle ayudado" in page.inner_text("#bizlink-deflection-thanks")
		assert (
			page.input_value("input[name=subject]") == ""
			and page.input_value("textarea[name=description]") == ""
		)
		assert page.is_hidden("#bizlink-suggestions")
		assert sideways_scroll(page) == 0
	assert not dialogs  # no alert ran
	frappe.db.rollback()  # read what the served site committed
	assert not frappe.db.exists("Service Ticket", {"customer": world.mine.customer})
	solved = frappe.get_all(ATTEMPT, {"user": world.mine.user, "outcome": "Solved"}, ["article", "closed_on"])
	assert solved and {row.article for row in solved} == {world.articles["public"]}
	assert helped(world.articles["public"]) == records_of(world.articles["public"]) == len(solved)


@pytest.mark.commits
def test_a_request_sent_anyway_closes_the_attempt_with_its_ticket(world, server, browser):
	frappe.cache.delete_keys("rl:")
	context = open_page(browser, server, world.theirs.user, 390, 844)
	with watched_page(context, timeout=30_000) as page:
		type_problem(page, server, world)
		page.click("#bizlink-new-ticket button[type=submit]")
		page.wait_for_url("**/service-tickets/ST-*")
		page.wait_for_load_state("networkidle")
		ticket = page.url.rsplit("/", 1)[-1]
	frappe.db.rollback()
	assert frappe.get_all("Service Ticket", {"customer": world.theirs.customer}, pluck="name") == [ticket]
	[attempt] = frappe.get_all(ATTEMPT, {"user": world.theirs.user}, ["outcome", "service_ticket", "article"])
	assert (attempt.outcome, attempt.service_ticket, attempt.article) == ("Ticket Filed", ticket, None)
