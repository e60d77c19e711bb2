// "Log interaction" on ERPNext forms: opens Sales Interaction's quick entry, prefilled.
frappe.provide("bizlink");

bizlink.log_interaction = function (frm, values) {
	frappe.new_doc("Sales Interaction", values);
};

// `get_values(frm)` returns the values (or a promise of them); nothing: the button does nothing.
bizlink.add_log_interaction_button = function (frm, get_values) {
	if (frm.is_new() || !frappe.model.can_create("Sales Interaction")) return;
	frm.add_custom_button(
		__("Log Interaction"),
		() =>
			Promise.resolve(get_values(frm)).then((values) => {
				if (values) bizlink.log_interaction(frm, values);
			}),
		__("Create")
	);
};

// The enabled customer made from a Lead (From Lead, or From Prospect of a prospect it belongs to) or
// from a Prospect (From Prospect); as the server's `get_customer_of_party`, with the user's rights.
bizlink.get_customer_of_party = async function (party_type, party) {
	const customer_where = async (filters) =>
		(await frappe.db.get_value("Customer", { ...filters, disabled: 0 }, "name")).message?.name;
	if (!party || !["Lead", "Prospect"].includes(party_type)) return null;
	if (party_type === "Prospect") return (await customer_where({ prospect_name: party })) || null;
	const from_lead = await customer_where({ lead_name: party });
	if (from_lead) return from_lead;
	const prospect = await frappe.xcall("frappe.client.get_value", {
		doctype: "Prospect Lead",
		filters: { lead: party, parenttype: "Prospect" },
		fieldname: "parent",
		parent: "Prospect",
	});
	return (prospect?.parent && (await customer_where({ prospect_name: prospect.parent }))) || null;
};

// Opportunity and Quotation name their party in `party_from_field` (Customer, Lead or Prospect). A Lead
// or Prospect that has become a customer logs on that customer, keeping the Lead or Prospect too.
bizlink.add_party_log_interaction_button = function (frm, party_from_field, link_field) {
	bizlink.add_log_interaction_button(frm, async (frm) => {
		const values = { [link_field]: frm.doc.name, contact: frm.doc.contact_person };
		if (frm.doc[party_from_field] === "Customer") {
			values.customer = frm.doc.party_name;
		} else {
			values.party_type = frm.doc[party_from_field];
			values.party = frm.doc.party_name;
			const customer = await bizlink.get_customer_of_party(values.party_type, values.party);
			if (customer) values.customer = customer;
		}
		return values;
	});
};
