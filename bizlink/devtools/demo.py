"""Demo data: a small Spanish company that sells, delivers and installs heating and solar equipment.

Idempotent: records that already exist are left alone, so `bench --site SITE bizlink-demo` can run
again after an upgrade. Later features add their own documents here.
"""

import random
import re
import unicodedata

import frappe
from frappe.utils import add_days, add_to_date, get_datetime, now_datetime, today

from bizlink.devtools.demo_knowledge import make_knowledge_articles, make_resolved_history, make_saved_replies
from bizlink.devtools.factories import (
	SIGNATURE,
	get_outcome,
	make_customer,
	make_delivery_note,
	make_interaction,
	make_item,
	make_sales_invoice,
	make_sales_order,
	make_sales_person,
	make_user,
	receive_stock,
)
from bizlink.devtools.site import ensure_erpnext_setup

ITEMS = [
	# item_code, item_name, rate, serialised, installation hours per unit (0: no installation)
	("BL-CALDERA-24", "Caldera de condensación 24 kW", 1850.0, 1, 4),
	("BL-AEROTERMIA-8", "Bomba de calor aerotermia 8 kW", 5200.0, 1, 8),
	("BL-PANEL-450", "Panel solar fotovoltaico 450 W", 210.0, 0, 0),
	("BL-INVERSOR-5", "Inversor híbrido 5 kW", 1350.0, 1, 3),
	("BL-SPLIT-3500", "Aire acondicionado split 3,5 kW", 780.0, 1, 2),
	("BL-MANT-ANUAL", "Contrato de mantenimiento anual", 180.0, 0, 0),
]
# item_code: warranty days (ERPNext's own), maintenance every N months, maintenance hours
AFTER_SALES = {
	"BL-CALDERA-24": (730, 12, 1.5),
	"BL-AEROTERMIA-8": (1095, 12, 2),
	"BL-INVERSOR-5": (1825, 0, 0),
	"BL-SPLIT-3500": (730, 12, 1),
}
SERVICE_CHECKLIST = (
	"Revisión anual",
	[
		("Limpieza de filtros e intercambiador", 1),
		("Comprobación de presión y fugas", 1),
		("Análisis de combustión o rendimiento", 1),
		("Explicar al cliente el estado del equipo", 0),
	],
)

CHECKLIST = (
	"Instalación estándar",
	[
		("Comprobar presión y estanqueidad", 1),
		("Probar el equipo en funcionamiento", 1),
		("Explicar el uso y el mantenimiento al cliente", 1),
		("Retirar embalajes y limpiar la zona", 0),
	],
)

TECHNICIANS = (("ana.tecnico@example.com", "Ana Ruiz"), ("jorge.tecnico@example.com", "Jorge Gil"))


CUSTOMERS = [
	# name, type, city, date of birth (individuals)
	("Hotel Mediterráneo S.A.", "Company", "Valencia", None),
	("Clínica Dental Sonrisa S.L.", "Company", "Madrid", None),
	("Construcciones Ebro S.L.", "Company", "Zaragoza", None),
	("Bodegas Guadalquivir S.L.", "Company", "Sevilla", None),
	("Colegio San Jordi", "Company", "Barcelona", None),
	("Lucía Martínez García", "Individual", "Madrid", "1988-04-12"),
	("Javier Fernández López", "Individual", "Valencia", "1975-09-30"),
	("Carmen Ruiz Navarro", "Individual", "Sevilla", "1962-01-22"),
	("Pablo Sánchez Romero", "Individual", "Barcelona", "1999-07-05"),
	("Marta Gómez Ortega", "Individual", "Málaga", "1953-11-18"),
	("Andrés Moreno Castillo", "Individual", "Bilbao", "1981-03-03"),
	("Elena Jiménez Vidal", "Individual", "Alicante", "1994-12-24"),
]

TERRITORIES = {
	"Madrid": "Centro",
	"Valencia": "Levante",
	"Alicante": "Levante",
	"Sevilla": "Andalucía",
	"Málaga": "Andalucía",
	"Barcelona": "Cataluña",
	"Zaragoza": "Norte",
	"Bilbao": "Norte",
}

