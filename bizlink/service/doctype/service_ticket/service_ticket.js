// Copyright (c) 2026, BizLink contributors
// For license information, please see license.txt

frappe.ui.form.on("Service Ticket", {
	setup(frm) {
		// the status history stores statuses as the system writes them; each user reads them in their language
		for (const field of ["status", "previous_status"]) {
			frappe.meta.get_docfield("BizLink Status Log", field).formatter = (value) =>
				frappe.utils.escape_html(value ? __(String(value)) : "");
		}
		frm.set_query("contact", () =>
			frm.doc.customer
				? {
						query: "frappe.contacts.doctype.contact.contact.contact_query",
						filters: { link_doctype: "Customer", link_name: frm.doc.customer },
				  }
				: {}
		);
		frm.set_query("sales_order", () => ({ filters: { customer: frm.doc.customer, docstatus: 1 } }));
		frm.set_query("delivery_note", () => ({ filters: { customer: frm.doc.customer, docstatus: 1 } }));
		frm.set_query("field_visit", () => ({ filters: { customer: frm.doc.customer, visit_type: "Installation" } }));
	},

	refresh(frm) {
		if (frm.doc.warranty_status) {
			frm.dashboard.set_headline(frappe.utils.escape_html(frm.doc.warranty_status));
		}
		if (bizlink_ticket_has_nobody_to_write_to(frm.doc)) {
			// receipt, waiting and resolution mail go to the contact's email (or the sender's address)
			frm.dashboard.set_headline(
				frappe.utils.escape_html(
					__(
						"Nobody to write to: this customer gets no receipt, resolution mail or rating link. Add a contact with an email."
					)
				),
				"orange"
			);
		}
		if (!frm.is_new() && !(frm.doc.__onload?.resolved_statuses || []).includes(frm.doc.status)) {
			frappe
				.xcall("bizlink.api.service_ticket.get_similar_resolved", { ticket: frm.doc.name })
				.then((rows) => {
					if (!rows.length) return;
					const esc = frappe.utils.escape_html;
					// the resolution comes as the editor's HTML with its tags stripped, its entities still there:
					// read as text (DOMParser runs nothing), then escaped once
					const html = rows
						.map(
							(r) => `<div style="padding: 6px 0; border-bottom: 1px solid var(--border-color);">
								<a href="/app/service-ticket/${encodeURIComponent(r.name)}">${esc(r.subject)}</a>
								<span class="text-muted small">· ${esc(__("Score {0}", [format_number(r.score, null, 1)]))}: ${r.reasons.map(esc).join(" · ")}</span>
								<div class="small">${esc(frappe.utils.html2text(r.resolution))}</div>
							</div>`
						)
						.join("");
					frm.dashboard.add_section(html, __("How similar tickets were resolved"));
					frm.dashboard.show();
				});
		}
		if (!frm.is_new() && frappe.model.can_read("Knowledge Article")) {
			bizlink_ticket_articles(frm);
		}
		const has_resolution = !!frappe.utils.html2text(frm.doc.resolution_details || "").trim();
		if (
			!frm.is_new() &&
			(frm.doc.__onload?.resolved_statuses || []).includes(frm.doc.status) &&
			has_resolution &&
			frappe.model.can_create("Knowledge Article")
		) {
			// the resolution, written once for everyone: a draft for the Support Manager to review
			frm.add_custom_button(__("Create Article"), () =>
				frappe
					.call({
						method: "bizlink.api.knowledge_article.make_from_ticket",
						args: { ticket: frm.doc.name },
						freeze: true,
					})
					.then(({ message }) => frappe.set_route("Form", "Knowledge Article", message))
			);
		}
		if (!frm.is_new() && frm.doc.customer) {
			frm.add_custom_button(__("Customer File"), () => frappe.set_route("customer-file", frm.doc.customer));
		}
		const resolved = (frm.doc.__onload?.resolved_statuses || []).includes(frm.doc.status);
		if (!frm.is_new() && frm.doc.customer && !resolved && frm.perm[0]?.write) {
			// a repair visit to the customer's site and unit, in To Schedule for the dispatcher
			frm.add_custom_button(__("Schedule a Visit"), () =>
				frappe
					.xcall("bizlink.service.visits.schedule_visit", { ticket: frm.doc.name })
					.then((visit) => frappe.set_route("Form", "Field Visit", visit))
			);
		}
	},

	serial_no(frm) {
		// a ticket filed from a serial number: its customer is the one it was delivered to (as saving sets)
		if (!frm.is_new() || !frm.doc.serial_no || frm.doc.customer) return;
		frappe
			.xcall("bizlink.api.service_ticket.get_serial_customer", { serial_no: frm.doc.serial_no })
			.then((found) => {
				if (found.customer && !frm.doc.customer) frm.set_value("customer", found.customer);
			});
	},

	customer(frm) {
		// another customer's contact is refused: on save the new customer's own contact is chosen
		if (frm.doc.contact) frm.set_value("contact", null);
	},
});

