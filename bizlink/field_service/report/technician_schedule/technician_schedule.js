frappe.query_reports["Technician Schedule"] = {
	filters: [
		{
			fieldname: "date",
			label: __("Date"),
			fieldtype: "Date",
			default: frappe.datetime.get_today(),
			reqd: 1,
		},
		{
			fieldname: "days",
			label: __("Days"),
			fieldtype: "Int",
			default: 1,
		},
		{
			fieldname: "technician",
			label: __("Technician"),
			fieldtype: "Link",
			options: "User",
		},
	],
	formatter(value, row, column, data, default_formatter) {
		// user-typed text is shown as text, never read as markup; the address's lines (joined with <br> by
		// the address template, its values unescaped) become one line of text
		if (column.fieldname === "address_display" && value) {
			value = value
				.split(/<br\s*\/?>/i)
				.map((line) => line.trim())
				.filter(Boolean)
				.map((line) => frappe.utils.escape_html(line))
				.join(", ");
		} else if (column.fieldtype === "Data" && value != null) {
			value = frappe.utils.escape_html(value);
		}
		return default_formatter(value, row, column, data);
	},
};
