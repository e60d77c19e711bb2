// Copyright (c) 2026, BizLink contributors
// For license information, please see license.txt

frappe.ui.form.on("Service Ticket", {
	setup(frm) {
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
		frm.set_query("installation_job", () => ({ filters: { customer: frm.doc.customer } }));
	},

	refresh(frm) {
		if (frm.doc.warranty_status) {
			frm.dashboard.set_headline(frappe.utils.escape_html(frm.doc.warranty_status));
		}
		if (!frm.is_new() && !["Resolved", "Closed"].includes(frm.doc.status)) {
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
	},
});
