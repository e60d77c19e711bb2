// Copyright (c) 2026, BizLink contributors
// For license information, please see license.txt

frappe.ui.form.on("Field Visit", {
	setup(frm) {
		// the job is completed with its own button (below), not the generic "Submit this document"
		frm.show_submit_message = () => {};
		// the desk puts a child table's Data cells into markup as they are: a checklist line is shown as text
		frappe.meta.get_docfield("Field Visit Checklist Item", "description").formatter = (value) =>
			frappe.utils.escape_html(value == null ? "" : String(value));
		// the status history stores statuses as the system writes them; each user reads them in their language
		for (const field of ["status", "previous_status"]) {
			frappe.meta.get_docfield("BizLink Status Log", field).formatter = (value) =>
				frappe.utils.escape_html(value ? __(String(value)) : "");
		}
		// whole units read as whole numbers ("1", not "1.000", which reads as a thousand in Spanish)
		for (const field of ["qty", "delivered_qty", "installed_qty"]) {
			frappe.meta.get_docfield("Field Visit Item", field).formatter = (value) =>
				value == null || value === "" ? "" : bizlink_format_qty(value);
		}
		frappe.meta.get_docfield("Field Visit Part", "qty").formatter = (value) =>
			value == null || value === "" ? "" : bizlink_format_qty(value);
		// parts come from the crew's vans; a replaced serial is one of the customer's units
		frm.set_query("warehouse", "parts", () =>
			frappe.user.has_role(["Installation Manager", "Stock User", "Stock Manager"])
				? { filters: { is_group: 0 } }
				: { filters: { is_group: 0, bizlink_technician: ["in", (frm.doc.crew || []).map((r) => r.user)] } }
		);
		frm.set_query("replaced_serial_no", "parts", () => ({ filters: { customer: frm.doc.customer } }));
		frm.set_query("sales_order", () => ({ filters: { docstatus: 1, status: ["not in", ["Closed", "Completed"]] } }));
		frm.set_query("address", () => ({
			query: "frappe.contacts.doctype.address.address.address_query",
			filters: { link_doctype: "Customer", link_name: frm.doc.customer },
		}));
		frm.set_query("contact", () => ({
			query: "frappe.contacts.doctype.contact.contact.contact_query",
			filters: { link_doctype: "Customer", link_name: frm.doc.customer },
		}));
		frm.set_query("user", "crew", () => ({
			query: "frappe.core.doctype.user.user.user_query",
			filters: { ignore_user_type: 0 },
		}));
	},

	onload(frm) {
		// a tick or a quantity makes the form unsaved, and the desk then puts Save where Complete
		// Installation was: Complete stays the main button (it saves too), with Save beside it
		$(frm.wrapper).on("dirty", () => {
			if (frm.doc.docstatus === 0 && frm.doc.status === "In Progress") set_complete_action(frm);
		});
		// a read-only Small Text is shown as markup, and the address template puts the address's values
		// (a city a user typed) into it unescaped, joined with <br>: each line is shown as text. Set before
		// the fields are drawn, on the document's own copy of the field.
		frm.get_docfield("address_display").formatter = (value) =>
			(value || "")
				.split(/<br\s*\/?>/i)
				.map((line) => line.trim())
				.filter(Boolean)
				.map((line) => frappe.utils.escape_html(line))
				.join("<br>");
	},

	refresh(frm) {
		show_on_site_work(frm);
		show_articles(frm);
		if (frm.is_new() || frm.doc.docstatus !== 0) return;
		const action = (label, method, primary) => {
			const run = () => frm.call(method).then(() => frm.reload_doc());
			if (primary) frm.page.set_primary_action(label, run);
			else frm.add_custom_button(label, run);
		};
		const status = frm.doc.status;
		if (status === "Scheduled") {
			// the technician is told, before starting, what has not been delivered (and cannot be installed)
			frm.page.set_primary_action(is_installation(frm) ? __("Start Installation") : __("Start Visit"), () => {
				const start = () => frm.call("start").then(() => frm.reload_doc());
				const missing = undelivered(frm);
				if (!missing.length) return start();
				frappe.confirm(
					__("Not delivered yet: {0}. The installation can only be completed for what has been delivered. Start anyway?", [
						missing.map((line) => frappe.utils.escape_html(line)).join("; "),
					]),
					start
				);
			});
		}
		if (status === "In Progress") {
			action(__("Put On Hold"), "hold");
			set_complete_action(frm);
		}
		if (status === "On Hold") action(__("Resume"), "resume", true);
		// a job to schedule is saved (with its crew and time), not submitted: the desk's Submit is not offered
		if (status === "To Schedule" && frm.perm[0]?.write) frm.page.set_primary_action(__("Save"), () => frm.save());
		if (frm.doc.visit_type === "Maintenance" && ["To Schedule", "Scheduled"].includes(status) && frappe.perm.has_perm("Field Visit", 0, "cancel")) {
			// a maintenance visit not done: the plan's next due date moves one interval on
			frm.add_custom_button(__("Skip Visit"), () =>
				frappe.prompt(
					{ fieldname: "reason", fieldtype: "Small Text", label: __("Reason") },
					({ reason }) =>
						frappe
							.xcall("bizlink.field_service.maintenance.skip", { visit: frm.doc.name, reason })
							.then(() => frm.reload_doc()),
					__("Skip Visit"),
					__("Skip")
				)
			);
		}
		if (frm.doc.customer && frappe.model.can_read("Customer")) {
			frm.add_custom_button(__("Customer File"), () => frappe.set_route("customer-file", frm.doc.customer));
		}
		set_on_map_button(frm);
	},

	before_submit(frm) {
		// on a phone the signature is the last thing done: say what is missing before the server does
		if (!frm.doc.signature) frappe.throw(signature_missing(frm));
	},
});

