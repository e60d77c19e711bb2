"""The bad-input catalogue: every named bad input across BizLink's DocTypes and APIs.

Each case builds what it needs, then makes one bad request as a user would (in Spanish, the
language of BizLink's first users). It must be refused with its own exception class and a
translated message, and nothing may be written: the row counts of every table BizLink or its hooks
write to are the same after the refusal as before it.
"""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

import frappe
import pytest
from frappe.utils import add_days, add_to_date, now_datetime, today

from bizlink.devtools.factories import (
	make_customer,
	make_delivery_note,
	make_item,
	make_sales_order,
	make_serial_nos,
	make_user,
)
from bizlink.exceptions import (
	CancelledReferenceError,
	ContactNotOfCustomerError,
	CrewOverlapError,
	DisabledCustomerError,
	EndBeforeStartError,
	FeedbackLinkExpiredError,
	FutureOutcomeError,
	InstallationInProgressError,
	InstalledQtyExceedsDeliveredError,
	InvalidDateError,
	InvalidDateOfBirthError,
	InvalidDurationError,
	InvalidFeedbackLinkError,
	InvalidNextActionDateError,
	InvalidNumberError,
	InvalidPartyTypeError,
	InvalidRatingError,
	InvalidSettingError,
	InvalidStatusTransitionError,
	MissingCustomerError,
	MissingResolutionError,
	MissingSignatureError,
	NothingToInstallError,
	OpenChecklistError,
	OrderNotOpenError,
	ReferenceCustomerMismatchError,
	ReopenWindowError,
	SerialNotOnDeliveryError,
	SerialOfAnotherCustomerError,
)

# every table a BizLink action or hook writes to
WATCHED = (
	"Sales Interaction",
	"Service Ticket",
	"Field Visit",
	"Field Visit Item",
	"Field Visit Technician",
	"Field Visit Checklist Item",
	"Checklist Template",
	"Sales Interaction Outcome",
	"BizLink Status Log",
	"Order Stage Log",
	"Installation Note",
	"ToDo",
	"Event",
	"Comment",
	"Version",
	"Communication",
	"Notification Log",
	"Email Queue",
	"Customer",
)


class World:
	"""What the cases refer to, made on first use within the test's transaction."""

	def __init__(self):
		self._cache = {}

	def once(self, key, make):
		if key not in self._cache:
			self._cache[key] = make()
		return self._cache[key]

	@property
	def customer(self):
		return self.once(
			"customer", lambda: make_customer(email=f"a-{frappe.generate_hash(length=6)}@example.com")
		)

	@property
	def other(self):
		return self.once(
			"other", lambda: make_customer(email=f"b-{frappe.generate_hash(length=6)}@example.com")
		)

	@property
	def boiler(self):
		def make():
			template = frappe.get_doc(
				{
					"doctype": "Checklist Template",
					"template_name": f"Caldera {frappe.generate_hash(length=5)}",
					"items": [{"description": "Prueba de presión", "mandatory": 1}],
				}
			).insert()
			return make_item(
				has_serial_no=1,
				rate=1800,
				bizlink_requires_installation=1,
				bizlink_installation_hours=3,
				bizlink_checklist_template=template.name,
			)

		return self.once("boiler", make)

	def order(self, customer=None, **fields):
		return make_sales_order(
			(customer or self.customer).name,
			items=[{"item_code": self.boiler.name, "qty": 2, "rate": 1800}],
			**fields,
		)

	@property
	def sales_order(self):
		return self.once("sales_order", self.order)

	@property
	def other_order(self):
		return self.once("other_order", lambda: self.order(self.other))

	@property
	def cancelled_order(self):
		def make():
			order = self.order()
			order.cancel()
			return order

		return self.once("cancelled_order", make)

	def job(self, order=None):
		order = order or self.sales_order
		return frappe.get_doc("Field Visit", frappe.db.get_value("Field Visit", {"sales_order": order.name}))

	def scheduled_job(self, order=None, start_hours: float = 0, user: str | None = None):
		job = self.job(order)
		start = add_to_date(f"{add_days(today(), 1)} 08:00:00", hours=start_hours)
		job.scheduled_start, job.scheduled_end = start, add_to_date(start, hours=3)
		job.append("crew", {"user": user or self.technician})
		job.save()
		return job

	@property
	def technician(self):
		return self.once("technician", lambda: make_user(roles=["Installation Technician"]).name)

	def ready_job(self):
		"""Delivered, started, installed, checked and signed: one step from completion."""
		from test_field_visit import ready_to_complete

		order = self.order()
		job = self.job(order)
		ready_to_complete(order, job)
		return job

	@property
	def delivered(self):
		def make():
			order = self.order()
			note = make_delivery_note(order.name)
			return frappe._dict(order=order, note=note, serial=note.items[0].serial_no.split("\n")[0])

		return self.once("delivered", make)

	def ticket(self, **fields):
		return frappe.get_doc(
			{
				"doctype": "Service Ticket",
				"customer": self.customer.name,
				"subject": "No hay agua caliente",
				"channel": "Phone",
				**fields,
			}
		).insert()

	def resolved_ticket(self):
		return self.ticket(status="Resolved", resolution_details="Cambiada la válvula.")

	def interaction(self, **fields):
		return frappe.get_doc(
			{
				"doctype": "Sales Interaction",
				"customer": self.customer.name,
				"interaction_type": "Call",
				"interaction_date": now_datetime(),
				"subject": "Llamada por la oferta",
				**fields,
			}
		)

	def quotation(self, customer, submit=True):
		item = make_item()
		quotation = frappe.get_doc(
			{
				"doctype": "Quotation",
				"quotation_to": "Customer",
				"party_name": customer.name,
				"company": self.sales_order.company,
				"items": [{"item_code": item.name, "qty": 1, "rate": 100}],
			}
		).insert()
		if submit:
			quotation.submit()
		return quotation


