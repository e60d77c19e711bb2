frappe.listview_settings["Segment Campaign Customer"] = {
	add_fields: ["status"],
	get_indicator(doc) {
		const colors = { Planned: "orange", Reached: "green", "Left Out": "gray" };
		return [__(doc.status), colors[doc.status] || "gray", "status,=," + doc.status];
	},
};