// On a phone (narrower than 768 px) the checks and what was installed are tap-able rows with their
// words visible, in place of the grids, whose Done and Installed columns sit off-screen there; the
// crew and parts grids are fitted to the screen.
const PHONE = window.matchMedia("(max-width: 767px)");

function show_on_site_work(frm) {
	const phone = PHONE.matches;
	frm.toggle_display(["items", "checklist"], !phone);
	frm.toggle_display(["installed_html", "checks_html"], phone);
	if (!frm.bizlink_phone_listener) {
		frm.bizlink_phone_listener = () => $(frm.wrapper).is(":visible") && show_on_site_work(frm);
		PHONE.addEventListener("change", frm.bizlink_phone_listener);
	}
	if (!phone) return;
	add_on_site_style();
	const editable = frm.doc.docstatus === 0 && !frm.is_new();
	const $checks = $(frm.fields_dict.checks_html.wrapper).empty();
	if (!(frm.doc.checklist || []).length) {
		$checks.append($('<p class="text-muted small"></p>').text(__("No checks on this job.")));
	}
	for (const row of frm.doc.checklist || []) {
		const $row = $(`<label class="bizlink-tap-row"><input type="checkbox"><span class="bizlink-tap-text"></span></label>`);
		$row.find(".bizlink-tap-text").text(row.description || "");
		if (row.mandatory) $row.append($('<span class="indicator-pill orange"></span>').text(__("Mandatory")));
		$row.find("input")
			.prop("checked", !!row.done)
			.prop("disabled", !editable)
			.on("change", (event) => frappe.model.set_value(row.doctype, row.name, "done", event.target.checked ? 1 : 0));
		$checks.append($row);
	}
	const $installed = $(frm.fields_dict.installed_html.wrapper).empty();
	for (const row of frm.doc.items || []) {
		const $row = $(`<div class="bizlink-tap-row">
			<div class="bizlink-tap-text"><div class="bizlink-item"></div><div class="text-muted small bizlink-delivered"></div></div>
			<input type="number" inputmode="decimal" min="0" step="any" class="form-control bizlink-installed">
		</div>`);
		$row.find(".bizlink-item").text(row.item_name || row.item_code || "");
		const delivered = __("{0} of {1} delivered", [bizlink_format_qty(row.delivered_qty), bizlink_format_qty(row.qty)]);
		$row.find(".bizlink-delivered").text(row.serial_no ? `${delivered} · ${row.serial_no.split("\n").join(", ")}` : delivered);
		$row.find("input")
			.attr("aria-label", __("Installed Qty"))
			.val(row.installed_qty == null ? "" : flt(row.installed_qty))
			.prop("disabled", !editable)
			.on("change", (event) => frappe.model.set_value(row.doctype, row.name, "installed_qty", flt(event.target.value)));
		$installed.append($row);
	}
}

