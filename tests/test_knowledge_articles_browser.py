"""Knowledge Articles in Chromium, in Spanish: an agent resolves a ticket on its form, creates the
article from it and sends it for review; the Support Manager publishes it; on another ticket about the
same problem the agent sees it among the ticket's articles and clicks "This solved it". The database
then holds the published article linked to both tickets, counted twice. The ticket's subject is
markup (and L'Hospitalet): it is shown as text wherever the article's title appears, and no script
runs."""

import time
from pathlib import Path

import frappe
import pytest
from committed import purge, purge_world, watched_page
from frappe.utils import random_string

from bizlink.devtools.factories import make_customer, make_item, make_user

pytestmark = pytest.mark.commits

PASSWORD = "Articulo-2026!"
SHOTS = "/tmp/bl/shots"
HOSTILE = '"><img src=x onerror=alert(1)>'
CITY = "L'Hospitalet"
ARTICLE = "Knowledge Article"
TICKET = "Service Ticket"


@pytest.fixture
def desk():
	"""A Spanish-speaking agent and Support Manager, a customer's boiler, an open ticket about it (to
	resolve) and another like it; committed for the served site, all removed afterwards."""
	frappe.db.rollback()
	tag = random_string(6).lower()
	users = {}
	for role, key in (("Support Team", "agent"), ("Support Manager", "manager")):
		users[key] = make_user(f"kab-{key}-{tag}@example.com", [role], language="es").name
		frappe.utils.password.update_password(users[key], PASSWORD)
	customer = make_customer(f"KAB {tag}", city=None).name
	item = make_item(f"KAB-BOILER-{tag}", is_stock_item=0).name
	words = f"caldera kab{tag} pierde presión"

	def ticket(subject: str) -> str:
		return (
			frappe.get_doc(
				{
					"doctype": TICKET,
					"customer": customer,
					"item": item,
					"subject": subject,
					"description": f"<p>La {words} cada mañana en {CITY}.</p>",
				}
			)
			.insert(ignore_permissions=True)
			.name
		)

	first = ticket(f"{HOSTILE} {words} {CITY}")
	second = ticket(f"Otra {words}")
	frappe.db.commit()
	try:
		yield frappe._dict(tag=tag, first=first, second=second, customer=customer, item=item, **users)
	finally:
		frappe.db.rollback()
		frappe.set_user("Administrator")
		articles = frappe.get_all(ARTICLE, {"title": ("like", f"%kab{tag}%")}, pluck="name")
		purge(ARTICLE, set(articles))
		purge_world([customer], items=[item], users=list(users.values()))
		frappe.db.commit()


def spanish(text: str) -> str:
	"""What a Spanish reader is shown for an English source string (es.po)."""
	previous = frappe.local.lang
	frappe.local.lang = "es"
	try:
		return frappe._(text)
	finally:
		frappe.local.lang = previous


def session(browser, server: str, user: str):
	context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="es-ES")
	response = context.request.post(f"{server}/api/method/login", form={"usr": user, "pwd": PASSWORD})
	assert response.ok, response.text()[:200]
	return context


def wait(page, condition: str, arg=None) -> None:
	"""Wait for a JavaScript condition; on a timeout, keep a screenshot of what the page showed."""
	from playwright.sync_api import TimeoutError

	try:
		page.wait_for_function(condition, arg=arg, timeout=30_000)
	except TimeoutError:
		Path(SHOTS).mkdir(parents=True, exist_ok=True)
		shot = f"{SHOTS}/articles-timeout-{int(time.time())}.png"
		page.screenshot(path=shot)
		raise AssertionError(f"timed out at {page.url} waiting for {condition} (screenshot {shot})") from None


def open_form(page, server: str, doctype: str, name: str) -> None:
	page.goto(f"{server}/app/{frappe.scrub(doctype).replace('_', '-')}/{name}")
	wait(
		page,
		"""([doctype, name]) => window.cur_frm && cur_frm.doctype === doctype && cur_frm.doc.name === name
			&& !frappe.dom.freeze_count && cur_frm.layout""",
		[doctype, name],
	)
	page.wait_for_timeout(300)


