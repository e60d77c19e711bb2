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
		// the desk puts the label and the filter into markup as they are (a Workflow may name the states)
		const esc = frappe.utils.escape_html;
		return [esc(__(doc.status)), colors[doc.status] || "gray", esc(`status,=,${doc.status}`)];
	},
};