function add_on_site_style() {
	if (document.getElementById("bizlink-on-site-style")) return;
	$("<style id='bizlink-on-site-style'></style>")
		.text(
			`.bizlink-tap-row { display: flex; align-items: center; gap: 12px; min-height: 52px; margin: 0; padding: 10px 2px;
				border-bottom: 1px solid var(--border-color); font-weight: normal; cursor: pointer; }
			.bizlink-tap-row input[type="checkbox"] { width: 26px !important; height: 26px !important; flex: none; margin: 0;
				background-size: 18px; background-position: center; }
			.bizlink-tap-text { flex: 1; min-width: 0; overflow-wrap: anywhere; }
			.bizlink-tap-row input.bizlink-installed { width: 84px; flex: none; text-align: right; }
			@media (max-width: 767px) {
				/* the crew and the parts stay grids (a row opens its editor): two columns, fitted to the screen
				   rather than drawn 738 px wide and clipped */
				body[data-route^="Form/Field Visit"] :is([data-fieldname="crew"], [data-fieldname="parts"]) .form-grid {
					min-width: 0; }
				body[data-route^="Form/Field Visit"] :is([data-fieldname="crew"], [data-fieldname="parts"]) .row {
					flex-wrap: nowrap; margin: 0; }
				body[data-route^="Form/Field Visit"] :is([data-fieldname="crew"], [data-fieldname="parts"]) .grid-static-col {
					flex: 1 1 0; max-width: none; min-width: 0; }
				body[data-route^="Form/Field Visit"] :is([data-fieldname="crew"], [data-fieldname="parts"])
					.grid-static-col:is([data-fieldname="qty"], [data-fieldname="is_lead"]) { flex: 0 0 64px; }
			}`
		)
		.appendTo(document.head);
}

function set_complete_action(frm) {
	frm.page.set_primary_action(is_installation(frm) ? __("Complete Installation") : __("Complete Visit"), () => {
		// Ctrl+S presses the main button from a script (no click of the user's in progress): then it
		// saves, it never completes the job
		const tapped = window.event && window.event.isTrusted && window.event.type === "click";
		if (!tapped) {
			if (frm.is_dirty()) frm.save();
			return;
		}
		complete_installation(frm);
	});
	if (frm.is_dirty()) frm.page.set_secondary_action(__("Save"), () => frm.save());
}

// Completing is the job's submit, in the technician's words: one button and one question (not Save,
// then Submit, then "Permanently submit?"), saving what is still unsaved with it.
function complete_installation(frm) {
	if (!frm.doc.signature || !(frm.doc.signed_by || "").trim()) {
		frappe.msgprint(signature_missing(frm));
		return;
	}
	frappe.confirm(
		is_installation(frm)
			? __("Complete the installation for {0}? What was installed, the checks and the customer's signature are recorded, and the job can no longer be changed.", [
					frappe.utils.escape_html(frm.doc.customer_name || frm.doc.customer),
			  ])
			: __("Complete the visit for {0}? The checks and the customer's signature are recorded, and the visit can no longer be changed.", [
					frappe.utils.escape_html(frm.doc.customer_name || frm.doc.customer),
			  ]),
		() => {
			frm.validate_form_action("Submit");
			frappe.validated = true;
			frm.save("Submit", (r) => {
				if (!r.exc) frappe.show_alert({ message: is_installation(frm) ? __("Installation completed") : __("Visit completed"), indicator: "green" });
			});
		}
	);
}

