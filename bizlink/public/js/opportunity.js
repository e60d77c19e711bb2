frappe.ui.form.on("Opportunity", {
	refresh(frm) {
		bizlink.add_party_log_interaction_button(frm, "opportunity_from", "opportunity");
	},
});