@dataclass
class Bad:
	id: str
	exc: type
	msgid: str  # the message's source text, as in the code ({0} stands for the values)
	prepare: Callable  # prepare(world) -> the bad action, a callable


CASES: list[Bad] = []


def case(id: str, exc: type, msgid: str):
	def register(prepare):
		CASES.append(Bad(id, exc, msgid, prepare))
		return prepare

	return register


def outcome(category="Positive"):
	return frappe.db.get_value("Sales Interaction Outcome", {"category": category}, "name")


# Sales Interaction -----------------------------------------------------------------------------

DURATION = "Duration must be between 0 and {0} minutes, not {1}."
NOT_A_NUMBER = "{0} must be a number, not {1}."
NOT_A_DATE = "{0} is not a valid date: {1}"
NOT_FOUND = "Could not find {0}"
CANCELLED = "{0} {1} is cancelled: link the document that replaced it, or leave the field empty."
OTHER_CUSTOMERS = "{0} {1} belongs to {2}, not to customer {3}."
SELECT = '{0} {1} cannot be "{2}". It should be one of "{3}"'
MISSING = "Error: Value missing for {0}: {1}"
TOO_LONG = "{0}: '{1}' ({3}) will get truncated, as max characters allowed is {2}"
RATING = "A rating goes from 1 to 5, not {0}."


@case("interaction: negative duration", InvalidDurationError, DURATION)
def _(w):
	return w.interaction(duration=-5).insert


@case("interaction: duration over a day", InvalidDurationError, DURATION)
def _(w):
	return w.interaction(duration=1441).insert


@case("interaction: duration as text", InvalidNumberError, NOT_A_NUMBER)
def _(w):
	return w.interaction(duration="media hora").insert


@case("interaction: duration as a list", InvalidNumberError, NOT_A_NUMBER)
def _(w):
	return w.interaction(duration=[1, 2]).insert


@case("interaction: date that is not a date", InvalidDateError, NOT_A_DATE)
def _(w):
	return w.interaction(interaction_date="mañana por la tarde").insert


@case("interaction: impossible date", InvalidDateError, NOT_A_DATE)
def _(w):
	return w.interaction(interaction_date="2026-13-45 10:00").insert


@case("interaction: next action date in day/month order", InvalidDateError, NOT_A_DATE)
def _(w):
	return w.interaction(next_action="Llamar", next_action_date="31/31/2026").insert


@case(
	"interaction: outcome of a future interaction",
	FutureOutcomeError,
	"An interaction planned for {0} cannot have an outcome yet.",
)
def _(w):
	return w.interaction(interaction_date=add_days(now_datetime(), 2), outcome=outcome()).insert


