# Copyright (c) 2026, BizLink contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.utils import add_days, getdate, today

from bizlink.bizlink.permissions import allowed_companies, field_visit_query
from bizlink.field_service.installation import jobs_with_crew

MAX_DAYS = 31


def execute(filters: dict | None = None):
	filters = frappe._dict(filters or {})
	return get_columns(), get_data(filters)


def get_columns() -> list[dict]:
	return [
		{
			"fieldname": "technician",
			"label": _("Technician"),
			"fieldtype": "Link",
			"options": "User",
			"width": 180,
		},
		{"fieldname": "technician_name", "label": _("Name"), "fieldtype": "Data", "width": 140},
		{"fieldname": "scheduled_start", "label": _("Start"), "fieldtype": "Datetime", "width": 150},
		{"fieldname": "scheduled_end", "label": _("End"), "fieldtype": "Datetime", "width": 150},
		{
			"fieldname": "job",
			"label": _("Field Visit"),
			"fieldtype": "Link",
			"options": "Field Visit",
			"width": 130,
		},
		{"fieldname": "status", "label": _("Status"), "fieldtype": "Data", "width": 100},
		{"fieldname": "customer_name", "label": _("Customer"), "fieldtype": "Data", "width": 180},
		{"fieldname": "address_display", "label": _("Address"), "fieldtype": "Data", "width": 240},
		{"fieldname": "contact_phone", "label": _("Phone"), "fieldtype": "Data", "width": 120},
	]


def get_data(filters) -> list[dict]:
	"""Each technician's jobs from `date` for `days` days, in time order; a technician sees their own."""
	start = getdate(filters.date or today())
	end = add_days(start, max(1, min(int(filters.days or 1), MAX_DAYS)))
	query, job, crew = jobs_with_crew()
	query = (
		query.select(
			crew.user.as_("technician"),
			crew.technician_name,
			job.scheduled_start,
			job.scheduled_end,
			job.name.as_("job"),
			job.status,
			job.customer_name,
			job.address_display,
			job.contact_phone,
		)
		.where(job.docstatus < 2)
		.where(job.status != "Cancelled")
		.where(job.scheduled_start < end)
		.where(job.scheduled_end >= start)
		.orderby(crew.user)
		.orderby(job.scheduled_start)
	)
	if filters.technician:
		query = query.where(crew.user == filters.technician)
	companies = allowed_companies()
	if companies is not None:  # User Permissions on Company
		query = query.where(job.company.isin(companies))
	rows = query.run(as_dict=True)
	if field_visit_query():  # a technician: only the jobs whose crew they are in
		rows = [row for row in rows if row.technician == frappe.session.user]
	return rows
