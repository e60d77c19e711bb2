frappe.listview_settings["Maintenance Plan"] = {
	add_fields: ["status", "next_due_date"],
	get_indicator(doc) {
		const esc = frappe.utils.escape_html;
		if (doc.status === "Cancelled") return [esc(__("Cancelled")), "gray", "status,=,Cancelled"];
		if (doc.next_due_date && doc.next_due_date < frappe.datetime.get_today()) {
			return [esc(__("Overdue")), "red", esc(`next_due_date,<,${frappe.datetime.get_today()}`)];
		}
		return [esc(__("Active")), "green", "status,=,Active"];
	},
};
