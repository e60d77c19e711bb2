// "Log interaction" on ERPNext forms: opens Sales Interaction's quick entry, prefilled.
frappe.provide("bizlink");

bizlink.log_interaction = function (frm, values) {
	frappe.new_doc("Sales Interaction", values);
};

bizlink.add_log_interaction_button = function (frm, get_values) {
	if (frm.is_new() || !frappe.model.can_create("Sales Interaction")) return;
	frm.add_custom_button(
		__("Log Interaction"),
		() => {
			const values = get_values(frm);
			if (values) bizlink.log_interaction(frm, values);
		},
		__("Create")
	);
};

// Opportunity and Quotation name their party in `party_from_field` (Customer, Lead or Prospect).
bizlink.add_party_log_interaction_button = function (frm, party_from_field, link_field) {
	bizlink.add_log_interaction_button(frm, (frm) => {
		const values = { [link_field]: frm.doc.name, contact: frm.doc.contact_person };
		if (frm.doc[party_from_field] === "Customer") {
			values.customer = frm.doc.party_name;
		} else {
			values.party_type = frm.doc[party_from_field];
			values.party = frm.doc.party_name;
		}
		return values;
	});
};