@case(
	"interaction: next action before the interaction",
	InvalidNextActionDateError,
	"The next action date {0} is before the interaction itself.",
)
def _(w):
	return w.interaction(next_action="Llamar", next_action_date=add_days(today(), -3)).insert


@case(
	"interaction: contact of another customer",
	ContactNotOfCustomerError,
	"Contact {0} does not belong to customer {1}.",
)
def _(w):
	return w.interaction(contact=w.other.customer_primary_contact).insert


@case("interaction: sales order of another customer", ReferenceCustomerMismatchError, OTHER_CUSTOMERS)
def _(w):
	return w.interaction(sales_order=w.other_order.name).insert


@case("interaction: quotation of another customer", ReferenceCustomerMismatchError, OTHER_CUSTOMERS)
def _(w):
	return w.interaction(quotation=w.quotation(w.other).name).insert


@case("interaction: opportunity of another customer", ReferenceCustomerMismatchError, OTHER_CUSTOMERS)
def _(w):
	opportunity = frappe.get_doc(
		{"doctype": "Opportunity", "opportunity_from": "Customer", "party_name": w.other.name}
	).insert()
	return w.interaction(opportunity=opportunity.name).insert


@case("interaction: cancelled sales order", CancelledReferenceError, CANCELLED)
def _(w):
	return w.interaction(sales_order=w.cancelled_order.name).insert


@case("interaction: cancelled quotation", CancelledReferenceError, CANCELLED)
def _(w):
	quotation = w.quotation(w.customer)
	quotation.cancel()
	return w.interaction(quotation=quotation.name).insert


@case("interaction: disabled customer", DisabledCustomerError, "Customer {0} is disabled.")
def _(w):
	w.customer.db_set("disabled", 1)
	return w.interaction().insert


@case("interaction: customer that does not exist", frappe.LinkValidationError, NOT_FOUND)
def _(w):
	return w.interaction(customer="Cliente Inexistente S.L.").insert


@case("interaction: outcome that does not exist", frappe.LinkValidationError, NOT_FOUND)
def _(w):
	return w.interaction(outcome="Resultado inventado").insert


@case("interaction: logged by a user that does not exist", frappe.LinkValidationError, NOT_FOUND)
def _(w):
	return w.interaction(user="nadie@example.com").insert


@case(
	"interaction: party that is a supplier",
	InvalidPartyTypeError,
	"A Sales Interaction can refer to a Lead or a Prospect, not to a {0}.",
)
def _(w):
	return w.interaction(party_type="Supplier").insert


@case("interaction: unknown type", frappe.ValidationError, SELECT)
def _(w):
	return w.interaction(interaction_type="Telepatía").insert


@case("interaction: subject longer than 140 characters", frappe.CharacterLengthExceededError, TOO_LONG)
def _(w):
	return w.interaction(subject="Llamada " * 30).insert


@case("interaction: no subject", frappe.MandatoryError, MISSING)
def _(w):
	return w.interaction(subject=None).insert


@case("interaction: edit moves it to a disabled customer", DisabledCustomerError, "Customer {0} is disabled.")
def _(w):
	doc = w.interaction().insert()
	w.other.db_set("disabled", 1)
	doc.customer = w.other.name
	return doc.save


# Outcomes, templates, settings -----------------------------------------------------------------


@case("outcome: unknown category", frappe.ValidationError, SELECT)
def _(w):
	return frappe.get_doc(
		{"doctype": "Sales Interaction Outcome", "outcome_name": "Raro", "category": "Sometimes"}
	).insert


@case("checklist template: no checks", frappe.MandatoryError, "Data missing in table")
def _(w):
	return frappe.get_doc({"doctype": "Checklist Template", "template_name": "Vacía"}).insert


for _field, _value, _msgid in (
	(
		"escalation_fraction",
		0,
		"Warn the assignee between 1 % and 99 % of the resolution time, not at {0} %.",
	),
	(
		"escalation_fraction",
		150,
		"Warn the assignee between 1 % and 99 % of the resolution time, not at {0} %.",
	),
	("reopen_window_days", -1, "The reopen window cannot be negative ({0} days)."),
):

	@case(f"settings: {_field} {_value}", InvalidSettingError, _msgid)
	def _(w, field=_field, value=_value):
		settings = frappe.get_doc("BizLink Settings")
		settings.set(field, value)
		return settings.save


