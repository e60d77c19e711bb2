frappe.ui.form.on("Sales Order", {
	refresh(frm) {
		bizlink.add_log_interaction_button(frm, (frm) => ({
			customer: frm.doc.customer,
			contact: frm.doc.contact_person,
			sales_order: frm.doc.name,
		}));
	},
});
