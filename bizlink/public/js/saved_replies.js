// Saved replies in the Service Ticket's reply box (#23).
// Frappe's own composer (frappe.views.CommunicationComposer): on a saved Service Ticket its Email Template
// picker shows without "more options", offers the saved replies for tickets in the customer's language
// first (bizlink.api.saved_reply.search_saved_replies), and picking one fills the subject and message with
// the ticket's fields as the server reads them (render_saved_reply; the values are escaped there). The
// composer of any other document is Frappe's, untouched.

(() => {
	const Composer = frappe.views.CommunicationComposer;
	if (!Composer || Composer.bizlink_saved_replies) return; // already extended (the form loaded again)

	const API = "bizlink.api.saved_reply.";
	const is_ticket = (composer) =>
		composer.frm?.doctype === "Service Ticket" && !composer.frm.is_new();
	// a message as its words, whatever markup the editor gave it
	const words = (html) => frappe.utils.html2text(html || "").replace(/\s+/g, " ").trim();

	class SavedReplyComposer extends Composer {
		async get_signature(sender_email) {
			// Frappe looks up the Email Accounts for a signature when the user has none of their own: an
			// agent who may not read Email Account got a "Not permitted" pop-up on every New Email.
			// Without that right, the user's own signature (or none) it is.
			if (!frappe.boot.user.email_signature && !frappe.model.can_read("Email Account")) return "";
			return super.get_signature(sender_email);
		}

		get_fields() {
			const fields = super.get_fields();
			if (!is_ticket(this)) return fields;
			const picker = fields.find((df) => df.fieldname === "email_template");
			const section = fields.find((df) => df.fieldname === "email_template_section_break");
			if (!picker || !section) return fields; // another Frappe: left as it is
			Object.assign(picker, {
				label: __("Saved Reply"),
				description: __("In the customer's language first, filled with the ticket's details."),
				get_query: () => ({
					query: `${API}search_saved_replies`,
					filters: { ticket: this.frm.doc.name },
				}),
				onchange: () => this.pick_saved_reply(),
			});
			section.hidden = 0;
			return fields;
		}

		toggle_more_options(show_options) {
			super.toggle_more_options(show_options);
			if (is_ticket(this) && this.dialog.fields_dict.email_template_section_break) {
				this.dialog.set_df_property("email_template_section_break", "hidden", 0);
			}
		}

		setup_email_template() {
			if (!is_ticket(this) || !this.dialog.fields_dict.clear_and_add_template) {
				return super.setup_email_template();
			}
			const wrapper = $(this.dialog.fields_dict.clear_and_add_template.wrapper).empty();
			frappe.utils.add_select_group_button(wrapper, [
				{
					label: __("Add Template"),
					description: __("Prepend the template to the email message"),
					action: () => this.add_saved_reply(this.dialog.get_value("content") || ""),
				},
				{
					label: __("Clear & Add Template"),
					description: __("Clear the email message and add the template"),
					action: () => this.add_saved_reply(""),
				},
			]);
		}

		pick_saved_reply() {
			const template = this.dialog.get_value("email_template");
			if (!template || this.bizlink_applying) return;
			// a reply picked over another one replaces it while the message is still as that one left it
			const content = this.dialog.get_value("content") || "";
			const last = this.bizlink_applied;
			const untouched = last && words(content) === words(last.message);
			return this.add_saved_reply(untouched ? last.base : content);
		}

		async add_saved_reply(base) {
			const template = this.dialog.get_value("email_template");
			if (!template) return;
			this.bizlink_applying = true;
			try {
				const reply = await frappe.xcall(`${API}render_saved_reply`, {
					template,
					ticket: this.frm.doc.name,
				});
				// above what was there (the quoted mail, the signature), as Frappe's "Add Template" does
				const message = words(base) ? `${reply.message}<br>${base}` : reply.message;
				await this.dialog.set_value("content", message);
				// the ticket's number in the subject: the customer's answer comes back to the ticket
				const identifier = `#${this.frm.doc.name}`;
				// (a template naming the ticket already, "#" or not, is left as written)
				const subject = reply.subject.includes(this.frm.doc.name)
					? reply.subject
					: `${reply.subject} (${identifier})`;
				await this.dialog.set_value("subject", subject);
				this.bizlink_applied = { base, message };
			} finally {
				this.bizlink_applying = false;
			}
		}
	}

	SavedReplyComposer.bizlink_saved_replies = true;
	frappe.views.CommunicationComposer = SavedReplyComposer;
})();
