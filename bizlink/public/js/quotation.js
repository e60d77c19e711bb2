frappe.ui.form.on("Quotation", {
	refresh(frm) {
		bizlink.add_log_interaction_button(frm, (frm) => {
			const values = { quotation: frm.doc.name, contact: frm.doc.contact_person };
			if (frm.doc.quotation_to === "Customer") {
				values.customer = frm.doc.party_name;
			} else {
				values.party_type = frm.doc.quotation_to;
				values.party = frm.doc.party_name;
			}
			return values;
		});
	},
});
