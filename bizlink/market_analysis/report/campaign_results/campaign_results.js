frappe.query_reports["Campaign Results"] = {
	filters: [
		{ fieldname: "company", label: __("Company"), fieldtype: "Link", options: "Company" },
		{ fieldname: "campaign", label: __("Segment Campaign"), fieldtype: "Link", options: "Segment Campaign" },
		{
			fieldname: "channel",
			label: __("Channel"),
			fieldtype: "Select",
			options: [
				{ value: "", label: "" },
				{ value: "Call List", label: __("Call List") },
				{ value: "Visit List", label: __("Visit List") },
				{ value: "Email", label: __("Email") },
			],
		},
		{ fieldname: "from_date", label: __("Started From"), fieldtype: "Date" },
		{ fieldname: "to_date", label: __("Started To"), fieldtype: "Date" },
		{ fieldname: "customer_group", label: __("Customer Group"), fieldtype: "Link", options: "Customer Group" },
		{ fieldname: "territory", label: __("Territory"), fieldtype: "Link", options: "Territory" },
		{ fieldname: "city", label: __("City"), fieldtype: "Data" },
		{ fieldname: "age_band", label: __("Age Band"), fieldtype: "Select", options: ["", "Under 25", "25-34", "35-44", "45-54", "55-64", "65+"] },
	],
	onload(report) {
		// on a phone the ten filters would fill the screen: they fold behind one button that says how many are set
		if (window.matchMedia("(max-width: 767px)").matches) fold_filters(report);
	},
	after_datatable_render(datatable) {
		if (frappe.query_report && frappe.query_report.bizlink_filter_label) frappe.query_report.bizlink_filter_label();
		if (window.matchMedia("(max-width: 767px)").matches) keep_campaign_in_view(datatable);
		// what each figure counts, as its header's tooltip (a title attribute: text, never markup)
		for (const [index, column] of datatable.getColumns().entries()) {
			const description = column.docfield && column.docfield.description;
			const header = datatable.wrapper.querySelector(`.dt-cell--header[data-col-index="${index}"]`);
			if (description && header) header.setAttribute("title", description);
		}
	},
	formatter(value, row, column, data, default_formatter) {
		// user-typed text (a title, a city) is shown as text, never read as markup
		if (column.fieldtype === "Data" && value != null) {
			value = frappe.utils.escape_html(column.fieldname === "channel" || column.fieldname === "status" ? __(value) : value);
		}
		return default_formatter(value, row, column, data);
	},
};

function fold_filters(report) {
	const $form = report.page.page_form;
	if ($form.prev(".bizlink-filter-toggle").length) return;
	const $button = $('<button class="btn btn-default btn-sm bizlink-filter-toggle" type="button"></button>')
		.css({ margin: "0 var(--padding-md) var(--padding-sm)" })
		.insertBefore($form.hide());
	const label = () => {
		const set = (report.filters || []).filter((filter) => {
			const value = filter.get_value();
			return value !== undefined && value !== null && value !== "";
		}).length;
		$button.text($form.is(":visible") ? __("Hide filters") : __("Filters ({0} set)", [set]));
	};
	$button.on("click", () => {
		$form.toggle();
		label();
	});
	report.bizlink_filter_label = label; // the count follows the filters at each refresh
	label();
}

// on a phone the campaign stays in view while its figures scroll sideways (as Market Segments' segment)
function keep_campaign_in_view(datatable) {
	const wrapper = datatable.wrapper;
	const first = wrapper.querySelector(".dt-cell--col-0");
	wrapper.style.setProperty("--bizlink-first-column", `${first ? first.offsetWidth : 0}px`);
	const body = wrapper.querySelector(".dt-scrollable");
	if (body && !body.dataset.bizlinkSticky) {
		body.dataset.bizlinkSticky = "1";
		// the header is moved sideways by a transform (not scrolled): its first two cells are moved back
		body.addEventListener("scroll", () => {
			for (const cell of wrapper.querySelectorAll(".dt-header .dt-cell--col-0, .dt-header .dt-cell--col-1")) {
				cell.style.transform = `translateX(${body.scrollLeft}px)`;
			}
		});
	}
	wrapper.classList.add("bizlink-campaign-results");
	if (document.getElementById("bizlink-campaign-results-style")) return;
	$("<style id='bizlink-campaign-results-style'></style>")
		.text(
			`@media (max-width: 767px) {
				.bizlink-campaign-results .dt-header .dt-cell--col-0, .bizlink-campaign-results .dt-header .dt-cell--col-1 {
					position: relative; z-index: 3; background: var(--subtle-fg); }
				.bizlink-campaign-results .dt-scrollable .dt-cell--col-0 { position: sticky; left: 0; z-index: 3; background: var(--fg-color); }
				.bizlink-campaign-results .dt-scrollable .dt-cell--col-1 { position: sticky; left: var(--bizlink-first-column); z-index: 3;
					background: var(--fg-color); box-shadow: 1px 0 0 var(--border-color); }
			}`
		)
		.appendTo(document.head);
}
