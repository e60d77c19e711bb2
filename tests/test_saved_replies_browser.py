"""Saved replies in the Service Ticket's reply box, in Chromium, as a Spanish support agent uses them: on a
ticket they click "Nuevo email", the saved replies picker offers the Spanish one first (the customer's
language), picking it fills the subject and the message with the ticket's details, and sending stores the
Communication with that text. A customer's name that is markup is shown as text in the message; the
composer of another document (the Customer) stays Frappe's own."""

import time

import frappe
import pytest
from committed import names_where, purge, purge_world, watched_page
from frappe.core.utils import html2text
from frappe.utils import random_string
from frappe.utils.password import update_password

from bizlink.devtools.factories import make_customer, make_user

pytestmark = pytest.mark.commits

TICKET = "Service Ticket"
PASSWORD = "Respuestas-2026!"
HOSTILE = '"><img src=x onerror=alert(1)>'
CITY = "L'Hospitalet de Llobregat"
SPANISH_FIRST = ("Nombre", "Visita programada", "Visit scheduled")  # by name within a language
PREFIX = "srb"  # every record here is named after it: a run that died is cleaned up by the next


@pytest.fixture(scope="module")
def desk(site):
	"""A Spanish support agent, a Spanish customer's ticket, another whose customer's name is markup, and
	saved replies in Spanish and English; committed for the served site, all removed afterwards."""
	purge_desk()
	tag = random_string(6).lower()
	# with a signature of their own: without one, Frappe's composer looks for the outgoing account's and
	# tells a user who may not read Email Accounts "No permitido" (Frappe's, whatever the document)
	agent = make_user(
		f"{PREFIX}-agent-{tag}@example.com",
		["Support Team"],
		first_name="Lucía",
		last_name="Prieto",
		language="es",
		email_signature="Lucía Prieto · Soporte",
	).name
	update_password(agent, PASSWORD)
	customer = make_customer(f"Marta Ruiz {PREFIX}{tag}", language="es", email=f"{PREFIX}-{tag}@example.com")
	ticket = frappe.get_doc(
		{
			"doctype": TICKET,
			"customer": customer.name,
			"subject": "La caldera pierde presión",
			"channel": "Phone",
		}
	).insert()
	hostile_customer = make_customer(f"Hostil {PREFIX}{tag}", language="es")
	hostile = frappe.get_doc(
		{
			"doctype": TICKET,
			"customer": hostile_customer.name,
			"subject": "Sin calefacción",
			"channel": "Phone",
		}
	).insert()
	frappe.db.set_value(TICKET, hostile.name, "customer_name", f"{HOSTILE} {CITY}")  # as an import could
	replies = {}
	for key, language, subject, message in (
		(
			"Visit scheduled",
			"en",
			"Visit scheduled: {{ subject }}",
			"<p>Hello {{ contact_first_name }},</p><p>We have scheduled a visit.</p>",
		),
		(
			"Visita programada",
			"es",
			"Visita programada: {{ subject }}",
			"<p>Hola, {{ contact_first_name }}:</p><p>Hemos programado la visita por su incidencia {{ name }}"
			" ({{ subject }}).</p><p>Un saludo,<br>{{ agent_name }}</p>",
		),
		("Nombre", "es", "Para {{ customer_name }}", "<p>Estimado cliente {{ customer_name }}:</p>"),
	):
		replies[key] = (
			frappe.get_doc(
				{
					"doctype": "Email Template",
					"name": f"SRB {tag} {key}",
					"subject": subject,
					"response": message,
					"bizlink_language": language,
					"bizlink_service_reply": 1,
				}
			)
			.insert()
			.name
		)
	frappe.db.commit()  # nosemgrep (the served site reads it on its own connection)
	try:
		yield frappe._dict(
			agent=agent,
			customer=customer.name,
			email=f"{PREFIX}-{tag}@example.com",
			ticket=ticket.name,
			hostile=hostile.name,
			replies=replies,
			tag=tag,
		)
	finally:
		purge_desk()


