// The customer file: /app/customer-file/<customer>
frappe.pages["customer-file"].on_page_load = function (wrapper) {
	const page = frappe.ui.make_app_page({
		parent: wrapper,
		title: __("Customer File"),
		single_column: true,
	});
	wrapper.customer_file = new CustomerFile(page);
};

frappe.pages["customer-file"].on_page_show = function (wrapper) {
	const customer = frappe.get_route()[1];
	wrapper.customer_file.show(customer ? decodeURIComponent(customer) : null);
};

const esc = (value) => frappe.utils.escape_html(value == null ? "" : String(value));
const OUTCOME_COLORS = { Won: "green", Positive: "blue", Neutral: "orange", Negative: "red", Lost: "gray" };

class CustomerFile {
	constructor(page) {
		this.page = page;
		this.customer_field = page.add_field({
			fieldname: "customer",
			label: __("Customer"),
			fieldtype: "Link",
			options: "Customer",
			change: () => {
				const value = this.customer_field.get_value();
				if (value && value !== this.customer) frappe.set_route("customer-file", value);
			},
		});
		this.$body = $('<div class="bizlink-customer-file"></div>').appendTo(page.main);
		this.$body.on("click", ".bl-load-older", () => this.load_older());
		frappe.dom.set_style(`
			.bizlink-customer-file { padding: var(--padding-md) 0; }
			.bizlink-customer-file .bl-card { background: var(--card-bg); border: 1px solid var(--border-color);
				border-radius: var(--border-radius-md); padding: var(--padding-md); margin-bottom: var(--margin-md); }
			.bizlink-customer-file .bl-card h5 { margin-bottom: var(--margin-sm); }
			.bizlink-customer-file .bl-totals { display: grid; grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); gap: var(--margin-sm); }
			.bizlink-customer-file .bl-total .bl-value { font-size: var(--text-xl); font-weight: 600; }
			.bizlink-customer-file .bl-total .bl-label { color: var(--text-muted); font-size: var(--text-sm); }
			.bizlink-customer-file .bl-row { padding: var(--padding-sm) 0; border-bottom: 1px solid var(--border-color); }
			.bizlink-customer-file .bl-row:last-child { border-bottom: none; }
			.bizlink-customer-file .bl-muted { color: var(--text-muted); font-size: var(--text-sm); }
			.bizlink-customer-file .bl-notes { font-size: var(--text-sm); overflow-wrap: anywhere; }
			.bizlink-customer-file .bl-chips span { margin: 0 4px 4px 0; display: inline-block; }
			.bizlink-customer-file .bl-load-older { margin-top: var(--margin-sm); }
		`);
	}

	show(customer) {
		this.customer = customer;
		if (!customer) {
			this.$body.html(`<div class="text-muted">${__("Choose a customer.")}</div>`);
			return;
		}
		this.customer_field.set_value(customer);
		this.page.set_title(__("Customer File"));
		this.$body.html(`<div class="text-muted">${__("Loading...")}</div>`);
		frappe
			.xcall("bizlink.api.customer.get_customer_file", { customer })
			.then((file) => {
				this.file = file;
				this.render();
				this.load_playbook();
				this.load_articles();
			});
	}

	render() {
		const { profile, totals } = this.file;
		// the page's title is markup: the name goes in as text (and as it is into the browser tab)
		this.page.set_title(esc(profile.customer_name), null, false, profile.customer_name);
		this.page.clear_actions_menu();
		this.page.set_primary_action(__("Log Interaction"), () =>
			frappe.new_doc("Sales Interaction", { customer: profile.name })
		);
		this.page.add_action_item(__("Open Customer"), () =>
			frappe.set_route("Form", "Customer", profile.name)
		);
		const money = (value) => format_currency(value, totals.currency);
		this.$body.html(`
			<div class="row">
				<div class="col-md-5">${this.profile_html(profile)}</div>
				<div class="col-md-7">
					<div class="bl-card"><div class="bl-totals">
						${totals.revenue == null ? "" : this.total(money(totals.revenue), __("Revenue"))}
						${totals.orders == null ? "" : this.total(totals.orders, __("Orders"))}
						${totals.interactions_90_days == null ? "" : this.total(totals.interactions_90_days, __("Interactions in 90 days"))}
						${this.total(this.file.open_orders.rows.length, __("Open Orders"))}
					</div></div>
					${this.follow_ups_html()}
				</div>
			</div>
			${this.orders_html()}
			<div class="row">
				<div class="col-md-7">${this.timeline_html()}</div>
				<div class="col-md-5">
					<div class="bl-playbook">${this.card(__("Playbook"), `<div class="bl-muted">${__("Loading...")}</div>`)}</div>
					${this.tickets_html()}
					${this.installations_html()}
					${this.visit_ratings_html()}
					${this.installed_base_html()}
					<div class="bl-articles"></div>
				</div>
			</div>
		`);
	}

