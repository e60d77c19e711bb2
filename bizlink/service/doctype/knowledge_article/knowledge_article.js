// Copyright (c) 2026, BizLink contributors
// For license information, please see license.txt

// What an article says moves only through the review's buttons (bizlink.api.knowledge_article); once
// published, only a Support Manager changes it.
const BIZLINK_ARTICLE_COLORS = { Draft: "red", "In Review": "orange", Published: "green", Archived: "gray" };
const BIZLINK_ARTICLE_CONTENT = ["title", "problem", "steps", "item", "item_group", "visibility"];

frappe.ui.form.on("Knowledge Article", {
	refresh(frm) {
		const esc = frappe.utils.escape_html;
		const reviewer = frappe.user.has_role(["Support Manager", "System Manager"]);
		const status = frm.doc.status || "Draft";
		frm.page.set_indicator(esc(__(status)), BIZLINK_ARTICLE_COLORS[status] || "gray");
		frm.set_intro("");
		const locked = ["Published", "Archived"].includes(status) && !reviewer;
		for (const field of BIZLINK_ARTICLE_CONTENT) {
			frm.set_df_property(field, "read_only", locked ? 1 : 0);
		}
		if (frm.is_new()) return;
		if (locked) {
			frm.set_intro(__("This article is {0}: only a Support Manager can change it.", [esc(__(status))]), "blue");
		} else if (status === "Draft" && frm.doc.review_note) {
			frm.set_intro(__("Sent back: {0}", [esc(frm.doc.review_note)]), "orange");
		}
		if (frm.doc.from_ticket) {
			frm.add_custom_button(__("Ticket {0}", [esc(frm.doc.from_ticket)]), () =>
				frappe.set_route("Form", "Service Ticket", frm.doc.from_ticket)
			);
		}
		const can_write = frm.perm[0] && frm.perm[0].write;
		if (!can_write) return;
		if (status === "Draft") {
			frm.add_custom_button(__("Send for Review"), () => bizlink_article_move(frm, "send_for_review")).addClass(
				"btn-primary"
			);
		}
		if (!reviewer) return;
		if (status === "In Review") {
			frm.add_custom_button(__("Publish"), () => bizlink_article_move(frm, "publish")).addClass("btn-primary");
			frm.add_custom_button(__("Send Back"), () => bizlink_article_send_back(frm));
		}
		if (status !== "Archived") {
			frm.add_custom_button(__("Archive"), () =>
				frappe.confirm(__("Archive this article? Nobody will be shown it any more."), () =>
					bizlink_article_move(frm, "archive")
				)
			);
		}
	},
});

function bizlink_article_move(frm, step, args = {}) {
	const go = () =>
		frappe
			.call({
				method: `bizlink.api.knowledge_article.${step}`,
				// publishing: the version the manager read (one changed since is refused)
				args: { article: frm.doc.name, ...(step === "publish" ? { modified: frm.doc.modified } : {}), ...args },
				freeze: true,
			})
			.then(() => frm.reload_doc());
	// what the agent typed is saved first, as the article they send
	if (frm.is_dirty()) frm.save().then(go);
	else go();
}

function bizlink_article_send_back(frm) {
	const dialog = new frappe.ui.Dialog({
		title: __("Send Back"),
		fields: [
			{
				fieldname: "note",
				fieldtype: "Small Text",
				label: __("What to change"),
				reqd: 1,
			},
		],
		primary_action_label: __("Send Back"),
		primary_action({ note }) {
			dialog.hide();
			bizlink_article_move(frm, "send_back", { note });
		},
	});
	dialog.show();
}