@case(
	"settings: disabled support manager",
	InvalidSettingError,
	"User {0} is disabled: escalated tickets would go to no one.",
)
def _(w):
	user = make_user(roles=["Support Team"])
	user.db_set("enabled", 0)
	settings = frappe.get_doc("BizLink Settings")
	settings.support_manager = user.name
	return settings.save


@case("customer: born in the future", InvalidDateOfBirthError, "Date of Birth {0} is in the future.")
def _(w):
	customer = w.customer
	customer.bizlink_date_of_birth = add_days(today(), 10)
	return customer.save


# Service Ticket --------------------------------------------------------------------------------


@case("ticket: neither customer nor sender", MissingCustomerError, "Choose the customer of this ticket.")
def _(w):
	return frappe.get_doc({"doctype": "Service Ticket", "subject": "Sin cliente", "status": "Open"}).insert


@case(
	"ticket: resolved without details",
	MissingResolutionError,
	"Describe the resolution before marking the ticket {0}.",
)
def _(w):
	ticket = w.ticket()
	ticket.status = "Resolved"
	return ticket.save


@case(
	"ticket: closed but never resolved", InvalidStatusTransitionError, "Only a resolved ticket can be closed."
)
def _(w):
	ticket = w.ticket()
	ticket.status, ticket.resolution_details = "Closed", "Se cerró sin más"
	return ticket.save


@case(
	"ticket: reopened after the window",
	ReopenWindowError,
	"Ticket {0} was closed more than {1} days ago: record a new ticket instead.",
)
def _(w):
	ticket = w.resolved_ticket()
	ticket.status = "Closed"
	ticket.save()
	frappe.db.set_value("Service Ticket", ticket.name, "resolved_on", add_days(now_datetime(), -90))
	ticket.reload()
	ticket.status = "Open"
	return ticket.save


for _rating in (0, 6, -1, 100, "cinco"):

	@case(f"ticket: rating {_rating!r}", InvalidRatingError, RATING)
	def _(w, rating=_rating):
		ticket = w.resolved_ticket()
		return lambda: ticket.rate(rating)


@case("ticket: rated twice", InvalidRatingError, "This ticket was already rated.")
def _(w):
	ticket = w.resolved_ticket()
	ticket.rate(5)
	return lambda: ticket.rate(4)


@case("ticket: rating an open ticket", InvalidRatingError, "Only a resolved ticket can be rated.")
def _(w):
	ticket = w.ticket()
	return lambda: ticket.rate(5)


@case(
	"ticket: feedback longer than 2,000 characters",
	InvalidRatingError,
	"Feedback is limited to {0} characters.",
)
def _(w):
	ticket = w.resolved_ticket()
	return lambda: ticket.rate(4, "muy bien " * 300)


@case(
	"ticket: serial delivered to another customer",
	SerialOfAnotherCustomerError,
	"Serial No {0} was delivered to {1}, not to customer {2}.",
)
def _(w):
	serial = w.delivered.serial
	return frappe.get_doc(
		{"doctype": "Service Ticket", "subject": "Ruido", "customer": w.other.name, "serial_no": serial}
	).insert


@case(
	"ticket: sales order of another customer",
	ReferenceCustomerMismatchError,
	"Sales Order {0} belongs to {1}, not to customer {2}.",
)
def _(w):
	return frappe.get_doc(
		{
			"doctype": "Service Ticket",
			"subject": "Ruido",
			"customer": w.customer.name,
			"sales_order": w.other_order.name,
		}
	).insert


@case("ticket: cancelled sales order", CancelledReferenceError, CANCELLED)
def _(w):
	order = w.cancelled_order
	return frappe.get_doc(
		{
			"doctype": "Service Ticket",
			"subject": "Ruido",
			"customer": w.customer.name,
			"sales_order": order.name,
		}
	).insert


@case("ticket: cancelled delivery note", CancelledReferenceError, CANCELLED)
def _(w):
	note = w.delivered.note
	note.cancel()
	return frappe.get_doc(
		{
			"doctype": "Service Ticket",
			"subject": "Ruido",
			"customer": w.customer.name,
			"delivery_note": note.name,
		}
	).insert


