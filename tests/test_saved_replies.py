"""Saved replies (bizlink/api/saved_reply.py): Frappe's Email Templates marked for Service Tickets,
offered in a ticket's reply box in the customer's language first and filled with the ticket's fields.

The first part runs in the test's transaction; the last calls the methods over HTTP with each user's own
API key, with what it needs committed and removed at the end. The reply box itself, in a browser, is
tests/test_saved_replies_browser.py."""

import json
import threading
from unittest.mock import patch

import frappe
import pytest
from frappe.utils import escape_html, get_test_client, random_string
from test_rest_permissions import give_api_key

from bizlink.api.saved_reply import render_saved_reply, search_saved_replies
from bizlink.devtools.demo_knowledge import SAVED_REPLIES, make_saved_replies
from bizlink.devtools.factories import make_customer, make_item, make_portal_user, make_user
from bizlink.exceptions import SavedReplyError

TICKET = "Service Ticket"
HOSTILE = "'\"><img src=x onerror=alert(1)>"
CITY = "L'Hospitalet de Llobregat"


def make_reply(name: str, language: str | None, subject: str = "{{ subject }}", message: str = "", **fields):
	return frappe.get_doc(
		{
			"doctype": "Email Template",
			"name": name,
			"subject": subject,
			"response": message or f"<p>{name}</p>",
			"bizlink_language": language,
			"bizlink_service_reply": 1,
			**fields,
		}
	).insert()


def make_ticket(customer: str, **fields):
	return frappe.get_doc(
		{
			"doctype": TICKET,
			"subject": "No hay agua caliente",
			"customer": customer,
			"channel": "Phone",
			**fields,
		}
	).insert()


def picker(ticket: str, txt: str = "") -> list[str]:
	"""The template names the reply box's picker offers, in order."""
	rows = search_saved_replies("Email Template", txt, "name", 0, 20, {"ticket": ticket})
	return [row[0] for row in rows]


@pytest.fixture
def replies():
	"""Saved replies in Spanish, English and any language, one not for tickets, all named after a tag."""
	tag = random_string(6)
	made = frappe._dict(tag=tag)
	for key, language in (("es", "es"), ("en", "en"), ("any", None), ("mx", "es-MX")):
		made[key] = make_reply(f"SR {tag} {key}", language).name
	made.other = make_reply(f"SR {tag} order", None, bizlink_service_reply=0).name
	return made


# The picker: the customer's language first ---------------------------------------------------------


@pytest.mark.parametrize(
	"language, expected",
	[
		("es", ["es", "mx", "any", "en"]),  # its language, its variant, any language, the others
		("en", ["en", "any", "es", "mx"]),
		("es-MX", ["mx", "es", "any", "en"]),
	],
)
def test_the_picker_offers_the_customers_language_first(replies, language, expected):
	ticket = make_ticket(make_customer(language=language).name)
	assert picker(ticket.name, replies.tag) == [replies[key] for key in expected]


def test_a_template_not_for_tickets_is_not_offered(replies):
	ticket = make_ticket(make_customer(language="es").name)
	assert replies.other not in picker(ticket.name, replies.tag)
	assert replies.other in frappe.get_all("Email Template", pluck="name")  # still there for the rest


def test_without_a_customer_language_the_contacts_then_the_sites_decides(replies):
	customer = make_customer()
	frappe.db.set_value("Customer", customer.name, "language", None)
	ticket = make_ticket(customer.name)
	site = frappe.db.get_single_value("System Settings", "language") or "en"
	assert picker(ticket.name, replies.tag)[0] == replies["es" if site.startswith("es") else "en"]
	# the contact is a portal user who reads in Spanish
	portal_user = make_portal_user(customer.name)
	frappe.db.set_value("User", portal_user, "language", "es")
	frappe.db.set_value("Contact", ticket.contact, "user", portal_user)
	assert picker(ticket.name, replies.tag)[0] == replies.es


