frappe.ui.form.on("Sales Order", {
	refresh(frm) {
		bizlink.add_log_interaction_button(frm, (frm) => ({
			customer: frm.doc.customer,
			contact: frm.doc.contact_person,
			sales_order: frm.doc.name,
		}));
		if (
			frm.doc.docstatus === 1 &&
			!["Closed", "Completed"].includes(frm.doc.status) &&
			frappe.model.can_create("Installation Job")
		) {
			frm.add_custom_button(
				__("Installation Job"),
				() =>
					frappe
						.xcall("bizlink.api.installation.make_installation_job", {
							sales_order: frm.doc.name,
						})
						.then((name) => frappe.set_route("Form", "Installation Job", name)),
				__("Create")
			);
		}
		if (frm.doc.docstatus === 1 && frm.doc.bizlink_installation_status && frm.doc.bizlink_installation_status !== "Not Applicable") {
			frm.dashboard.add_indicator(
				__("Installed: {0}%", [Math.round(frm.doc.bizlink_per_installed || 0)]),
				frm.doc.bizlink_installation_status === "Installed" ? "green" : "orange"
			);
		}
	},
});
