frappe.ui.form.on("Serial No", {
	refresh(frm) {
		if (!frm.is_new() && frappe.model.can_create("Service Ticket")) {
			frm.add_custom_button(
				__("Service Ticket"),
				() => frappe.new_doc("Service Ticket", { serial_no: frm.doc.name, item: frm.doc.item_code }),
				__("Create")
			);
		}
	},
});