def test_the_picker_finds_by_name_or_subject_and_pages(replies):
	ticket = make_ticket(make_customer(language="es").name)
	unique = make_reply(f"Pedir foto {replies.tag}", "es", subject="Una foto de la placa {{ name }}").name
	assert picker(ticket.name, "foto de la placa") == [unique]
	rows = search_saved_replies("Email Template", replies.tag, "name", 1, 2, {"ticket": ticket.name})
	assert [row[0] for row in rows] == [replies.es, replies.mx]  # from the second, two
	# each with its language, in its own words
	described = dict(
		(row[0], row[1])
		for row in search_saved_replies("Email Template", replies.tag, "name", 0, 20, {"ticket": ticket.name})
	)
	assert described[replies.es] == "Español" and described[replies.any] == "Any language"


# Rendering: the ticket's fields -----------------------------------------------------------------


def test_the_reply_is_filled_with_the_tickets_fields_by_hand():
	agent = make_user(roles=["Support Team"], first_name="Lucía", last_name="Prieto").name
	item = make_item(item_name="Caldera de condensación 24 kW").name
	customer = make_customer("Marta Ruiz", language="es")
	ticket = make_ticket(customer.name, item=item, subject="La caldera pierde presión")
	reply = make_reply(
		f"SR {random_string(6)}",
		"es",
		subject="Re: {{ subject }} ({{ name }})",
		message="<p>Hola, {{ contact_first_name }}:</p><p>{{ customer_name }}, su {{ item_name }} ({{ item }}) "
		"de la incidencia {{ doc.name }}. Contacto: {{ contact_name }}. Estado: {{ _(status) }}."
		"{{ serial_no }}</p><p>{{ agent_name }}</p>",
	)
	frappe.set_user(agent)
	got = render_saved_reply(reply.name, ticket.name)
	assert got == {
		"subject": f"Re: La caldera pierde presión ({ticket.name})",
		"message": f"<p>Hola, Marta:</p><p>Marta Ruiz, su Caldera de condensación 24 kW ({item}) de la "
		f"incidencia {ticket.name}. Contacto: Marta Ruiz. Estado: Abierto.</p><p>Lucía Prieto</p>",
		"language": "es",
	}
	assert frappe.local.lang == "en"  # the reader's language is given back


def test_the_english_reply_speaks_english_to_a_spanish_customer():
	ticket = make_ticket(make_customer(language="es").name)
	reply = make_reply(f"SR {random_string(6)}", "en", message="<p>{{ _(status) }}</p>")
	assert render_saved_reply(reply.name, ticket.name)["message"] == "<p>Open</p>"
	any_language = make_reply(f"SR {random_string(6)}", None, message="<p>{{ _(status) }}</p>")
	assert render_saved_reply(any_language.name, ticket.name) == {
		"subject": "No hay agua caliente",
		"message": "<p>Abierto</p>",  # any language: the customer's
		"language": "es",
	}


def test_the_demo_replies_fill_in_and_are_made_once():
	frappe.db.delete("Email Template", {"name": ("in", [r[0] for r in SAVED_REPLIES])})
	assert make_saved_replies() == len(SAVED_REPLIES)
	assert make_saved_replies() == 0
	ticket = make_ticket(make_customer("Jordi Puig", language="es").name, subject="Radiadores fríos")
	spanish = picker(ticket.name)
	assert spanish[:3] == ["Purgar radiadores", "Solicitud de número de serie", "Visita programada"]
	got = render_saved_reply("Visita programada", ticket.name)
	assert got["subject"] == "Visita programada: Radiadores fríos"
	assert got["message"].startswith(
		f"<p>Hola, Jordi:</p><p>Hemos programado la visita de un técnico por su "
		f"incidencia {ticket.name} (Radiadores fríos). Le confirmaremos"
	)


