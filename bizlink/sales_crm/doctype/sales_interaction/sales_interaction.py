# Copyright (c) 2026, BizLink contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import get_datetime, getdate, now_datetime

from bizlink.bizlink.validation import (
	throw_not_of_customer,
	validate_customer_links,
	validate_input,
	validate_not_cancelled,
)
from bizlink.exceptions import (
	CampaignInteractionCustomerError,
	ContactNotOfCustomerError,
	DisabledCustomerError,
	FutureOutcomeError,
	InvalidDurationError,
	InvalidNextActionDateError,
	InvalidPartyTypeError,
	MissingInteractionPartyError,
	ReferenceCustomerMismatchError,
)
from bizlink.market_analysis import campaigns
from bizlink.sales_crm.customers import update_interaction_summary
from bizlink.sales_crm.doctype.sales_interaction.follow_up import remove_follow_up, sync_follow_up

MAX_DURATION_MINUTES = 24 * 60
PARTY_TYPES = ("Lead", "Prospect")


class SalesInteraction(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		campaign: DF.Link | None
		contact: DF.Link | None
		customer: DF.Link | None
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
		self.validate_party()
		self.set_customer_from_party()
		self.validate_customer()
		self.validate_campaign_customer()
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
		campaigns.interaction_done(self)  # a campaign's planned call done: its customer reached

	def on_trash(self):
		remove_follow_up(self)
		campaigns.interaction_deleted(self)

	def after_delete(self):
		update_interaction_summary(self.customer)

	def validate_customer(self):
		if not self.customer or not (self.is_new() or self.has_value_changed("customer")):
			return
		if self.flags.customer_from_party:
			return  # a customer just made from the Lead or Prospect takes its history, disabled or not
		if frappe.db.get_value("Customer", self.customer, "disabled"):
			frappe.throw(
				_("Customer {0} is disabled.").format(frappe.bold(self.customer)),
				title=_("Disabled Customer"),
				exc=DisabledCustomerError,
			)

	def validate_campaign_customer(self):
		"""A campaign's planned interaction is its customer's: moving it to another customer is refused
		(the campaign would count the first one reached by a contact that was not theirs); a contact
		with another customer is a new interaction."""
		if self.is_new() or not self.campaign or not self.has_value_changed("customer"):
			return
		before = self.get_doc_before_save()
		frappe.throw(
			_(
				"This interaction was planned by campaign {0} for customer {1}: it cannot move to another "
				"customer. Record a new interaction for {2}."
			).format(
				frappe.bold(self.campaign),
				frappe.bold(before.customer if before else ""),
				frappe.bold(self.customer or ""),
			),
			title=_("Campaign Interaction"),
			exc=CampaignInteractionCustomerError,
		)

	def validate_party(self):
		"""Before it is a customer, an interaction is with a Lead or Prospect: one of the two is needed."""
		if not self.party_type:
			self.party = None
		elif self.party_type not in PARTY_TYPES:
			frappe.throw(
				_("A Sales Interaction can refer to a Lead or a Prospect, not to a {0}.").format(
					frappe.bold(_(self.party_type))
				),
				title=_("Invalid Party Type"),
				exc=InvalidPartyTypeError,
			)
		if not self.customer and not (self.party_type and self.party):
			frappe.throw(
				_("Choose the customer of this interaction, or the Lead or Prospect it was with."),
				title=_("Customer or Lead Missing"),
				exc=MissingInteractionPartyError,
			)

	def set_customer_from_party(self):
		"""A Lead or Prospect that has become a customer: the interaction is that customer's (when the
		user may read the customer; otherwise it stays with the Lead or Prospect). One that became
		another customer cannot be named on this customer's interaction."""
		if not self.party:
			return
		customer = get_customer_of_party(self.party_type, self.party)
		if self.customer:
			if customer and customer != self.customer:
				if not frappe.has_permission("Customer", "read", doc=customer):
					throw_not_of_customer(self.party_type, self.party, self.customer)  # never whose
				frappe.throw(
					_("{0} {1} belongs to {2}, not to customer {3}.").format(
						_(self.party_type),
						frappe.bold(self.party),
						frappe.bold(customer),
						frappe.bold(self.customer),
					),
					title=_("Reference of Another Customer"),
					exc=ReferenceCustomerMismatchError,
				)
			return
		if customer and frappe.has_permission("Customer", "read", doc=customer):
			self.customer = customer
			self.customer_name = frappe.db.get_value("Customer", customer, "customer_name")

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
		for link_doctype, link_name in self.get_parties():
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
		if self.customer:
			message = _("Contact {0} does not belong to customer {1}.").format(
				frappe.bold(self.contact), frappe.bold(self.customer)
			)
		else:
			message = _("Contact {0} does not belong to {1} {2}.").format(
				frappe.bold(self.contact), _(self.party_type), frappe.bold(self.party)
			)
		frappe.throw(message, title=_("Contact of Another Customer"), exc=ContactNotOfCustomerError)

	def validate_references(self):
		"""Sales Order, Quotation and Opportunity must be the customer's (or its Lead/Prospect's)."""
		parties = set(self.get_parties())

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
		readable = frappe.has_permission(doctype, "read", doc=name)
		if self.customer:
			if not readable:
				throw_not_of_customer(doctype, name, self.customer)  # never whose it is
			message = _("{0} {1} belongs to {2}, not to customer {3}.").format(
				_(doctype),
				frappe.bold(name),
				frappe.bold(party[1] if party else "?"),
				frappe.bold(self.customer),
			)
		elif not readable:
			message = _("{0} {1} is not of {2} {3}.").format(
				_(doctype), frappe.bold(name), _(self.party_type), frappe.bold(self.party)
			)
		else:
			message = _("{0} {1} belongs to {2}, not to {3} {4}.").format(
				_(doctype),
				frappe.bold(name),
				frappe.bold(party[1] if party else "?"),
				_(self.party_type),
				frappe.bold(self.party),
			)
		frappe.throw(message, title=_("Reference of Another Customer"), exc=ReferenceCustomerMismatchError)

	def get_parties(self) -> list[tuple[str, str]]:
		"""Who the interaction was with: its customer and its Lead or Prospect, those set."""
		parties = [("Customer", self.customer)] if self.customer else []
		if self.party_type and self.party:
			parties.append((self.party_type, self.party))
		return parties

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


def get_customer_of_party(party_type: str | None, party: str | None) -> str | None:
	"""The enabled customer made from a Lead (Customer → From Lead, or From Prospect of a prospect the
	lead belongs to) or from a Prospect (From Prospect)."""
	if not party or party_type not in PARTY_TYPES:
		return None
	customer = frappe.qb.DocType("Customer")
	query = (
		frappe.qb.from_(customer)
		.select(customer.name)
		.where(customer.disabled == 0)
		.orderby(customer.creation)
		.limit(1)
	)
	if party_type == "Prospect":
		rows = query.where(customer.prospect_name == party).run()
	else:
		rows = (
			query.where(customer.lead_name == party).run()
			or query.where(customer.prospect_name.isin(prospects_of_lead(party) or [""])).run()
		)
	return rows[0][0] if rows else None


def prospects_of_lead(lead: str) -> list[str]:
	return frappe.get_all(
		"Prospect Lead", filters={"lead": lead, "parenttype": "Prospect"}, pluck="parent", distinct=True
	)


def parties_of_customer(customer) -> list[tuple[str, str]]:
	"""The Leads and Prospects a new Customer was made from: its From Lead, its From Prospect and that
	prospect's leads, and the Lead or Prospect of its From Opportunity."""
	parties = []
	if customer.get("lead_name"):
		parties.append(("Lead", customer.lead_name))
	if customer.get("opportunity_name"):
		source = frappe.db.get_value(
			"Opportunity", customer.opportunity_name, ["opportunity_from", "party_name"], as_dict=True
		)
		if source and source.opportunity_from in PARTY_TYPES and source.party_name:
			parties.append((source.opportunity_from, source.party_name))
	prospects = [customer.prospect_name] if customer.get("prospect_name") else []
	prospects += [name for party_type, name in parties if party_type == "Prospect"]
	for prospect in prospects:
		parties.append(("Prospect", prospect))
		leads = frappe.get_all(
			"Prospect Lead", filters={"parent": prospect, "parenttype": "Prospect"}, pluck="lead"
		)
		parties += [("Lead", lead) for lead in leads if lead]
	return list(dict.fromkeys(parties))


def take_over_party_interactions(customer) -> list[str]:
	"""A customer made from a Lead or Prospect takes the interactions logged for it without a customer.
	Each is saved through the document, so the customer's summary, the follow-up's wording and the market
	segments rollup follow. One that no longer passes its checks (say its contact was unlinked from the
	Lead since) stays with the Lead or Prospect, and the user is told: making the customer never fails
	because of an old interaction."""
	moved = []
	for party_type, party in parties_of_customer(customer):
		names = frappe.get_all(
			"Sales Interaction",
			filters={"party_type": party_type, "party": party, "customer": ("is", "not set")},
			pluck="name",
			order_by="interaction_date asc",
		)
		for name in names:
			interaction = frappe.get_doc("Sales Interaction", name)
			interaction.customer = customer.name
			interaction.flags.customer_from_party = True
			savepoint = f"take_over_{frappe.generate_hash(length=8)}"
			frappe.db.savepoint(savepoint)
			try:
				interaction.save(ignore_permissions=True)  # the conversion moves them, whoever converts
			except frappe.ValidationError as error:
				frappe.db.rollback(save_point=savepoint)
				frappe.clear_last_message()
				frappe.msgprint(
					_("Sales Interaction {0} stays with {1} {2}: {3}").format(
						frappe.bold(name),
						_(party_type),
						frappe.bold(party),
						frappe.utils.strip_html(str(error)),
					),
					title=_("Interaction Not Moved"),
					indicator="orange",
				)
				continue
			frappe.db.release_savepoint(savepoint)
			moved.append(name)
	return moved


def on_doctype_update():
	frappe.db.add_index("Sales Interaction", ["customer", "interaction_date"])
	frappe.db.add_index("Sales Interaction", ["follow_up_status", "next_action_date"])
	# a customer's open follow-ups, soonest first (the customer file): without it MariaDB walks every
	# open follow-up of the site, or every interaction of the customer
	frappe.db.add_index("Sales Interaction", ["customer", "follow_up_status", "next_action_date"])
	frappe.db.add_index("Sales Interaction", ["party", "party_type"])
