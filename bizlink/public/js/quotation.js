frappe.ui.form.on("Quotation", {
	refresh(frm) {
		bizlink.add_party_log_interaction_button(frm, "quotation_to", "quotation");
	},
});