@pytest.mark.parametrize("name", [HOSTILE, f"Bar {CITY}", f"{HOSTILE} {CITY}"])
def test_markup_in_a_customers_name_is_escaped_in_the_message(name):
	customer = make_customer(language="es")
	ticket = make_ticket(customer.name)
	frappe.db.set_value(TICKET, ticket.name, "customer_name", name)  # as an import could store it
	reply = make_reply(
		f"SR {random_string(6)}", "es", subject="{{ customer_name }}", message="<p>{{ customer_name }}</p>"
	)
	got = render_saved_reply(reply.name, ticket.name)
	assert got["message"] == f"<p>{escape_html(name)}</p>"
	assert "<img" not in got["message"]
	assert got["subject"] == " ".join(name.split())  # text: shown in the subject's input as typed


# Refusals ---------------------------------------------------------------------------------------


def test_a_template_that_is_not_a_saved_reply_or_a_ticket_that_is_none_is_refused(replies):
	ticket = make_ticket(make_customer(language="es").name)
	for template in (replies.other, "No such template", HOSTILE):
		with pytest.raises(SavedReplyError) as refused:
			render_saved_reply(template, ticket.name)
	assert "<img" not in str(refused.value) and "&lt;img" in str(refused.value)  # the name, as text
	for name in ("ST-NO-SUCH", HOSTILE, ""):
		with pytest.raises(SavedReplyError) as refused:
			render_saved_reply(replies.es, name)
		assert "<img" not in str(refused.value)
	with pytest.raises(SavedReplyError):
		search_saved_replies("Email Template", "", "name", 0, 20, {})


@pytest.mark.parametrize(
	"roles, allowed",
	[
		(["Support Team"], True),
		(["Support Manager"], True),
		(["Sales User"], True),
		(["Installation Technician"], False),  # a desk user who may not read tickets
		(["Stock User"], False),
	],
)
def test_who_may_use_saved_replies(replies, roles, allowed):
	ticket = make_ticket(make_customer(language="es").name)
	frappe.set_user(make_user(roles=roles).name)
	if allowed:
		assert picker(ticket.name, replies.tag)[0] == replies.es
		assert render_saved_reply(replies.es, ticket.name)["message"] == f"<p>{replies.es}</p>"
		return
	with pytest.raises(frappe.PermissionError):
		picker(ticket.name, replies.tag)
	with pytest.raises(frappe.PermissionError):
		render_saved_reply(replies.es, ticket.name)


def test_a_portal_customer_is_refused_on_their_own_ticket(replies):
	customer = make_customer(language="es")
	ticket = make_ticket(customer.name)
	frappe.set_user(make_portal_user(customer.name))
	with pytest.raises(frappe.PermissionError):
		render_saved_reply(replies.es, ticket.name)
	with pytest.raises(frappe.PermissionError):
		picker(ticket.name)


def test_an_agent_restricted_to_one_customer_is_refused_anothers_ticket(replies):
	mine, theirs = make_customer(language="es"), make_customer(language="es")
	ticket, other = make_ticket(mine.name), make_ticket(theirs.name)
	agent = make_user(roles=["Support Team"]).name
	frappe.get_doc(
		{"doctype": "User Permission", "user": agent, "allow": "Customer", "for_value": mine.name}
	).insert()
	frappe.set_user(agent)
	assert render_saved_reply(replies.es, ticket.name)["language"] == "es"
	with pytest.raises(frappe.PermissionError):
		render_saved_reply(replies.es, other.name)
	with pytest.raises(frappe.PermissionError):
		picker(other.name)


# Over HTTP, with each user's own API key ------------------------------------------------------------


class Http:
	client = get_test_client()

	def __init__(self, site: str):
		self.site, self.keys = site, {}

	def post(self, user: str | None, method: str, **data):
		result = {}
		headers = {"Authorization": f"token {self.keys[user]}"} if user else {}

		def run():
			with patch("frappe.app.get_site_name", return_value=self.site):
				result["response"] = self.client.post(f"/api/method/{method}", headers=headers, data=data)

		thread = threading.Thread(target=run)
		thread.start()
		thread.join()
		return result["response"]