def button(page, label: str):
	"""The form's button of `label` (its English source: the page shows it in the reader's language)."""
	wait(page, "(label) => cur_frm.custom_buttons[__(label)]", label)
	mark = frappe.scrub(label)
	page.evaluate(
		"([label, mark]) => cur_frm.custom_buttons[__(label)].attr('data-test', mark)", [label, mark]
	)
	found = page.locator(f"[data-test={mark}]:visible").first
	return found, found.inner_text().strip()


def test_an_agent_writes_the_article_the_manager_publishes_and_it_solves_another_ticket(
	server, browser, desk
):
	dialogs = []

	# the agent resolves the ticket on its form, creates the article and sends it for review
	with watched_page(session(browser, server, desk.agent)) as page:
		page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
		open_form(page, server, TICKET, desk.first)
		assert page.evaluate("() => frappe.boot.lang") == "es"
		page.select_option('select[data-fieldname="status"]', "Resolved")
		editor = page.locator(
			'.frappe-control[data-fieldname="resolution_details"] .ql-editor[contenteditable=true]'
		)
		editor.click()
		editor.type(f"Cambiada la válvula de presión en {CITY}.")
		wait(
			page, "() => (cur_frm.doc.resolution_details || '').includes('válvula')"
		)  # the editor's debounce
		page.keyboard.press("Control+s")
		wait(
			page, "() => cur_frm.doc.status === 'Resolved' && !cur_frm.is_dirty() && !frappe.dom.freeze_count"
		)
		create, label = button(page, "Create Article")
		assert label == spanish("Create Article")
		create.click()
		wait(page, "() => window.cur_frm && cur_frm.doctype === 'Knowledge Article' && !cur_frm.is_new()")
		article = page.evaluate("() => cur_frm.doc.name")
		# the title is the ticket's subject, shown as text
		assert CITY in page.locator(".title-text:visible").first.inner_text()
		send, label = button(page, "Send for Review")
		assert label == spanish("Send for Review")
		send.click()
		wait(page, "() => cur_frm.doc.status === 'In Review' && !frappe.dom.freeze_count")
		assert not page.evaluate("() => cur_frm.custom_buttons[__('Publish')]")  # not the agent's
		assert page.locator('img[src="x"]').count() == 0

	# the Support Manager publishes it
	with watched_page(session(browser, server, desk.manager)) as page:
		page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
		open_form(page, server, ARTICLE, article)
		publish, label = button(page, "Publish")
		assert label == spanish("Publish")
		publish.click()
		wait(page, "() => cur_frm.doc.status === 'Published' && !frappe.dom.freeze_count")

	# on another ticket like it, the agent sees it and says it solved this one too
	with watched_page(session(browser, server, desk.agent)) as page:
		page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
		open_form(page, server, TICKET, desk.second)
		row = page.locator(f'.bizlink-ticket-article[data-article="{article}"]')
		row.wait_for()
		title = row.locator("a").first.inner_text()
		stored = frappe.db.get_value(ARTICLE, article, "title")
		assert title == stored and CITY in title  # as stored, as text
		mark = row.locator(".bizlink-article-mark")
		assert mark.inner_text().strip() == spanish("This solved it")
		mark.click()
		page.locator(f'.bizlink-ticket-article[data-article="{article}"] .bizlink-article-solved').wait_for()
		assert page.locator(
			f'.bizlink-ticket-article[data-article="{article}"] .bizlink-article-solved'
		).inner_text().strip() == spanish("Solved this ticket")
		assert page.locator('img[src="x"]').count() == 0
	assert not dialogs, dialogs

	frappe.db.rollback()  # read what the browser's requests committed
	saved = frappe.get_doc(ARTICLE, article)
	assert (saved.status, saved.from_ticket, saved.reviewed_by) == ("Published", desk.first, desk.manager)
	assert saved.submitted_by == desk.agent and saved.owner == desk.agent
	assert CITY in saved.steps and saved.item == desk.item
	assert sorted((row.ticket, row.linked_by) for row in saved.tickets) == sorted(
		[(desk.first, desk.agent), (desk.second, desk.agent)]
	)
	assert saved.helped_count == 2
