frappe.query_reports["Market Segments"] = {
	filters: [
		{ fieldname: "company", label: __("Company"), fieldtype: "Link", options: "Company", default: frappe.defaults.get_user_default("Company") },
		{ fieldname: "from_date", label: __("From Date"), fieldtype: "Date", default: frappe.datetime.add_months(frappe.datetime.get_today(), -12) },
		{ fieldname: "to_date", label: __("To Date"), fieldtype: "Date", default: frappe.datetime.get_today() },
		{
			fieldname: "dimensions",
			label: __("Segment By"),
			fieldtype: "MultiSelectList",
			default: ["Customer Group", "Territory"],
			get_data: () =>
				["Age Band", "City", "Customer Group", "Territory"].map((value) => ({ value, description: __(value) })),
		},
		{
			fieldname: "view",
			label: __("Show"),
			fieldtype: "Select",
			options: [
				{ value: "Segments", label: __("Segments") },
				{ value: "Customers", label: __("Customers") },
			],
			default: "Segments",
		},
		{ fieldname: "customer_group", label: __("Customer Group"), fieldtype: "Link", options: "Customer Group" },
		{ fieldname: "territory", label: __("Territory"), fieldtype: "Link", options: "Territory" },
		{ fieldname: "city", label: __("City"), fieldtype: "Data" },
		{ fieldname: "age_band", label: __("Age Band"), fieldtype: "Select", options: ["", "Under 25", "25-34", "35-44", "45-54", "55-64", "65+"] },
	],
	onload(report) {
		if (PHONE.matches) fold_filters(report);
		// a campaign to the segment the filters describe, or to a row's segment (campaign managers only)
		if (frappe.model.can_create("Segment Campaign")) {
			report.page.add_inner_button(__("Create Campaign"), () => new_campaign(report, {}));
			$(report.page.wrapper)
				.off("click.bizlink_campaign")
				.on("click.bizlink_campaign", ".bizlink-campaign", function (event) {
					event.preventDefault();
					const data = report.datatable && report.datatable.datamanager.getData(Number(this.dataset.row));
					if (data) new_campaign(report, data);
				});
		}
		// drill down from a segment's customer count to its customers; the link carries only the row's
		// index, so no report value is ever part of markup or script (delegated: bound once per page)
		$(report.page.wrapper)
			.off("click.bizlink_drill")
			.on("click.bizlink_drill", ".bizlink-drill", function (event) {
				event.preventDefault();
				const data = report.datatable && report.datatable.datamanager.getData(Number(this.dataset.row));
				if (data) drill_down(report, data);
			});
	},
	after_datatable_render(datatable) {
		if (PHONE.matches) keep_segment_in_view(datatable);
		update_filter_button();
		// what each figure counts, as its header's tooltip (a title attribute: text, never markup)
		for (const [index, column] of datatable.getColumns().entries()) {
			const description = column.docfield && column.docfield.description;
			const header = datatable.wrapper.querySelector(`.dt-cell--header[data-col-index="${index}"]`);
			if (description && header) header.setAttribute("title", description);
		}
	},
	formatter(value, row, column, data, default_formatter) {
		// user-typed text (a city, a group's name) is shown as text, never read as markup
		if (column.fieldtype === "Data" && value != null) value = frappe.utils.escape_html(value);
		value = default_formatter(value, row, column, data);
		if (column.fieldname === "customers" && data && row && frappe.query_report.get_filter_value("view") !== "Customers") {
			value = `<a href="#" class="bizlink-drill" data-row="${cint(row.meta.rowIndex)}">${value}</a>`;
			if (frappe.model.can_create("Segment Campaign")) {
				// on the count's line: the formatted count is a block, which would push the + out of the cell
				value = `<div class="bizlink-count" style="display: flex; justify-content: flex-end; align-items: center; gap: var(--padding-xs)">${value}<a href="#" class="bizlink-campaign text-muted" data-row="${cint(
					row.meta.rowIndex
				)}" title="${frappe.utils.escape_html(__("Create Campaign"))}">${frappe.utils.icon("add", "xs")}</a></div>`;
			}
		}
		return value;
	},
};

