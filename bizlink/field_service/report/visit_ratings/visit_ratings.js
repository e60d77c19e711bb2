// Copyright (c) 2026, BizLink contributors
// For license information, please see license.txt

frappe.query_reports["Visit Ratings"] = {
	filters: [
		{ fieldname: "company", label: __("Company"), fieldtype: "Link", options: "Company" },
		{ fieldname: "from_date", label: __("From Date"), fieldtype: "Date", default: frappe.datetime.add_months(frappe.datetime.get_today(), -12) },
		{ fieldname: "to_date", label: __("To Date"), fieldtype: "Date", default: frappe.datetime.get_today() },
		{
			fieldname: "visit_type",
			label: __("Visit Type"),
			fieldtype: "Select",
			options: [
				{ value: "", label: __("All") },
				{ value: "Installation", label: __("Installation") },
				{ value: "Maintenance", label: __("Maintenance") },
				{ value: "Repair", label: __("Repair") },
			],
		},
		{
			fieldname: "group_by",
			label: __("Group By"),
			fieldtype: "Select",
			options: [
				{ value: "Technician", label: __("Technician") },
				{ value: "Crew", label: __("Crew") },
				{ value: "Item Group", label: __("Item Group") },
				{ value: "Territory", label: __("Territory") },
				{ value: "Month", label: __("Month") },
				{ value: "All", label: __("All visits") },
			],
			default: "Technician",
		},
	],
	formatter(value, row, column, data, default_formatter) {
		// names users typed (technicians, item groups, territories) are shown as text, never read as markup
		if (column.fieldtype === "Data" && value != null) value = frappe.utils.escape_html(value);
		return default_formatter(value, row, column, data);
	},
};
