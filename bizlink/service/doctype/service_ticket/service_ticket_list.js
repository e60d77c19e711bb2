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
		// the desk puts the label and the filter into markup as they are (a Workflow may name the states)
		const esc = frappe.utils.escape_html;
		return [esc(__(doc.status)), colors[doc.status] || "gray", esc(`status,=,${doc.status}`)];
	},
	onload(listview) {
		// tickets whose customer gets no mail: no contact email and no sender to answer
		listview.page.add_inner_button(__("Nobody to Write To"), () => {
			listview.filter_area.clear(false).then(() =>
				listview.filter_area.add([
					["Service Ticket", "customer", "is", "set"],
					["Service Ticket", "contact_email", "is", "not set"],
					["Service Ticket", "raised_by", "is", "not set"],
				])
			);
		});
	},
};
