// Copyright (c) 2026, BizLink contributors
// For license information, please see license.txt

frappe.ui.form.on("Field Technician", {
	refresh(frm) {
		if (!frm.is_new()) {
			frm.add_custom_button(__("Dispatch Board"), () => frappe.set_route("dispatch-board"));
		}
	},
});