SALES_PEOPLE = ("Laura Pérez", "Miguel Torres", "Sofía Navarro")

SUBJECTS = {
	"Call": "Llamada de seguimiento",
	"Visit": "Visita a las instalaciones",
	"Meeting": "Reunión para revisar la propuesta",
	"Email": "Envío de documentación técnica",
	"Video call": "Videollamada con el equipo técnico",
	"Chat": "Consulta por chat",
	"Demo": "Demostración del equipo",
}

# customer index, [(item_code, qty)], days ago ordered, how far the order went
ORDERS = [
	(0, [("BL-CALDERA-24", 2), ("BL-MANT-ANUAL", 2)], 60, "billed"),
	(1, [("BL-SPLIT-3500", 4)], 45, "billed"),
	(2, [("BL-PANEL-450", 20), ("BL-INVERSOR-5", 1)], 30, "delivered"),
	(3, [("BL-AEROTERMIA-8", 1)], 21, "delivered"),
	(4, [("BL-SPLIT-3500", 6), ("BL-MANT-ANUAL", 6)], 14, "ordered"),
	(5, [("BL-CALDERA-24", 1)], 10, "delivered"),
	(6, [("BL-AEROTERMIA-8", 1), ("BL-MANT-ANUAL", 1)], 7, "ordered"),
	(7, [("BL-SPLIT-3500", 1)], 5, "billed"),
	(8, [("BL-PANEL-450", 8), ("BL-INVERSOR-5", 1)], 3, "ordered"),
	(9, [("BL-CALDERA-24", 1)], 1, "draft"),
	(10, [("BL-SPLIT-3500", 2)], 0, "draft"),
]


def demo_email(name: str) -> str:
	ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
	return "{}@example.com".format(".".join(re.findall(r"[a-z0-9]+", ascii_name))[:40])


def ensure_tree_record(doctype: str, name: str, parent: str, name_field: str) -> str:
	if not frappe.db.exists(doctype, name):
		parent_field = "parent_" + frappe.scrub(doctype)
		frappe.get_doc({"doctype": doctype, name_field: name, parent_field: parent, "is_group": 0}).insert(
			ignore_permissions=True
		)
	return name


