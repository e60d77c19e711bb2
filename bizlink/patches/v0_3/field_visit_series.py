"""New Field Visits are named FV-.YYYY.- (existing ones keep their IJ- names).

When a DocType that has records is synced, Frappe keeps the naming series options it had in the
database as a Property Setter (`DocType.before_reload`): after the rename that is the Installation
Job's IJ- series. A setter Frappe made with exactly that old default gives way to the new series; a
series the site chose for itself stays."""

import frappe


def execute():
	for setter in frappe.get_all(
		"Property Setter",
		{
			"doc_type": "Field Visit",
			"field_name": "naming_series",
			"property": ("in", ("options", "default")),
			"value": "IJ-.YYYY.-",
			"is_system_generated": 1,
		},
		pluck="name",
	):
		frappe.db.set_value("Property Setter", setter, "value", "FV-.YYYY.-", update_modified=False)
	frappe.clear_cache(doctype="Field Visit")
