"""Fields BizLink adds to ERPNext's own DocTypes. Every fieldname starts with `bizlink_`."""

import frappe
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields

AGE_BANDS = ("Under 25", "25-34", "35-44", "45-54", "55-64", "65+")


def get_custom_fields() -> dict[str, list[dict]]:
	return {
		"Customer": [
			{
				"fieldname": "bizlink_date_of_birth",
				"fieldtype": "Date",
				"label": "Date of Birth",
				"insert_after": "gender",
				"depends_on": "eval:doc.customer_type == 'Individual'",
				"description": "Individuals only. The age band is derived from it.",
			},
			{
				"fieldname": "bizlink_age_band",
				"fieldtype": "Select",
				"label": "Age Band",
				"options": "\n" + "\n".join(AGE_BANDS),
				"insert_after": "bizlink_date_of_birth",
				"read_only": 1,
				"in_standard_filter": 1,
				"search_index": 1,
				"depends_on": "eval:doc.customer_type == 'Individual'",
			},
			{
				"fieldname": "bizlink_interaction_count",
				"fieldtype": "Int",
				"label": "Sales Interactions",
				"insert_after": "account_manager",
				"read_only": 1,
				"no_copy": 1,
			},
			{
				"fieldname": "bizlink_last_interaction",
				"fieldtype": "Datetime",
				"label": "Last Interaction",
				"insert_after": "bizlink_interaction_count",
				"read_only": 1,
				"no_copy": 1,
			},
			{
				"fieldname": "bizlink_next_follow_up",
				"fieldtype": "Date",
				"label": "Next Follow-up",
				"insert_after": "bizlink_last_interaction",
				"read_only": 1,
				"no_copy": 1,
				"in_standard_filter": 1,
				"search_index": 1,
			},
			{
				# the address Market Segments places the customer by (see bizlink/market_analysis/segments.py)
				# Data, not Link: a Link would stop ERPNext deleting the addresses of a deleted customer
				"fieldname": "bizlink_market_address",
				"fieldtype": "Data",
				"label": "Market Address",
				"insert_after": "bizlink_next_follow_up",
				"read_only": 1,
				"no_copy": 1,
				"description": "The address Market Segments counts this customer's city by: the Customer "
				"Primary Address, else its address marked Preferred Billing (is primary), else its billing "
				"address, else its first address.",
			},
			{
				# the market segment the customer's documents count in (see bizlink/market_analysis/segments.py)
				"fieldname": "bizlink_market_segment",
				"fieldtype": "Data",
				"label": "Market Segment Key",
				"length": 32,
				"insert_after": "bizlink_market_address",
				"hidden": 1,
				"read_only": 1,
				"no_copy": 1,
				"print_hide": 1,
				"report_hide": 1,
			},
		],
		"Item": [
			{
				"fieldname": "bizlink_installation_section",
				"fieldtype": "Section Break",
				"label": "Installation",
				"insert_after": "include_item_in_manufacturing",
				"collapsible": 1,
			},
			{
				"fieldname": "bizlink_requires_installation",
				"fieldtype": "Check",
				"label": "Requires Installation",
				"insert_after": "bizlink_installation_section",
				"description": "Submitting a Sales Order with this item creates an installation visit (Field Visit).",
			},
			{
				"fieldname": "bizlink_installation_hours",
				"fieldtype": "Float",
				"label": "Installation Hours",
				"insert_after": "bizlink_requires_installation",
				"depends_on": "bizlink_requires_installation",
				"non_negative": 1,
				"precision": "2",  # "1.50" hours, not "1.500" (read as 1,500 in Spanish)
			},
			{
				"fieldname": "bizlink_checklist_template",
				"fieldtype": "Link",
				"label": "Installation Checklist",
				"options": "Checklist Template",
				"insert_after": "bizlink_installation_hours",
				"depends_on": "bizlink_requires_installation",
			},
			{
				"fieldname": "bizlink_maintenance_section",
				"fieldtype": "Section Break",
				"label": "Maintenance",
				"insert_after": "bizlink_checklist_template",
				"collapsible": 1,
			},
			{
				"fieldname": "bizlink_maintenance_interval",
				"fieldtype": "Int",
				"label": "Maintenance Every (Months)",
				"insert_after": "bizlink_maintenance_section",
				"non_negative": 1,
				"description": "Installing a unit of this item starts a maintenance plan with a visit every this many months (empty: none).",
			},
			{
				"fieldname": "bizlink_maintenance_checklist",
				"fieldtype": "Link",
				"label": "Maintenance Checklist",
				"options": "Checklist Template",
				"insert_after": "bizlink_maintenance_interval",
				"depends_on": "bizlink_maintenance_interval",
			},
			{
				"fieldname": "bizlink_maintenance_hours",
				"fieldtype": "Float",
				"label": "Maintenance Hours",
				"insert_after": "bizlink_maintenance_checklist",
				"depends_on": "bizlink_maintenance_interval",
				"non_negative": 1,
				"precision": "2",  # "1.50" hours, not "1.500" (read as 1,500 in Spanish)
			},
		],
		# saved replies: Frappe's Email Templates offered in a Service Ticket's reply box (bizlink/api/saved_reply.py)
		"Email Template": [
			{
				"fieldname": "bizlink_language",
				"fieldtype": "Link",
				"label": "Language",
				"options": "Language",
				"insert_after": "subject",
				"search_index": 1,
				"description": "The language this reply is written in: a Service Ticket's reply box offers the "
				"customer's language first. Empty: any language.",
			},
			{
				# other templates (order dispatch, HR...) are written for other documents: their fields
				# would render empty on a ticket, so the ticket's picker leaves them out
				"fieldname": "bizlink_service_reply",
				"fieldtype": "Check",
				"label": "Saved Reply for Service Tickets",
				"insert_after": "bizlink_language",
				"search_index": 1,
				"description": "Offered in a Service Ticket's reply box. It can use the ticket's fields "
				"({{ name }}, {{ subject }}, {{ customer_name }}, {{ item }}...) and {{ contact_name }}, "
				"{{ item_name }}, {{ agent_name }}.",
			},
		],
		"Address": [
			# where the site is on a map, for the dispatch board and route order: set by clicking the map on
			# the address (no geocoding service can be assumed)
			{
				"fieldname": "bizlink_latitude",
				"fieldtype": "Float",
				"label": "Latitude",
				"precision": "6",
				"insert_after": "pincode",
				"description": "Where the site is on the map (Set on Map, above).",
			},
			{
				"fieldname": "bizlink_longitude",
				"fieldtype": "Float",
				"label": "Longitude",
				"precision": "6",
				"insert_after": "bizlink_latitude",
			},
		],
		"Warehouse": [
			{
				"fieldname": "bizlink_technician",
				"fieldtype": "Link",
				"label": "Technician (Van)",
				"options": "User",
				"insert_after": "warehouse_name",
				"search_index": 1,
				"description": "The technician whose van this warehouse is: the parts of their visits come from it.",
			},
		],
		"Serial No": [
			{
				"fieldname": "bizlink_installed_base_section",
				"fieldtype": "Section Break",
				"label": "Installed Base",
				"insert_after": "amc_expiry_date",
			},
			{
				"fieldname": "bizlink_site_address",
				"fieldtype": "Link",
				"label": "Site Address",
				"options": "Address",
				"insert_after": "bizlink_installed_base_section",
				"description": "Where the unit is installed (set by its installation; change it if the unit moves).",
			},
			{
				"fieldname": "bizlink_installed_on",
				"fieldtype": "Date",
				"label": "Installed On",
				"insert_after": "bizlink_site_address",
				"read_only": 1,
				"no_copy": 1,
				"search_index": 1,  # the installed base, newest first
			},
			{
				"fieldname": "bizlink_installed_column",
				"fieldtype": "Column Break",
				"insert_after": "bizlink_installed_on",
			},
			{
				"fieldname": "bizlink_installation_visit",
				"fieldtype": "Link",
				"label": "Installation Visit",
				"options": "Field Visit",
				"insert_after": "bizlink_installed_column",
				"read_only": 1,
				"no_copy": 1,
				"search_index": 1,
			},
			{
				"fieldname": "bizlink_installed_by",
				"fieldtype": "Data",
				"label": "Installed By",
				"insert_after": "bizlink_installation_visit",
				"read_only": 1,
				"no_copy": 1,
			},
			{
				"fieldname": "bizlink_replaced_by",
				"fieldtype": "Link",
				"label": "Replaced By",
				"options": "Serial No",
				"insert_after": "bizlink_installed_by",
				"read_only": 1,
				"no_copy": 1,
			},
			{
				"fieldname": "bizlink_replaced_on",
				"fieldtype": "Date",
				"label": "Replaced On",
				"insert_after": "bizlink_replaced_by",
				"read_only": 1,
				"no_copy": 1,
			},
		],
		"Sales Order": [
			{
				"fieldname": "bizlink_installation_status",
				"fieldtype": "Select",
				"label": "Installation Status",
				"options": "\nNot Applicable\nTo Install\nPartly Installed\nInstalled",
				"insert_after": "delivery_status",
				"read_only": 1,
				"allow_on_submit": 1,
				"no_copy": 1,
				"in_standard_filter": 1,
			},
			{
				"fieldname": "bizlink_stage",
				"fieldtype": "Select",
				"label": "Fulfilment Stage",
				"options": "\nOrdered\nIn Production\nReady to Ship\nIn Transit\nDelivered\nInstalled\nBilled\nCompleted",
				"insert_after": "bizlink_installation_status",
				"read_only": 1,
				"allow_on_submit": 1,
				"no_copy": 1,
				"in_list_view": 1,
				"in_standard_filter": 1,
				"search_index": 1,
			},
			{
				"fieldname": "bizlink_stage_since",
				"fieldtype": "Datetime",
				"label": "In Stage Since",
				"insert_after": "bizlink_stage",
				"read_only": 1,
				"allow_on_submit": 1,
				"no_copy": 1,
				"search_index": 1,
			},
			{
				"fieldname": "bizlink_stage_timeline",
				"fieldtype": "HTML",
				"label": "Fulfilment",
				"insert_after": "po_date",
				"depends_on": "eval:doc.docstatus > 0",
			},
			{
				"fieldname": "bizlink_installation_due",
				"fieldtype": "Date",
				"label": "Installation Promised By",
				"description": "From BizLink Settings' Installation Targets: the promise to the customer.",
				"insert_after": "bizlink_stage_since",
				"read_only": 1,
				"allow_on_submit": 1,
				"no_copy": 1,
				"in_standard_filter": 1,
			},
			{
				"fieldname": "bizlink_per_installed",
				"fieldtype": "Percent",
				"label": "% Installed",
				"insert_after": "per_delivered",
				"read_only": 1,
				"allow_on_submit": 1,
				"no_copy": 1,
			},
		],
	}


