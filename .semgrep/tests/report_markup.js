// Fixtures for .semgrep/report_markup.yml (semgrep --test); never loaded.
frappe.query_reports["Fixture"] = {
	formatter(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		const segment = encodeURIComponent(JSON.stringify(data));
		// ruleid: bizlink-template-inline-handler
		value = `<a href="#" onclick="bizlink_drill_down(decodeURIComponent('${segment}')); return false;">${value}</a>`;
		// ruleid: bizlink-template-inline-handler
		const img = `<img src="${data.image}" onerror='this.src="${data.fallback}"'>`;
		// ruleid: bizlink-template-inline-handler
		const unquoted = `<button onClick=${data.handler}>${__("Go")}</button>`;
		// ruleid: bizlink-javascript-url
		const link = `<a href="javascript:open_customer('${data.customer}')">${value}</a>`;
		// ruleid: bizlink-javascript-url
		const plain = '<a href="javascript:void(0)">' + __("Open") + "</a>";
		// ok: bizlink-template-inline-handler
		const safe = `<a href="#" class="bizlink-drill" data-row="${cint(row.meta.rowIndex)}">${value}</a>`;
		// ok: bizlink-template-inline-handler
		const fixed_handler = `<button onclick="frappe.set_route('List', 'Customer')">${__("All")}</button>`;
		// ok: bizlink-javascript-url
		const route = `<a href="/app/customer/${encodeURIComponent(data.customer)}">${frappe.utils.escape_html(data.customer)}</a>`;
		return [value, img, unquoted, link, plain, safe, fixed_handler, route].join("");
	},
};
