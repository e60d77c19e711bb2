// Knowledge Search: /app/knowledge-search?q=<words>&item=<item>
// Past resolutions and articles matching a problem in words (Spanish text search), each with why it scored.
frappe.pages["knowledge-search"].on_page_load = function (wrapper) {
	const page = frappe.ui.make_app_page({ parent: wrapper, title: __("Knowledge Search"), single_column: true });
	wrapper.knowledge_search = new KnowledgeSearch(page);
};

frappe.pages["knowledge-search"].on_page_show = function (wrapper) {
	const { q, item } = frappe.utils.get_query_params();
	wrapper.knowledge_search.show(q || "", item || "");
};

class KnowledgeSearch {
	constructor(page) {
		this.page = page;
		this.query_field = page.add_field({
			fieldname: "query",
			label: __("Describe the problem"),
			fieldtype: "Data",
			change: () => this.search(),
		});
		this.item_field = page.add_field({
			fieldname: "item",
			label: __("Item"),
			fieldtype: "Link",
			options: "Item",
			change: () => this.search(),
		});
		$(this.query_field.input).attr("maxlength", 4000);
		this.$body = $('<div class="bizlink-knowledge-search"></div>').appendTo(page.main);
		frappe.dom.set_style(`
			.bizlink-knowledge-search { padding: var(--padding-md) 0; }
			.bizlink-knowledge-search .bl-card { background: var(--card-bg); border: 1px solid var(--border-color);
				border-radius: var(--border-radius-md); padding: var(--padding-md); margin-bottom: var(--margin-md); }
			.bizlink-knowledge-search .bl-row { padding: var(--padding-sm) 0; border-bottom: 1px solid var(--border-color); overflow-wrap: anywhere; }
			.bizlink-knowledge-search .bl-row:last-child { border-bottom: none; }
			.bizlink-knowledge-search .bl-why { color: var(--text-muted); font-size: var(--text-sm); }
		`);
		this.seq = 0;
	}

	show(query, item) {
		this.query_field.set_value(query);
		this.item_field.set_value(item);
		this.search();
	}

	search() {
		const query = (this.query_field.get_value() || "").trim();
		const item = this.item_field.get_value() || null;
		if (!query && !item) {
			this.$body.html(`<div class="text-muted">${__("Type the customer's problem in their words, for example: la caldera pierde presión.")}</div>`);
			return;
		}
		const seq = ++this.seq; // an older answer arriving late does not replace a newer one
		this.$body.html(`<div class="text-muted">${__("Searching...")}</div>`);
		frappe.xcall("bizlink.api.knowledge.search", { query, item }).then((found) => {
			if (seq !== this.seq) return;
			this.render(found);
		});
	}

	render({ tickets, articles }) {
		const esc = (value) => frappe.utils.escape_html(value == null ? "" : String(value));
		const why = (r) =>
			`<div class="bl-why">${esc(__("Score {0}", [format_number(r.score, null, 1)]))}: ${r.reasons.map(esc).join(" · ")}</div>`;
		const article_rows = articles.map(
			(a) => `<div class="bl-row">
				<a href="/app/knowledge-article/${encodeURIComponent(a.name)}"><b>${esc(a.title)}</b></a>
				<span class="indicator-pill ${a.visibility === "Public" ? "green" : "gray"}">${esc(__(a.visibility))}</span>
				${why(a)}
				<div class="small">${esc(frappe.utils.html2text(a.steps)).slice(0, 400)}</div>
			</div>`
		);
		const ticket_rows = tickets.map(
			(t) => `<div class="bl-row">
				<a href="/app/service-ticket/${encodeURIComponent(t.name)}"><b>${esc(t.subject)}</b></a>
				<span class="text-muted small">${esc(t.name)}${t.item ? " · " + esc(t.item) : ""}</span>
				${why(t)}
				<div class="small">${esc(frappe.utils.html2text(t.resolution))}</div>
			</div>`
		);
		const card = (title, rows, empty) =>
			`<div class="bl-card"><h5>${esc(title)}</h5>${rows.length ? rows.join("") : `<div class="text-muted">${esc(empty)}</div>`}</div>`;
		this.$body.html(
			card(__("Articles"), article_rows, __("No published article matches.")) +
				card(__("How similar tickets were resolved"), ticket_rows, __("No resolved ticket matches."))
		);
	}
}
