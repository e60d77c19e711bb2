frappe.listview_settings["Service Ticket"] = {
	add_fields: ["status", "agreement_status"],
	get_indicator(doc) {
		const colors = {
			Open: "red",
			"In Progress": "orange",
			"Waiting on Customer": "yellow",
			Resolved: "green",
			Closed: "gray",
		};
		return [__(doc.status), colors[doc.status] || "gray", `status,=,${doc.status}`];
	},
};
