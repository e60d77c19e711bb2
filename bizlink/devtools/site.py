"""Bring a fresh site to a usable ERPNext state: what the setup wizard does in the desk."""

import frappe
from frappe.utils import getdate, today

DEFAULT_COMPANY = {
	"company_name": "Instalaciones Levante S.L.",
	"company_abbr": "IL",
	"currency": "EUR",
	"country": "Spain",
	"timezone": "Europe/Madrid",
}


def ensure_erpnext_setup(company: dict | None = None) -> str:
	"""Run ERPNext's setup wizard once if the site has no company; return the default company."""
	if not frappe.db.a_row_exists("Company"):
		from frappe.desk.page.setup_wizard.setup_wizard import setup_complete

		company = {**DEFAULT_COMPANY, **(company or {})}
		year = getdate(today()).year
		setup_complete(
			{
				**company,
				"full_name": "BizLink Administrator",
				"email": "admin@bizlink.invalid",
				"password": "admin",
				"industry": "Manufacturing",
				"fy_start_date": f"{year}-01-01",
				"fy_end_date": f"{year}-12-31",
				"language": "English",
				"company_tagline": "BizLink",
				"chart_of_accounts": "Standard",
			}
		)
	ensure_fiscal_year()
	# a one-off setup step run from the command line or test session
	frappe.db.commit()  # nosemgrep
	return get_default_company()


def get_default_company() -> str:
	return frappe.defaults.get_global_default("company") or frappe.db.get_value("Company", {}, "name")


def ensure_fiscal_year(date=None) -> str:
	"""The Fiscal Year holding `date`, created (for all companies) when the site has none yet."""
	on = getdate(date or today())
	fiscal_year = frappe.qb.DocType("Fiscal Year")
	found = (
		frappe.qb.from_(fiscal_year)
		.select(fiscal_year.name)
		.where(fiscal_year.year_start_date <= on)
		.where(fiscal_year.year_end_date >= on)
		.where(fiscal_year.disabled == 0)
		.limit(1)
		.run()
	)
	if found:
		return found[0][0]
	return (
		frappe.get_doc(
			{
				"doctype": "Fiscal Year",
				"year": str(on.year),
				"year_start_date": f"{on.year}-01-01",
				"year_end_date": f"{on.year}-12-31",
			}
		)
		.insert(ignore_permissions=True)
		.name
	)