	card(title, body) {
		return `<div class="bl-card"><h5>${esc(title)}</h5>${body}</div>`;
	}

	empty(text) {
		return `<div class="bl-muted">${esc(text)}</div>`;
	}

	total(value, label) {
		return `<div class="bl-total"><div class="bl-value">${esc(value)}</div><div class="bl-label">${esc(label)}</div></div>`;
	}

	profile_html(p) {
		const line = (label, value) =>
			value ? `<div class="bl-row"><span class="bl-muted">${esc(label)}</span><br>${esc(value)}</div>` : "";
		const chips = [p.customer_group, p.territory, p.city, p.bizlink_age_band]
			.filter(Boolean)
			.map((v) => `<span class="indicator-pill gray">${esc(v)}</span>`)
			.join("");
		return this.card(
			__("Profile"),
			`<div class="bl-chips">${chips}</div>
			${line(__("Customer Type"), __(p.customer_type))}
			${line(__("Email"), p.email_id)}
			${line(__("Mobile"), p.mobile_no)}
			${line(__("Date of Birth"), p.bizlink_date_of_birth && frappe.datetime.str_to_user(p.bizlink_date_of_birth))}
			${line(__("Last Interaction"), p.bizlink_last_interaction && frappe.datetime.str_to_user(p.bizlink_last_interaction))}
			${p.disabled ? `<span class="indicator-pill red">${__("Disabled")}</span>` : ""}`
		);
	}

	follow_ups_html() {
		const rows = this.file.follow_ups.rows;
		if (!rows.length) return this.card(__("Follow-ups"), this.empty(__("No open follow-ups.")));
		const today = frappe.datetime.get_today();
		return this.card(
			__("Follow-ups"),
			rows
				.map(
					(r) => `<div class="bl-row">
						<span class="indicator-pill ${r.next_action_date < today ? "red" : "blue"}">
							${esc(frappe.datetime.str_to_user(r.next_action_date))}</span>
						<a href="/app/sales-interaction/${encodeURIComponent(r.name)}">${esc(r.next_action || r.subject)}</a>
					</div>`
				)
				.join("")
		);
	}

	orders_html() {
		const rows = this.file.open_orders.rows;
		const body = rows.length
			? rows
					.map(
						(o) => `<div class="bl-row">
							<a href="/app/sales-order/${encodeURIComponent(o.name)}"><b>${esc(o.name)}</b></a>
							<span class="indicator-pill orange">${esc(__(o.status))}</span>
							<span class="float-right">${esc(format_currency(o.grand_total, o.currency))}</span>
							<div class="bl-muted">${esc(frappe.datetime.str_to_user(o.transaction_date))} ·
								${__("Delivered")} ${esc(Math.round(o.per_delivered))}% ·
								${__("Billed")} ${esc(Math.round(o.per_billed))}%</div>
						</div>`
					)
					.join("")
			: this.empty(__("No open orders."));
		return this.card(__("Open Orders"), body);
	}

	tickets_html() {
		const rows = this.file.tickets.rows;
		const body = rows.length
			? rows
					.map(
						(t) => `<div class="bl-row">
							<a href="/app/service-ticket/${encodeURIComponent(t.name)}">${esc(t.subject)}</a>
							<span class="indicator-pill ${t.status === "Open" ? "red" : "orange"}">${esc(__(t.status))}</span>
							<div class="bl-muted">${esc(t.name)}${t.serial_no ? " · " + esc(t.serial_no) : ""}${
								t.sla_resolution_by ? " · " + __("Resolve by") + " " + esc(frappe.datetime.str_to_user(t.sla_resolution_by)) : ""
							}</div>
						</div>`
					)
					.join("")
			: this.empty(__("No open tickets."));
		return this.card(__("Open Service Tickets"), body);
	}

	installations_html() {
		const rows = this.file.installations.rows;
		const colors = { "To Schedule": "orange", Scheduled: "blue", "In Progress": "purple", "On Hold": "yellow", Completed: "green" };
		const body = rows.length
			? rows
					.map(
						(j) => `<div class="bl-row">
							<a href="/app/field-visit/${encodeURIComponent(j.name)}">${esc(j.name)}</a>
							<span class="indicator-pill ${colors[j.status] || "gray"}">${esc(__(j.status))}</span>
							<div class="bl-muted">${esc(__(j.visit_type || "Installation"))} · ${esc(j.sales_order || j.serial_no || "")}${
								j.actual_end || j.scheduled_start
									? " · " + esc(frappe.datetime.str_to_user(j.actual_end || j.scheduled_start))
									: j.due_date
									? " · " + __("Due") + " " + esc(frappe.datetime.str_to_user(j.due_date))
									: ""
							}</div>
						</div>`
					)
					.join("")
			: this.empty(__("No installations."));
		return this.card(__("Field Visits"), body);
	}

