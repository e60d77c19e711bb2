frappe.ui.form.on("Opportunity", {
	refresh(frm) {
		bizlink.add_log_interaction_button(frm, (frm) => {
			const values = { opportunity: frm.doc.name, contact: frm.doc.contact_person };
			if (frm.doc.opportunity_from === "Customer") {
				values.customer = frm.doc.party_name;
			} else {
				values.party_type = frm.doc.opportunity_from;
				values.party = frm.doc.party_name;
			}
			return values;
		});
	},
});
