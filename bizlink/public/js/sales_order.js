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
			frappe.model.can_create("Field Visit")
		) {
			frm.add_custom_button(
				__("Installation Visit"),
				() =>
					frappe
						.xcall("bizlink.api.installation.make_field_visit", {
							sales_order: frm.doc.name,
						})
						.then((name) => frappe.set_route("Form", "Field Visit", name)),
				__("Create")
			);
		}
		if (frm.doc.docstatus > 0 && !frm.is_new()) bizlink.render_stage_timeline(frm);
		if (frm.doc.docstatus === 1 && frappe.model.can_create("Service Ticket")) {
			frm.add_custom_button(
				__("Service Ticket"),
				() => frappe.new_doc("Service Ticket", { customer: frm.doc.customer, sales_order: frm.doc.name }),
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

frappe.provide("bizlink");

bizlink.render_stage_timeline = function (frm) {
	// the timeline comes with the document (its onload); asked for only when it did not
	const loaded = frm.doc.__onload && frm.doc.__onload.bizlink_stage_timeline;
	const rows = loaded
		? Promise.resolve(loaded)
		: frappe.xcall("bizlink.api.fulfilment.get_stage_timeline", { sales_order: frm.doc.name });
	rows.then((rows) => {
		if (!rows.length) return;
		const esc = frappe.utils.escape_html;
		const duration = (hours) =>
			hours >= 48 ? __("{0} days", [Math.round(hours / 24)]) : __("{0} h", [Math.round(hours)]);
		// In Transit names the trip or shipment carrying the goods
		const leg = (r) =>
			r.stage === "In Transit" && r.reference_doctype && r.reference_name
				? `<div class="small"><a href="/app/${encodeURIComponent(frappe.router.slug(r.reference_doctype))}/${encodeURIComponent(r.reference_name)}">${esc(__(r.reference_doctype))} ${esc(r.reference_name)}</a></div>`
				: "";
		const steps = rows
			.map(
				(r) => `<div class="bizlink-stage ${r.left_on ? "" : "current"} ${r.is_reversal ? "reversal" : ""}">
					<div class="bizlink-stage-name">${esc(__(r.stage))}${r.is_reversal ? " ↩" : ""}</div>
					<div class="text-muted small">${esc(frappe.datetime.str_to_user(r.entered_on))}</div>
					<div class="small">${esc(duration(r.duration_hours || 0))}</div>
					${leg(r)}
					${r.note ? `<div class="text-muted small">${esc(r.note)}</div>` : ""}
				</div>`
			)
			.join("");
		const wrapper = frm.fields_dict.bizlink_stage_timeline && frm.fields_dict.bizlink_stage_timeline.$wrapper;
		if (!wrapper) return;
		wrapper.html(
			`<div class="text-muted small" style="margin-bottom: 4px;">${esc(__("Fulfilment"))}</div><style>
				.bizlink-stages { display: flex; flex-wrap: wrap; gap: 8px; }
				.bizlink-stage { flex: 1 1 120px; border-left: 3px solid var(--green-500); padding: 4px 8px; background: var(--subtle-fg); border-radius: 4px; }
				.bizlink-stage.current { border-left-color: var(--blue-500); }
				.bizlink-stage.reversal { border-left-color: var(--red-500); }
				.bizlink-stage-name { font-weight: 600; }
			</style><div class="bizlink-stages">${steps}</div>`
		);
	});
};
