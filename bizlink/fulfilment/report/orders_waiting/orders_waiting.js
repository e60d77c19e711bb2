frappe.query_reports["Orders Waiting"] = {
	filters: [
		{ fieldname: "company", label: __("Company"), fieldtype: "Link", options: "Company", default: frappe.defaults.get_user_default("Company") },
		{
			fieldname: "stage",
			label: __("Stage"),
			fieldtype: "Select",
			options: ["", "Ordered", "In Production", "Ready to Ship", "In Transit", "Delivered", "Installed", "Billed"].map((v) => ({ value: v, label: __(v) })),
		},
		{ fieldname: "min_days", label: __("Waiting At Least (days)"), fieldtype: "Int", default: 0 },
	],
	formatter(value, row, column, data, default_formatter) {
		// user-typed text is shown as text, never read as markup
		if (column.fieldtype === "Data" && value != null) value = frappe.utils.escape_html(value);
		value = default_formatter(value, row, column, data);
		if (column.fieldname === "days_waiting" && data && data.days_waiting > 14) value = `<b style="color: var(--red-600)">${value}</b>`;
		return value;
	},
};
