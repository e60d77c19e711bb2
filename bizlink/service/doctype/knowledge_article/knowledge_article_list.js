frappe.listview_settings["Knowledge Article"] = {
	add_fields: ["status", "visibility"],
	get_indicator(doc) {
		const colors = { Draft: "red", "In Review": "orange", Published: "green", Archived: "gray" };
		// the desk puts the label and the filter into markup as they are
		const esc = frappe.utils.escape_html;
		return [esc(__(doc.status)), colors[doc.status] || "gray", esc(`status,=,${doc.status}`)];
	},
};