// a new Segment Campaign prefilled with the filters' segment, narrowed by a row's own dimensions (a
// dimension the row shows as Not Set is left open, as the drill-down does); values, never markup
function new_campaign(report, segment) {
	const values = { audience: "Segment", company: report.get_filter_value("company") };
	for (const key of ["customer_group", "territory", "city", "age_band"]) {
		const value = key in segment && segment[key] !== __("Not Set") ? segment[key] : report.get_filter_value(key);
		if (value) values[key] = value;
	}
	const named = ["customer_group", "territory", "city", "age_band"].map((key) => values[key]).filter(Boolean);
	values.title = named.length ? __("Campaign to {0}", [named.join(" · ")]) : __("Campaign to all customers");
	frappe.new_doc("Segment Campaign", values);
}

function drill_down(report, segment) {
	const filters = {};
	for (const key of ["customer_group", "territory", "city", "age_band"]) {
		if (key in segment && segment[key] !== __("Not Set")) filters[key] = segment[key];
	}
	report.set_filter_value({ ...filters, view: "Customers" });
}

// On a phone the nine filters would fill the screen: they fold behind one button that says how many
// are set, and the segment's name stays in view while the figures scroll sideways.
const PHONE = window.matchMedia("(max-width: 767px)");

function fold_filters(report) {
	const $form = report.page.page_form;
	if ($form.prev(".bizlink-filter-toggle").length) return;
	$form.addClass("bizlink-folded").hide();
	$('<button class="btn btn-default btn-sm bizlink-filter-toggle" type="button"></button>')
		.css({ margin: "0 var(--padding-md) var(--padding-sm)" })
		.on("click", () => {
			$form.toggle();
			update_filter_button();
		})
		.insertBefore($form);
	update_filter_button();
}

function update_filter_button() {
	const $button = $(".bizlink-filter-toggle");
	const report = frappe.query_report;
	if (!$button.length || !report || !report.filters) return;
	const set = report.filters.filter((filter) => {
		const value = filter.get_value();
		return Array.isArray(value) ? value.length : value !== undefined && value !== null && value !== "";
	}).length;
	const shown = report.page.page_form.is(":visible");
	$button.text(shown ? __("Hide filters") : __("Filters ({0} set)", [set]));
}

function keep_segment_in_view(datatable) {
	const wrapper = datatable.wrapper;
	const first = wrapper.querySelector(".dt-cell--col-0");
	const offset = first ? first.offsetWidth : 0;
	wrapper.style.setProperty("--bizlink-first-column", `${offset}px`);
	// the header is moved sideways by a transform (not scrolled): its first two cells are moved back
	const body = wrapper.querySelector(".dt-scrollable");
	if (body && !body.dataset.bizlinkSticky) {
		body.dataset.bizlinkSticky = "1";
		body.addEventListener("scroll", () => {
			for (const cell of wrapper.querySelectorAll(".dt-header .dt-cell--col-0, .dt-header .dt-cell--col-1")) {
				cell.style.transform = `translateX(${body.scrollLeft}px)`;
			}
		});
	}
	if (document.getElementById("bizlink-segment-style")) return;
	$("<style id='bizlink-segment-style'></style>")
		.text(
			`@media (max-width: 767px) {
				.bizlink-market-segments .dt-scrollable { height: calc(100vh - 300px) !important; }
				.bizlink-market-segments-page .chart-wrapper { display: none; }
				.bizlink-market-segments .dt-header .dt-cell--col-0, .bizlink-market-segments .dt-header .dt-cell--col-1 {
					position: relative; z-index: 3; background: var(--subtle-fg); }
				.bizlink-market-segments .dt-scrollable .dt-cell--col-0 { position: sticky; left: 0; z-index: 3; background: var(--fg-color); }
				.bizlink-market-segments .dt-scrollable .dt-cell--col-1 { position: sticky; left: var(--bizlink-first-column); z-index: 3;
					background: var(--fg-color); box-shadow: 1px 0 0 var(--border-color); }
			}`
		)
		.appendTo(document.head);
	wrapper.classList.add("bizlink-market-segments");
	// the chart's bars are the table's rows, named by one letter at this width: the table alone
	$(frappe.query_report.page.wrapper).addClass("bizlink-market-segments-page");
}
