// Copyright (c) 2026, BizLink contributors and contributors
// For license information, please see license.txt

// frappe.ui.form.on("Checklist Template", {
// 	refresh(frm) {

// 	},
// });
