frappe.query_reports["Market Segments"] = {
	filters: [
		{ fieldname: "company", label: __("Company"), fieldtype: "Link", options: "Company", default: frappe.defaults.get_user_default("Company") },
		{ fieldname: "from_date", label: __("From Date"), fieldtype: "Date", default: frappe.datetime.add_months(frappe.datetime.get_today(), -12) },
		{ fieldname: "to_date", label: __("To Date"), fieldtype: "Date", default: frappe.datetime.get_today() },
		{
			fieldname: "dimensions",
			label: __("Segment By"),
			fieldtype: "MultiSelectList",
			default: ["Customer Group", "Territory"],
			get_data: () =>
				["Age Band", "City", "Customer Group", "Territory"].map((value) => ({ value, description: __(value) })),
		},
		{
			fieldname: "view",
			label: __("Show"),
			fieldtype: "Select",
			options: [
				{ value: "Segments", label: __("Segments") },
				{ value: "Customers", label: __("Customers") },
			],
			default: "Segments",
		},
		{ fieldname: "customer_group", label: __("Customer Group"), fieldtype: "Link", options: "Customer Group" },
		{ fieldname: "territory", label: __("Territory"), fieldtype: "Link", options: "Territory" },
		{ fieldname: "city", label: __("City"), fieldtype: "Data" },
		{ fieldname: "age_band", label: __("Age Band"), fieldtype: "Select", options: ["", "Under 25", "25-34", "35-44", "45-54", "55-64", "65+"] },
	],
	formatter(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		if (column.fieldname === "customers" && data && frappe.query_report.get_filter_value("view") !== "Customers") {
			// drill down: the customers of this segment
			const segment = encodeURIComponent(JSON.stringify(data));
			value = `<a href="#" onclick="bizlink_drill_down(decodeURIComponent('${segment}')); return false;">${value}</a>`;
		}
		return value;
	},
};

window.bizlink_drill_down = function (segment) {
	const data = JSON.parse(segment);
	const report = frappe.query_report;
	for (const key of ["customer_group", "territory", "city", "age_band"]) {
		if (key in data && data[key] !== __("Not Set")) report.set_filter_value(key, data[key]);
	}
	report.set_filter_value("view", "Customers");
};
