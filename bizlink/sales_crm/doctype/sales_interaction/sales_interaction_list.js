frappe.listview_settings["Sales Interaction"] = {
	add_fields: [
		"outcome",
		"outcome_category",
		"follow_up_status",
		"next_action_date",
		"party_type",
		"party",
	],
	formatters: {
		// before it is a customer, an interaction is with a Lead or Prospect: shown in the customer's column
		customer(value, df, doc) {
			const esc = frappe.utils.escape_html;
			if (value || !doc.party) return esc(value || "");
			return `<span class="text-muted">${esc(__(doc.party_type))}:</span> ${esc(doc.party)}`;
		},
	},
	get_indicator(doc) {
		// the desk puts the label and the filter into markup as they are: an outcome is named by users
		const esc = frappe.utils.escape_html;
		const colors = { Won: "green", Positive: "blue", Neutral: "orange", Negative: "red", Lost: "gray" };
		if (doc.outcome) {
			return [esc(__(doc.outcome)), colors[doc.outcome_category] || "gray", esc(`outcome,=,${doc.outcome}`)];
		}
		if (doc.follow_up_status === "Open" && doc.next_action_date < frappe.datetime.get_today()) {
			return [__("Follow-up Overdue"), "red", "follow_up_status,=,Open"];
		}
		return [__("No Outcome"), "gray", "outcome,is,not set"];
	},
	onload(listview) {
		listview.page.add_inner_button(__("Overdue Follow-ups"), () => {
			listview.filter_area.clear(false).then(() =>
				listview.filter_area.add([
					["Sales Interaction", "follow_up_status", "=", "Open"],
					["Sales Interaction", "next_action_date", "<", frappe.datetime.get_today()],
				])
			);
		});
	},
};