	visit_ratings_html() {
		// only for the readers of ratings (the server sends nothing to anyone else)
		const section = this.file.visit_ratings;
		if (!section || !section.allowed) return "";
		if (!section.ratings) return this.card(__("Visit Ratings"), this.empty(__("No visit rated yet.")));
		const stars = (n) => "★".repeat(n) + "☆".repeat(Math.max(5 - n, 0));
		const rows = section.last
			.map(
				(r) => `<div class="bl-row bl-visit-rating">
					<span class="bl-stars" title="${esc(r.stars)}/5">${stars(r.stars)}</span>
					<a href="/app/field-visit/${encodeURIComponent(r.name)}">${esc(r.name)}</a>
					<span class="bl-muted">${esc(__(r.visit_type || "Installation"))} · ${esc(frappe.datetime.str_to_user(r.rated_on))}</span>
					${r.rating_ticket ? `<a class="indicator-pill red" href="/app/service-ticket/${encodeURIComponent(r.rating_ticket)}">${esc(r.rating_ticket)}</a>` : ""}
					${r.rating_comment ? `<div class="bl-notes">${esc(r.rating_comment)}</div>` : ""}
				</div>`
			)
			.join("");
		return this.card(
			__("Visit Ratings"),
			`<div class="bl-row"><b>${esc(format_number(section.average, null, 1))} ★</b>
				<span class="bl-muted">${esc(__("from {0} rated visits", [section.ratings]))}</span></div>${rows}`
		);
	}

	installed_base_html() {
		const section = this.file.installed_base;
		if (!section || !section.allowed) return "";
		const body = section.rows.length
			? section.rows
					.map(
						(u) => `<div class="bl-row">
							<div>${u.serial_no ? `<a href="/app/serial-no/${encodeURIComponent(u.serial_no)}">${esc(u.serial_no)}</a> · ` : ""}${esc(
							u.item_name || u.item_code
						)}${u.serial_no ? "" : " × " + esc(String(u.qty))}</div>
							<div class="bl-muted">${__("Installed On")} ${esc(frappe.datetime.str_to_user(u.installed_on))} · ${esc(u.coverage || "")}${
							u.covered_until ? " " + __("until") + " " + esc(frappe.datetime.str_to_user(u.covered_until)) : ""
						}${u.next_maintenance ? " · " + __("Next Maintenance") + " " + esc(frappe.datetime.str_to_user(u.next_maintenance)) : ""}${
							u.repairs ? " · " + __("Repairs") + " " + esc(String(u.repairs)) : ""
						}</div>
						</div>`
					)
					.join("")
			: this.empty(__("No installed equipment."));
		return this.card(__("Installed Equipment"), body);
	}

	timeline_html() {
		const { rows, has_more } = this.file.interactions;
		if (!rows.length) return this.card(__("Interactions"), this.empty(__("No interactions yet.")));
		return this.card(
			__("Interactions"),
			`<div class="bl-timeline">${this.interactions_html(rows)}</div>
			<button class="btn btn-default btn-xs bl-load-older" ${has_more ? "" : 'style="display: none"'}>
				${__("Load older")}</button>`
		);
	}

	interactions_html(rows) {
		return rows
			.map(
				(i) => `<div class="bl-row">
					<div>
						<span class="indicator-pill ${OUTCOME_COLORS[i.outcome_category] || "gray"}">
							${esc(i.outcome ? __(i.outcome) : __("No Outcome"))}</span>
						<b>${esc(__(i.interaction_type))}</b> ·
						<a href="/app/sales-interaction/${encodeURIComponent(i.name)}">${esc(i.subject)}</a>
					</div>
					<div class="bl-muted">${esc(frappe.datetime.str_to_user(i.interaction_date))}
						${i.sales_person ? " · " + esc(i.sales_person) : ""}
						${i.duration ? " · " + esc(i.duration) + " " + __("min") : ""}</div>
					${i.notes ? `<div class="bl-notes">${esc(frappe.utils.html2text(i.notes).slice(0, 300))}</div>` : ""}
				</div>`
			)
			.join("");
	}

	// the timeline's next page, older than its last row (the server's cursor), appended under it
	load_older() {
		const timeline = this.file && this.file.interactions;
		if (!timeline || !timeline.has_more || this.loading_older) return;
		const customer = this.customer;
		const $button = this.$body.find(".bl-load-older").prop("disabled", true);
		this.loading_older = true;
		frappe
			.xcall("bizlink.api.customer.get_customer_interactions", { customer, before: timeline.cursor })
			.then((page) => {
				if (customer !== this.customer || this.file.interactions !== timeline) return; // moved on
				timeline.rows.push(...page.rows);
				timeline.has_more = page.has_more;
				timeline.cursor = page.cursor;
				this.$body.find(".bl-timeline").append(this.interactions_html(page.rows));
				$button.toggle(Boolean(page.has_more));
			})
			.finally(() => {
				this.loading_older = false;
				$button.prop("disabled", false);
			});
	}

