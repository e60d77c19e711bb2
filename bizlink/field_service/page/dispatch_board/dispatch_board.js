// The dispatch board: /app/dispatch-board
//
// On the left the work to schedule; on the right the technicians' rows across a week or a day, and a
// map of a day. A job is booked by dragging its card onto a technician's row at a time (on a touch
// screen: tap the card, then the row), moved by dragging its block. Every rule is the server's
// (bizlink.api.dispatch.book): a refused drop goes back where it was, with the server's reason.
//
// Page scripts share the desk's global scope: everything here stays inside this function.
(() => {
	const esc = (value) => frappe.utils.escape_html(value == null ? "" : String(value));
	const SNAP = 30; // minutes: bookings start on the hour or the half hour
	const DEFAULT_LENGTH = 120; // a job never booked is drawn this long until the server says
	const LANE = 40; // px: a block's height and gap in its row (the day view)
	const HOUR = 15; // px: an hour's height in a day of the week view (each day runs downwards)
	const COLORS = ["#2490ef", "#e8590c", "#2f9e44", "#ae3ec9", "#d9480f", "#0c8599", "#c2255c", "#5c7cfa"];
	const PRIORITY_COLORS = { High: "red", Medium: "orange", Low: "gray" };
	const MOVABLE = ["To Schedule", "Scheduled"];

	// "08:00:00" or "8:00:00" (a Time read back as a duration) -> minutes after midnight
	const minutes_of = (time) => {
		const [h, m] = String(time || "").split(":");
		return (parseInt(h, 10) || 0) * 60 + (parseInt(m, 10) || 0);
	};
	const clock = (minutes) =>
		`${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
	// "2026-12-04 09:30:00" -> { date: "2026-12-04", minutes: 570 }
	const split_dt = (value) => {
		const [date, time] = String(value || "").split(" ");
		return { date, minutes: minutes_of(time) };
	};
	const plus_minutes = (datetime, minutes) =>
		moment(datetime, "YYYY-MM-DD HH:mm:ss").add(minutes, "minutes").format("YYYY-MM-DD HH:mm:ss");
	const length_of = (booking) =>
		moment(booking.end, "YYYY-MM-DD HH:mm:ss").diff(moment(booking.start, "YYYY-MM-DD HH:mm:ss"), "minutes");
	// a date in the user's language ("vie, 4 dic"), at noon: no time zone moves it to another day
	const date_label = (date, options) => {
		const day = new Date(`${date}T12:00:00`);
		try {
			return new Intl.DateTimeFormat(frappe.boot.lang || "en", options).format(day);
		} catch (e) {
			return new Intl.DateTimeFormat("en", options).format(day); // a language Intl does not know
		}
	};
	const has_point = (job) => !!(flt(job.latitude) || flt(job.longitude));
	// a status as a class name ("New Slot Requested" -> "new-slot-requested"), nothing else let through
	const slug = (value) =>
		String(value || "")
			.toLowerCase()
			.replace(/\s+/g, "-")
			.replace(/[^a-z0-9-]/g, "");

	frappe.pages["dispatch-board"].on_page_load = function (wrapper) {
		const page = frappe.ui.make_app_page({
			parent: wrapper,
			title: __("Dispatch Board"),
			single_column: true,
		});
		wrapper.dispatch_board = new DispatchBoard(page);
	};

	frappe.pages["dispatch-board"].on_page_show = function (wrapper) {
		wrapper.dispatch_board.show(frappe.route_options || {});
		frappe.route_options = null;
	};

	class DispatchBoard {
		constructor(page) {
			this.page = page;
			this.view = "week";
			this.date = frappe.datetime.get_today();
			this.territory = "";
			this.data = null;
			this.fits = {}; // visit -> the technicians it fits, as last read among the work to schedule
			this.make_fields();
			this.make_layout();
			this.bind();
		}

		show(options) {
			if (options.date) this.date = options.date;
			if (["week", "day", "map"].includes(options.view)) this.view = options.view;
			this.date_field.set_value(this.date);
			this.load();
		}

		make_fields() {
			this.date_field = this.page.add_field({
				fieldname: "date",
				label: __("Date"),
				fieldtype: "Date",
				default: this.date,
				change: () => {
					const value = this.date_field.get_value();
					if (value && value !== this.date) {
						this.date = value;
						this.load();
					}
				},
			});
			this.territory_field = this.page.add_field({
				fieldname: "territory",
				label: __("Territory"),
				fieldtype: "Link",
				options: "Territory",
				change: () => {
					const value = this.territory_field.get_value() || "";
					if (value !== this.territory) {
						this.territory = value;
						this.load();
					}
				},
			});
		}

		make_layout() {
			this.$body = $(`
				<div class="bl-dispatch">
					<div class="bl-toolbar">
						<div class="btn-group bl-nav">
							<button class="btn btn-default btn-sm" data-nav="-1" title="${__("Previous")}"
								aria-label="${__("Previous")}">${frappe.utils.icon("left", "sm")}</button>
							<button class="btn btn-default btn-sm" data-nav="0">${__("Today")}</button>
							<button class="btn btn-default btn-sm" data-nav="1" title="${__("Next")}"
								aria-label="${__("Next")}">${frappe.utils.icon("right", "sm")}</button>
						</div>
						<button class="btn btn-default btn-sm" data-action="refresh" title="${__("Refresh")}"
							aria-label="${__("Refresh")}">${frappe.utils.icon("refresh", "sm")}</button>
						<div class="bl-range"></div>
						<div class="btn-group bl-views" role="group">
							<button class="btn btn-default btn-sm" data-view="week">${__("Week")}</button>
							<button class="btn btn-default btn-sm" data-view="day">${__("Day")}</button>
							<button class="btn btn-default btn-sm" data-view="map">${__("Map")}</button>
						</div>
					</div>
					<div class="bl-hint hidden">
						<span class="bl-hint-text"></span>
						<button class="btn btn-xs btn-default" data-action="cancel-select">${__("Cancel")}</button>
					</div>
					<div class="bl-panes">
						<div class="bl-work">
							<div class="bl-work-head">
								<span class="bl-work-title">${__("To Schedule")}</span>
								<span class="bl-count"></span>
							</div>
							<div class="bl-cards"></div>
						</div>
						<div class="bl-main">
							<div class="bl-timeline-box"><div class="bl-timeline"></div></div>
							<div class="bl-map-pane hidden">
								<div class="bl-map-box">
									<div class="bl-map"></div>
									<div class="bl-map-note hidden"></div>
								</div>
								<div class="bl-map-side">
									<div class="bl-legend"></div>
									<div class="bl-unmapped"></div>
								</div>
							</div>
						</div>
					</div>
				</div>
			`).appendTo(this.page.main);
			this.$range = this.$body.find(".bl-range");
			this.$hint = this.$body.find(".bl-hint");
			this.$cards = this.$body.find(".bl-cards");
			this.$count = this.$body.find(".bl-count");
			this.$timeline_box = this.$body.find(".bl-timeline-box");
			this.$timeline = this.$body.find(".bl-timeline");
			this.$map_pane = this.$body.find(".bl-map-pane");
			this.$map_note = this.$body.find(".bl-map-note");
			this.$legend = this.$body.find(".bl-legend");
			this.$unmapped = this.$body.find(".bl-unmapped");
		}

		// Reading the board -----------------------------------------------------------------------

		load() {
			const days = this.view === "week" ? 7 : 1;
			const token = (this.token = (this.token || 0) + 1);
			this.$range.text(this.range_label());
			this.$body.find("[data-view]").each((i, button) => {
				$(button).toggleClass("btn-primary", button.dataset.view === this.view);
				$(button).toggleClass("btn-default", button.dataset.view !== this.view);
			});
			this.$body.attr("data-loading", "1"); // (a browser test waits for the board to settle)
			return frappe
				.xcall("bizlink.api.dispatch.get_board", {
					start: this.date,
					days,
					territory: this.territory || null,
				})
				.then((data) => {
					if (token !== this.token) return; // a later read is on its way
					this.data = data;
					for (const job of data.unscheduled) this.fits[job.name] = job.fits;
					this.render();
				})
				.finally(() => token === this.token && this.$body.removeAttr("data-loading"));
		}

		days() {
			const count = this.view === "week" ? 7 : 1;
			return Array.from({ length: count }, (_, i) => frappe.datetime.add_days(this.date, i));
		}

		range_label() {
			const days = this.days();
			if (days.length === 1) {
				return date_label(days[0], { weekday: "long", day: "numeric", month: "long", year: "numeric" });
			}
			const first = date_label(days[0], { day: "numeric", month: "short" });
			const last = date_label(days.at(-1), { day: "numeric", month: "short", year: "numeric" });
			return `${first} – ${last}`;
		}

		technician(user) {
			return (this.data.technicians || []).find((t) => t.user === user);
		}

		name_of(user) {
			const technician = this.technician(user);
			return (technician && technician.technician_name) || user;
		}

		booking(visit) {
			return this.data.bookings.find((b) => b.name === visit);
		}

		render() {
			if (!this.data) return;
			this.render_cards();
			const map = this.view === "map";
			this.$timeline_box.toggleClass("hidden", map);
			this.$map_pane.toggleClass("hidden", !map);
			if (map) this.render_map();
			else this.render_timeline();
			if (this.selected) this.highlight(this.selected.visit);
		}

		// The work to schedule --------------------------------------------------------------------

		render_cards() {
			const jobs = this.data.unscheduled;
			const total = this.data.unscheduled_total;
			this.$count.text(
				total > jobs.length ? __("{0} of {1}", [jobs.length, total]) : String(jobs.length)
			);
			if (!jobs.length) {
				this.$cards.html(`<div class="bl-muted bl-empty">${__("Nothing to schedule.")}</div>`);
				return;
			}
			this.$cards.html(jobs.map((job) => this.card_html(job)).join(""));
		}

		card_html(job) {
			const where = [job.city, job.territory].filter(Boolean).map(esc).join(" · ");
			const due = job.due_date
				? `<span>${__("Due {0}", [esc(frappe.datetime.str_to_user(job.due_date))])}</span>`
				: "";
			const groups = (job.item_groups || [])
				.map((group) => `<span class="bl-chip">${esc(group)}</span>`)
				.join("");
			const selected = this.selected && this.selected.visit === job.name ? "bl-selected" : "";
			return `<div class="bl-card ${selected}" draggable="true" tabindex="0" data-visit="${esc(job.name)}">
				<div class="bl-card-top">
					<span class="indicator-pill ${PRIORITY_COLORS[job.priority] || "gray"}">${esc(__(job.priority || "Medium"))}</span>
					<span class="bl-card-type">${esc(__(job.visit_type || "Installation"))}</span>
					<a class="bl-card-link" href="/app/field-visit/${encodeURIComponent(job.name)}">${esc(job.name)}</a>
				</div>
				<div class="bl-card-customer">${esc(job.customer_name || job.name)}</div>
				<div class="bl-muted">${where}${where && due ? " · " : ""}${due}</div>
				${groups ? `<div class="bl-chips">${groups}</div>` : ""}
				${job.no_skill ? `<div class="bl-no-skill">${__("No technician has the skill")}</div>` : ""}
				${has_point(job) ? "" : `<div class="bl-muted bl-no-point">${__("Not on the map")}</div>`}
			</div>`;
		}

		// The timeline ----------------------------------------------------------------------------

		axis_of() {
			// one clock for every row: the earliest start to the latest end of the technicians' days
			// (and of bookings outside them), in whole hours
			const technicians = this.data.technicians;
			let start = technicians.length ? Math.min(...technicians.map((t) => minutes_of(t.work_start))) : 480;
			let end = technicians.length ? Math.max(...technicians.map((t) => minutes_of(t.work_end))) : 1020;
			for (const booking of this.data.bookings) {
				const from = split_dt(booking.start);
				const to = split_dt(booking.end);
				if (from.date === to.date) {
					start = Math.min(start, from.minutes);
					end = Math.max(end, to.minutes);
				}
			}
			start = Math.floor(start / 60) * 60;
			end = Math.max(Math.ceil(end / 60) * 60, start + 60);
			return { start, end, length: end - start };
		}

		pct(minutes) {
			return `${(((minutes - this.axis.start) / this.axis.length) * 100).toFixed(3)}%`;
		}

		// A stretch of the clock as a position in a cell: across in the day view, down in the week view
		span(start, end) {
			const [from, size] = this.vertical ? ["top", "height"] : ["left", "width"];
			return `${from}: ${this.pct(start)}; ${size}: ${this.pct(this.axis.start + end - start)}`;
		}

		render_timeline() {
			const technicians = this.data.technicians;
			const days = this.days();
			const axis = (this.axis = this.axis_of());
			const hours = axis.length / 60;
			this.vertical = this.view === "week";
			const el = this.$timeline[0];
			el.classList.toggle("bl-week", this.view === "week");
			el.classList.toggle("bl-day", this.view === "day");
			el.style.setProperty("--bl-days", days.length);
			el.style.setProperty("--bl-hours", hours);
			el.style.setProperty("--bl-hour-h", `${HOUR}px`);
			if (!technicians.length) {
				this.$timeline.html(`<div class="bl-empty bl-muted">
					${__("No Field Technicians here yet: add each technician's working hours and skills as a Field Technician.")}
					<a href="/app/field-technician/new">${__("New Field Technician")}</a></div>`);
				return;
			}
			const today = frappe.datetime.get_today();
			const head = days
				.map((day) => {
					const ticks =
						this.view === "day"
							? Array.from({ length: hours }, (_, i) => axis.start + i * 60)
									.map((m) => `<span class="bl-tick" style="left: ${this.pct(m)}">${clock(m)}</span>`)
									.join("")
							: "";
					return `<div class="bl-day-head ${day === today ? "bl-today" : ""}" data-date="${day}">
						<span class="bl-day-name">${esc(date_label(day, { weekday: "short", day: "numeric", month: "short" }))}</span>
						${ticks}</div>`;
				})
				.join("");
			const rows = technicians.map((t) => this.row_html(t, days)).join("");
			this.$timeline.html(`
				<div class="bl-row bl-head">
					<div class="bl-tech">${__("Technician")}</div>
					<div class="bl-cells">${this.vertical ? `<div class="bl-gutter"></div>` : ""}${head}</div>
				</div>
				${rows}`);
		}

		row_html(technician, days) {
			const off = new Set(technician.days_off || []);
			const skills = (technician.skills || []).length
				? technician.skills.map((s) => `<span class="bl-chip">${esc(s)}</span>`).join("")
				: `<span class="bl-muted">${__("Any skill")}</span>`;
			const hours = `${clock(minutes_of(technician.work_start))}–${clock(minutes_of(technician.work_end))}`;
			const cells = days.map((day) => this.cell_html(technician, day, off.has(day))).join("");
			// the week's days run downwards: the hours are written beside them, every two
			const gutter = this.vertical
				? `<div class="bl-gutter" style="height: ${(this.axis.length / 60) * HOUR}px">${Array.from(
						{ length: Math.ceil(this.axis.length / 120) },
						(_, i) => this.axis.start + i * 120
				  )
						.map((m) => `<span style="top: ${this.pct(m)}">${clock(m)}</span>`)
						.join("")}</div>`
				: "";
			return `<div class="bl-row" data-user="${esc(technician.user)}">
				<div class="bl-tech">
					<button class="btn btn-link bl-tech-name" data-action="technician" data-user="${esc(technician.user)}"
						title="${__("Actions")}">${esc(technician.technician_name || technician.user)}</button>
					<div class="bl-muted">${esc(technician.territory || __("Any territory"))} · ${hours}</div>
					<div class="bl-chips">${skills}</div>
				</div>
				<div class="bl-cells">${gutter}${cells}</div>
			</div>`;
		}

		cell_html(technician, day, is_off) {
			const axis = this.axis;
			const work_start = minutes_of(technician.work_start);
			const work_end = minutes_of(technician.work_end);
			const parts = [];
			if (work_start > axis.start) {
				parts.push(`<div class="bl-closed" style="${this.span(axis.start, work_start)}"></div>`);
			}
			if (work_end < axis.end) {
				parts.push(`<div class="bl-closed" style="${this.span(work_end, axis.end)}"></div>`);
			}
			const now = split_dt(frappe.datetime.now_datetime());
			if (day < now.date) {
				parts.push(`<div class="bl-past" style="${this.span(axis.start, axis.end)}"></div>`);
			} else if (day === now.date && now.minutes > axis.start) {
				const at = Math.min(now.minutes, axis.end);
				parts.push(`<div class="bl-past" style="${this.span(axis.start, at)}"></div>`);
				if (now.minutes < axis.end) {
					parts.push(`<div class="bl-now" style="${this.vertical ? "top" : "left"}: ${this.pct(at)}"></div>`);
				}
			}
			if (is_off) parts.push(`<div class="bl-off-label">${__("Day off")}</div>`);
			const blocks = this.blocks_of(technician.user, day);
			const lanes = Math.max(1, ...blocks.map((b) => b.lane + 1));
			for (const block of blocks) parts.push(this.block_html(block, technician.user, lanes));
			const size = this.vertical
				? `height: ${(axis.length / 60) * HOUR}px`
				: `min-height: ${8 + lanes * LANE}px`;
			return `<div class="bl-cell ${is_off ? "bl-off" : ""}" data-user="${esc(technician.user)}" data-date="${day}"
				data-start-minutes="${axis.start}" data-end-minutes="${axis.end}"
				style="${size}">${parts.join("")}</div>`;
		}

		blocks_of(user, day) {
			// the user's bookings on `day`, cut to the board's hours, each in the first lane free
			const axis = this.axis;
			const blocks = [];
			for (const booking of this.data.bookings) {
				if (!booking.crew.includes(user)) continue;
				const from = split_dt(booking.start);
				const to = split_dt(booking.end);
				if (from.date > day || to.date < day) continue;
				const start = Math.max(from.date < day ? 0 : from.minutes, axis.start);
				const end = Math.min(to.date > day ? 24 * 60 : to.minutes, axis.end);
				if (end <= start) continue;
				blocks.push({ booking, start, end });
			}
			blocks.sort((a, b) => a.start - b.start);
			const lanes = [];
			for (const block of blocks) {
				let lane = lanes.findIndex((until) => until <= block.start);
				if (lane < 0) lane = lanes.length;
				lanes[lane] = block.end;
				block.lane = lane;
			}
			return blocks;
		}

		block_html({ booking, start, end, lane }, user, lanes) {
			const lead = booking.crew[0] === user;
			const movable = MOVABLE.includes(booking.status) && !booking.saving;
			const status = slug(booking.status);
			const crew = booking.crew.length > 1 ? ` · ${__("{0} technicians", [booking.crew.length])}` : "";
			const appointment = booking.appointment_status
				? `<span class="bl-appointment bl-appointment-${slug(booking.appointment_status)}"></span>`
				: "";
			const when = `${clock(split_dt(booking.start).minutes)}–${clock(split_dt(booking.end).minutes)}`;
			const title = [
				booking.customer_name,
				booking.name,
				__(booking.visit_type || "Installation"),
				when,
				booking.crew.map((u) => this.name_of(u)).join(", "),
				booking.appointment_status ? __(booking.appointment_status) : "",
			]
				.filter(Boolean)
				.join(" · ");
			// overlapping blocks (a clash written around the board) share the cell: side by side in a day
			// of the week, one under the other in the day view
			const lane_style = this.vertical
				? `left: calc(${lane} * 100% / ${lanes}); width: calc(100% / ${lanes} - 2px)`
				: `top: ${4 + lane * LANE}px`;
			const text = this.vertical
				? `<div class="bl-block-title">${appointment}<span class="bl-block-time">${clock(split_dt(booking.start).minutes)}</span>
					${esc(booking.customer_name || booking.name)}</div>`
				: `<div class="bl-block-title">${appointment}${esc(booking.customer_name || booking.name)}</div>
					<div class="bl-block-sub">${when}${crew}</div>`;
			return `<div class="bl-block bl-status-${status} ${lead ? "" : "bl-member"} ${booking.saving ? "bl-saving" : ""}"
				draggable="${movable}" tabindex="0" data-visit="${esc(booking.name)}" data-user="${esc(user)}"
				title="${esc(title)}" style="${this.span(start, end)}; ${lane_style}">${text}</div>`;
		}

		// Where a pointer over a cell is on the clock, in minutes after midnight
		minutes_at(cell, event) {
			const rect = cell.getBoundingClientRect();
			const fraction = this.vertical
				? (event.clientY - rect.top) / rect.height
				: (event.clientX - rect.left) / rect.width;
			return this.axis.start + Math.min(Math.max(fraction, 0), 1) * this.axis.length;
		}

		// The start a drop at the pointer means: the slot under it (a card), or the block's start moved
		// by as much as the pointer (a block, held `grab` minutes after its start)
		start_at(cell, event, drag) {
			const pointer = this.minutes_at(cell, event);
			const start = drag.grab
				? Math.round((pointer - drag.grab) / SNAP) * SNAP
				: Math.floor(pointer / SNAP) * SNAP;
			return Math.min(Math.max(start, this.axis.start), this.axis.end - SNAP);
		}

		// Dragging and tapping --------------------------------------------------------------------

		bind() {
			const $b = this.$body;
			$b.on("click", "[data-nav]", (e) => {
				const step = Number(e.currentTarget.dataset.nav);
				const days = this.view === "week" ? 7 : 1;
				this.date = step ? frappe.datetime.add_days(this.date, step * days) : frappe.datetime.get_today();
				this.date_field.set_value(this.date);
				this.load();
			});
			$b.on("click", "[data-view]", (e) => {
				const view = e.currentTarget.dataset.view;
				if (view === this.view) return;
				this.view = view;
				this.load();
			});
			$b.on("click", "[data-action=cancel-select]", () => this.unselect());
			$b.on("click", "[data-action=refresh]", () => this.load());
			$b.on("click", "[data-action=technician]", (e) => this.technician_menu(e.currentTarget.dataset.user));

			// the work to schedule: drag a card, or tap it and then a row
			$b.on("dragstart", ".bl-card", (e) => {
				const visit = e.currentTarget.dataset.visit;
				this.start_drag(e, { kind: "card", visit, grab: 0, length: DEFAULT_LENGTH });
			});
			$b.on("click", ".bl-card", (e) => {
				if ($(e.target).closest("a").length) return;
				const visit = e.currentTarget.dataset.visit;
				if (this.view === "map") return this.focus_on_map(visit);
				if (this.selected && this.selected.visit === visit) return this.unselect();
				this.select({ kind: "card", visit, grab: 0, length: DEFAULT_LENGTH });
			});
			$b.on("keydown", ".bl-card, .bl-block", (e) => {
				if (e.key === "Enter" || e.key === " ") {
					e.preventDefault();
					$(e.currentTarget).trigger("click");
				}
			});

			// the timeline: drag a block; drop onto a cell; tap a cell to place what was tapped
			$b.on("dragstart", ".bl-block", (e) => {
				const el = e.currentTarget;
				const booking = this.booking(el.dataset.visit);
				if (!booking || el.getAttribute("draggable") !== "true") return e.preventDefault();
				const cell = el.closest(".bl-cell");
				const from = split_dt(booking.start);
				const start = from.date === cell.dataset.date ? from.minutes : this.axis.start;
				this.start_drag(e, {
					kind: "block",
					visit: booking.name,
					from_user: el.dataset.user,
					grab: Math.max(this.minutes_at(cell, e.originalEvent) - start, 0.001),
					length: length_of(booking),
				});
			});
			$b.on("dragend", ".bl-card, .bl-block", () => this.end_drag());
			$b.on("dragover", ".bl-cell", (e) => {
				if (!this.drag) return;
				e.preventDefault();
				e.originalEvent.dataTransfer.dropEffect = "move";
				const cell = e.currentTarget;
				this.show_ghost(cell, this.start_at(cell, e.originalEvent, this.drag));
			});
			$b.on("dragleave", ".bl-cell", (e) => {
				if (!e.currentTarget.contains(e.originalEvent.relatedTarget)) this.hide_ghost();
			});
			$b.on("drop", ".bl-cell", (e) => {
				if (!this.drag) return;
				e.preventDefault();
				const cell = e.currentTarget;
				const drag = this.drag;
				const start = this.start_at(cell, e.originalEvent, drag);
				this.end_drag();
				this.drop(drag, cell.dataset.user, cell.dataset.date, start);
			});
			$b.on("click", ".bl-cell", (e) => {
				const cell = e.currentTarget;
				if (this.selected) {
					const drag = this.selected;
					const start = this.start_at(cell, e.originalEvent, drag);
					this.unselect();
					this.drop(drag, cell.dataset.user, cell.dataset.date, start);
					return;
				}
				const block = $(e.target).closest(".bl-block")[0];
				if (block) this.booking_menu(block.dataset.visit);
			});
		}

		start_drag(e, drag) {
			this.unselect();
			this.drag = drag;
			const transfer = e.originalEvent.dataTransfer;
			transfer.effectAllowed = "move";
			transfer.setData("text/plain", drag.visit);
			this.highlight(drag.visit);
		}

		end_drag() {
			this.drag = null;
			this.hide_ghost();
			if (!this.selected) this.highlight(null);
		}

		select(drag) {
			this.selected = drag;
			const booking = drag.kind === "block" ? this.booking(drag.visit) : null;
			const job = booking || this.data.unscheduled.find((j) => j.name === drag.visit) || {};
			this.$hint
				.removeClass("hidden")
				.find(".bl-hint-text")
				.html(
					__("Tap a technician's row at the time to book {0}.", [
						`<b>${esc(job.customer_name || drag.visit)}</b>`,
					])
				);
			this.$cards.find(".bl-card").each((i, card) => {
				card.classList.toggle("bl-selected", card.dataset.visit === drag.visit);
			});
			this.highlight(drag.visit);
		}

		unselect() {
			if (!this.selected) return;
			this.selected = null;
			this.$hint.addClass("hidden");
			this.$cards.find(".bl-selected").removeClass("bl-selected");
			this.highlight(null);
		}

		// While a job is dragged (or tapped), the technicians it fits (skills and territory) stand out
		highlight(visit) {
			const fits = visit ? this.fits[visit] : null;
			this.$timeline.toggleClass("bl-dragging", !!visit);
			this.$timeline.find(".bl-row:not(.bl-head)").each((i, row) => {
				row.classList.toggle("bl-fit", !!fits && fits.includes(row.dataset.user));
			});
		}

		show_ghost(cell, start) {
			const length = this.drag.length || DEFAULT_LENGTH;
			if (!this.$ghost) this.$ghost = $(`<div class="bl-ghost"><span></span></div>`);
			if (this.$ghost.parent()[0] !== cell) this.$ghost.appendTo(cell);
			const end = Math.min(start + length, this.axis.end);
			this.$ghost.attr("style", this.span(start, end));
			this.$ghost.find("span").text(clock(start));
		}

		hide_ghost() {
			if (this.$ghost) this.$ghost.detach();
		}

		drop(drag, user, date, minutes) {
			const start = `${date} ${clock(minutes)}:00`;
			const booking = drag.kind === "block" ? this.booking(drag.visit) : null;
			let crew = [user];
			if (booking) {
				if (booking.start === start && booking.crew.includes(user)) return; // dropped where it was
				// onto another technician: they take the job over from the one whose row it left
				crew = booking.crew.includes(user)
					? booking.crew.slice()
					: booking.crew.map((u) => (u === drag.from_user ? user : u));
			}
			this.book(drag.visit, crew, start);
		}

		// Booking ---------------------------------------------------------------------------------

		book(visit, crew, start, reason) {
			const before = {
				bookings: this.data.bookings.slice(),
				unscheduled: this.data.unscheduled.slice(),
				unscheduled_total: this.data.unscheduled_total,
			};
			this.place(visit, crew, start);
			this.render();
			const args = { visit, technicians: JSON.stringify(crew), start };
			if (reason) args.reason = reason;
			return frappe.call({
				method: "bizlink.api.dispatch.book",
				type: "POST",
				args,
				// the reason is asked for here, not shown as an error
				error_handlers: { SkillMismatchError: () => {} },
				callback: (r) => {
					const booking = r.message;
					frappe.show_alert({
						message: __("{0} booked for {1} at {2}", [
							esc(booking.customer_name || booking.name),
							esc(booking.crew.map((u) => this.name_of(u)).join(", ")),
							esc(
								`${frappe.datetime.str_to_user(split_dt(booking.start).date)} ${clock(
									split_dt(booking.start).minutes
								)}`
							),
						]),
						indicator: "green",
					});
					this.load();
				},
				error: (r) => {
					// refused: back where it was (the server's reason is shown by the desk)
					Object.assign(this.data, before);
					this.render();
					if (r && r.exc_type === "SkillMismatchError") this.ask_reason(r, visit, crew, start);
				},
			});
		}

		// What the board shows until the server answers
		place(visit, crew, start) {
			const booking = this.booking(visit);
			const job = booking || this.data.unscheduled.find((j) => j.name === visit);
			if (!job) return;
			const length = booking ? length_of(booking) : DEFAULT_LENGTH;
			const placed = {
				name: job.name,
				visit_type: job.visit_type,
				status: "Scheduled",
				customer_name: job.customer_name,
				latitude: job.latitude,
				longitude: job.longitude,
				route_order: 0,
				appointment_status: "",
				...(booking || {}),
				start,
				end: plus_minutes(start, length),
				crew,
				saving: true,
			};
			this.data.bookings = this.data.bookings.filter((b) => b.name !== visit).concat([placed]);
			if (!booking) {
				this.data.unscheduled = this.data.unscheduled.filter((j) => j.name !== visit);
				this.data.unscheduled_total -= 1;
			}
		}

		ask_reason(r, visit, crew, start) {
			const messages = JSON.parse((r && r._server_messages) || "[]").map((m) => {
				try {
					return JSON.parse(m).message;
				} catch (e) {
					return esc(m);
				}
			});
			frappe.prompt(
				[
					{ fieldname: "why", fieldtype: "HTML", options: `<p>${messages.join("<br>")}</p>` },
					{ fieldname: "reason", fieldtype: "Small Text", label: __("Reason"), reqd: 1 },
				],
				({ reason }) => this.book(visit, crew, start, reason),
				__("Skill Missing"),
				__("Book Anyway")
			);
		}

		booking_menu(visit) {
			const booking = this.booking(visit);
			if (!booking || booking.saving) return;
			const movable = MOVABLE.includes(booking.status);
			const from = split_dt(booking.start);
			const to = split_dt(booking.end);
			const line = (label, value) =>
				value ? `<div class="bl-line"><span class="bl-muted">${esc(label)}</span> ${esc(value)}</div>` : "";
			const dialog = new frappe.ui.Dialog({
				title: esc(booking.customer_name || booking.name),
				fields: [{ fieldname: "info", fieldtype: "HTML" }],
			});
			dialog.fields_dict.info.$wrapper.html(`
				<div class="bl-booking-info">
					${line(__("Field Visit"), booking.name)}
					${line(__("Type"), __(booking.visit_type || "Installation"))}
					${line(__("Status"), __(booking.status))}
					${line(
						__("When"),
						`${frappe.datetime.str_to_user(from.date)} ${clock(from.minutes)} – ${
							to.date === from.date ? "" : frappe.datetime.str_to_user(to.date) + " "
						}${clock(to.minutes)}`
					)}
					${line(__("Crew"), booking.crew.map((u) => this.name_of(u)).join(", "))}
					${line(__("Appointment"), booking.appointment_status ? __(booking.appointment_status) : "")}
					${line(__("Skill Reason"), booking.skill_reason)}
				</div>
				<div class="bl-booking-actions">
					<a class="btn btn-default btn-sm" href="/app/field-visit/${encodeURIComponent(booking.name)}">${__("Open Visit")}</a>
					${
						movable
							? `<button class="btn btn-default btn-sm" data-act="move">${__("Move")}</button>
							<button class="btn btn-default btn-sm" data-act="crew">${__("Crew")}</button>
							<button class="btn btn-default btn-sm" data-act="unbook">${__("Unschedule")}</button>`
							: ""
					}
				</div>`);
			const $actions = dialog.fields_dict.info.$wrapper;
			$actions.on("click", "[data-act=move]", () => {
				dialog.hide();
				this.select({
					kind: "block",
					visit,
					from_user: booking.crew[0],
					grab: 0,
					length: length_of(booking),
				});
			});
			$actions.on("click", "[data-act=crew]", () => {
				dialog.hide();
				this.edit_crew(booking);
			});
			$actions.on("click", "[data-act=unbook]", () => {
				dialog.hide();
				this.unbook(booking);
			});
			dialog.show();
		}

		edit_crew(booking) {
			const users = (this.data.technicians || []).map((t) => t.user);
			for (const user of booking.crew) if (!users.includes(user)) users.push(user);
			const dialog = new frappe.ui.Dialog({
				title: __("Crew: {0}", [esc(booking.customer_name || booking.name)]),
				fields: [
					{
						fieldname: "lead",
						fieldtype: "Select",
						label: __("Lead Technician"),
						reqd: 1,
						// the Select puts its labels into markup
						options: users.map((user) => ({ label: esc(this.name_of(user)), value: user })),
						default: booking.crew[0],
						change: () => show_others(),
					},
					{ fieldname: "members", fieldtype: "HTML" },
				],
				primary_action_label: __("Book Crew"),
				primary_action: ({ lead }) => {
					const others = $members
						.find("input:checked")
						.map((i, input) => input.value)
						.get()
						.filter((user) => user !== lead);
					dialog.hide();
					this.book(booking.name, [lead, ...others], booking.start);
				},
			});
			const $members = dialog.fields_dict.members.$wrapper;
			$members.append($(`<div class="control-label"></div>`).text(__("Also on the job")));
			for (const user of users) {
				const $row = $(`<label class="bl-check"><input type="checkbox"><span></span></label>`);
				$row.find("input").val(user).prop("checked", booking.crew.slice(1).includes(user));
				$row.find("span").text(this.name_of(user));
				$members.append($row);
			}
			const show_others = () => {
				const lead = dialog.get_value("lead");
				$members.find(".bl-check").each((i, row) => {
					const input = row.querySelector("input");
					row.classList.toggle("hidden", input.value === lead);
					if (input.value === lead) input.checked = false;
				});
			};
			show_others();
			dialog.show();
		}

		unbook(booking) {
			frappe.confirm(
				__("Take {0} off the board? The job goes back to the work to schedule.", [
					esc(booking.customer_name || booking.name),
				]),
				() =>
					frappe.call({
						method: "bizlink.api.dispatch.unbook",
						type: "POST",
						args: { visit: booking.name },
						callback: () => this.load(),
					})
			);
		}

		// A technician's menu: their days to put in route order
		technician_menu(user) {
			const technician = this.technician(user);
			if (!technician) return;
			const days = this.view === "week" ? this.days() : [this.date];
			const booked = days.filter((day) => this.blocks_on(user, day).length);
			const dialog = new frappe.ui.Dialog({
				title: esc(technician.technician_name || user),
				fields: [{ fieldname: "info", fieldtype: "HTML" }],
			});
			const $info = dialog.fields_dict.info.$wrapper;
			const off = (technician.days_off || []).map((d) => frappe.datetime.str_to_user(d));
			$info.html(`
				<div class="bl-booking-info">
					<div class="bl-line"><span class="bl-muted">${__("Territory")}</span>
						${esc(technician.territory || __("Any territory"))}</div>
					<div class="bl-line"><span class="bl-muted">${__("Working Hours")}</span>
						${clock(minutes_of(technician.work_start))}–${clock(minutes_of(technician.work_end))}</div>
					<div class="bl-line"><span class="bl-muted">${__("Skills")}</span>
						${esc((technician.skills || []).join(", ") || __("Any skill"))}</div>
					${off.length ? `<div class="bl-line"><span class="bl-muted">${__("Days Off")}</span> ${esc(off.join(", "))}</div>` : ""}
				</div>
				<div class="bl-booking-actions">
					${
						booked.length
							? booked
									.map(
										(day) => `<button class="btn btn-default btn-sm" data-day="${day}">${__("Optimise {0}", [
											esc(date_label(day, { weekday: "short", day: "numeric", month: "short" })),
										])}</button>`
									)
									.join("")
							: `<span class="bl-muted">${__("No jobs to put in route order on these days.")}</span>`
					}
					<a class="btn btn-default btn-sm" href="/app/field-technician/${encodeURIComponent(user)}">${__("Open Profile")}</a>
				</div>`);
			$info.on("click", "[data-day]", (e) => {
				dialog.hide();
				this.optimise(user, e.currentTarget.dataset.day);
			});
			dialog.show();
		}

		blocks_on(user, day) {
			return this.data.bookings.filter((b) => b.crew.includes(user) && split_dt(b.start).date === day);
		}

		// Route order -----------------------------------------------------------------------------

		optimise(user, day) {
			const name = this.name_of(user);
			frappe.xcall("bizlink.api.dispatch.propose_route", { technician: user, day }).then((proposal) => {
				const stops = proposal.stops || [];
				if (!stops.length) {
					frappe.show_alert({
						message: __("{0} has no open jobs on {1}.", [esc(name), esc(frappe.datetime.str_to_user(day))]),
						indicator: "orange",
					});
					return;
				}
				const time = (value) => clock(split_dt(value).minutes);
				const km = stops.reduce((sum, stop) => sum + flt(stop.km), 0);
				const minutes = stops.reduce((sum, stop) => sum + cint(stop.travel_minutes), 0);
				const rows = stops
					.map(
						(stop, i) => `<tr>
							<td>${i + 1}</td>
							<td>${esc(stop.customer_name || stop.name)}<div class="bl-muted">${esc(stop.name)}</div></td>
							<td class="text-right">${has_point(stop) ? esc(format_number(stop.km, null, 1)) : "–"}</td>
							<td class="text-right">${esc(stop.travel_minutes)}</td>
							<td>${time(stop.start)}–${time(stop.end)}</td>
							<td class="bl-muted">${time(stop.was_start)}</td>
						</tr>`
					)
					.join("");
				const dialog = new frappe.ui.Dialog({
					title: __("Optimise Day: {0}", [esc(name)]),
					size: "large",
					fields: [{ fieldname: "proposal", fieldtype: "HTML" }],
					primary_action_label: __("Accept"),
					primary_action: () => {
						dialog.hide();
						frappe.call({
							method: "bizlink.api.dispatch.accept_route",
							type: "POST",
							args: { technician: user, day, stops: JSON.stringify(stops) },
							callback: () => {
								frappe.show_alert({ message: __("Route accepted for {0}", [esc(name)]), indicator: "green" });
								this.load();
							},
						});
					},
				});
				dialog.fields_dict.proposal.$wrapper.html(`
					<p class="bl-muted">${__("{0}: {1} km in a straight line at {2} km/h, {3} minutes of travel.", [
						esc(frappe.datetime.str_to_user(day)),
						esc(format_number(km, null, 1)),
						esc(format_number(proposal.speed_kmh, null, 0)),
						esc(minutes),
					])}</p>
					<div class="bl-table-box"><table class="table table-sm bl-route">
						<thead><tr>
							<th>#</th><th>${__("Customer")}</th><th class="text-right">${__("km")}</th>
							<th class="text-right">${__("Travel (min)")}</th><th>${__("New Time")}</th><th>${__("Was")}</th>
						</tr></thead>
						<tbody>${rows}</tbody>
					</table></div>`);
				dialog.show();
			});
		}

		// The map ---------------------------------------------------------------------------------

		render_map() {
			if (!this.map) {
				L.Icon.Default.imagePath = frappe.utils.map_defaults.image_path;
				this.map = L.map(this.$body.find(".bl-map")[0], { scrollWheelZoom: false });
				this.layer = L.featureGroup().addTo(this.map);
				this.markers = {};
			}
			this.map.invalidateSize();
			this.set_tiles(this.data.tile_url || "");
			this.layer.clearLayers();
			this.markers = {};
			const day = this.date;
			const unmapped = [];
			for (const job of this.data.unscheduled) {
				if (!has_point(job)) {
					unmapped.push({ job, note: __("To Schedule") });
					continue;
				}
				this.markers[job.name] = L.marker([flt(job.latitude), flt(job.longitude)], {
					title: job.customer_name || job.name,
					alt: job.customer_name || job.name,
				})
					.bindPopup(this.popup(job, [__(job.visit_type || "Installation"), job.city, __("To Schedule")]))
					.addTo(this.layer);
			}
			const legend = [];
			(this.data.technicians || []).forEach((technician, i) => {
				const color = COLORS[i % COLORS.length];
				const stops = this.blocks_on(technician.user, day);
				const by_route = stops.length && stops.every((b) => cint(b.route_order) > 0);
				stops.sort((a, b) => (by_route ? a.route_order - b.route_order : a.start.localeCompare(b.start)));
				const points = [];
				stops.forEach((booking, n) => {
					const when = `${clock(split_dt(booking.start).minutes)}–${clock(split_dt(booking.end).minutes)}`;
					if (!has_point(booking)) {
						unmapped.push({ job: booking, note: `${technician.technician_name || technician.user} · ${when}` });
						return;
					}
					const point = [flt(booking.latitude), flt(booking.longitude)];
					points.push(point);
					this.markers[booking.name] = L.marker(point, {
						title: booking.customer_name || booking.name,
						zIndexOffset: 1000, // the day's stops above the pins of the work to schedule
						icon: L.divIcon({
							className: "bl-stop-icon",
							html: `<span style="background: ${color}">${n + 1}</span>`,
							iconSize: [26, 26],
							iconAnchor: [13, 13],
						}),
					})
						.bindPopup(this.popup(booking, [technician.technician_name || technician.user, when]))
						.addTo(this.layer);
				});
				if (points.length > 1) {
					L.polyline(points, { color, weight: 3, opacity: 0.85 }).addTo(this.layer);
				}
				legend.push({ technician, color, count: stops.length, points });
			});
			this.render_legend(legend, day);
			this.render_unmapped(unmapped);
			if (this.layer.getLayers().length) {
				this.map.fitBounds(this.layer.getBounds(), { padding: [30, 30], maxZoom: 13 });
			} else {
				this.map.setView(frappe.utils.map_defaults.center, 5);
			}
		}

		set_tiles(url) {
			if (url === this.tile_url) return;
			if (this.tiles) this.tiles.remove();
			this.tiles = null;
			this.tile_url = url;
			const $map = this.$body.find(".bl-map");
			$map.toggleClass("bl-no-tiles", !url);
			this.$map_note
				.toggleClass("hidden", !!url)
				.text(__("No map tiles are set in BizLink Settings: jobs and routes are drawn on a plain background."));
			if (!url) return;
			let loaded = 0;
			let failed = 0;
			const tiles = L.tileLayer(url, {
				maxZoom: 19,
				attribution: url.includes("openstreetmap.org") ? frappe.utils.map_defaults.options.attribution : "",
			});
			tiles.on("tileload", () => loaded++);
			tiles.on("tileerror", (e) => {
				failed++;
				if (e.tile) e.tile.style.visibility = "hidden"; // no broken image on the map
			});
			tiles.on("load", () => {
				if (loaded || !failed || this.tiles !== tiles) return;
				// offline, or the tile server refuses: the points and routes stay, on a plain background
				// (taken off once Leaflet has finished handling its own event)
				setTimeout(() => tiles.remove(), 0);
				this.tiles = null;
				$map.addClass("bl-no-tiles");
				this.$map_note
					.removeClass("hidden")
					.text(__("The map tiles could not be loaded: jobs and routes are drawn on a plain background."));
			});
			this.tiles = tiles.addTo(this.map);
		}

		popup(job, lines) {
			const el = document.createElement("div");
			el.className = "bl-popup";
			const link = document.createElement("a");
			link.href = `/app/field-visit/${encodeURIComponent(job.name)}`;
			link.textContent = job.customer_name || job.name;
			el.append(link);
			for (const line of [job.name, ...lines].filter(Boolean)) {
				const div = document.createElement("div");
				div.className = "bl-muted";
				div.textContent = line;
				el.append(div);
			}
			return el;
		}

		render_legend(legend, day) {
			this.$legend.empty();
			this.$legend.append(
				$(`<div class="bl-side-title"></div>`).text(
					__("Routes on {0}", [date_label(day, { weekday: "long", day: "numeric", month: "long" })])
				)
			);
			if (!legend.length) {
				this.$legend.append($(`<div class="bl-muted"></div>`).text(__("No Field Technicians here yet.")));
			}
			for (const { technician, color, count, points } of legend) {
				const $row = $(`<div class="bl-legend-row">
					<span class="bl-swatch"></span>
					<button class="btn btn-link bl-legend-name"></button>
					<span class="bl-muted bl-legend-count"></span>
				</div>`);
				$row.find(".bl-swatch").css("background", color);
				// the technician's name shows their route on the map
				$row.find(".bl-legend-name")
					.text(technician.technician_name || technician.user)
					.prop("disabled", !points.length)
					.on("click", () => this.map.fitBounds(L.latLngBounds(points), { padding: [40, 40], maxZoom: 14 }));
				$row.find(".bl-legend-count").text(
					count === 1 ? __("1 job") : count ? __("{0} jobs", [count]) : __("No jobs")
				);
				if (count) {
					$(`<button class="btn btn-default btn-xs"></button>`)
						.text(__("Optimise Day"))
						.on("click", () => this.optimise(technician.user, day))
						.appendTo($row);
				}
				this.$legend.append($row);
			}
		}

		render_unmapped(unmapped) {
			this.$unmapped.empty();
			if (!unmapped.length) return;
			this.$unmapped.append($(`<div class="bl-side-title"></div>`).text(__("Not on the map")));
			for (const { job, note } of unmapped) {
				const $row = $(`<div class="bl-unmapped-row"><a></a><div class="bl-muted"></div></div>`);
				$row.find("a")
					.attr("href", `/app/field-visit/${encodeURIComponent(job.name)}`)
					.text(job.customer_name || job.name);
				$row.find(".bl-muted").text(`${job.name} · ${note}`);
				this.$unmapped.append($row);
			}
		}

		focus_on_map(visit) {
			const marker = this.markers && this.markers[visit];
			if (!marker) return;
			this.map.setView(marker.getLatLng(), Math.max(this.map.getZoom(), 12));
			marker.openPopup();
		}
	}
})();
