// Copyright (c) 2026, BizLink contributors
// For license information, please see license.txt

frappe.ui.form.on("Segment Campaign", {
	setup(frm) {
		frm.set_query("sales_person", "sales_people", () => ({ filters: { enabled: 1, is_group: 0 } }));
	},

	refresh(frm) {
		frm.set_intro("");
		if (frm.doc.creation_error) {
			frm.set_intro(frappe.utils.escape_html(frm.doc.creation_error), "red");
		}
		if (frm.is_new()) return;
		if (frm.doc.status === "Creating") {
			frm.set_intro(__("The campaign's work is being made: its progress shows here."), "blue");
			return;
		}
		if (frm.doc.status === "Active" || frm.doc.status === "Closed") {
			frm.add_custom_button(__("Campaign Results"), () =>
				frappe.set_route("query-report", "Campaign Results", { campaign: frm.doc.name })
			);
		}
		if (!frm.perm[0] || !frm.perm[0].write || frm.doc.status === "Closed") return;
		const labels = { "Call List": __("Create Call List"), "Visit List": __("Create Visit List"), Email: __("Send to Email Group") };
		const label = frm.doc.status === "Active" && frm.doc.channel !== "Email" ? __("Add New Customers of the Segment") : labels[frm.doc.channel];
		frm.add_custom_button(label, () => create_work(frm)).addClass("btn-primary");
		if (frm.doc.status === "Active") {
			frm.add_custom_button(__("Close Campaign"), () =>
				frappe.confirm(__("Close this campaign? Interactions done afterwards no longer count for it."), () =>
					frappe
						.xcall("bizlink.api.campaign.close", { campaign: frm.doc.name })
						.then(() => frm.reload_doc())
				)
			);
		}
	},
});

function create_work(frm) {
	const go = () =>
		frappe
			.call({
				method: "bizlink.api.campaign.create_work",
				args: { campaign: frm.doc.name },
				freeze: true,
				freeze_message: __("Making the campaign's work..."),
			})
			.then(({ message: result }) => {
				if (result.queued) {
					frappe.show_alert({
						message: __("{0} customers: the work is made in the background.", [cint(result.customers)]),
						indicator: "blue",
					});
				} else {
					frappe.show_alert({
						message: __("{0} customers added to the campaign.", [cint(result.added)]),
						indicator: "green",
					});
				}
				frm.reload_doc();
			});
	if (frm.is_dirty()) frm.save().then(go);
	else go();
}
