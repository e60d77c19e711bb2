// Copyright (c) 2026, BizLink contributors
// For license information, please see license.txt

frappe.ui.form.on("Sales Interaction", {
	setup(frm) {
		frm.set_query("party_type", () => ({ filters: { name: ["in", ["Lead", "Prospect"]] } }));
		// before it is a customer, the interaction is with a Lead or Prospect: its contacts and documents
		const party = () =>
			frm.doc.customer
				? { doctype: "Customer", name: frm.doc.customer }
				: frm.doc.party_type && frm.doc.party
				? { doctype: frm.doc.party_type, name: frm.doc.party }
				: null;
		frm.set_query("contact", () =>
			party()
				? {
						query: "frappe.contacts.doctype.contact.contact.contact_query",
						filters: { link_doctype: party().doctype, link_name: party().name },
				  }
				: {}
		);
		frm.set_query("sales_order", () => ({
			filters: { customer: frm.doc.customer, docstatus: ["<", 2] },
		}));
		frm.set_query("quotation", () => ({
			filters: {
				quotation_to: party()?.doctype,
				party_name: party()?.name,
				docstatus: ["<", 2],
			},
		}));
		frm.set_query("opportunity", () => ({
			filters: { opportunity_from: party()?.doctype, party_name: party()?.name },
		}));
	},

	refresh(frm) {
		if (frm.is_new()) return;
		if (frm.doc.follow_up_status === "Open" && frm.doc.todo) {
			frm.add_custom_button(__("Mark Follow-up Done"), () =>
				frappe.db.set_value("ToDo", frm.doc.todo, "status", "Closed").then(() => frm.reload_doc())
			);
		}
		if (frm.doc.customer) {
			frm.add_custom_button(__("Customer File"), () =>
				frappe.set_route("customer-file", frm.doc.customer)
			);
		}
		frm.add_custom_button(
			__("Log Another"),
			() =>
				frappe.new_doc("Sales Interaction", {
					customer: frm.doc.customer,
					party_type: frm.doc.party_type,
					party: frm.doc.party,
					contact: frm.doc.contact,
					sales_person: frm.doc.sales_person,
				}),
			__("Create")
		);
	},

	customer(frm) {
		if (frm.doc.contact) frm.set_value("contact", null);
	},

	party_type(frm) {
		if (frm.doc.party) frm.set_value("party", null);
	},
});
