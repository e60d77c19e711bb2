"""A technician completes a job on a phone (390 x 844, Spanish), in Chromium, as they would: open the
job, read it in Spanish (no English status or button), one *Completar instalación* button and one
question in their words, and the job is completed with its Installation Note.

(Ticking checks on the phone's grid is #21's next step; here the checks and the signature are
recorded through the technician's own REST calls before the button is tapped.)
"""

import frappe
import pytest
from committed import phone, purge_world
from frappe.utils import add_days, get_datetime, today
from test_installation_job import tick_and_sign

from bizlink.factories import make_delivery_note, make_item, make_sales_order, make_user

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
			"doctype": "Installation Checklist Template",
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
	job = frappe.get_doc("Installation Job", {"sales_order": order.name})
	job.scheduled_start = get_datetime(f"{add_days(today(), 1)} 08:00:00")
	job.scheduled_end = get_datetime(f"{add_days(today(), 1)} 11:00:00")
	job.append("crew", {"user": user.name})
	job.save()
	job.start()
	tick_and_sign(job)
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
				("Installation Checklist Template", [template.name]),
			),
		)
		frappe.db.commit()


def test_a_technician_completes_the_job_on_a_phone_in_spanish(server, browser, started_job):
	context = phone(browser, server, started_job.user, PASSWORD)
	errors = []
	try:
		page = context.new_page()
		page.set_default_timeout(60_000)
		page.on("pageerror", lambda error: errors.append(str(error)))
		page.goto(f"{server}/app/installation-job/{started_job.job}")
		page.wait_for_selector(".page-actions .primary-action")
		page.wait_for_timeout(1500)
		button = page.locator(".page-actions .primary-action").first
		assert button.inner_text().strip() == "Completar instalación"
		text = page.inner_text("body")
		assert "Presentar este documento" not in text and "Submit this document" not in text
		visible_english = [word for word in ENGLISH if f"\n{word}\n" in f"\n{text}\n"]
		assert not visible_english, visible_english
		button.tap()
		dialog = page.locator(".modal.show .modal-body").first
		assert dialog.inner_text().startswith("¿Completar la instalación de")
		page.locator(".modal.show .btn-primary").first.tap()
		page.wait_for_function(
			"() => cur_frm && cur_frm.doc.docstatus === 1 && !document.querySelector('.modal.show')"
		)
		assert page.locator(".indicator-pill").first.inner_text().strip() == "Completada"
	finally:
		context.close()
	assert not errors, errors
	frappe.db.rollback()  # read what the browser's requests committed
	job = frappe.db.get_value(
		"Installation Job", started_job.job, ["docstatus", "status", "installation_note"], as_dict=True
	)
	assert (job.docstatus, job.status) == (1, "Completed") and job.installation_note