def purge_desk() -> None:
	"""Remove every record this module makes, found by its names (tried again on a deadlock)."""
	for attempt in range(5):
		frappe.db.rollback()
		try:
			users = frappe.get_all("User", {"name": ("like", f"{PREFIX}-%@example.com")}, pluck="name")
			customers = frappe.get_all("Customer", {"name": ("like", f"% {PREFIX}%")}, pluck="name")
			tickets = names_where(TICKET, "customer", customers)
			mail = frappe.get_all(
				"Email Queue",
				{"reference_doctype": TICKET, "reference_name": ("in", tickets or [""])},
				pluck="name",
			)
			frappe.db.delete("Email Queue Recipient", {"parent": ("in", mail or [""])})
			frappe.db.delete("Email Queue", {"name": ("in", mail or [""])})
			sent = frappe.get_all(
				"Communication",
				{"reference_doctype": TICKET, "reference_name": ("in", tickets or [""])},
				pluck="name",
			)
			frappe.db.delete("Communication Link", {"parent": ("in", sent or [""])})
			purge(
				"Email Template",
				set(frappe.get_all("Email Template", {"name": ("like", "SRB %")}, pluck="name")),
			)
			# the users' own contacts (Frappe makes one per user) with their email rows
			purge("Contact", set(names_where("Contact", "user", users)))
			frappe.db.delete("Contact Email", {"email_id": ("in", users or [""])})
			purge_world(customers, users=users)
			frappe.db.commit()
			return
		except frappe.QueryDeadlockError:
			if attempt == 4:
				raise
			time.sleep(1 + attempt)


def wait_for_text(page, text: str) -> None:
	page.wait_for_function(
		"(text) => document.querySelector('.modal.show .ql-editor').innerText.includes(text)", arg=text
	)


def logged_in(browser, server: str, user: str):
	context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="es-ES")
	response = context.request.post(f"{server}/api/method/login", form={"usr": user, "pwd": PASSWORD})
	assert response.ok, response.text()[:200]
	return context


def open_composer(page, server: str, ticket: str):
	page.goto(f"{server}/app/service-ticket/{ticket}")
	page.locator("button.action-btn", has_text="Nuevo email").click()
	dialog = page.locator(".modal.show")
	dialog.locator('input[data-fieldname="email_template"]').wait_for(state="visible")
	return dialog


def pick(page, dialog, txt: str, offered: list[str]) -> None:
	"""Type `txt` in the saved replies picker, see it offer `offered` (in that order), pick the first.

	A list that never opened (nothing shown at all: the text landed before the control listened, as
	a user's would if the field were not ready) is typed again once, key by key; a list that shows
	anything else fails at once."""
	field = dialog.locator('input[data-fieldname="email_template"]')
	options = '.modal.show .frappe-control[data-fieldname="email_template"] [role="option"] strong'
	listed = "([selector, names]) => [...document.querySelectorAll(selector)].map((e) => e.innerText.trim()).join('|') === names.join('|')"
	for attempt in range(2):
		field.click()
		if attempt:
			field.fill("")
			field.press_sequentially(txt, delay=20)
		else:
			field.fill(txt)
		try:
			page.wait_for_function(listed, arg=[options, offered], timeout=15_000)
			break
		except Exception:
			shown = page.evaluate(
				"(selector) => [...document.querySelectorAll(selector)].map((e) => e.innerText)", options
			)
			if shown or attempt:
				raise AssertionError(f"the picker offers {shown}, not {offered}") from None
	page.locator(options).first.click()


