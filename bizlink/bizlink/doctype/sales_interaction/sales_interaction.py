# Copyright (c) 2026, BizLink contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import get_datetime, getdate, now_datetime

from bizlink.bizlink.doctype.sales_interaction.follow_up import remove_follow_up, sync_follow_up
from bizlink.exceptions import (
	ContactNotOfCustomerError,
	DisabledCustomerError,
	FutureOutcomeError,
	InvalidDurationError,
	InvalidNextActionDateError,
	InvalidPartyTypeError,
	ReferenceCustomerMismatchError,
)
from bizlink.overrides.customer import update_interaction_summary
from bizlink.validation import (
	throw_not_of_customer,
	validate_customer_links,
	validate_input,
	validate_not_cancelled,
)

MAX_DURATION_MINUTES = 24 * 60
PARTY_TYPES = ("Lead", "Prospect")


class SalesInteraction(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		contact: DF.Link | None
		customer: DF.Link
		customer_name: DF.Data | None
		direction: DF.Literal["Outbound", "Inbound"]
		duration: DF.Int
		event: DF.Link | None
		follow_up_status: DF.Literal["", "Open", "Done", "Cancelled"]
		interaction_date: DF.Datetime
		interaction_type: DF.Literal["Call", "Visit", "Meeting", "Email", "Video call", "Chat", "Demo"]
		naming_series: DF.Literal["SI-.YYYY.-"]
		next_action: DF.Data | None
		next_action_date: DF.Date | None
		notes: DF.TextEditor | None
		opportunity: DF.Link | None
		outcome: DF.Link | None
		outcome_category: DF.Data | None
		party: DF.DynamicLink | None
		party_type: DF.Link | None
		quotation: DF.Link | None
		sales_order: DF.Link | None
		sales_person: DF.Link | None
		subject: DF.Data
		todo: DF.Link | None
		user: DF.Link | None
	# end: auto-generated types

	def validate(self):
		validate_input(self)
		validate_not_cancelled(self, ("sales_order", "quotation"))
		self.validate_customer()
		self.validate_party()
		self.validate_duration()
		self.validate_outcome_not_in_future()
		self.validate_next_action_date()
		self.validate_contact()
		self.validate_references()
		validate_customer_links(self, skip=("contact",))  # any other link; the contact: leads too
		self.set_follow_up_status()

	def on_update(self):
		sync_follow_up(self)
		self.update_customer_summaries()

	def on_trash(self):
		remove_follow_up(self)

	def after_delete(self):
		update_interaction_summary(self.customer)

	def validate_customer(self):
		if not (self.is_new() or self.has_value_changed("customer")):
			return
		if frappe.db.get_value("Customer", self.customer, "disabled"):
			frappe.throw(
				_("Customer {0} is disabled.").format(frappe.bold(self.customer)),
				title=_("Disabled Customer"),
				exc=DisabledCustomerError,
			)

	def validate_party(self):
		if not self.party_type:
			self.party = None
			return
		if self.party_type not in PARTY_TYPES:
			frappe.throw(
				_("A Sales Interaction can refer to a Lead or a Prospect, not to a {0}.").format(
					frappe.bold(_(self.party_type))
				),
				title=_("Invalid Party Type"),
				exc=InvalidPartyTypeError,
			)

	def validate_duration(self):
		if self.duration is None:
			return
		if self.duration < 0 or self.duration > MAX_DURATION_MINUTES:
			frappe.throw(
				_("Duration must be between 0 and {0} minutes, not {1}.").format(
					MAX_DURATION_MINUTES, frappe.bold(self.duration)
				),
				title=_("Invalid Duration"),
				exc=InvalidDurationError,
			)

	def validate_outcome_not_in_future(self):
		if self.outcome and get_datetime(self.interaction_date) > now_datetime():
			frappe.throw(
				_("An interaction planned for {0} cannot have an outcome yet.").format(
					frappe.bold(frappe.format(self.interaction_date, "Datetime"))
				),
				title=_("Outcome in the Future"),
				exc=FutureOutcomeError,
			)

	def validate_next_action_date(self):
		if self.next_action_date and getdate(self.next_action_date) < getdate(self.interaction_date):
			frappe.throw(
				_("The next action date {0} is before the interaction itself.").format(
					frappe.bold(frappe.format(self.next_action_date, "Date"))
				),
				title=_("Invalid Next Action Date"),
				exc=InvalidNextActionDateError,
			)

	def validate_contact(self):
		if not self.contact:
			return
		parties = [("Customer", self.customer)]
		if self.party_type and self.party:
			parties.append((self.party_type, self.party))
		for link_doctype, link_name in parties:
			if frappe.db.exists(
				"Dynamic Link",
				{
					"parenttype": "Contact",
					"parent": self.contact,
					"link_doctype": link_doctype,
					"link_name": link_name,
				},
			):
				return
		frappe.throw(
			_("Contact {0} does not belong to customer {1}.").format(
				frappe.bold(self.contact), frappe.bold(self.customer)
			),
			title=_("Contact of Another Customer"),
			exc=ContactNotOfCustomerError,
		)

	def validate_references(self):
		"""Sales Order, Quotation and Opportunity must be the customer's (or its Lead/Prospect's)."""
		parties = {("Customer", self.customer)}
		if self.party_type and self.party:
			parties.add((self.party_type, self.party))

		if self.sales_order:
			so_customer = frappe.db.get_value("Sales Order", self.sales_order, "customer")
			self.check_reference("Sales Order", self.sales_order, ("Customer", so_customer), parties)
		if self.quotation:
			party = frappe.db.get_value("Quotation", self.quotation, ["quotation_to", "party_name"])
			self.check_reference("Quotation", self.quotation, tuple(party or ()), parties)
		if self.opportunity:
			party = frappe.db.get_value("Opportunity", self.opportunity, ["opportunity_from", "party_name"])
			self.check_reference("Opportunity", self.opportunity, tuple(party or ()), parties)

	def check_reference(self, doctype: str, name: str, party: tuple, parties: set):
		if party in parties:
			return
		if not frappe.has_permission(doctype, "read", doc=name):
			throw_not_of_customer(doctype, name, self.customer)  # never whose it is
		frappe.throw(
			_("{0} {1} belongs to {2}, not to customer {3}.").format(
				_(doctype),
				frappe.bold(name),
				frappe.bold(party[1] if party else "?"),
				frappe.bold(self.customer),
			),
			title=_("Reference of Another Customer"),
			exc=ReferenceCustomerMismatchError,
		)

	def set_follow_up_status(self):
		if not self.next_action_date:
			self.follow_up_status = ""
		elif not self.follow_up_status or self.has_value_changed("next_action_date"):
			self.follow_up_status = "Open"

	def update_customer_summaries(self):
		update_interaction_summary(self.customer)
		before = self.get_doc_before_save()
		if before and before.customer != self.customer:
			update_interaction_summary(before.customer)


def on_doctype_update():
	frappe.db.add_index("Sales Interaction", ["customer", "interaction_date"])
	frappe.db.add_index("Sales Interaction", ["follow_up_status", "next_action_date"])