@case("ticket: unknown status", frappe.ValidationError, SELECT)
def _(w):
	return frappe.get_doc(
		{"doctype": "Service Ticket", "subject": "Ruido", "customer": w.customer.name, "status": "Perdido"}
	).insert


@case("ticket: priority that does not exist", frappe.LinkValidationError, NOT_FOUND)
def _(w):
	return frappe.get_doc(
		{
			"doctype": "Service Ticket",
			"subject": "Ruido",
			"customer": w.customer.name,
			"priority": "Urgentísima",
		}
	).insert


@case("ticket: customer that does not exist", frappe.LinkValidationError, NOT_FOUND)
def _(w):
	return frappe.get_doc({"doctype": "Service Ticket", "subject": "Ruido", "customer": "Nadie S.A."}).insert


@case("ticket: malformed sender email", frappe.InvalidEmailAddressError, "{0} is not a valid Email Address")
def _(w):
	# (the contact's email is taken from the contact: a value sent for it is never stored)
	return frappe.get_doc(
		{
			"doctype": "Service Ticket",
			"subject": "Ruido",
			"customer": w.customer.name,
			"raised_by": "no-es-un-correo",
		}
	).insert


@case("ticket: subject longer than 140 characters", frappe.CharacterLengthExceededError, TOO_LONG)
def _(w):
	return frappe.get_doc(
		{"doctype": "Service Ticket", "subject": "Ruido " * 40, "customer": w.customer.name}
	).insert


@case(
	"ticket: feedback link with a forged token", InvalidFeedbackLinkError, "This feedback link is not valid."
)
def _(w):
	from bizlink.api.service_ticket import submit_feedback

	ticket = w.resolved_ticket()
	expires = int(now_datetime().timestamp()) + 3600
	return lambda: submit_feedback(ticket.name, expires, "0" * 64, 5)


@case(
	"ticket: feedback link for another ticket", InvalidFeedbackLinkError, "This feedback link is not valid."
)
def _(w):
	from bizlink.api.service_ticket import sign, submit_feedback

	ticket, other = w.resolved_ticket(), w.resolved_ticket()
	expires = int(now_datetime().timestamp()) + 3600
	return lambda: submit_feedback(other.name, expires, sign(ticket.name, expires), 5)


@case(
	"ticket: expired feedback link",
	FeedbackLinkExpiredError,
	"This feedback link has expired. Please contact us to tell us how it went.",
)
def _(w):
	from bizlink.api.service_ticket import sign, submit_feedback

	ticket = w.resolved_ticket()
	expires = int(now_datetime().timestamp()) - 60
	return lambda: submit_feedback(ticket.name, expires, sign(ticket.name, expires), 5)


# Field Visit ------------------------------------------------------------------------------


@case(
	"job: end before start",
	EndBeforeStartError,
	"The scheduled end {0} is not after the scheduled start {1}.",
)
def _(w):
	job = w.job()
	job.scheduled_start = add_to_date(f"{add_days(today(), 1)} 12:00:00", hours=0)
	job.scheduled_end = add_to_date(f"{add_days(today(), 1)} 09:00:00", hours=0)
	return job.save


@case("job: start that is not a date", InvalidDateError, NOT_A_DATE)
def _(w):
	job = w.job()
	job.scheduled_start = "el lunes"
	return job.save


@case(
	"job: technician booked twice",
	CrewOverlapError,
	"{0} is already booked on Field Visit {1} from {2} to {3}.",
)
def _(w):
	w.scheduled_job(w.sales_order, start_hours=0)
	other = w.job(w.other_order)
	start = add_to_date(f"{add_days(today(), 1)} 08:00:00", hours=1)
	other.scheduled_start, other.scheduled_end = start, add_to_date(start, hours=3)
	other.append("crew", {"user": w.technician})
	return other.save


@case("job: crew member that does not exist", frappe.LinkValidationError, NOT_FOUND)
def _(w):
	job = w.job()
	job.append("crew", {"user": "fantasma@example.com"})
	return job.save


@case("job: quantity as text", InvalidNumberError, NOT_A_NUMBER)
def _(w):
	job = w.job()
	job.items[0].installed_qty = "todas"
	return job.save


