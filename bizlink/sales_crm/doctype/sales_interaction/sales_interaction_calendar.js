frappe.views.calendar["Sales Interaction"] = {
	field_map: {
		start: "interaction_date",
		end: "interaction_date",
		id: "name",
		title: "subject",
	},
	filters: ["customer", "sales_person", "interaction_type"],
	get_events_method: "frappe.desk.calendar.get_events",
};
