// Copyright (c) 2026, BizLink contributors
// For license information, please see license.txt

frappe.query_reports["Installed Base"] = {
	filters: [
		{ fieldname: "customer", label: __("Customer"), fieldtype: "Link", options: "Customer" },
		{ fieldname: "item_code", label: __("Item"), fieldtype: "Link", options: "Item" },
		{ fieldname: "item_group", label: __("Item Group"), fieldtype: "Link", options: "Item Group" },
		{ fieldname: "city", label: __("City"), fieldtype: "Data" },
		{ fieldname: "territory", label: __("Territory"), fieldtype: "Link", options: "Territory" },
		{
			fieldname: "coverage",
			label: __("Coverage"),
			fieldtype: "Select",
			options: ["", "Under Warranty", "Under AMC", "Not Covered"].map((value) => ({ value, label: __(value) })),
		},
	],
	formatter(value, row, column, data, default_formatter) {
		// what users typed (item names, cities, crews) is shown as text, never read as markup
		if (column.fieldtype === "Data" && value != null) value = frappe.utils.escape_html(value);
		return default_formatter(value, row, column, data);
	},
};