// Published articles like this ticket (internal ones too), each with "This solved it"
function bizlink_ticket_articles(frm) {
	const ticket = frm.doc.name;
	frappe.xcall("bizlink.api.knowledge_article.for_ticket", { ticket }).then((rows) => {
		if (frm.doc.name !== ticket) return; // the agent moved on to another ticket meanwhile
		frm.dashboard.parent.find(".bizlink-ticket-articles").closest(".form-dashboard-section").remove();
		if (!rows.length) return;
		const esc = frappe.utils.escape_html;
		const can_mark = !!(frm.perm[0] && frm.perm[0].write);
		const html = rows
			.map((r) => {
				let action = "";
				if (r.solved) {
					action = `<span class="indicator-pill green bizlink-article-solved">${esc(__("Solved this ticket"))}</span>`;
					if (can_mark && !r.from_this_ticket) {
						action += ` <button class="btn btn-xs btn-link bizlink-article-unmark" data-article="${esc(r.name)}">${esc(__("Undo"))}</button>`;
					}
				} else if (can_mark) {
					action = `<button class="btn btn-xs btn-default bizlink-article-mark" data-article="${esc(r.name)}">${esc(__("This solved it"))}</button>`;
				}
				const facts = [
					r.visibility === "Public" ? __("Public") : __("Internal"),
					__("Times it helped: {0}", [cint(r.helped_count)]),
					...(r.reasons || []),
				];
				// the steps come as sanitised HTML: read as text (DOMParser runs nothing), then escaped once
				const steps = frappe.utils.html2text(r.steps || "");
				return `<div class="bizlink-ticket-article" data-article="${esc(r.name)}" style="padding: 6px 0; border-bottom: 1px solid var(--border-color);">
					<div class="flex justify-between align-center" style="gap: 8px;">
						<a href="/app/knowledge-article/${encodeURIComponent(r.name)}">${esc(r.title)}</a>
						<span>${action}</span>
					</div>
					<div class="text-muted small">${facts.map(esc).join(" · ")}</div>
					<div class="small">${esc(steps.length > 300 ? steps.slice(0, 300) + "…" : steps)}</div>
				</div>`;
			})
			.join("");
		const $articles = frm.dashboard
			.add_section(`<div class="bizlink-ticket-articles">${html}</div>`, __("Articles"))
			.find(".bizlink-ticket-articles");
		frm.dashboard.show();
		$articles.on("click", ".bizlink-article-mark, .bizlink-article-unmark", (event) => {
			const button = event.currentTarget;
			const step = button.classList.contains("bizlink-article-mark") ? "mark_helped" : "unmark_helped";
			button.disabled = true;
			frappe
				.call({
					method: `bizlink.api.knowledge_article.${step}`,
					args: { article: button.dataset.article, ticket },
				})
				.then(() => bizlink_ticket_articles(frm))
				.catch(() => (button.disabled = false));
		});
	});
}

function bizlink_ticket_has_nobody_to_write_to(doc) {
	return !doc.__islocal && doc.customer && !doc.contact_email && !doc.raised_by;
}
