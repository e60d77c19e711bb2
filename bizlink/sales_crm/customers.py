"""The Sales Interaction figures kept on ERPNext's Customer (count, last interaction, next follow-up)."""

import frappe
from frappe.query_builder import Case
from frappe.query_builder.functions import Count, Max, Min, Now


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
