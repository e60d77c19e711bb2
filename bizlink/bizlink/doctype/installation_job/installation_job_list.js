frappe.listview_settings["Installation Job"] = {
	add_fields: ["status", "scheduled_start"],
	has_indicator_for_draft: true,
	get_indicator(doc) {
		const colors = {
			"To Schedule": "orange",
			Scheduled: "blue",
			"In Progress": "purple",
			"On Hold": "yellow",
			Completed: "green",
			Cancelled: "red",
		};
		return [__(doc.status), colors[doc.status] || "gray", `status,=,${doc.status}`];
	},
};
