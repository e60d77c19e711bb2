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
		],
	}


def setup_custom_fields() -> None:
	create_custom_fields(get_custom_fields(), ignore_validate=True, update=True)


def delete_custom_fields(custom_fields: dict[str, list[dict]]) -> None:
	for doctype, fields in custom_fields.items():
		frappe.db.delete(
			"Custom Field",
			{"dt": doctype, "fieldname": ("in", [field["fieldname"] for field in fields])},
		)
		frappe.clear_cache(doctype=doctype)
