// Copyright (c) 2026, BizLink contributors
// For license information, please see license.txt

frappe.ui.form.on("Installation Job", {
	setup(frm) {
		// the desk puts a child table's Data cells into markup as they are: a checklist line is shown as text
		frappe.meta.get_docfield("Installation Job Checklist Item", "description").formatter = (value) =>
			frappe.utils.escape_html(value == null ? "" : String(value));
		frm.set_query("sales_order", () => ({ filters: { docstatus: 1, status: ["not in", ["Closed", "Completed"]] } }));
		frm.set_query("address", () => ({
			query: "frappe.contacts.doctype.address.address.address_query",
			filters: { link_doctype: "Customer", link_name: frm.doc.customer },
		}));
		frm.set_query("contact", () => ({
			query: "frappe.contacts.doctype.contact.contact.contact_query",
			filters: { link_doctype: "Customer", link_name: frm.doc.customer },
		}));
		frm.set_query("user", "crew", () => ({
			query: "frappe.core.doctype.user.user.user_query",
			filters: { ignore_user_type: 0 },
		}));
	},

	onload(frm) {
		// a read-only Small Text is shown as markup, and the address template puts the address's values
		// (a city a user typed) into it unescaped, joined with <br>: each line is shown as text. Set before
		// the fields are drawn, on the document's own copy of the field.
		frm.get_docfield("address_display").formatter = (value) =>
			(value || "")
				.split(/<br\s*\/?>/i)
				.map((line) => line.trim())
				.filter(Boolean)
				.map((line) => frappe.utils.escape_html(line))
				.join("<br>");
	},

	refresh(frm) {
		if (frm.is_new() || frm.doc.docstatus !== 0) return;
		const action = (label, method, primary) => {
			const run = () => frm.call(method).then(() => frm.reload_doc());
			if (primary) frm.page.set_primary_action(label, run);
			else frm.add_custom_button(label, run);
		};
		const status = frm.doc.status;
		if (status === "Scheduled") action(__("Start Installation"), "start", true);
		if (status === "In Progress") {
			action(__("Put On Hold"), "hold");
			frm.page.set_primary_action(__("Complete"), () => frm.savesubmit());
		}
		if (status === "On Hold") action(__("Resume"), "resume", true);
		if (frm.doc.sales_order) {
			frm.add_custom_button(__("Customer File"), () => frappe.set_route("customer-file", frm.doc.customer));
		}
	},

	before_submit(frm) {
		// on a phone the signature is the last thing done: say what is missing before the server does
		if (!frm.doc.signature) {
			frappe.throw(__("The customer's signature and the signer's name are needed to complete the installation."));
		}
	},
});
