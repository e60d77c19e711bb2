frappe.listview_settings["Segment Campaign"] = {
	add_fields: ["status"],
	get_indicator(doc) {
		const colors = { Draft: "gray", Creating: "blue", Active: "green", Closed: "darkgrey" };
		return [__(doc.status), colors[doc.status] || "gray", "status,=," + doc.status];
	},
};
