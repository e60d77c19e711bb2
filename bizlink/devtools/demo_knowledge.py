"""Demo data for knowledge from past resolutions (#23). Idempotent: what exists is left alone."""

import frappe

# Saved replies ----------------------------------------------------------------------------------

# name, language, subject, message: Email Templates offered in a Service Ticket's reply box
# (bizlink/api/saved_reply.py fills them with the ticket's fields; the values come escaped)
SAVED_REPLIES = (
	(
		"Visita programada",
		"es",
		"Visita programada: {{ subject }}",
		"<p>Hola, {{ contact_first_name or customer_name }}:</p>"
		"<p>Hemos programado la visita de un técnico por su incidencia {{ name }} ({{ subject }})"
		"{% if item_name %}, sobre su {{ item_name }}{% endif %}. "
		"Le confirmaremos el día y la hora por correo electrónico.</p>"
		"<p>Un saludo,<br>{{ agent_name }}</p>",
	),
	(
		"Purgar radiadores",
		"es",
		"Cómo purgar los radiadores ({{ name }})",
		"<p>Hola, {{ contact_first_name or customer_name }}:</p>"
		"<p>Si los radiadores se calientan por abajo y no por arriba, tienen aire. Para purgarlos:</p>"
		"<ol><li>Apague la calefacción y espere a que los radiadores se enfríen.</li>"
		"<li>Abra la válvula de purga de cada radiador con una llave o un destornillador, con un trapo "
		"debajo, hasta que deje de salir aire y salga agua.</li>"
		"<li>Cierre la válvula y compruebe la presión de la caldera: entre 1 y 1,5 bar.</li></ol>"
		"<p>Si el problema sigue, responda a este correo y le enviaremos un técnico.</p>"
		"<p>Un saludo,<br>{{ agent_name }}</p>",
	),
	(
		"Solicitud de número de serie",
		"es",
		"Necesitamos el número de serie ({{ name }})",
		"<p>Hola, {{ contact_first_name or customer_name }}:</p>"
		"<p>Para atender su incidencia «{{ subject }}» necesitamos el número de serie del equipo. "
		"Está en la etiqueta plateada del lateral o de la parte trasera; una foto de la etiqueta "
		"también nos sirve.</p>"
		"<p>Un saludo,<br>{{ agent_name }}</p>",
	),
	(
		"Visit scheduled",
		"en",
		"Visit scheduled: {{ subject }}",
		"<p>Hello {{ contact_first_name or customer_name }},</p>"
		"<p>We have scheduled a technician's visit for your ticket {{ name }} ({{ subject }})"
		"{% if item_name %}, about your {{ item_name }}{% endif %}. "
		"We will confirm the day and time by email.</p>"
		"<p>Kind regards,<br>{{ agent_name }}</p>",
	),
	(
		"Bleeding the radiators",
		"en",
		"How to bleed your radiators ({{ name }})",
		"<p>Hello {{ contact_first_name or customer_name }},</p>"
		"<p>If your radiators are warm at the bottom and cold at the top, there is air in them. "
		"To bleed them:</p>"
		"<ol><li>Turn the heating off and wait until the radiators are cold.</li>"
		"<li>Open each radiator's bleed valve with a key or a screwdriver, a cloth underneath, until "
		"air stops and water comes out.</li>"
		"<li>Close the valve and check the boiler's pressure: between 1 and 1.5 bar.</li></ol>"
		"<p>If the problem remains, reply to this email and we will send a technician.</p>"
		"<p>Kind regards,<br>{{ agent_name }}</p>",
	),
	(
		"Serial number request",
		"en",
		"We need the serial number ({{ name }})",
		"<p>Hello {{ contact_first_name or customer_name }},</p>"
		"<p>To deal with your ticket \u201c{{ subject }}\u201d we need the unit's serial number. "
		"It is on the silver label on the side or the back; a photo of the label will do.</p>"
		"<p>Kind regards,<br>{{ agent_name }}</p>",
	),
)


def make_saved_replies() -> int:
	"""The demo's saved replies for Service Tickets, in Spanish and English; return how many were made."""
	made = 0
	for name, language, subject, message in SAVED_REPLIES:
		if frappe.db.exists("Email Template", name):
			continue
		frappe.get_doc(
			{
				"doctype": "Email Template",
				"name": name,
				"subject": subject,
				"response": message,
				"bizlink_language": language,
				"bizlink_service_reply": 1,
			}
		).insert(ignore_permissions=True)
		made += 1
	return made


