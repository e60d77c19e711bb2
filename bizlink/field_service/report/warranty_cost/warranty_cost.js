// Copyright (c) 2026, BizLink contributors
// For license information, please see license.txt

frappe.query_reports["Warranty Cost"] = {
	filters: [
		{ fieldname: "company", label: __("Company"), fieldtype: "Link", options: "Company" },
		{ fieldname: "from_date", label: __("From Date"), fieldtype: "Date", default: frappe.datetime.add_months(frappe.datetime.get_today(), -12) },
		{ fieldname: "to_date", label: __("To Date"), fieldtype: "Date", default: frappe.datetime.get_today() },
		{
			fieldname: "group_by",
			label: __("Group By"),
			fieldtype: "Select",
			options: [
				{ value: "Item", label: __("Item") },
				{ value: "Item Group", label: __("Item Group") },
				{ value: "Supplier", label: __("Supplier") },
				{ value: "Installation Crew", label: __("Installation Crew") },
				{ value: "Installation Month", label: __("Installation Month") },
			],
			default: "Item",
		},
		{ fieldname: "repeat_months", label: __("Repeat Within (Months)"), fieldtype: "Int", default: 12 },
	],
	formatter(value, row, column, data, default_formatter) {
		// what users typed (item names, cities, crews) is shown as text, never read as markup
		if (column.fieldtype === "Data" && value != null) value = frappe.utils.escape_html(value);
		return default_formatter(value, row, column, data);
	},
};
