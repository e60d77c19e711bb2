"""BizLink's fields on ERPNext's Customer: date of birth and the age band derived from it."""

import frappe
import pytest
from frappe.utils import add_days, add_years, getdate, today

from bizlink.devtools.factories import make_customer
from bizlink.exceptions import InvalidDateOfBirthError
from bizlink.overrides.customer import get_age_band, refresh_age_bands


@pytest.mark.parametrize(
	("born", "on", "band"),
	[
		("2002-06-15", "2026-06-14", "Under 25"),
		("2001-06-15", "2026-06-15", "25-34"),
		("1992-01-01", "2026-12-31", "25-34"),
		("1991-01-01", "2026-01-01", "35-44"),
		("1982-03-10", "2026-03-10", "35-44"),
		("1981-03-10", "2026-03-10", "45-54"),
		("1971-03-10", "2026-03-10", "55-64"),
		("1961-03-11", "2026-03-10", "55-64"),
		("1961-03-10", "2026-03-10", "65+"),
		("1930-01-01", "2026-01-01", "65+"),
	],
)
def test_age_band_boundaries(born, on, band):
	assert get_age_band(born, getdate(on)) == band


def test_no_date_of_birth_no_band():
	assert get_age_band(None) is None


def test_individual_gets_age_band_on_save():
	customer = make_customer(
		customer_type="Individual", city=None, bizlink_date_of_birth=add_years(today(), -40)
	)
	assert customer.bizlink_age_band == "35-44"


def test_company_never_has_age_band():
	customer = make_customer(customer_type="Company", city=None, bizlink_date_of_birth="1980-01-01")
	assert not customer.bizlink_age_band


def test_age_band_follows_date_of_birth_change():
	customer = make_customer(
		customer_type="Individual", city=None, bizlink_date_of_birth=add_years(today(), -30)
	)
	customer.bizlink_date_of_birth = add_years(today(), -70)
	customer.save()
	assert customer.bizlink_age_band == "65+"


def test_future_date_of_birth_is_refused_and_nothing_written():
	name = f"Future Born {frappe.generate_hash(length=6)}"
	with pytest.raises(InvalidDateOfBirthError, match="in the future"):
		make_customer(
			customer_name=name,
			customer_type="Individual",
			city=None,
			bizlink_date_of_birth=add_days(today(), 1),
		)
	assert not frappe.db.exists("Customer", {"customer_name": name})


def test_daily_refresh_moves_birthday_customers_to_their_new_band():
	customer = make_customer(
		customer_type="Individual", city=None, bizlink_date_of_birth=add_years(today(), -25)
	)
	assert customer.bizlink_age_band == "25-34"
	frappe.db.set_value("Customer", customer.name, "bizlink_age_band", "Under 25")  # as it was yesterday
	refresh_age_bands()
	assert frappe.db.get_value("Customer", customer.name, "bizlink_age_band") == "25-34"