# Past resolutions and articles ------------------------------------------------------------------

HISTORY_PREFIX = "ST-HIST-"
# the labelled set's families on the demo's own products
FAMILY_ITEMS = {
	"heating": ("BL-CALDERA-24", "BL-AEROTERMIA-8"),
	"solar": ("BL-INVERSOR-5", "BL-PANEL-450"),
	"air": ("BL-SPLIT-3500",),
}
# problem, status, visibility: the demo's articles (the first resolution of each problem)
ARTICLES = (
	("heat-pressure-low", "Published", "Public"),
	("heat-radiators-air", "Published", "Public"),
	("air-indoor-drip", "Published", "Public"),
	("solar-isolation-fault", "Published", "Internal"),
	("air-refrigerant-leak", "In Review", "Internal"),
)


def make_resolved_history(count: int = 150) -> int:
	"""Resolved tickets of the past year on the demo's customers and products, written from the Spanish
	problem set: what the knowledge search finds on a fresh site. Bulk-written with their postings."""
	from frappe.utils import add_to_date, now_datetime

	from bizlink.bizlink.text_search import index_many
	from bizlink.devtools.knowledge import make_tickets
	from bizlink.service.knowledge import TICKETS, ticket_terms

	if frappe.db.exists("Service Ticket", {"name": ("like", f"{HISTORY_PREFIX}%")}):
		return 0
	customers = frappe.get_all("Customer", filters={"disabled": 0}, pluck="name", order_by="name", limit=50)
	if not customers:
		return 0
	start = add_to_date(now_datetime(), days=-365)
	fields = [
		"name", "naming_series", "creation", "modified", "owner", "modified_by", "subject", "customer",
		"status", "channel", "item", "description", "resolution_details", "resolved_on", "search_terms",
	]  # fmt: skip
	rows = []
	for i, t in enumerate(make_tickets(count, seed=3)):
		when = add_to_date(start, hours=i * 50)
		items = FAMILY_ITEMS[t["family"]]
		doc = frappe._dict(
			subject=t["subject"][:140],
			description=f"<p>{t['description']}</p>",
			resolution_details=f"<p>{t['resolution']}</p>",
		)
		rows.append(
			(
				f"{HISTORY_PREFIX}{i + 1:05d}", "ST-.YYYY.-", when, when, "Administrator", "Administrator",
				doc.subject, customers[i % len(customers)], "Closed", "Phone",
				items[i % len(items)] if t["item"] else None, doc.description, doc.resolution_details,
				add_to_date(when, hours=26), ticket_terms(doc),
			)
		)  # fmt: skip
	frappe.db.bulk_insert("Service Ticket", fields, rows)
	index_many(TICKETS, {row[0]: row[-1] for row in rows})
	return len(rows)


def make_knowledge_articles() -> int:
	"""A few articles from the problem set: published public and internal ones, one in review."""
	from frappe.utils import now_datetime

	from bizlink.devtools.knowledge import load

	problems = {problem["id"]: problem for problem in load()["problems"]}
	made = 0
	for problem_id, status, visibility in ARTICLES:
		problem = problems[problem_id]
		title = problem["subjects"][0]
		if frappe.db.exists("Knowledge Article", {"title": title}):
			continue
		item = FAMILY_ITEMS[problem["family"]][0]
		article = frappe.get_doc(
			{
				"doctype": "Knowledge Article",
				"title": title,
				"visibility": visibility,
				"item": item,
				"item_group": frappe.db.get_value("Item", item, "item_group"),
				"problem": f"<p>{problem['descriptions'][0]}</p>",
				"steps": f"<p>{problem['resolutions'][0]}</p>",
			}
		).insert(ignore_permissions=True)
		# the review as the Support Manager would do it (the demo is loaded by the Administrator)
		article.db_set(
			{
				"status": status,
				"reviewed_by": "Administrator" if status == "Published" else None,
				"published_on": now_datetime() if status == "Published" else None,
			}
		)
		made += 1
	return made