	load_playbook() {
		// the playbook is the sales team's (it reads interactions): others get no card, and no refusal
		if (!frappe.model.can_read("Sales Interaction")) {
			this.$body.find(".bl-playbook").empty();
			return;
		}
		frappe
			.xcall("bizlink.api.customer.get_customer_playbook", { customer: this.customer, limit: 5 })
			.then((playbook) => this.$body.find(".bl-playbook").html(this.playbook_html(playbook)))
			.catch(() => this.$body.find(".bl-playbook").empty());
	}

	// the published knowledge articles for the customer's products (staff who may read articles)
	load_articles() {
		const customer = this.customer;
		if (!frappe.model.can_read("Knowledge Article")) return;
		frappe
			.xcall("bizlink.api.knowledge_jobs.for_customer", { customer })
			.then((groups) => {
				if (customer === this.customer) this.$body.find(".bl-articles").replaceWith(this.articles_card(groups));
			})
			.catch(() => this.$body.find(".bl-articles").empty());
	}

	articles_card(groups) {
		const $card = $(this.card(__("Articles for this customer's products"), "")).addClass("bl-articles");
		if (!groups.length) return $card.append(this.empty(__("No articles for this customer's products.")));
		for (const group of groups) {
			$('<div class="bl-muted bl-article-item"></div>').text(group.item_name || group.item_code).appendTo($card);
			for (const article of group.articles) {
				const $row = $(`<div class="bl-row bl-article">
					<a class="bl-article-title"></a> <span class="bl-muted bl-article-helped"></span>
					<details><summary class="bl-muted"></summary><div class="bl-notes bl-article-text"></div></details>
				</div>`).attr("data-article", article.name);
				$row.find(".bl-article-title")
					.attr("href", `/app/knowledge-article/${encodeURIComponent(article.name)}`)
					.text(article.title || article.name);
				if (article.helped_count) {
					$row.find(".bl-article-helped").text(__("Times it helped: {0}", [article.helped_count]));
				}
				$row.find("summary").text(__("Problem and steps"));
				$row.find(".bl-article-text").append(bizlink.rich_text(article.problem), bizlink.rich_text(article.steps));
				$card.append($row);
			}
		}
		return $card;
	}

	playbook_html(pb) {
		if (!pb.similar.length) return this.card(__("Playbook"), this.empty(__("No similar customers yet.")));
		const similar = pb.similar
			.map(
				(s) => `<div class="bl-row">
					<a href="/app/customer-file/${encodeURIComponent(s.customer)}">${esc(s.customer_name)}</a>
					<span class="indicator-pill blue">${esc(s.score)}</span>
					<div class="bl-muted">${s.reasons.map(esc).join(" · ")}</div>
				</div>`
			)
			.join("");
		const types = pb.types_before_orders
			.map((t) => `<span class="indicator-pill green">${esc(__(t.interaction_type))}: ${esc(t.orders)}</span>`)
			.join(" ");
		const sequences = pb.sequences
			.map((s) => `<div>${s.sequence.map((t) => esc(__(t))).join(" → ")} <span class="bl-muted">(${esc(s.orders)})</span></div>`)
			.join("");
		const lost = pb.lost_reasons
			.map((l) => `<span class="indicator-pill gray">${esc(__(l.outcome))}: ${esc(l.count)}</span>`)
			.join(" ");
		const channels = (pb.campaign_channels || [])
			.map((c) => `<div class="bl-campaign-channel">${esc(c.explanation)}</div>`)
			.join("");
		const days =
			pb.median_days_to_order == null
				? ""
				: `<div class="bl-row">${__("Median days from first interaction to order")}: <b>${esc(pb.median_days_to_order)}</b></div>`;
		return this.card(
			__("Playbook"),
			`<div class="bl-muted">${__("Similar customers")}</div>${similar}
			${types ? `<div class="bl-row"><div class="bl-muted">${__("Interactions before their orders")}</div>${types}</div>` : ""}
			${sequences ? `<div class="bl-row"><div class="bl-muted">${__("Most common sequences")}</div>${sequences}</div>` : ""}
			${days}
			${lost ? `<div class="bl-row"><div class="bl-muted">${__("Common lost reasons")}</div>${lost}</div>` : ""}
			${channels ? `<div class="bl-row bl-campaign-channels"><div class="bl-muted">${__("Campaigns with these customers")}</div>${channels}</div>` : ""}`
		);
	}
}

