frappe.listview_settings["Field Visit"] = {
	add_fields: ["status", "scheduled_start", "address_display", "visit_type", "due_date", "docstatus"],
	has_indicator_for_draft: true,
	// the list filters by customer and status; the Filter button reaches every other field
	hide_name_filter: true,
	onload(listview) {
		if (frappe.user.has_role(["Installation Manager", "System Manager"])) {
			listview.page.add_inner_button(__("Dispatch Board"), () => frappe.set_route("dispatch-board"));
		}
		// each job reads "who / when · where" on two lines (on a phone the other columns are hidden)
		if (document.getElementById("bizlink-job-list-style")) return;
		$("<style id='bizlink-job-list-style'></style>")
			.text(
				`[id="page-List/Field Visit/List"] .list-subject .level-item.ellipsis { white-space: pre-line; min-width: 0; flex: 1; }
				[id="page-List/Field Visit/List"] .list-subject a { white-space: pre-line; line-height: 1.4; display: block; }
				[id="page-List/Field Visit/List"] .list-row { height: auto; min-height: 40px; padding-top: 6px; padding-bottom: 6px; }`
			)
			.appendTo(document.head);
	},
	formatters: {
		// the subject is put into the page as text (textContent)
		customer_name(value, df, doc) {
			return `${value || doc.name}\n${when_and_where(doc)}`;
		},
	},
	get_indicator(doc) {
		const colors = {
			"To Schedule": "orange",
			Scheduled: "blue",
			"In Progress": "purple",
			"On Hold": "yellow",
			Completed: "green",
			Cancelled: "red",
		};
		// the desk puts the label and the filter into markup as they are (a Workflow may name the states)
		const esc = frappe.utils.escape_html;
		// an open visit past its due date (maintenance) is overdue, whatever its status
		if (doc.due_date && doc.docstatus === 0 && !["Cancelled", "Completed"].includes(doc.status) && doc.due_date < frappe.datetime.get_today()) {
			return [esc(__("Overdue")), "red", esc(`due_date,<,${frappe.datetime.get_today()}`)];
		}
		return [esc(__(doc.status)), colors[doc.status] || "gray", esc(`status,=,${doc.status}`)];
	},
};

function when_and_where(doc) {
	const when = doc.scheduled_start
		? `${frappe.datetime.str_to_user(doc.scheduled_start.slice(0, 10))} ${doc.scheduled_start.slice(11, 16)}`
		: __("Not scheduled");
	// the address as the address template writes it (lines joined by <br>): its street and its town
	const where = (doc.address_display || "")
		.split(/<br\s*\/?>|\n/i)
		.map((line) => frappe.utils.html2text(line).trim())
		.filter(Boolean)
		.slice(0, 2)
		.join(", ");
	return where ? `${when} · ${where}` : when;
}
