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
	onload(report) {
		// drill down from a segment's customer count to its customers; the link carries only the row's
		// index, so no report value is ever part of markup or script (delegated: bound once per page)
		$(report.page.wrapper)
			.off("click.bizlink_drill")
			.on("click.bizlink_drill", ".bizlink-drill", function (event) {
				event.preventDefault();
				const data = report.datatable && report.datatable.datamanager.getData(Number(this.dataset.row));
				if (data) drill_down(report, data);
			});
	},
	after_datatable_render(datatable) {
		// what each figure counts, as its header's tooltip (a title attribute: text, never markup)
		for (const [index, column] of datatable.getColumns().entries()) {
			const description = column.docfield && column.docfield.description;
			const header = datatable.wrapper.querySelector(`.dt-cell--header[data-col-index="${index}"]`);
			if (description && header) header.setAttribute("title", description);
		}
	},
	formatter(value, row, column, data, default_formatter) {
		// user-typed text (a city, a group's name) is shown as text, never read as markup
		if (column.fieldtype === "Data" && value != null) value = frappe.utils.escape_html(value);
		value = default_formatter(value, row, column, data);
		if (column.fieldname === "customers" && data && row && frappe.query_report.get_filter_value("view") !== "Customers") {
			value = `<a href="#" class="bizlink-drill" data-row="${cint(row.meta.rowIndex)}">${value}</a>`;
		}
		return value;
	},
};

function drill_down(report, segment) {
	const filters = {};
	for (const key of ["customer_group", "territory", "city", "age_band"]) {
		if (key in segment && segment[key] !== __("Not Set")) filters[key] = segment[key];
	}
	report.set_filter_value({ ...filters, view: "Customers" });
}
