// Copyright (c) 2026, BizLink contributors
// For license information, please see license.txt

frappe.ui.form.on("Installation Job", {
	setup(frm) {
		// the job is completed with its own button (below), not the generic "Submit this document"
		frm.show_submit_message = () => {};
		// the desk puts a child table's Data cells into markup as they are: a checklist line is shown as text
		frappe.meta.get_docfield("Installation Job Checklist Item", "description").formatter = (value) =>
			frappe.utils.escape_html(value == null ? "" : String(value));
		// the status history stores statuses as the system writes them; each user reads them in their language
		for (const field of ["status", "previous_status"]) {
			frappe.meta.get_docfield("BizLink Status Log", field).formatter = (value) =>
				frappe.utils.escape_html(value ? __(String(value)) : "");
		}
		// whole units read as whole numbers ("1", not "1.000", which reads as a thousand in Spanish)
		for (const field of ["qty", "delivered_qty", "installed_qty"]) {
			frappe.meta.get_docfield("Installation Job Item", field).formatter = (value) =>
				value == null || value === "" ? "" : bizlink_format_qty(value);
		}
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
		if (status === "Scheduled") {
			// the technician is told, before starting, what has not been delivered (and cannot be installed)
			frm.page.set_primary_action(__("Start Installation"), () => {
				const start = () => frm.call("start").then(() => frm.reload_doc());
				const missing = undelivered(frm);
				if (!missing.length) return start();
				frappe.confirm(
					__("Not delivered yet: {0}. The installation can only be completed for what has been delivered. Start anyway?", [
						missing.map((line) => frappe.utils.escape_html(line)).join("; "),
					]),
					start
				);
			});
		}
		if (status === "In Progress") {
			action(__("Put On Hold"), "hold");
			frm.page.set_primary_action(__("Complete Installation"), () => complete_installation(frm));
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

// Completing is the job's submit, in the technician's words: one button and one question (not Save,
// then Submit, then "Permanently submit?"), saving what is still unsaved with it.
function complete_installation(frm) {
	if (!frm.doc.signature || !(frm.doc.signed_by || "").trim()) {
		frappe.msgprint(__("The customer's signature and the signer's name are needed to complete the installation."));
		return;
	}
	frappe.confirm(
		__("Complete the installation for {0}? What was installed, the checks and the customer's signature are recorded, and the job can no longer be changed.", [
			frappe.utils.escape_html(frm.doc.customer_name || frm.doc.customer),
		]),
		() => {
			frm.validate_form_action("Submit");
			frappe.validated = true;
			frm.save("Submit", (r) => {
				if (!r.exc) frappe.show_alert({ message: __("Installation completed"), indicator: "green" });
			});
		}
	);
}

function undelivered(frm) {
	return (frm.doc.items || [])
		.filter((row) => flt(row.delivered_qty) < flt(row.qty))
		.map((row) =>
			__("{0}: {1} of {2} delivered", [row.item_name || row.item_code, bizlink_format_qty(row.delivered_qty), bizlink_format_qty(row.qty)])
		);
}

// whole units as whole numbers ("1", not "1.000"), as bizlink.installation.format_qty does on the server
function bizlink_format_qty(value) {
	return format_number(flt(value), null, Number.isInteger(flt(value)) ? 0 : 3);
}
