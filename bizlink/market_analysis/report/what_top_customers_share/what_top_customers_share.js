frappe.query_reports["What Top Customers Share"] = {
	filters: [
		{ fieldname: "company", label: __("Company"), fieldtype: "Link", options: "Company", default: frappe.defaults.get_user_default("Company") },
		{ fieldname: "from_date", label: __("From Date"), fieldtype: "Date", default: frappe.datetime.add_months(frappe.datetime.get_today(), -12) },
		{ fieldname: "to_date", label: __("To Date"), fieldtype: "Date", default: frappe.datetime.get_today() },
		{ fieldname: "top", label: __("Top Customers"), fieldtype: "Int", default: 10 },
		{ fieldname: "customer_group", label: __("Customer Group"), fieldtype: "Link", options: "Customer Group" },
		{ fieldname: "territory", label: __("Territory"), fieldtype: "Link", options: "Territory" },
		{ fieldname: "city", label: __("City"), fieldtype: "Data" },
		{ fieldname: "age_band", label: __("Age Band"), fieldtype: "Select", options: ["", "Under 25", "25-34", "35-44", "45-54", "55-64", "65+"] },
	],
	onload(report) {
		// a campaign to the customers like the top ones (campaign managers only): the report's own filters
		if (!frappe.model.can_create("Segment Campaign")) return;
		report.page.add_inner_button(__("Campaign to Look-alikes"), () => {
			const values = {
				audience: "Look-alikes of Top Customers",
				company: report.get_filter_value("company"),
				top_customers: report.get_filter_value("top"),
				top_from_date: report.get_filter_value("from_date"),
				top_to_date: report.get_filter_value("to_date"),
				title: __("Look-alikes of the top {0} customers", [cint(report.get_filter_value("top"))]),
			};
			for (const key of ["customer_group", "territory", "city", "age_band"]) {
				const value = report.get_filter_value(key);
				if (value) values[key] = value;
			}
			frappe.new_doc("Segment Campaign", values);
		});
	},
	formatter(value, row, column, data, default_formatter) {
		// user-typed text is shown as text, never read as markup
		if (column.fieldtype === "Data" && value != null) value = frappe.utils.escape_html(value);
		return default_formatter(value, row, column, data);
	},
};
