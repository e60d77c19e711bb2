"""A customer as the sales side sees it: who it is (profile), whether the user may read it, and the
Sales Interaction figures kept on ERPNext's Customer (count, last interaction, next follow-up)."""

import frappe
from frappe import _
from frappe.query_builder import Case
from frappe.query_builder.functions import Count, Max, Min, Now

from bizlink.market_analysis.market import customers_by_market_address


def update_interaction_summary(customer: str | None) -> None:
	"""Recompute the customer's interaction count, last interaction and next follow-up.

	Reads only this customer's interactions, through the (customer, interaction_date) index.
	"""
	if not customer:
		return
	interaction = frappe.qb.DocType("Sales Interaction")
	count, last = (
		frappe.qb.from_(interaction)
		.select(
			Count(interaction.name),
			Max(Case().when(interaction.interaction_date <= Now(), interaction.interaction_date)),
		)
		.where(interaction.customer == customer)
		.run()[0]
	)
	next_follow_up = (
		frappe.qb.from_(interaction)
		.select(Min(interaction.next_action_date))
		.where(interaction.customer == customer)
		.where(interaction.follow_up_status == "Open")
		.run()[0][0]
	)
	frappe.db.set_value(
		"Customer",
		customer,
		{
			"bizlink_interaction_count": count,
			"bizlink_last_interaction": last,
			"bizlink_next_follow_up": next_follow_up,
		},
		update_modified=False,
	)


def check_customer(customer: str) -> None:
	"""`customer` exists and the user may read it."""
	if not customer or not frappe.db.exists("Customer", customer):
		frappe.throw(
			_("Customer {0} not found.").format(frappe.bold(customer)),
			title=_("Not Found"),
			exc=frappe.DoesNotExistError,
		)
	frappe.has_permission("Customer", "read", doc=customer, throw=True)


def get_profile(customer: str) -> frappe._dict:
	"""Who the customer is: name, type, group, territory, contact, age band, the city of its market
	address, and its interaction figures."""
	query, c, address = customers_by_market_address()
	return (
		query.select(
			c.name,
			c.customer_name,
			c.customer_type,
			c.customer_group,
			c.territory,
			c.disabled,
			c.image,
			c.email_id,
			c.mobile_no,
			c.bizlink_market_address,
			c.bizlink_date_of_birth,
			c.bizlink_age_band,
			c.bizlink_interaction_count,
			c.bizlink_last_interaction,
			c.bizlink_next_follow_up,
			address.city,
		)
		.where(c.name == customer)
		.run(as_dict=True)
	)[0]
