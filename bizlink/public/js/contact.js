frappe.ui.form.on("Contact", {
	refresh(frm) {
		bizlink.add_log_interaction_button(frm, (frm) => {
			const link = (frm.doc.links || []).find((l) => l.link_doctype === "Customer");
			if (!link) {
				frappe.msgprint(__("Link this contact to a customer first."));
				return;
			}
			return { customer: link.link_name, contact: frm.doc.name };
		});
	},
});