def get_sla_fields() -> dict[str, list[dict]]:
	"""ERPNext's Service Level Agreement fields on Service Ticket, as its SLA engine expects them:
	Custom Fields with ERPNext's own names (the engine reads and resets them by those names)."""
	from erpnext.support.doctype.service_level_agreement.service_level_agreement import (
		get_service_level_agreement_fields,
	)

	fields, after = [], "rated_on"
	for field in get_service_level_agreement_fields():
		fields.append({**field, "insert_after": after})
		after = field["fieldname"]
	return {"Service Ticket": fields}


def setup_custom_fields() -> None:
	create_custom_fields(get_custom_fields(), ignore_validate=True, update=True)
	if frappe.db.exists("DocType", "Service Ticket"):
		create_custom_fields(get_sla_fields(), ignore_validate=True, update=False)


def delete_custom_fields(custom_fields: dict[str, list[dict]]) -> None:
	"""Remove BizLink's fields and their columns: Frappe keeps a removed field's column, and a
	reinstall would bring back its values, pointing at BizLink records the uninstall deleted."""
	for doctype, fields in custom_fields.items():
		fieldnames = [field["fieldname"] for field in fields]
		frappe.db.delete("Custom Field", {"dt": doctype, "fieldname": ("in", fieldnames)})
		for fieldname in fieldnames:
			if frappe.db.has_column(doctype, fieldname):
				# DDL has no query builder form; the names are BizLink's own
				frappe.db.sql_ddl(f"alter table `tab{doctype}` drop column `{fieldname}`")  # nosemgrep
		frappe.clear_cache(doctype=doctype)
