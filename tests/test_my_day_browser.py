"""My Day in Chromium on a phone (390 x 844, touch), as a technician uses it in a basement without
signal: the page opens once online (its service worker keeps it), then with the network off it opens
again from the phone, the technician starts the job, ticks the check, enters what was installed,
takes a photo, has the customer sign with a finger and completes the job, all queued on the phone.
Back online, the queue is sent; the first answer is lost on the way, so the phone sends it all again
and gets the stored answers: the server holds one completed Field Visit with one Installation Note,
each action applied once. A second technician's phone sending an action on that job is refused, and
the page shows it. Nothing on the page scrolls sideways.
"""

import html
import io
import os

import frappe
import pytest
from committed import phone, purge_world, sideways_scroll, watched_page
from frappe.utils import add_days, today
from test_my_day import make_job, make_technician

pytestmark = pytest.mark.commits

PASSWORD = "Tecnico-2026!"
JOB = "Field Visit"
LOG = "Field Sync Action"


def jpeg(width: int, height: int) -> bytes:
	from PIL import Image

	out = io.BytesIO()
	Image.new("RGB", (width, height), (30, 120, 200)).save(out, "JPEG", quality=85)
	return out.getvalue()


@pytest.fixture
def world():
	tech = make_technician(language="es", password=PASSWORD)
	other = make_technician(password=PASSWORD)
	visit = make_job([tech], f"{add_days(today(), 1)} 09:00:00")
	frappe.db.commit()
	job = frappe.get_doc(JOB, visit)
	try:
		yield frappe._dict(job=visit, tech=tech, other=other, customer=job.customer)
	finally:
		frappe.db.rollback()
		by_customer = {"customer": job.customer}
		files = frappe.get_all("File", {"attached_to_doctype": JOB, "attached_to_name": visit}, pluck="name")
		for name in files:
			path = frappe.get_doc("File", name).get_full_path()
			if os.path.exists(path):
				os.remove(path)
		users = [tech, other]
		profiles = frappe.get_all("Field Technician", {"user": ("in", users)}, ["name", "holiday_list"])
		items = [row.item_code for row in job.items]
		purge_world(
			[job.customer],
			items=items,
			users=users,
			extra=(
				("Installation Note", frappe.get_all("Installation Note", by_customer, pluck="name")),
				("Delivery Note", frappe.get_all("Delivery Note", by_customer, pluck="name")),
				("Checklist Template", [job.checklist_template] if job.checklist_template else []),
				(LOG, frappe.get_all(LOG, {"user": ("in", users)}, pluck="name")),
				("File", files),
				("Email Queue", frappe.get_all("Email Queue", {"reference_name": visit}, pluck="name")),
				("Field Technician", [row.name for row in profiles]),
				("Holiday List", [row.holiday_list for row in profiles]),
			),
		)
		frappe.db.commit()


def wait_synced(page, waiting: int = 0) -> None:
	page.wait_for_function(
		"""(n) => !document.body.dataset.syncing
			&& document.querySelector('.md-waiting')
			&& document.querySelector('.md-waiting').dataset.waiting === String(n)""",
		arg=waiting,
	)


def waiting(page) -> int:
	return int(page.get_attribute(".md-waiting", "data-waiting"))