@pytest.fixture(scope="module")
def world(site):
	from committed import purge, purge_world

	tag = random_string(6).lower()
	http = Http(site)
	users = {
		role: make_user(f"sr-{frappe.scrub(role)}-{tag}@example.com", [role]).name
		for role in ("Support Team", "Installation Technician")
	}
	customer = make_customer(f"Respuestas {tag}", language="es")
	users["Customer"] = make_portal_user(customer.name)
	for user in users.values():
		http.keys[user] = give_api_key(user)
	ticket = make_ticket(customer.name, subject=f"Radiador frío {tag}")
	templates = [make_reply(f"SR {tag} {key}", key or None).name for key in ("en", "es", "")]
	frappe.db.commit()  # nosemgrep (the served site reads it on its own connection)
	try:
		yield frappe._dict(http=http, users=users, ticket=ticket.name, templates=templates, tag=tag)
	finally:
		frappe.db.rollback()
		for name in templates:
			frappe.db.delete("Email Template", {"name": name})
		# the users' own contacts (Frappe's worker makes one per user) with their email rows
		emails = list(users.values())
		purge("Contact", set(frappe.get_all("Contact", {"user": ("in", emails)}, pluck="name")))
		frappe.db.delete("Contact Email", {"email_id": ("in", emails)})
		# the receipt mail the ticket queued
		mail = frappe.get_all("Email Queue", {"reference_name": ticket.name}, pluck="name")
		frappe.db.delete("Email Queue Recipient", {"parent": ("in", mail or [""])})
		frappe.db.delete("Email Queue", {"name": ("in", mail or [""])})
		purge_world([customer.name], users=emails)
		frappe.db.commit()  # nosemgrep (the purge of what the module committed)


def body(response) -> dict:
	return json.loads(response.get_data(as_text=True) or "{}")


@pytest.mark.commits
def test_the_picker_and_the_reply_over_rest(world):
	http, agent = world.http, world.users["Support Team"]
	# as the reply box asks: Frappe's link search with BizLink's query
	response = http.post(
		agent,
		"frappe.desk.search.search_link",
		doctype="Email Template",
		txt=world.tag,
		query="bizlink.api.saved_reply.search_saved_replies",
		filters=json.dumps({"ticket": world.ticket}),
	)
	assert response.status_code == 200, response.get_data(as_text=True)[:300]
	en, es, any_language = world.templates
	assert [row["value"] for row in body(response)["message"]] == [es, any_language, en]
	response = http.post(
		agent, "bizlink.api.saved_reply.render_saved_reply", template=es, ticket=world.ticket
	)
	assert response.status_code == 200, response.get_data(as_text=True)[:300]
	assert body(response)["message"] == {
		"subject": f"Radiador frío {world.tag}",
		"message": f"<p>{es}</p>",
		"language": "es",
	}


@pytest.mark.commits
@pytest.mark.parametrize("who", ["Installation Technician", "Customer", None])
def test_who_may_not_read_the_ticket_is_refused_over_rest(world, who):
	user = world.users[who] if who else None
	response = world.http.post(
		user, "bizlink.api.saved_reply.render_saved_reply", template=world.templates[1], ticket=world.ticket
	)
	assert response.status_code == 403, response.get_data(as_text=True)[:300]
	assert f"Radiador frío {world.tag}" not in response.get_data(as_text=True)
	response = world.http.post(
		user,
		"bizlink.api.saved_reply.search_saved_replies",
		doctype="Email Template",
		txt="",
		searchfield="name",
		start=0,
		page_len=20,
		filters=json.dumps({"ticket": world.ticket}),
	)
	assert response.status_code == 403, response.get_data(as_text=True)[:300]
