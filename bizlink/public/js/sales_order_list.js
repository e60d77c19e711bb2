// BizLink's fulfilment stage in the Sales Order list, with the days the order has been in it.
frappe.listview_settings["Sales Order"] = frappe.listview_settings["Sales Order"] || {};
(function (settings) {
	settings.add_fields = [...(settings.add_fields || []), "bizlink_stage", "bizlink_stage_since"];
	settings.formatters = settings.formatters || {};
	settings.formatters.bizlink_stage = function (value, df, doc) {
		if (!value) return "";
		const days = doc.bizlink_stage_since
			? frappe.datetime.get_day_diff(frappe.datetime.now_datetime(), doc.bizlink_stage_since)
			: 0;
		const color = value === "Completed" ? "green" : days > 14 ? "red" : days > 7 ? "orange" : "blue";
		return `<span class="indicator-pill ${color}">${frappe.utils.escape_html(__(value))} · ${__("{0} d", [days])}</span>`;
	};
})(frappe.listview_settings["Sales Order"]);