def test_a_technician_completes_a_job_offline_and_it_is_applied_once(server, browser, world):
	context = phone(browser, server, world.tech, PASSWORD)
	with watched_page(context) as page:
		page.goto(f"{server}/my-day")
		card = page.locator(f".md-card[data-job='{world.job}']")
		card.wait_for()
		wait_synced(page)
		assert page.locator(".md-net.is-online").count() == 1
		assert frappe.db.get_value("Customer", world.customer, "customer_name") in card.inner_text()
		assert "09:00" in card.inner_text()
		# the service worker controls the page and keeps its shell
		page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=20_000)
		page.wait_for_function(
			"""async () => {
				for (const key of await caches.keys()) {
					if (await (await caches.open(key)).match('/my-day')) return true;
				}
				return false;
			}""",
			timeout=20_000,
		)
		assert sideways_scroll(page) == 0

		# no network: the page opens from the phone, with the jobs kept there
		context.set_offline(True)
		response = page.reload()
		assert response is not None and response.from_service_worker
		card.wait_for()
		assert page.locator(".md-net.is-offline").count() == 1

		card.locator(".md-card-main").tap()
		page.locator(".md-start").tap()
		page.wait_for_selector(".md-job[data-status='In Progress']")
		check = page.locator(".md-check").filter(has=page.locator(".md-badge"))
		assert check.locator(".md-check-row").bounding_box()["height"] >= 44  # a finger's target
		check.locator(".md-check-text").tap()  # the words are the target
		assert check.locator("input.md-checkbox").is_checked()
		installed = page.locator("input.md-installed")
		assert installed.input_value() == "1"  # what was delivered, to confirm
		installed.fill("1")
		installed.dispatch_event("change")
		# a 12 MP-like photo: downscaled on the phone before it is queued
		page.set_input_files(
			"input.md-file",
			files=[{"name": "caldera.jpg", "mimeType": "image/jpeg", "buffer": jpeg(2400, 1800)}],
		)
		page.wait_for_selector(".md-thumb")
		# the customer signs with a finger (a mouse here: the pad takes both)
		pad = page.locator("canvas.md-pad")
		pad.scroll_into_view_if_needed()
		box = pad.bounding_box()
		page.mouse.move(box["x"] + 20, box["y"] + 120)
		page.mouse.down()
		for step in range(12):
			page.mouse.move(box["x"] + 20 + step * 22, box["y"] + 120 - (step % 4) * 18)
		page.mouse.up()
		page.locator("input.md-signer").fill("Lucía Martínez")
		page.locator(".md-complete").tap()
		page.locator(".md-confirm-complete").tap()
		page.wait_for_selector(".md-done")
		assert page.get_attribute(".md-job", "data-status") == "Completed"
		assert waiting(page) == 6  # start, check, installed, photo, sign, complete
		assert sideways_scroll(page) == 0
		frappe.db.rollback()  # nothing reached the server
		assert not frappe.db.exists(LOG, {"field_visit": world.job})
		assert frappe.db.get_value(JOB, world.job, "status") == "Scheduled"

		photo = page.evaluate(
			"""() => new Promise((resolve) => {
				const open = indexedDB.open('bizlink-my-day');
				open.onsuccess = () => {
					const all = open.result.transaction('queue').objectStore('queue').getAll();
					all.onsuccess = () => resolve(all.result.find((entry) => entry.action === 'photo'));
				};
			})"""
		)
		assert photo["data"]["data"].startswith("data:image/jpeg;base64,")
		assert photo["seen"] == {"scheduled_start": f"{add_days(today(), 1)} 09:00:00", "status": "Scheduled"}

		# back online: the first answer is lost on its way back (the server applied the actions)
		lost = []

		def lose_first_answer(route):
			if not lost:
				lost.append(route.fetch().status)
				route.abort()
			else:
				route.continue_()

		context.route("**/api/method/bizlink.api.my_day.sync_actions", lose_first_answer)
		context.set_offline(False)
		page.wait_for_function("() => document.querySelector('.md-status-line.is-bad') !== null")
		assert lost == [200] and waiting(page) == 6  # kept on the phone: no answer came
		page.locator(".md-sync").tap()  # sent again: the stored answers come back
		wait_synced(page)
		page.wait_for_selector(".md-done")
		assert not page.locator(".md-notice").count()

	frappe.db.rollback()  # read what the browser's requests committed
	job = frappe.get_doc(JOB, world.job)
	assert (job.docstatus, job.status, job.signed_by) == (1, "Completed", "Lucía Martínez")
	assert (
		job.installation_note
		and frappe.db.get_value("Installation Note", job.installation_note, "docstatus") == 1
	)
	assert frappe.db.count("Installation Note", {"customer": world.customer}) == 1
	logged = frappe.get_all(
		LOG, {"field_visit": world.job}, ["client_id", "action", "result", "user"], order_by="creation"
	)
	assert [(row.action, row.result, row.user) for row in logged] == [
		(name, "Applied", world.tech) for name in ("start", "check", "installed", "photo", "sign", "complete")
	]
	assert len({row.client_id for row in logged}) == 6
	[photo_file] = frappe.get_all(
		"File", {"attached_to_doctype": JOB, "attached_to_name": world.job}, ["name", "is_private"]
	)
	from PIL import Image

	assert photo_file.is_private == 1
	content = frappe.get_doc("File", photo_file.name).get_content()
	assert Image.open(io.BytesIO(content)).size == (1600, 1200)

	# another technician's phone sends an action on that job: refused, logged, and shown to them
	with watched_page(phone(browser, server, world.other, PASSWORD)) as page:
		page.goto(f"{server}/my-day")
		wait_synced(page)
		page.evaluate(
			"""([visit, user]) => new Promise((resolve, reject) => {
				const open = indexedDB.open('bizlink-my-day');
				open.onsuccess = () => {
					const tx = open.result.transaction('queue', 'readwrite');
					tx.objectStore('queue').add({
						user, visit, client_id: crypto.randomUUID(), action: 'start', data: {},
						seen: {scheduled_start: null, status: 'Scheduled'}, done_at: '2026-01-01 10:00:00',
					});
					tx.oncomplete = resolve;
					tx.onerror = reject;
				};
			})""",
			[world.job, world.other],
		)
		page.reload()
		notice = page.locator(".md-notice.is-refused")
		notice.wait_for()
		assert world.job in notice.inner_text()
		wait_synced(page)
		notice.locator("button").tap()
		page.wait_for_selector(".md-notice", state="detached")
	frappe.db.rollback()
	refused = frappe.get_all(LOG, {"user": world.other}, ["field_visit", "result", "action"])
	assert [(row.field_visit, row.result, row.action) for row in refused] == [(world.job, "Refused", "start")]
	assert frappe.db.get_value(JOB, world.job, "modified") == job.modified


