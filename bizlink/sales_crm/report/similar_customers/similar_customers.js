frappe.query_reports["Similar Customers"] = {
	filters: [
		{
			fieldname: "customer",
			label: __("Customer"),
			fieldtype: "Link",
			options: "Customer",
			reqd: 1,
		},
		{
			fieldname: "limit",
			label: __("How Many"),
			fieldtype: "Int",
			default: 10,
		},
	],
	formatter(value, row, column, data, default_formatter) {
		// user-typed text is shown as text, never read as markup
		if (column.fieldtype === "Data" && value != null) value = frappe.utils.escape_html(value);
		return default_formatter(value, row, column, data);
	},
};
