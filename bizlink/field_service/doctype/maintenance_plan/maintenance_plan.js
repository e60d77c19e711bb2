// Copyright (c) 2026, BizLink contributors
// For license information, please see license.txt

frappe.ui.form.on("Maintenance Plan", {
	setup(frm) {
		frm.set_query("serial_no", () => ({ filters: { customer: frm.doc.customer } }));
		frm.set_query("address", () => ({
			query: "frappe.contacts.doctype.address.address.address_query",
			filters: { link_doctype: "Customer", link_name: frm.doc.customer },
		}));
	},
	refresh(frm) {
		if (frm.is_new() || frm.doc.status !== "Active" || !frm.perm[0]?.write) return;
		frm.add_custom_button(__("Cancel Plan"), () =>
			frappe.confirm(__("Cancel this maintenance plan? No more visits are made for it, and its visit not yet started is cancelled."), () =>
				frm.call("cancel_plan").then(() => frm.reload_doc())
			)
		);
	},
});
