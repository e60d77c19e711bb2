// Copyright (c) 2026, BizLink contributors
// For license information, please see license.txt

frappe.ui.form.on("Service Ticket", {
	setup(frm) {
		// the status history stores statuses as the system writes them; each user reads them in their language
		for (const field of ["status", "previous_status"]) {
			frappe.meta.get_docfield("BizLink Status Log", field).formatter = (value) =>
				frappe.utils.escape_html(value ? __(String(value)) : "");
		}
		frm.set_query("contact", () =>
			frm.doc.customer
				? {
						query: "frappe.contacts.doctype.contact.contact.contact_query",
						filters: { link_doctype: "Customer", link_name: frm.doc.customer },
				  }
				: {}
		);
		frm.set_query("sales_order", () => ({ filters: { customer: frm.doc.customer, docstatus: 1 } }));
		frm.set_query("delivery_note", () => ({ filters: { customer: frm.doc.customer, docstatus: 1 } }));
		frm.set_query("field_visit", () => ({ filters: { customer: frm.doc.customer, visit_type: "Installation" } }));
	},

	refresh(frm) {
		if (frm.doc.warranty_status) {
			frm.dashboard.set_headline(frappe.utils.escape_html(frm.doc.warranty_status));
		}
		if (bizlink_ticket_has_nobody_to_write_to(frm.doc)) {
			// receipt, waiting and resolution mail go to the contact's email (or the sender's address)
			frm.dashboard.set_headline(
				frappe.utils.escape_html(
					__(
						"Nobody to write to: this customer gets no receipt, resolution mail or rating link. Add a contact with an email."
					)
				),
				"orange"
			);
		}
		if (!frm.is_new() && !(frm.doc.__onload?.resolved_statuses || []).includes(frm.doc.status)) {
			frappe
				.xcall("bizlink.api.service_ticket.get_similar_resolved", { ticket: frm.doc.name })
				.then((rows) => {
					if (!rows.length) return;
					const esc = frappe.utils.escape_html;
					// the resolution comes as the editor's HTML with its tags stripped, its entities still there:
					// read as text (DOMParser runs nothing), then escaped once
					const html = rows
						.map(
							(r) => `<div style="padding: 6px 0; border-bottom: 1px solid var(--border-color);">
								<a href="/app/service-ticket/${encodeURIComponent(r.name)}">${esc(r.subject)}</a>
								<span class="text-muted small">· ${r.reasons.map(esc).join(", ")}</span>
								<div class="small">${esc(frappe.utils.html2text(r.resolution))}</div>
							</div>`
						)
						.join("");
					frm.dashboard.add_section(html, __("How similar tickets were resolved"));
					frm.dashboard.show();
				});
		}
		if (!frm.is_new() && frm.doc.customer) {
			frm.add_custom_button(__("Customer File"), () => frappe.set_route("customer-file", frm.doc.customer));
		}
		const resolved = (frm.doc.__onload?.resolved_statuses || []).includes(frm.doc.status);
		if (!frm.is_new() && frm.doc.customer && !resolved && frm.perm[0]?.write) {
			// a repair visit to the customer's site and unit, in To Schedule for the dispatcher
			frm.add_custom_button(__("Schedule a Visit"), () =>
				frappe
					.xcall("bizlink.service.visits.schedule_visit", { ticket: frm.doc.name })
					.then((visit) => frappe.set_route("Form", "Field Visit", visit))
			);
		}
	},

	serial_no(frm) {
		// a ticket filed from a serial number: its customer is the one it was delivered to (as saving sets)
		if (!frm.is_new() || !frm.doc.serial_no || frm.doc.customer) return;
		frappe
			.xcall("bizlink.api.service_ticket.get_serial_customer", { serial_no: frm.doc.serial_no })
			.then((found) => {
				if (found.customer && !frm.doc.customer) frm.set_value("customer", found.customer);
			});
	},

	customer(frm) {
		// another customer's contact is refused: on save the new customer's own contact is chosen
		if (frm.doc.contact) frm.set_value("contact", null);
	},
});

function bizlink_ticket_has_nobody_to_write_to(doc) {
	return !doc.__islocal && doc.customer && !doc.contact_email && !doc.raised_by;
}