def make_demo() -> dict[str, int]:
	"""Fill the site with the demo company's items, customers, orders and interactions; return what was made."""
	ensure_erpnext_setup()
	made = {
		"Item": 0,
		"Customer": 0,
		"Sales Order": 0,
		"Sales Interaction": 0,
		"Field Visit": 0,
		"Service Ticket": 0,
		"Knowledge Article": 0,
	}
	template = make_checklist_template()
	service_template = make_checklist_template(SERVICE_CHECKLIST)
	for item_code, item_name, rate, serialised, hours in ITEMS:
		if not frappe.db.exists("Item", item_code):
			make_item(item_code, item_name=item_name, rate=rate, has_serial_no=serialised)
			if not serialised:
				receive_stock(item_code, 500, rate=rate * 0.6)
			made["Item"] += 1
		frappe.db.set_value(
			"Item",
			item_code,
			{
				"bizlink_requires_installation": int(hours > 0),
				"bizlink_installation_hours": hours,
				"bizlink_checklist_template": template if hours else None,
			},
		)
		warranty, interval, service_hours = AFTER_SALES.get(item_code, (0, 0, 0))
		frappe.db.set_value(
			"Item",
			item_code,
			{
				"warranty_period": warranty or None,
				"bizlink_maintenance_interval": interval,
				"bizlink_maintenance_checklist": service_template if interval else None,
				"bizlink_maintenance_hours": service_hours,
			},
		)

	customers = []
	for name, customer_type, city, date_of_birth in CUSTOMERS:
		segment = {
			"language": "es",  # a Spanish company's customers: their mail is written in Spanish
			"customer_group": "Commercial" if customer_type == "Company" else "Individual",
			"territory": ensure_tree_record(
				"Territory", TERRITORIES[city], "All Territories", "territory_name"
			),
		}
		existing = frappe.db.get_value("Customer", {"customer_name": name})
		if not existing:
			existing = make_customer(
				name,
				customer_type=customer_type,
				city=city,
				email=demo_email(name),
				bizlink_date_of_birth=date_of_birth,
				**segment,
			).name
			made["Customer"] += 1
		else:
			frappe.db.set_value("Customer", existing, segment, update_modified=False)
		customers.append(existing)

	rates = {item_code: rate for item_code, _, rate, _, _ in ITEMS}
	for index, lines, days_ago, stage in ORDERS:
		customer = customers[index]
		po_no = f"DEMO-{index + 1:03d}"
		if frappe.db.exists("Sales Order", {"customer": customer, "po_no": po_no, "docstatus": ("<", 2)}):
			continue
		ordered_on = add_days(today(), -days_ago)
		order = make_sales_order(
			customer=customer,
			items=[{"item_code": code, "qty": qty, "rate": rates[code]} for code, qty in lines],
			transaction_date=ordered_on,
			po_no=po_no,
			submit=stage != "draft",
		)
		if stage in ("delivered", "billed"):
			make_delivery_note(order.name, posting_date=add_days(ordered_on, min(days_ago, 7)))
		if stage == "billed":
			make_sales_invoice(order.name, posting_date=add_days(ordered_on, min(days_ago, 10)))
		made["Sales Order"] += 1

	made["Sales Interaction"] = make_demo_interactions(customers)
	made["Field Visit"] = make_demo_field_visits(customers)
	make_demo_support_team()
	made["Service Ticket"] = make_demo_tickets()
	made["Service Ticket"] += make_resolved_history()
	made["Knowledge Article"] = make_knowledge_articles()
	make_saved_replies()
	pay_demo_invoices()
	rebuild_demo_stage_history()
	# a command-line data load
	frappe.db.commit()  # nosemgrep
	return made


