// Copyright (c) 2026, BizLink contributors and contributors
// For license information, please see license.txt

// frappe.ui.form.on("BizLink Settings", {
// 	refresh(frm) {

// 	},
// });
