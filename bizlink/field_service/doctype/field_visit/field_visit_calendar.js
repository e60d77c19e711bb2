frappe.views.calendar["Field Visit"] = {
	field_map: {
		start: "scheduled_start",
		end: "scheduled_end",
		id: "name",
		title: "customer_name",
		status: "status",
	},
	style_map: {
		Scheduled: "info",
		"In Progress": "warning",
		Completed: "success",
	},
	filters: ["customer", "status", "sales_order"],
	get_events_method: "frappe.desk.calendar.get_events",
};
