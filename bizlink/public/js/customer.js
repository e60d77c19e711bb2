frappe.ui.form.on("Customer", {
	refresh(frm) {
		bizlink.add_log_interaction_button(frm, (frm) => ({
			customer: frm.doc.name,
			contact: frm.doc.customer_primary_contact,
		}));
		if (!frm.is_new() && frappe.model.can_create("Service Ticket")) {
			frm.add_custom_button(
				__("Service Ticket"),
				() => frappe.new_doc("Service Ticket", { customer: frm.doc.name, contact: frm.doc.customer_primary_contact }),
				__("Create")
			);
		}
		if (!frm.is_new()) {
			frm.add_custom_button(__("Customer File"), () =>
				frappe.set_route("customer-file", frm.doc.name)
			);
			bizlink.show_portal_access(frm);
		}
	},
});

// Who sees this customer's orders and service requests on the portal: its Portal Users (ERPNext v15).
bizlink.show_portal_access = function (frm) {
	const users = (frm.doc.portal_users || []).map((row) => row.user).filter(Boolean);
	const text = users.length
		? __("Portal: {0} see this customer's orders and service requests.", [users.join(", ")])
		: __(
				"No portal access: invite a contact of this customer as a user (Contact → Invite as User) or add users under Portal Users."
		  );
	frm.dashboard.add_comment(frappe.utils.escape_html(text), "blue", true);
};
