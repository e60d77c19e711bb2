"""BizLink's handlers for ERPNext's Customer."""

import calendar
from datetime import date

import frappe
from frappe import _
from frappe.query_builder import Case
from frappe.query_builder.functions import Count, Extract, Max, Min, Now
from frappe.utils import getdate, today

from bizlink.exceptions import InvalidDateOfBirthError
from bizlink.market_analysis.segments import market_address_of, reconcile_customer
from bizlink.setup.custom_fields import AGE_BANDS


def validate(doc, method=None) -> None:
	validate_date_of_birth(doc)
	doc.bizlink_age_band = (
		get_age_band(doc.bizlink_date_of_birth) if doc.customer_type == "Individual" else None
	)
	doc.bizlink_market_address = market_address_of(doc)


def validate_date_of_birth(doc) -> None:
	if not doc.bizlink_date_of_birth:
		return
	if getdate(doc.bizlink_date_of_birth) > getdate(today()):
		frappe.throw(
			_("Date of Birth {0} is in the future.").format(frappe.bold(doc.bizlink_date_of_birth)),
			title=_("Invalid Date of Birth"),
			exc=InvalidDateOfBirthError,
		)


def get_age(date_of_birth, on: date | None = None) -> int:
	born, on = getdate(date_of_birth), getdate(on or today())
	return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def get_age_band(date_of_birth, on: date | None = None) -> str | None:
	"""The age band of someone born on `date_of_birth`: Under 25, 25-34, ... 65+."""
	if not date_of_birth:
		return None
	age = get_age(date_of_birth, on)
	if age < 25:
		return AGE_BANDS[0]
	if age >= 65:
		return AGE_BANDS[-1]
	return AGE_BANDS[(age - 15) // 10]


def refresh_age_bands() -> None:
	"""Daily: move the customers whose birthday is today into their new age band."""
	on = getdate(today())
	customer = frappe.qb.DocType("Customer")
	month_day = Extract("month", customer.bizlink_date_of_birth) * 100 + Extract(
		"day", customer.bizlink_date_of_birth
	)
	birthdays = [on.month * 100 + on.day]
	if (on.month, on.day) == (3, 1) and not calendar.isleap(on.year):
		birthdays.append(229)  # born on 29 February: a year older on 1 March
	rows = (
		frappe.qb.from_(customer)
		.select(customer.name, customer.bizlink_date_of_birth, customer.bizlink_age_band)
		.where(customer.customer_type == "Individual")
		.where(customer.bizlink_date_of_birth.isnotnull())
		.where(month_day.isin(birthdays))
		.run(as_dict=True)
	)
	for row in rows:
		band = get_age_band(row.bizlink_date_of_birth, on)
		if band != row.bizlink_age_band:
			frappe.db.set_value("Customer", row.name, "bizlink_age_band", band, update_modified=False)
			reconcile_customer(row.name)  # its market segment changes with the band


def after_insert(doc, method=None) -> None:
	"""A customer made from a Lead or Prospect (From Lead, From Prospect, From Opportunity) takes over the
	Sales Interactions logged for it before it was a customer."""
	from bizlink.sales_crm.doctype.sales_interaction.sales_interaction import take_over_party_interactions

	take_over_party_interactions(doc)