HOSTILE = "'\"><img src=x onerror=alert(1)> L'Hospitalet"


def test_what_the_office_typed_shows_as_typed_on_the_phone(server, browser, world):
	"""A customer name, notes and a check typed with markup in them: My Day shows the words, runs
	nothing and makes no element of them (the list and the job screen)."""
	job = frappe.get_doc(JOB, world.job)
	# the notes as the desk's editor stores what was typed: escaped, in a paragraph
	notes = f"<p>{html.escape(HOSTILE)}</p>"
	frappe.db.set_value(JOB, world.job, {"customer_name": HOSTILE, "notes": notes})
	if job.checklist:
		frappe.db.set_value("Field Visit Checklist Item", job.checklist[0].name, "description", HOSTILE)
	frappe.db.commit()
	dialogs = []
	context = phone(browser, server, world.tech, PASSWORD)
	with watched_page(context) as page:
		page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
		page.goto(f"{server}/my-day")
		card = page.locator(f".md-card[data-job='{world.job}']")
		card.wait_for()
		assert HOSTILE in card.inner_text()
		assert page.locator("img[src='x']").count() == 0
		page.goto(f"{server}/my-day#/job/{world.job}")
		screen = page.locator(f".md-job[data-job='{world.job}']")
		screen.wait_for()
		assert screen.inner_text().count(HOSTILE) >= 2  # the customer and the check (notes: in their box)
		assert page.locator(f"textarea[data-key='notes:{world.job}']").input_value() == HOSTILE
		assert page.locator("img[src='x']").count() == 0
		assert sideways_scroll(page) == 0
	assert not dialogs
