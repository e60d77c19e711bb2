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