@case(
	"job: for a cancelled order",
	frappe.CancelledLinkError,
	"Cannot link cancelled document: {0}",
)
def _(w):
	order = w.cancelled_order
	return frappe.get_doc(
		{
			"doctype": "Field Visit",
			"sales_order": order.name,
			"items": [{"item_code": w.boiler.name, "qty": 1}],
		}
	).insert


@case(
	"job: completed without a signature",
	MissingSignatureError,
	"The customer's signature and the signer's name are needed to complete the installation.",
)
def _(w):
	job = w.ready_job()
	job.signature = None
	return job.submit


@case(
	"job: completed with a mandatory check open",
	OpenChecklistError,
	"These mandatory checks are not done: {0}",
)
def _(w):
	job = w.ready_job()
	job.checklist[0].done = 0
	return job.submit


@case(
	"job: more installed than delivered",
	InstalledQtyExceedsDeliveredError,
	"Row {0}: {1} units of {2} can be installed, not {3}: the rest is not delivered or already installed.",
)
def _(w):
	job = w.ready_job()
	job.items[0].installed_qty = 3
	return job.save


@case(
	"job: serial number not on the delivery",
	SerialNotOnDeliveryError,
	"Serial No {0} is not on Delivery Note {1} for item {2}.",
)
def _(w):
	job = w.ready_job()
	stranger = make_serial_nos(w.boiler.name, 1)[0]
	job.items[0].serial_no = job.items[0].serial_no.split("\n")[0] + "\n" + stranger
	return job.save


@case(
	"job: completed before it was started",
	InvalidStatusTransitionError,
	"Start the visit before completing it.",
)
def _(w):
	from bizlink.devtools.factories import SIGNATURE

	order = w.order()
	job = w.scheduled_job(order)
	make_delivery_note(order.name)
	job.reload()
	job.signature, job.signed_by = SIGNATURE, "X"
	return job.submit


@case(
	"job: started before it was scheduled",
	InvalidStatusTransitionError,
	"A field visit that is {0} cannot move to {1}.",
)
def _(w):
	job = w.job()
	return job.start


@case(
	"order: cancelled while its installation is in progress",
	InstallationInProgressError,
	"Sales Order {0} cannot be cancelled: Field Visit {1} is {2}.",
)
def _(w):
	order = w.order()
	job = w.scheduled_job(order)
	job.start()
	order.reload()
	return order.cancel


# APIs ------------------------------------------------------------------------------------------


@case("customer file: customer that does not exist", frappe.DoesNotExistError, "Customer {0} not found.")
def _(w):
	from bizlink.api.customer import get_customer_file

	return lambda: get_customer_file("Cliente Inexistente")


@case("playbook: customer that does not exist", frappe.DoesNotExistError, "Customer {0} not found.")
def _(w):
	from bizlink.api.customer import get_customer_playbook

	return lambda: get_customer_playbook("Cliente Inexistente")


@case(
	"make field visit: draft order",
	OrderNotOpenError,
	"Sales Order {0} is not open: submit it (or reopen it) first.",
)
def _(w):
	from bizlink.api.installation import make_field_visit

	order = w.order(submit=False)
	return lambda: make_field_visit(order.name)


@case(
	"make field visit: nothing to install",
	NothingToInstallError,
	"No item of Sales Order {0} requires installation.",
)
def _(w):
	from bizlink.api.installation import make_field_visit

	order = make_sales_order(w.customer.name, items=[{"item_code": make_item().name, "qty": 1, "rate": 10}])
	return lambda: make_field_visit(order.name)


@case(
	"portal ticket: user linked to no customer",
	frappe.PermissionError,
	"Your user is not linked to a customer.",
)
def _(w):
	from bizlink.api.service_ticket import create_portal_ticket

	user = make_user(roles=["Customer"], user_type="Website User").name

	def act():
		frappe.set_user(user)
		create_portal_ticket("Mi caldera pierde agua")

	return act


# The catalogue ---------------------------------------------------------------------------------


def row_counts() -> dict[str, int]:
	return {doctype: frappe.db.count(doctype) for doctype in WATCHED}


def last_message() -> str:
	for entry in reversed(frappe.local.message_log or []):
		if isinstance(entry, str):
			entry = json.loads(entry)
		return entry.get("message", "")
	return ""


