"""A technician completes a job on a phone (390 x 844, Spanish), in Chromium, as they would: open the
job, read it in Spanish (no English status or button), tap each check (a row with its words, not a
grid column off-screen), type what was installed, one *Completar instalación* button and one question
in their words, and the job is completed with its Installation Note. Nothing on the page scrolls
sideways.

(The signature is drawn on a canvas; it is recorded before the page is opened.)
"""

import frappe
import pytest
from committed import english_on, phone, purge_world, sideways_scroll, watched_page
from frappe.utils import add_days, get_datetime, today
from test_field_visit import SIGNATURE

from bizlink.devtools.factories import make_delivery_note, make_item, make_sales_order, make_user

pytestmark = pytest.mark.commits

PASSWORD = "Tecnico-2026!"
# English a Spanish technician must not meet on the job form
ENGLISH = (
	"To Schedule",
	"Scheduled",
	"In Progress",
	"Completed",
	"Complete",
	"Submit",
	"Save",
	"Start Installation",
)


@pytest.fixture
def started_job():
	template = frappe.get_doc(
		{
			"doctype": "Checklist Template",
			"template_name": f"Caldera móvil {frappe.generate_hash(length=5)}",
			"items": [{"description": "Comprobar presión y estanqueidad", "mandatory": 1}],
		}
	).insert()
	# not kept in stock: its delivery writes no ledger, so the test leaves nothing behind
	item = make_item(
		item_name="Caldera de condensación",
		is_stock_item=0,
		bizlink_requires_installation=1,
		bizlink_checklist_template=template.name,
	)
	order = make_sales_order(items=[{"item_code": item.name, "qty": 1, "rate": 1800}])
	make_delivery_note(order.name)
	user = make_user(roles=["Installation Technician"], language="es")
	user.new_password = PASSWORD
	user.save(ignore_permissions=True)
	job = frappe.get_doc("Field Visit", {"sales_order": order.name})
	job.scheduled_start = get_datetime(f"{add_days(today(), 1)} 08:00:00")
	job.scheduled_end = get_datetime(f"{add_days(today(), 1)} 11:00:00")
	job.append("crew", {"user": user.name})
	job.save()
	job.start()
	job.signature, job.signed_by = SIGNATURE, "Lucía Martínez"
	job.save()
	frappe.db.commit()
	try:
		yield frappe._dict(job=job.name, user=user.name, order=order.name)
	finally:
		frappe.db.rollback()
		by_customer = {"customer": order.customer}
		purge_world(
			[order.customer],
			items=[item.name],
			users=[user.name],
			extra=(
				("Installation Note", frappe.get_all("Installation Note", by_customer, pluck="name")),
				("Delivery Note", frappe.get_all("Delivery Note", by_customer, pluck="name")),
				("Checklist Template", [template.name]),
			),
		)
		frappe.db.commit()


def test_a_technician_completes_the_job_on_a_phone_in_spanish(server, browser, started_job):
	with watched_page(phone(browser, server, started_job.user, PASSWORD)) as page:
		page.goto(f"{server}/app/field-visit/{started_job.job}")
		page.wait_for_selector(".page-actions .primary-action")
		page.wait_for_timeout(1500)
		button = page.locator(".page-actions .primary-action").first
		assert button.inner_text().strip() == "Completar instalación"
		text = page.inner_text("body")
		assert "Presentar este documento" not in text and "Submit this document" not in text
		assert not english_on(page, ENGLISH), english_on(page, ENGLISH)
		# the grids are not shown at this width: checks and quantities are rows with their words
		assert not page.locator('.frappe-control[data-fieldname="checklist"]').is_visible()
		checks = page.locator(".bizlink-tap-row:has(input[type=checkbox])")
		assert checks.count() == 1
		row = checks.first
		assert "Comprobar presión y estanqueidad" in row.inner_text() and "Obligatori" in row.inner_text()
		assert row.bounding_box()["height"] >= 44  # a finger's target
		row.locator(".bizlink-tap-text").tap()  # the words are the target, not a 14 px box
		assert row.locator("input").is_checked()
		installed = page.locator("input.bizlink-installed")
		assert "1 de 1 entregado" in page.locator(".bizlink-delivered").first.inner_text()
		installed.fill("1")
		installed.dispatch_event("change")
		page.wait_for_function(
			"() => cur_frm.doc.checklist[0].done === 1 && cur_frm.doc.items[0].installed_qty === 1"
		)
		sections = page.evaluate(
			"""() => [...document.querySelectorAll('.form-section')].filter((s) => s.offsetParent)
				.map((s) => s.scrollWidth - s.clientWidth)"""
		)
		assert sideways_scroll(page) == 0 and sections and max(sections) <= 1, sections
		# Ctrl+S (a keyboard on a tablet) saves the ticks; it does not ask to complete the job
		page.keyboard.press("Control+s")
		page.wait_for_function("() => !cur_frm.is_dirty() && cur_frm.doc.checklist[0].done === 1")
		assert not page.locator(".modal.show").count()
		frappe.db.rollback()
		assert frappe.db.get_value("Field Visit Checklist Item", {"parent": started_job.job}, "done") == 1
		button = page.locator(".page-actions .primary-action").first
		button.tap()
		dialog = page.locator(".modal.show .modal-body").first
		assert dialog.inner_text().startswith("¿Completar la instalación de")
		page.locator(".modal.show .btn-primary").first.tap()
		page.wait_for_function(
			"() => cur_frm && cur_frm.doc.docstatus === 1 && !document.querySelector('.modal.show')"
		)
		assert page.locator(".indicator-pill").first.inner_text().strip() == "Completada"
	frappe.db.rollback()  # read what the browser's requests committed
	job = frappe.db.get_value(
		"Field Visit", started_job.job, ["docstatus", "status", "installation_note"], as_dict=True
	)
	assert (job.docstatus, job.status) == (1, "Completed") and job.installation_note