function signature_missing(frm) {
	return is_installation(frm)
		? __("The customer's signature and the signer's name are needed to complete the installation.")
		: __("The customer's signature and the signer's name are needed to complete the visit.");
}

function is_installation(frm) {
	return (frm.doc.visit_type || "Installation") === "Installation";
}

function undelivered(frm) {
	return (frm.doc.items || [])
		.filter((row) => flt(row.delivered_qty) < flt(row.qty))
		.map((row) =>
			__("{0}: {1} of {2} delivered", [row.item_name || row.item_code, bizlink_format_qty(row.delivered_qty), bizlink_format_qty(row.qty)])
		);
}

// whole units as whole numbers ("1", not "1.000"), as bizlink.field_service.installation.format_qty does on the server
function bizlink_format_qty(value) {
	return format_number(flt(value), null, Number.isInteger(flt(value)) ? 0 : 3);
}

// "Set on Map": the job's point for the dispatch board's map, clicked on a map (the dialog is Address's)
function set_on_map_button(frm) {
	if (!frm.perm[0]?.write) return;
	frm.add_custom_button(__("Set on Map"), () =>
		frappe.require("/assets/bizlink/js/address.js", () =>
			bizlink.pick_point({
				title: __("Set on Map"),
				latitude: frm.doc.latitude,
				longitude: frm.doc.longitude,
				onpick: (latitude, longitude) => frm.set_value({ latitude, longitude }),
			})
		)
	);
}

// "Articles for this job": the published knowledge articles for the job's items (its item rows, its
// unit, its ticket's item), each title a link to the article with its problem and steps folded
// beneath it. The article's text is sanitised HTML from the server, drawn here again as plain lists
// and paragraphs (no attribute, link, image or style of its own).
function show_articles(frm) {
	if (frm.is_new() || !frappe.model.can_read("Knowledge Article")) return;
	const name = frm.doc.name;
	frappe
		.xcall("bizlink.api.knowledge_jobs.for_visit", { visit: name })
		.then((groups) => {
			if (frm.doc.name !== name) return; // another job was opened meanwhile
			frm.dashboard.parent.find(".bizlink-job-articles").remove();
			if (!(groups || []).length) return;
			const $body = frm.dashboard.add_section("", __("Articles for this job"), "custom bizlink-job-articles");
			for (const group of groups) {
				$('<div class="text-muted small bizlink-article-item"></div>')
					.text(group.item_name || group.item_code)
					.appendTo($body);
				for (const article of group.articles) {
					const $article = $(`<div class="bizlink-article">
						<a class="bizlink-article-title"></a>
						<span class="text-muted small bizlink-article-helped"></span>
						<details><summary class="text-muted small"></summary><div class="bizlink-article-text"></div></details>
					</div>`).attr("data-article", article.name);
					$article
						.find(".bizlink-article-title")
						.attr("href", `/app/knowledge-article/${encodeURIComponent(article.name)}`)
						.text(article.title || article.name);
					if (article.helped_count) {
						$article.find(".bizlink-article-helped").text(` · ${__("Times it helped: {0}", [article.helped_count])}`);
					}
					$article.find("summary").text(__("Problem and steps"));
					$article.find(".bizlink-article-text").append(bizlink.rich_text(article.problem), bizlink.rich_text(article.steps));
					$body.append($article);
				}
			}
		})
		.catch(() => {}); // a reader who may not read articles sees the job without them
}
