# Copyright (c) 2026, BizLink contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.translate import print_language
from frappe.utils import cint, date_diff, getdate, now_datetime, strip_html, time_diff_in_seconds, today

from bizlink.bizlink.status_log import log_status_change
from bizlink.bizlink.validation import (
	throw_not_of_customer,
	validate_customer_links,
	validate_input,
	validate_not_cancelled,
)
from bizlink.exceptions import (
	InvalidRatingError,
	InvalidStatusTransitionError,
	MissingCustomerError,
	MissingResolutionError,
	PortalSerialError,
	ReferenceCustomerMismatchError,
	ReopenWindowError,
	SerialOfAnotherCustomerError,
)

RESOLVED_STATUSES = ("Resolved", "Closed")
MAX_FEEDBACK = 2000  # characters: the rating page is public


class ServiceTicket(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from bizlink.bizlink.doctype.bizlink_status_log.bizlink_status_log import BizLinkStatusLog

		avg_response_time: DF.Duration | None
		channel: DF.Literal["Phone", "Email", "Portal", "Visit", "Chat"]
		contact: DF.Link | None
		contact_email: DF.Data | None
		customer: DF.Link
		customer_name: DF.Data | None
		delivery_note: DF.Link | None
		description: DF.TextEditor | None
		escalate_at: DF.Datetime | None
		escalation_level: DF.Literal["", "Warned", "Breached"]
		feedback: DF.SmallText | None
		first_response_time: DF.Duration | None
		field_visit: DF.Link | None
		item: DF.Link | None
		naming_series: DF.Literal["ST-.YYYY.-"]
		raised_by: DF.Data | None
		rated_on: DF.Datetime | None
		rating: DF.Rating
		resolution_details: DF.TextEditor | None
		resolution_time: DF.Duration | None
		resolved_on: DF.Datetime | None
		sales_order: DF.Link | None
		serial_no: DF.Link | None
		status: DF.Literal["Triage", "Open", "In Progress", "Waiting on Customer", "Resolved", "Closed"]
		status_log: DF.Table[BizLinkStatusLog]
		subject: DF.Data
		ticket_type: DF.Link | None
		warranty_status: DF.Data | None
	# end: auto-generated types

	def onload(self):
		# the form offers "similar resolved tickets" only while the ticket is not resolved
		self.set_onload("resolved_statuses", RESOLVED_STATUSES)
		# stored in English (list, reports); shown in the reader's language, as of today
		if self.serial_no:
			serial = frappe.db.get_value(
				"Serial No", self.serial_no, ["warranty_expiry_date", "amc_expiry_date"], as_dict=True
			)
			if serial:
				self.warranty_status = describe_warranty(serial)

	def validate(self):
		validate_input(self)
		validate_not_cancelled(self, ("sales_order", "delivery_note"))
		self.set_customer_from_sender()
		self.set_from_serial_no()
		self.set_contact()
		self.validate_references()
		self.validate_status_change()
		log_status_change(self)

	def before_save(self):
		from bizlink.service.knowledge import ticket_terms

		# its words, from what it says now (a few ms): a form opened before the last save writes no
		# stale terms back, and no job is needed for them
		self.search_terms = ticket_terms(self)
		# after ERPNext's SLA engine (a validate hook) has set the targets
		from bizlink.service.escalation import get_escalate_at

		if self.has_value_changed("sla_resolution_by"):
			self.escalation_level = ""  # a new target: escalate afresh
		elif not self.is_new():
			# the escalation job owns the level: a form opened before it ran must not undo it. A locking
			# read sees what the job committed (or waits for it to commit)
			self.escalation_level = frappe.db.get_value(
				"Service Ticket", self.name, "escalation_level", for_update=True
			)
		self.escalate_at = get_escalate_at(self)

	def on_update(self):
		from bizlink.service.knowledge import queue_ticket

		queue_ticket(self)  # resolved tickets are searched by their words (on the short queue)

	def on_trash(self):
		from bizlink.service.knowledge import unindex_ticket

		unindex_ticket(self)

	# Email intake ------------------------------------------------------------------------------

	def set_customer_from_sender(self):
		"""A ticket made from an incoming email knows only the sender: find their customer, or triage."""
		if not self.customer and self.raised_by:
			contact, customer = find_customer_by_email(self.raised_by)
			if customer:
				self.customer, self.contact = customer, self.contact or contact
				self.customer_name = frappe.db.get_value("Customer", customer, "customer_name")
		if not self.customer:
			if self.status != "Triage" and not self.serial_no:
				if not self.raised_by:
					frappe.throw(
						_("Choose the customer of this ticket."),
						title=_("Customer Missing"),
						exc=MissingCustomerError,
					)
				self.status = "Triage"
		elif self.status == "Triage":
			self.status = "Open"  # an agent found the customer

	# Auto-linking ------------------------------------------------------------------------------

	def set_from_serial_no(self):
		"""A serial number tells what was bought: fill item, delivery, order, installation and warranty."""
		if not self.serial_no or not (self.is_new() or self.has_value_changed("serial_no")):
			return
		serial = frappe.db.get_value(
			"Serial No",
			self.serial_no,
			["item_code", "warranty_expiry_date", "amc_expiry_date", "maintenance_status"],
			as_dict=True,
		)
		self.item = serial.item_code
		delivery = get_delivery_of_serial(self.serial_no)
		if delivery:
			if self.customer and delivery.customer != self.customer:
				if not is_desk_user():
					throw_not_your_serial(self.serial_no)  # never tell a customer who else bought it
				if not frappe.has_permission("Delivery Note", "read", doc=delivery.delivery_note):
					throw_not_of_customer("Serial No", self.serial_no, self.customer)  # nor an agent
				frappe.throw(
					_("Serial No {0} was delivered to {1}, not to customer {2}.").format(
						frappe.bold(self.serial_no),
						frappe.bold(delivery.customer),
						frappe.bold(self.customer),
					),
					title=_("Serial of Another Customer"),
					exc=SerialOfAnotherCustomerError,
				)
			self.customer = delivery.customer
			self.customer_name = frappe.db.get_value("Customer", delivery.customer, "customer_name")
			self.delivery_note = delivery.delivery_note
			self.sales_order = delivery.sales_order or self.sales_order
			if self.sales_order and not self.field_visit:
				self.field_visit = job_of_serial(self.serial_no, self.sales_order)
		with print_language("en"):  # stored in English, read in each reader's language (onload)
			self.warranty_status = describe_warranty(serial)

	def set_contact(self):
		"""Receipt, resolution and rating mail go to the contact: a ticket with a customer and no contact
		chosen takes the customer's most specific one (see `get_default_contact`); a contact chosen by
		hand is kept. The contact's email follows the contact. A ticket moved to another customer with its
		contact left as it was does not keep the previous customer's contact: it takes the new one's."""
		if (
			self.contact
			and not self.is_new()
			and self.has_value_changed("customer")
			and not self.has_value_changed("contact")
			and not is_contact_of(self.contact, self.customer)
		):
			self.contact = None
		if self.customer and not self.contact:
			self.contact = get_default_contact(
				self.customer,
				sender=self.raised_by,
				delivery_note=self.delivery_note,
				sales_order=self.sales_order,
			)
		self.contact_email = (
			frappe.db.get_value("Contact", self.contact, "email_id") if self.contact else None
		)

	def validate_references(self):
		if self.sales_order:
			so_customer = frappe.db.get_value("Sales Order", self.sales_order, "customer")
			if so_customer != self.customer:
				if not frappe.has_permission("Sales Order", "read", doc=self.sales_order):
					throw_not_of_customer("Sales Order", self.sales_order, self.customer)  # never whose
				frappe.throw(
					_("Sales Order {0} belongs to {1}, not to customer {2}.").format(
						frappe.bold(self.sales_order), frappe.bold(so_customer), frappe.bold(self.customer)
					),
					title=_("Reference of Another Customer"),
					exc=ReferenceCustomerMismatchError,
				)
		validate_customer_links(self, skip=("sales_order",))

	# Status ------------------------------------------------------------------------------------

	def validate_status_change(self):
		if self.is_new() and self.status not in ("Open", "Triage") and not self.may_set_status():
			self.status = "Open"  # a user who may record tickets but not work them records them open
		before = self.get_doc_before_save()
		previous = before.status if before else None
		if self.status in RESOLVED_STATUSES and not (self.resolution_details or "").strip():
			frappe.throw(
				_("Describe the resolution before marking the ticket {0}.").format(_(self.status)),
				title=_("Resolution Missing"),
				exc=MissingResolutionError,
			)
		if previous == "Closed" and self.status != "Closed":
			self.validate_reopen_window()
		if self.status == "Closed" and previous not in RESOLVED_STATUSES:
			frappe.throw(
				_("Only a resolved ticket can be closed."),
				title=_("Invalid Status Change"),
				exc=InvalidStatusTransitionError,
			)
		if self.status == "Resolved" and previous != "Resolved":
			self.resolved_on = now_datetime()
			self.resolution_time = time_diff_in_seconds(self.resolved_on, self.creation or self.resolved_on)
		if self.status not in RESOLVED_STATUSES:
			self.resolved_on = None

	def may_set_status(self) -> bool:
		return bool(self.flags.ignore_permissions) or frappe.has_permission(self.doctype, "write")

	def validate_reopen_window(self):
		days = cint(frappe.db.get_single_value("BizLink Settings", "reopen_window_days") or 30)
		resolved = self.get_doc_before_save().resolved_on or self.get_doc_before_save().modified
		if date_diff(today(), resolved) > days:
			frappe.throw(
				_("Ticket {0} was closed more than {1} days ago: record a new ticket instead.").format(
					frappe.bold(self.name), days
				),
				title=_("Too Late to Reopen"),
				exc=ReopenWindowError,
			)

	def rate(self, rating: int | str, feedback: str | None = None):
		"""The customer's rating (1 to 5) of a resolved ticket: once.

		Not a whitelisted method: only the customer's signed link (`submit_feedback`) calls it. Staff
		cannot write a rating on any path (the rating fields are held, see `bizlink.bizlink.guard`)."""
		given = rating
		try:
			rating = int(str(rating).strip())
		except ValueError:
			rating = None  # "five", "": refused below with what was given
		if self.status not in RESOLVED_STATUSES:
			frappe.throw(
				_("Only a resolved ticket can be rated."), title=_("Not Resolved"), exc=InvalidRatingError
			)
		if self.rating:
			frappe.throw(
				_("This ticket was already rated."), title=_("Already Rated"), exc=InvalidRatingError
			)
		if rating is None or not 1 <= rating <= 5:
			frappe.throw(
				_("A rating goes from 1 to 5, not {0}.").format(frappe.bold(str(given)[:20])),
				title=_("Invalid Rating"),
				exc=InvalidRatingError,
			)
		feedback = (feedback or "").strip()
		if len(feedback) > MAX_FEEDBACK:
			frappe.throw(
				_("Feedback is limited to {0} characters.").format(MAX_FEEDBACK),
				title=_("Feedback Too Long"),
				exc=InvalidRatingError,
			)
		# the Rating field stores a fraction of the stars; what a guest typed is kept as plain text
		self.db_set({"rating": rating / 5, "feedback": strip_html(feedback), "rated_on": now_datetime()})


def is_desk_user() -> bool:
	return (
		frappe.session.user == "Administrator"
		or frappe.get_cached_value("User", frappe.session.user, "user_type") == "System User"
	)


def throw_not_your_serial(serial_no: str):
	"""The one answer a portal customer gets for a serial that is not theirs, whether it exists or not."""
	frappe.throw(
		_("Serial No {0} is not among the products delivered to you.").format(
			frappe.bold(str(serial_no)[:140])
		),
		title=_("Unknown Serial No"),
		exc=PortalSerialError,
	)


def get_delivery_of_serial(serial_no: str) -> frappe._dict | None:
	"""The submitted Delivery Note that last delivered `serial_no`, its customer and Sales Order."""
	entry = frappe.qb.DocType("Serial and Batch Entry")
	bundle = frappe.qb.DocType("Serial and Batch Bundle")
	note = frappe.qb.DocType("Delivery Note")
	item = frappe.qb.DocType("Delivery Note Item")
	rows = (
		frappe.qb.from_(entry)
		.join(bundle)
		.on(bundle.name == entry.parent)
		.join(note)
		.on(note.name == bundle.voucher_no)
		.join(item)
		.on(item.name == bundle.voucher_detail_no)
		.select(note.name.as_("delivery_note"), note.customer, item.against_sales_order.as_("sales_order"))
		.where(entry.serial_no == serial_no)
		.where(bundle.voucher_type == "Delivery Note")
		.where(bundle.docstatus == 1)
		.where(bundle.is_cancelled == 0)
		.where(note.is_return == 0)
		.orderby(note.posting_date, order=frappe.qb.desc)
		.limit(1)
		.run(as_dict=True)
	)
	return rows[0] if rows else None


def describe_warranty(serial) -> str:
	parts = []
	for label, expiry in ((_("Warranty"), serial.warranty_expiry_date), (_("AMC"), serial.amc_expiry_date)):
		if expiry:
			state = _("valid until {0}") if getdate(expiry) >= getdate(today()) else _("expired on {0}")
			parts.append(f"{label}: " + state.format(frappe.format(expiry, "Date")))
	return "; ".join(parts) or _("No warranty or AMC recorded")


def job_of_serial(serial_no: str, sales_order: str) -> str | None:
	"""The completed Field Visit that installed the serial number, else the order's job still
	to do (its installation is planned there)."""
	from bizlink.field_service.doctype.field_visit.field_visit import split_serials
	from bizlink.field_service.installation import get_open_job, jobs_with_items

	query, job, item = jobs_with_items()
	for row in (
		query.select(job.name, item.serial_no)
		.where(job.sales_order == sales_order)
		.where(job.docstatus == 1)
		.where(item.serial_no.like(f"%{serial_no}%"))
		.run(as_dict=True)
	):
		if serial_no in split_serials(row.serial_no):
			return row.name
	return get_open_job(sales_order)


def is_contact_of(contact: str, customer: str | None) -> bool:
	return bool(customer) and bool(
		frappe.db.exists(
			"Dynamic Link",
			{"parenttype": "Contact", "parent": contact, "link_doctype": "Customer", "link_name": customer},
		)
	)


def get_default_contact(
	customer: str,
	sender: str | None = None,
	delivery_note: str | None = None,
	sales_order: str | None = None,
) -> str | None:
	"""The contact of `customer` a ticket writes to, the most specific first: the contact with the
	sender's address, the delivery note's contact, the sales order's, the customer's primary contact
	(Customer, then the Contact marked primary), then its only contact. Only a contact linked to
	`customer` is ever returned: a document may name another customer's contact."""
	contact = frappe.qb.DocType("Contact")
	link = frappe.qb.DocType("Dynamic Link")
	linked = (
		frappe.qb.from_(link)
		.join(contact)
		.on(contact.name == link.parent)
		.select(contact.name, contact.is_primary_contact)
		.where(link.parenttype == "Contact")
		.where(link.link_doctype == "Customer")
		.where(link.link_name == customer)
		.orderby(contact.creation)
		.run(as_dict=True)
	)
	if not linked:
		return None
	names = {row.name for row in linked}

	def candidates():
		if sender:
			from frappe.utils import parse_addr

			address = parse_addr(sender)[1] or sender
			yield from frappe.get_all(
				"Contact Email", {"email_id": address, "parenttype": "Contact"}, pluck="parent"
			)
		if delivery_note:
			yield frappe.db.get_value("Delivery Note", delivery_note, "contact_person")
		if sales_order:
			yield frappe.db.get_value("Sales Order", sales_order, "contact_person")
		yield frappe.db.get_value("Customer", customer, "customer_primary_contact")
		yield from (row.name for row in linked if row.is_primary_contact)
		if len(linked) == 1:
			yield linked[0].name

	return next((name for name in candidates() if name in names), None)


def find_customer_by_email(email: str) -> tuple[str | None, str | None]:
	"""The Contact with this email address and the Customer it is linked to, if any."""
	from frappe.utils import parse_addr

	address = parse_addr(email)[1] or email
	contact = frappe.db.get_value("Contact Email", {"email_id": address, "parenttype": "Contact"}, "parent")
	if not contact:
		return None, None
	customer = frappe.db.get_value(
		"Dynamic Link", {"parenttype": "Contact", "parent": contact, "link_doctype": "Customer"}, "link_name"
	)
	return contact, customer


def on_doctype_update():
	from bizlink.bizlink.text_search import ensure_tables

	ensure_tables()  # the search postings (resolved tickets, articles)
	# similar cases' candidates of the same item (or type), newest resolved first
	frappe.db.add_index("Service Ticket", ["item", "resolved_on"])
	frappe.db.add_index("Service Ticket", ["ticket_type", "resolved_on"])
