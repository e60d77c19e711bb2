"""The articles for a job in Chromium, as a Spanish technician on a phone (390 x 844) reads them: on the
Field Visit form ("Articles for this job") and on My Day's job screen, also offline. An article titled
with markup and steps holding a script and an image with a handler: the title shows as typed, the steps
as their words, nothing runs and no image is made.
"""

import frappe
import pytest
from committed import phone, sideways_scroll, watched_page
from test_knowledge_jobs import HOSTILE, build_world, purge_world

pytestmark = pytest.mark.commits

PASSWORD = "Tecnico-2026!"


@pytest.fixture
def world():
	world = build_world(language="es", password=PASSWORD, title=HOSTILE)
	frappe.db.commit()  # nosemgrep (the served site reads it on its own connection)
	try:
		yield world
	finally:
		frappe.db.rollback()
		purge_world(world)
		frappe.db.commit()  # nosemgrep (the purge of what the test committed)


def test_the_job_form_shows_its_articles_as_typed(server, browser, world):
	dialogs = []
	with watched_page(phone(browser, server, world.tech, PASSWORD)) as page:
		page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
		page.goto(f"{server}/app/field-visit/{world.visit}")
		section = page.locator(".bizlink-job-articles")
		section.locator(".bizlink-article").first.wait_for()
		titles = section.locator(".bizlink-article-title").all_inner_texts()
		assert titles[0] == HOSTILE and len(titles) == 4  # boiler: own, group, group above; the pump's
		assert section.locator(".bizlink-article-title").first.get_attribute("href") == (
			f"/app/knowledge-article/{world.articles.boiler}"
		)
		assert not section.locator("details[open]").count()  # the steps folded beneath the title
		section.locator("summary").first.click()
		text = section.locator(".bizlink-article-text").first.inner_text()
		# the steps' words; the script the sanitiser escaped is words too, the image's handler is gone
		assert "Purgar el circuito" in text and "Revisar la presión" in text and "onerror" not in text
		assert page.locator("img[src='x']").count() == 0
		assert not section.locator("script, img, style, [onerror]").count()
		assert sideways_scroll(page) == 0
	assert not dialogs


def test_my_day_shows_the_jobs_articles_also_offline(server, browser, world):
	dialogs = []
	context = phone(browser, server, world.tech, PASSWORD)
	with watched_page(context) as page:
		page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
		page.goto(f"{server}/my-day")
		page.locator(f".md-card[data-job='{world.visit}']").wait_for()
		page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=20_000)
		page.goto(f"{server}/my-day#/job/{world.visit}")
		screen = page.locator(f".md-job[data-job='{world.visit}']")
		screen.wait_for()

		def check():
			articles = screen.locator(".md-article")
			assert articles.count() == 4
			assert articles.first.locator("summary").inner_text() == HOSTILE
			assert articles.first.get_attribute("data-article") == world.articles.boiler
			assert not screen.locator("details.md-article[open]").count()
			articles.first.locator("summary").tap()
			text = articles.first.locator(".md-article-steps").inner_text()
			assert "Purgar el circuito" in text and "Revisar la presión" in text and "onerror" not in text
			assert page.locator("img[src='x']").count() == 0
			assert not screen.locator(".md-article script, .md-article img, .md-article [onerror]").count()
			assert sideways_scroll(page) == 0

		check()
		# no network: the job and its articles come from the phone
		context.set_offline(True)
		response = page.reload()
		assert response is not None and response.from_service_worker
		screen.wait_for()
		assert page.locator(".md-net.is-offline").count() == 1
		check()
		context.set_offline(False)
	assert not dialogs