def make_demo_interactions(customers: list[str]) -> int:
	"""Interactions of every type and outcome over the last six months, leading up to the orders."""
	rng = random.Random(20261126)
	people = [
		frappe.db.get_value("Sales Person", {"sales_person_name": name}) or make_sales_person(name).name
		for name in SALES_PEOPLE
	]
	types = list(SUBJECTS)
	made = 0
	for index, customer in enumerate(customers):
		if frappe.db.exists("Sales Interaction", {"customer": customer}):
			continue
		first_order = frappe.db.get_value(
			"Sales Order",
			{"customer": customer, "docstatus": 1},
			"transaction_date",
			order_by="transaction_date",
		)
		person = people[index % len(people)]
		contact = frappe.db.get_value("Customer", customer, "customer_primary_contact")
		if first_order:
			# a short cycle that ended in the order: first contact, a visit or demo, then the win
			start = add_to_date(get_datetime(first_order), days=-rng.randint(20, 75), hours=10)
			steps = [
				rng.choice(["Call", "Email", "Chat"]),
				rng.choice(["Visit", "Demo", "Video call"]),
				"Meeting",
			]
			outcomes = ["Neutral", "Positive", "Won"]
			end = get_datetime(first_order)
		else:
			start = add_to_date(now_datetime(), days=-rng.randint(60, 170), hours=-rng.randint(1, 8))
			steps = [rng.choice(types) for _ in range(rng.randint(2, 4))]
			outcomes = ["Neutral", "Positive", "Negative", "Lost"][: len(steps)]
			outcomes[-1] = rng.choice(["Lost", "Negative", "Positive"])
			end = add_to_date(now_datetime(), days=-2)
		span = max((end - start).days, len(steps))
		for step, (interaction_type, category) in enumerate(zip(steps, outcomes, strict=False)):
			when = add_to_date(start, days=span * step // len(steps), minutes=rng.randint(0, 240))
			make_interaction(
				customer,
				interaction_type=interaction_type,
				direction=rng.choice(["Outbound", "Outbound", "Inbound"]),
				interaction_date=when,
				duration=rng.choice([5, 10, 15, 30, 45, 60, 90]),
				sales_person=person,
				contact=contact,
				subject=SUBJECTS[interaction_type],
				notes=f"<p>{SUBJECTS[interaction_type]}. Cliente {rng.choice(['muy', 'algo', 'poco'])} interesado.</p>",
				outcome=get_outcome(category),
				ignore_permissions=True,
			)
			made += 1
		# every third customer has a follow-up pending, some already overdue
		if index % 3 == 0:
			make_interaction(
				customer,
				interaction_type="Call",
				interaction_date=add_to_date(now_datetime(), days=-3),
				sales_person=person,
				contact=contact,
				subject="Llamada para confirmar la instalación",
				outcome=get_outcome("Positive"),
				next_action="Enviar presupuesto de mantenimiento",
				next_action_date=add_days(today(), rng.choice([-2, 1, 4, 9])),
				ignore_permissions=True,
			)
			made += 1
	return made


def make_checklist_template(template: tuple = CHECKLIST) -> str:
	name, checks = template
	if not frappe.db.exists("Checklist Template", name):
		frappe.get_doc(
			{
				"doctype": "Checklist Template",
				"template_name": name,
				"items": [{"description": d, "mandatory": m} for d, m in checks],
			}
		).insert(ignore_permissions=True)
	return name


def make_demo_field_visits(customers: list[str]) -> int:
	"""Jobs for the demo orders in every state: to schedule, scheduled, in progress, on hold,
	completed (signed, with its Installation Note) and cancelled with its order."""
	from bizlink.field_service.installation import create_field_visit

	technicians = [
		make_user(email, ["Installation Technician"], first_name=name).name for email, name in TECHNICIANS
	]
	made = 0
	start = now_datetime().replace(hour=9, minute=0, second=0, microsecond=0)
	delivered_states = ("In Progress", "On Hold", "Scheduled")
	ordered_states = ("To Schedule", "Scheduled")
	delivered_count = ordered_count = 0
	for index, customer in enumerate(customers):
		for order_name in frappe.get_all(
			"Sales Order", filters={"customer": customer, "docstatus": 1}, pluck="name", order_by="creation"
		):
			if frappe.db.exists("Field Visit", {"sales_order": order_name}):
				continue
			order = frappe.get_doc("Sales Order", order_name)
			job_name = create_field_visit(order)
			if not job_name:
				continue
			made += 1
			job = frappe.get_doc("Field Visit", job_name)
			technician = technicians[index % len(technicians)]
			slot = add_to_date(start, days=index + 1, hours=(index % 2) * 5)
			if order.per_billed >= 100:
				schedule_demo_job(job, add_to_date(start, days=-(index + 2)), technician)
				complete_demo_job(job)
			elif order.per_delivered >= 100:
				state = delivered_states[delivered_count % len(delivered_states)]
				delivered_count += 1
				schedule_demo_job(
					job, slot if state == "Scheduled" else add_to_date(start, days=-index), technician
				)
				if state in ("In Progress", "On Hold"):
					job.start()
				if state == "On Hold":
					job.hold()
			else:
				state = ordered_states[ordered_count % len(ordered_states)]
				ordered_count += 1
				if state == "Scheduled":
					schedule_demo_job(job, add_to_date(slot, days=7), technician)
	made += make_cancelled_demo_job(customers[-1])
	return made


def schedule_demo_job(job, when, technician: str) -> None:
	job.scheduled_start = when
	job.scheduled_end = None
	job.append("crew", {"user": technician, "is_lead": 1})
	job.save(ignore_permissions=True)


def complete_demo_job(job) -> None:
	job.flags.ignore_permissions = True
	job.start()
	for row in job.items:
		row.installed_qty = row.qty
	for check in job.checklist:
		check.done = 1
	job.signature = SIGNATURE
	job.signed_by = frappe.db.get_value("Customer", job.customer, "customer_name")
	job.notes = "<p>Instalación terminada y probada con el cliente.</p>"
	job.submit()


def make_cancelled_demo_job(customer: str) -> int:
	"""An order for an air-conditioning unit, cancelled by the customer before it was installed."""
	if frappe.db.exists("Sales Order", {"customer": customer, "po_no": "DEMO-CANCELLED"}):
		return 0
	order = make_sales_order(
		customer=customer,
		items=[{"item_code": "BL-SPLIT-3500", "qty": 1, "rate": 780}],
		po_no="DEMO-CANCELLED",
	)
	order.cancel()
	return 1


def pay_demo_invoices() -> None:
	"""The two oldest demo invoices are paid: those orders are Completed."""
	from bizlink.devtools.factories import make_payment

	for invoice in frappe.get_all(
		"Sales Invoice",
		filters={"docstatus": 1, "outstanding_amount": (">", 0), "po_no": ("like", "DEMO-%")},
		fields=["name", "posting_date"],
		order_by="posting_date asc",
		limit=2,
	):
		make_payment(invoice.name, posting_date=add_days(invoice.posting_date, 12))


def rebuild_demo_stage_history() -> None:
	"""Demo documents are made in one go; replay their stages from the documents' own dates so that
	the fulfilment reports show realistic durations."""
	from bizlink.fulfilment.stages import backfill_order

	for order in frappe.get_all(
		"Sales Order", filters={"docstatus": 1, "po_no": ("like", "DEMO-%")}, pluck="name"
	):
		frappe.db.delete("Order Stage Log", {"sales_order": order})
		frappe.db.set_value("Sales Order", order, {"bizlink_stage": None, "bizlink_stage_since": None})
		backfill_order(order)


TICKETS = (
	# subject, status, resolution, rating (1-5)
	("La caldera no enciende", "Open", None, None),
	("Ruido en la unidad exterior", "Waiting on Customer", None, None),
	("Fuga de agua en la válvula de seguridad", "Resolved", "Sustituida la válvula de seguridad.", 5),
	("El inversor muestra error E03", "Closed", "Actualizado el firmware del inversor.", 4),
)


def make_demo_tickets() -> int:
	"""Tickets on delivered, serialised demo units, in each status; two resolved and rated."""
	if frappe.db.exists("Service Ticket", {"subject": TICKETS[0][0]}):
		return 0
	serials = frappe.get_all(
		"Delivery Note Item",
		filters={"docstatus": 1, "serial_no": ("is", "set"), "against_sales_order": ("is", "set")},
		pluck="serial_no",
		order_by="creation",
	)
	made = 0
	for (subject, status, resolution, rating), serial_no in zip(TICKETS, serials, strict=False):
		ticket = frappe.get_doc(
			{
				"doctype": "Service Ticket",
				"subject": subject,
				"serial_no": serial_no.split("\n")[0],
				"channel": "Phone",
				"description": f"<p>{subject}.</p>",
			}
		).insert(ignore_permissions=True)
		if status == "Closed":
			ticket.status, ticket.resolution_details = "Resolved", resolution
			ticket.save(ignore_permissions=True)
		if status != "Open":
			ticket.status = status
			ticket.resolution_details = resolution
			ticket.save(ignore_permissions=True)
		if rating:
			ticket.rate(rating)
		made += 1
	return made


SUPPORT_AGENTS = (
	("lucia.soporte@example.com", "Lucía Soporte"),
	("david.soporte@example.com", "David Soporte"),
)


def make_demo_support_team() -> None:
	"""Two support agents, who share the open tickets through the assignment rule."""
	from bizlink.install import make_ticket_assignment_rule

	agents = [make_user(email, ["Support Team"], first_name=name).name for email, name in SUPPORT_AGENTS]
	rule = frappe.get_doc("Assignment Rule", make_ticket_assignment_rule())
	rule.set("users", [{"user": agent} for agent in agents])
	rule.disabled = 0
	rule.save(ignore_permissions=True)
	frappe.db.set_single_value("BizLink Settings", "support_manager", agents[0])
	frappe.clear_cache(doctype="Service Ticket")
