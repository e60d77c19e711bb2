frappe.query_reports["Campaign Results"] = {
	filters: [
		{ fieldname: "company", label: __("Company"), fieldtype: "Link", options: "Company" },
		{ fieldname: "campaign", label: __("Segment Campaign"), fieldtype: "Link", options: "Segment Campaign" },
		{
			fieldname: "channel",
			label: __("Channel"),
			fieldtype: "Select",
			options: [
				{ value: "", label: "" },
				{ value: "Call List", label: __("Call List") },
				{ value: "Visit List", label: __("Visit List") },
				{ value: "Email", label: __("Email") },
			],
		},
		{ fieldname: "from_date", label: __("Started From"), fieldtype: "Date" },
		{ fieldname: "to_date", label: __("Started To"), fieldtype: "Date" },
		{ fieldname: "customer_group", label: __("Customer Group"), fieldtype: "Link", options: "Customer Group" },
		{ fieldname: "territory", label: __("Territory"), fieldtype: "Link", options: "Territory" },
		{ fieldname: "city", label: __("City"), fieldtype: "Data" },
		{ fieldname: "age_band", label: __("Age Band"), fieldtype: "Select", options: ["", "Under 25", "25-34", "35-44", "45-54", "55-64", "65+"] },
	],
	after_datatable_render(datatable) {
		// what each figure counts, as its header's tooltip (a title attribute: text, never markup)
		for (const [index, column] of datatable.getColumns().entries()) {
			const description = column.docfield && column.docfield.description;
			const header = datatable.wrapper.querySelector(`.dt-cell--header[data-col-index="${index}"]`);
			if (description && header) header.setAttribute("title", description);
		}
	},
	formatter(value, row, column, data, default_formatter) {
		// user-typed text (a title, a city) is shown as text, never read as markup
		if (column.fieldtype === "Data" && value != null) {
			value = frappe.utils.escape_html(column.fieldname === "channel" || column.fieldname === "status" ? __(value) : value);
		}
		return default_formatter(value, row, column, data);
	},
};
