// Copyright (c) 2026, BizLink contributors
// For license information, please see license.txt

frappe.ui.form.on("Sales Interaction", {
	setup(frm) {
		frm.set_query("party_type", () => ({ filters: { name: ["in", ["Lead", "Prospect"]] } }));
		frm.set_query("contact", () =>
			frm.doc.customer
				? {
						query: "frappe.contacts.doctype.contact.contact.contact_query",
						filters: { link_doctype: "Customer", link_name: frm.doc.customer },
				  }
				: {}
		);
		frm.set_query("sales_order", () => ({
			filters: { customer: frm.doc.customer, docstatus: ["<", 2] },
		}));
		frm.set_query("quotation", () => ({
			filters: { quotation_to: "Customer", party_name: frm.doc.customer, docstatus: ["<", 2] },
		}));
		frm.set_query("opportunity", () => ({
			filters: { opportunity_from: "Customer", party_name: frm.doc.customer },
		}));
	},

	refresh(frm) {
		if (frm.is_new()) return;
		if (frm.doc.follow_up_status === "Open" && frm.doc.todo) {
			frm.add_custom_button(__("Mark Follow-up Done"), () =>
				frappe.db.set_value("ToDo", frm.doc.todo, "status", "Closed").then(() => frm.reload_doc())
			);
		}
		frm.add_custom_button(__("Customer File"), () =>
			frappe.set_route("customer-file", frm.doc.customer)
		);
		frm.add_custom_button(
			__("Log Another"),
			() =>
				frappe.new_doc("Sales Interaction", {
					customer: frm.doc.customer,
					contact: frm.doc.contact,
					sales_person: frm.doc.sales_person,
				}),
			__("Create")
		);
	},

	customer(frm) {
		if (frm.doc.contact) frm.set_value("contact", null);
	},
});
