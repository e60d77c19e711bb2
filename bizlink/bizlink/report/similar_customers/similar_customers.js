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
};