def spanish_pattern(msgid: str) -> re.Pattern:
	"""The Spanish translation of `msgid`, its placeholders free to match any value."""
	translated = frappe._(msgid, lang="es")
	assert translated != msgid, f"no Spanish translation for {msgid!r}"
	parts = re.split(r"\{\d+\}", translated)
	return re.compile(".*?".join(re.escape(part) for part in parts), re.S)


def test_catalogue_has_at_least_fifty_named_inputs():
	assert len(CASES) >= 50
	assert len({c.id for c in CASES}) == len(CASES), "each bad input has its own name"


@pytest.mark.parametrize("bad", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_refused_in_spanish_and_writes_nothing(bad: Bad):
	act = bad.prepare(World())
	frappe.local.lang = "es"
	frappe.local.message_log = []
	before = row_counts()
	with pytest.raises(bad.exc) as raised:
		act()
	assert type(raised.value) is bad.exc, f"{type(raised.value).__name__} instead of {bad.exc.__name__}"
	frappe.set_user("Administrator")
	message = last_message() or str(raised.value)
	assert spanish_pattern(bad.msgid).search(message), f"not the translated message: {message!r}"
	assert row_counts() == before, "a refused input left rows behind"


# Input that is not refused but must be harmless ------------------------------------------------

SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_html_and_script_in_notes_are_stored_and_shown_harmless():
	from bizlink.api.customer import get_customer_file

	w = World()
	interaction = w.interaction(subject=f"Visita {SCRIPT}", notes=f"<p>Bien</p>{SCRIPT}").insert()
	ticket = w.ticket(description=f"<p>Fuga</p>{SCRIPT}", subject=f"Fuga {SCRIPT}")
	for value in (interaction.subject, interaction.notes, ticket.description, ticket.subject):
		assert "<script" not in value and "onerror" not in value
	assert "<p>Bien</p>" in interaction.notes  # formatting survives
	dumped = json.dumps(get_customer_file(w.customer.name), default=str)
	assert "<script" not in dumped and "onerror" not in dumped


@pytest.mark.parametrize(
	"value", ["'; DROP TABLE `tabCustomer`; --", "%", "_", "\\", '" OR 1=1 --', "Madrid' OR '1'='1"]
)
def test_sql_metacharacters_in_report_filters_are_only_values(value):
	from frappe.desk.query_report import run

	w = World()
	company = w.sales_order.company
	customers = frappe.db.count("Customer")
	reports = {
		"Market Segments": {"company": company, "city": value, "territory": value, "dimensions": "City"},
		"What Top Customers Share": {"company": company, "city": value, "customer_group": value},
		"Similar Customers": {"customer": value},
		"Order Fulfilment Cycle Time": {"company": company, "territory": value, "item_group": value},
		"Orders Waiting": {"company": company, "stage": value},
		"Technician Schedule": {"date": today(), "technician": value},
		"Installed Base": {"city": value, "territory": value, "item_group": value},
	}
	for report, filters in reports.items():
		if report == "Similar Customers":  # the value is the customer to compare with: there is none
			with pytest.raises(frappe.DoesNotExistError):
				run(report, filters=filters, ignore_prepared_report=True)
			continue
		result = run(report, filters=filters, ignore_prepared_report=True)
		assert result["result"] == [], f"{report}: {value!r} matched rows"
	assert frappe.db.count("Customer") == customers
	# the same reports do list the world's order when the filters name what it has: the empty
	# answers above are the values matching nothing, not reports that show nothing
	territory = frappe.db.get_value("Customer", w.customer.name, "territory")
	segments = run(
		"Market Segments",
		filters={"company": company, "city": "Madrid", "territory": territory, "dimensions": "City"},
		ignore_prepared_report=True,
	)["result"]
	assert [row["city"] for row in segments if isinstance(row, dict) and row["orders"]] == ["Madrid"]
	stage = frappe.db.get_value("Sales Order", w.sales_order.name, "bizlink_stage")
	waiting = run("Orders Waiting", filters={"company": company, "stage": stage}, ignore_prepared_report=True)
	assert w.sales_order.name in [row["sales_order"] for row in waiting["result"] if isinstance(row, dict)]