def test_a_spanish_agent_answers_with_a_saved_reply(server, browser, desk):
	expected = (
		f"Hola, Marta: Hemos programado la visita por su incidencia {desk.ticket} (La caldera pierde "
		"presión). Un saludo, Lucía Prieto"
	)
	with watched_page(logged_in(browser, server, desk.agent)) as page:
		dialogs = []
		page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
		dialog = open_composer(page, server, desk.ticket)
		# the picker shows at once, named for what it is (in Spanish once the lead's es.po has it)
		label = dialog.locator('.frappe-control[data-fieldname="email_template"] .control-label')
		assert label.inner_text().strip() in ("Saved Reply", "Respuesta guardada")
		# the customer's language first, then the others
		pick(page, dialog, f"SRB {desk.tag}", [desk.replies[k] for k in SPANISH_FIRST])
		editor = dialog.locator(".ql-editor").first
		wait_for_text(page, "Estimado cliente Marta Ruiz")
		# another reply picked over the first, the message untouched: it takes the first one's place
		dialog.locator('input[data-fieldname="email_template"]').fill("")
		pick(page, dialog, desk.replies["Visita programada"], [desk.replies["Visita programada"]])
		wait_for_text(page, "Hemos programado la visita")
		assert "Estimado cliente" not in editor.inner_text()
		assert " ".join(editor.inner_text().split()).startswith(expected)
		subject = dialog.locator('input[data-fieldname="subject"]')
		assert subject.input_value() == f"Visita programada: La caldera pierde presión (#{desk.ticket})"
		recipients = dialog.locator('[data-fieldname="recipients"] input')
		if not recipients.input_value():
			recipients.fill(desk.email)
		dialog.locator(".btn-primary", has_text="Enviar").click()
		page.wait_for_function("() => !document.querySelector('.modal.show')")
		page.wait_for_timeout(500)
		assert not dialogs, dialogs

	frappe.db.rollback()  # read what the browser's request committed
	sent = frappe.get_all(
		"Communication",
		{"reference_doctype": TICKET, "reference_name": desk.ticket, "sent_or_received": "Sent"},
		["subject", "content", "sender"],
	)
	ours = [row for row in sent if row.subject.startswith("Visita programada")]
	assert len(ours) == 1, sent
	assert ours[0].subject == f"Visita programada: La caldera pierde presión (#{desk.ticket})"
	assert " ".join(html2text(ours[0].content).split()).startswith(expected)


def test_markup_in_a_customers_name_is_text_in_the_reply_and_other_composers_are_frappes(
	server, browser, desk
):
	with watched_page(logged_in(browser, server, desk.agent)) as page:
		dialogs = []
		page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
		dialog = open_composer(page, server, desk.hostile)
		pick(page, dialog, desk.replies["Nombre"], [desk.replies["Nombre"]])
		wait_for_text(page, "Estimado cliente")
		assert f"Estimado cliente {HOSTILE} {CITY}:" in dialog.locator(".ql-editor").first.inner_text()
		assert (
			dialog.locator('input[data-fieldname="subject"]')
			.input_value()
			.startswith(f"Para {HOSTILE} {CITY}")
		)
		page.wait_for_timeout(500)
		assert page.locator('img[src="x"]').count() == 0 and not dialogs, dialogs
		dialog.locator(".btn-modal-close").first.click()
		page.wait_for_function("() => !document.querySelector('.modal.show')")

		# the customer's composer, in the same page: Frappe's own picker (hidden under more options)
		page.evaluate("(name) => frappe.set_route('Form', 'Customer', name)", desk.customer)
		page.wait_for_function(
			"(name) => cur_frm && cur_frm.doctype === 'Customer' && cur_frm.docname === name",
			arg=desk.customer,
		)
		frappes = page.evaluate(
			"""() => {
				// the composer as the form's "Email" menu opens it
				const composer = new frappe.views.CommunicationComposer({doc: cur_frm.doc, frm: cur_frm});
				const fields = composer.dialog.fields_dict;
				const shown = {
					query: Boolean(fields.email_template.df.get_query),
					hidden: Boolean(fields.email_template_section_break.df.hidden),
					label: fields.email_template.df.label,
				};
				composer.dialog.hide();
				return shown;
			}"""
		)
		frappes["label"] = frappes["label"] in ("Email Template", "Plantilla de Correo Electrónico")
		assert frappes == {"query": False, "hidden": True, "label": True}
