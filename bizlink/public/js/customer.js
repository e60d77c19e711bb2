frappe.ui.form.on("Customer", {
	refresh(frm) {
		bizlink.add_log_interaction_button(frm, (frm) => ({
			customer: frm.doc.name,
			contact: frm.doc.customer_primary_contact,
		}));
		if (!frm.is_new() && frappe.model.can_create("Service Ticket")) {
			frm.add_custom_button(
				__("Service Ticket"),
				() => frappe.new_doc("Service Ticket", { customer: frm.doc.name, contact: frm.doc.customer_primary_contact }),
				__("Create")
			);
		}
		if (!frm.is_new()) {
			frm.add_custom_button(__("Customer File"), () =>
				frappe.set_route("customer-file", frm.doc.name)
			);
		}
	},
});
