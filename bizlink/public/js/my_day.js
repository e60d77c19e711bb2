/* My Day (/my-day): the technician's jobs for today and tomorrow, and the whole on-site flow, on a
phone that may be offline.

- The jobs (`bizlink.api.my_day.get_my_day`) are kept in IndexedDB, so the page opens without a
  network (its shell is kept by the service worker, see bizlink/api/my_day.py).
- Whatever the technician does is an action, applied at once to the local copy and queued in
  IndexedDB with a UUID v4 and the job's `seen` (what the phone had read of it). What the page shows
  is always the jobs as last read plus the queued actions on top.
- The queue is sent in order with `sync_actions` when there is a connection (on load, when the phone
  comes online, after each action, and with the Sync button); an action leaves the queue once the
  server answered it. A conflict or refusal is kept and shown on its job until the technician
  dismisses it; then the jobs are read again.

Plain script, no build step; every label comes translated from bizlink/www/my_day.py.
*/
(function () {
	"use strict";

	const boot = JSON.parse(document.getElementById("my-day-boot").textContent);
	const L = boot.labels;
	// the articles' labels, written into the page by my-day.html (the boot's come from www/my_day.py)
	const more = document.getElementById("my-day-labels");
	const ARTICLE_LABELS = more ? JSON.parse(more.textContent) : {};
	const USER = boot.user;
	const API = "/api/method/bizlink.api.my_day.";
	const BATCH = 50; // actions per request (the server takes at most 200)
	const BATCH_BYTES = 4 * 1024 * 1024; // a request's photos and signatures, about
	const PHOTO_MAX_PX = 1600;
	const DB_NAME = "bizlink-my-day";

	const state = {
		loaded: false,
		day: null, // the last get_my_day answer: {user, full_name, server_time, jobs, fetched_at}
		queue: [], // actions not answered yet, oldest first
		notices: [], // conflicts and refusals the technician has not dismissed
		syncing: false,
		again: false,
		error: null,
		sessionEnded: false,
		photosSent: {},
		sent: {}, // jobs whose completion this phone sent and the server applied
		problems: {}, // job -> what is missing to complete it
		confirming: null, // the job whose completion asks to be confirmed
	};
	const drafts = {}; // typed into a field, not an action yet: kept across renders
	let pad = null; // the signature pad of the open job
	let writing = Promise.resolve(); // actions are queued one after the other, in the order made
	let csrfToken = (window.frappe && window.frappe.csrf_token) || "";
	let shownModel = null;

	// Text -----------------------------------------------------------------------------------------

	function fmt(text, ...args) {
		return String(text).replace(/\{(\d+)\}/g, (match, n) => (args[n] === undefined ? match : args[n]));
	}

	function num(value) {
		return new Intl.NumberFormat(boot.lang, { maximumFractionDigits: 3 }).format(Number(value) || 0);
	}

	function pad2(n) {
		return String(n).padStart(2, "0");
	}

	function localDate(offsetDays) {
		const d = new Date();
		d.setDate(d.getDate() + offsetDays);
		return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
	}

	function localNow() {
		const d = new Date();
		return `${localDate(0)} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
	}

	function hhmm(datetime) {
		return datetime ? String(datetime).slice(11, 16) : "";
	}

	function dayLabel(job) {
		const date = String(job.scheduled_start || "").slice(0, 10);
		if (!date || date < localDate(0)) return L.earlier;
		if (date === localDate(0)) return L.today;
		if (date === localDate(1)) return L.tomorrow;
		return new Intl.DateTimeFormat(boot.lang, { weekday: "long", day: "numeric", month: "long" }).format(
			new Date(`${date}T00:00:00`)
		);
	}

	function shortDate(date) {
		if (!date) return "";
		const format = { day: "numeric", month: "short", year: "numeric" };
		return new Intl.DateTimeFormat(boot.lang, format).format(new Date(`${date}T00:00:00`));
	}

	function statusLabel(status) {
		return L[`status_${status}`] || status;
	}

	function typeLabel(type) {
		return L[`type_${type}`] || type || "";
	}

	function uuid4() {
		if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
		// not a secure context (plain http on a name other than localhost): the same, by hand
		const b = crypto.getRandomValues(new Uint8Array(16));
		b[6] = (b[6] & 0x0f) | 0x40;
		b[8] = (b[8] & 0x3f) | 0x80;
		const hex = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
		return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
	}

	// IndexedDB --------------------------------------------------------------------------------------

	let opening = null;
	function db() {
		if (!opening) {
			opening = new Promise((resolve, reject) => {
				const request = indexedDB.open(DB_NAME, 1);
				request.onupgradeneeded = () => {
					const d = request.result;
					d.createObjectStore("days", { keyPath: "user" });
					d.createObjectStore("queue", { keyPath: "seq", autoIncrement: true });
					d.createObjectStore("notices", { keyPath: "client_id" });
				};
				request.onsuccess = () => resolve(request.result);
				request.onerror = () => reject(request.error);
			});
		}
		return opening;
	}

	/* Run `work(stores)` in one transaction over `names`; resolves with its request's result once the
	transaction is committed. */
	async function transact(names, mode, work) {
		const d = await db();
		return new Promise((resolve, reject) => {
			const tx = d.transaction(names, mode);
			const stores = Object.fromEntries(names.map((name) => [name, tx.objectStore(name)]));
			const request = work(stores);
			tx.oncomplete = () => resolve(request ? request.result : undefined);
			tx.onerror = () => reject(tx.error);
			tx.onabort = () => reject(tx.error);
		});
	}

	const mine = (row) => row.user === USER;

	async function load() {
		const [day, queue, notices] = await Promise.all([
			transact(["days"], "readonly", (s) => s.days.get(USER)),
			transact(["queue"], "readonly", (s) => s.queue.getAll()),
			transact(["notices"], "readonly", (s) => s.notices.getAll()),
		]);
		state.day = day || null;
		state.queue = queue.filter(mine).sort((a, b) => a.seq - b.seq);
		state.notices = notices.filter(mine).sort((a, b) => (a.at < b.at ? -1 : 1));
	}

	// The local copy: the jobs as read, with the queued actions on top --------------------------------

	function currentJobs() {
		const jobs = JSON.parse(JSON.stringify((state.day && state.day.jobs) || []));
		const byName = Object.fromEntries(jobs.map((job) => [job.name, job]));
		for (const entry of state.queue) {
			const job = byName[entry.visit];
			if (job) applyLocal(job, entry);
		}
		return jobs;
	}

	function latest(name) {
		return currentJobs().find((job) => job.name === name);
	}

	function applyLocal(job, entry) {
		const data = entry.data || {};
		job.pending = (job.pending || 0) + 1;
		if (entry.action === "start" && job.status === "Scheduled") {
			job.status = "In Progress";
		} else if (entry.action === "check") {
			const row = job.checklist.find((r) => r.row === data.row);
			if (row) {
				row.done = data.done ? 1 : 0;
				if (data.note !== undefined) row.note = data.note;
			}
		} else if (entry.action === "installed") {
			const row = job.items.find((r) => r.row === data.row);
			if (row) {
				row.installed_qty = Number(data.qty) || 0;
				if (data.serial_no !== undefined) row.serial_no = data.serial_no;
			}
		} else if (entry.action === "part") {
			job.parts.push({ item_code: data.item_code, qty: data.qty });
		} else if (entry.action === "note") {
			job.notes = data.text;
		} else if (entry.action === "photo") {
			(job.photos = job.photos || []).push(data.data);
		} else if (entry.action === "sign") {
			job.has_signature = true;
			job.signed_by = data.signed_by;
			job.signature = data.signature;
		} else if (entry.action === "complete") {
			job.status = "Completed";
		} else if (entry.action === "on_my_way") {
			const at = new Date(String(entry.done_at).replace(" ", "T"));
			at.setMinutes(at.getMinutes() + (Number(data.minutes) || 0));
			job.eta = `${pad2(at.getHours())}:${pad2(at.getMinutes())}`;
		}
	}

	/* Queue an action on `job`: kept on the phone first, then shown, then sent if there is a network. */
	function act(job, action, data, options) {
		const entry = {
			user: USER,
			client_id: uuid4(),
			visit: job.name,
			action,
			data: data || {},
			seen: job.seen,
			done_at: localNow(),
		};
		writing = writing
			.then(async () => {
				entry.seq = await transact(["queue"], "readwrite", (s) => s.queue.add(entry));
				state.queue.push(entry);
			})
			.catch((error) => {
				state.error = String((error && error.message) || error);
			});
		return writing.then(() => {
			if (options && options.quiet) {
				// the field already shows it: the screen is not drawn again under the technician's finger
				shownModel = model();
				renderStatus();
			} else {
				render();
			}
			if (navigator.onLine) sync();
		});
	}

	// Sending ---------------------------------------------------------------------------------------

	function serverMessage(body) {
		try {
			const messages = JSON.parse(body._server_messages || "[]").map((m) => JSON.parse(m).message);
			if (messages.length) return messages.join(" ").replace(/<[^>]*>/g, "");
		} catch (e) {
			// not Frappe's list of messages
		}
		return (body && (body.exception || body.exc_type)) || "";
	}

	async function call(method, options) {
		const response = await fetch(API + method, {
			credentials: "same-origin",
			cache: "no-store",
			...options,
			headers: { Accept: "application/json", ...(options.headers || {}) },
		});
		let body = null;
		try {
			body = await response.json();
		} catch (e) {
			body = null;
		}
		if (!response.ok) {
			const error = new Error(serverMessage(body || {}) || `HTTP ${response.status}`);
			error.status = response.status;
			error.excType = body && body.exc_type;
			throw error;
		}
		return body ? body.message : null;
	}

	async function post(method, args, retried) {
		try {
			return await call(method, {
				method: "POST",
				headers: { "Content-Type": "application/json", "X-Frappe-CSRF-Token": csrfToken },
				body: JSON.stringify(args),
			});
		} catch (error) {
			if (retried || error.excType !== "CSRFTokenError") throw error;
			await renewToken(); // the page was opened from the phone's copy, of an earlier session
			return post(method, args, true);
		}
	}

	async function renewToken() {
		const response = await fetch(boot.scope, { credentials: "same-origin", cache: "no-store" });
		const match = (await response.text()).match(/frappe\.csrf_token = "([^"]+)"/);
		if (match) csrfToken = match[1];
	}

	function wire(entry) {
		return {
			client_id: entry.client_id,
			visit: entry.visit,
			action: entry.action,
			data: entry.data,
			seen: entry.seen,
			done_at: entry.done_at,
		};
	}

	/* The oldest actions, at most BATCH of them and about BATCH_BYTES (photos are large), at least one. */
	function nextBatch() {
		const batch = [];
		let size = 0;
		for (const entry of state.queue) {
			size += JSON.stringify(entry.data || {}).length;
			if (batch.length && (batch.length >= BATCH || size > BATCH_BYTES)) break;
			batch.push(entry);
		}
		return batch;
	}

	async function sendQueue() {
		await writing;
		while (state.queue.length) {
			const batch = nextBatch();
			const answers = await post("sync_actions", { actions: JSON.stringify(batch.map(wire)) });
			const byId = new Map((answers || []).map((answer) => [answer.client_id, answer]));
			let answered = 0;
			for (const entry of batch) {
				const answer = byId.get(entry.client_id);
				if (!answer) continue;
				answered += 1;
				const job = latest(entry.visit);
				const notice =
					answer.result === "Applied"
						? null
						: {
								client_id: entry.client_id,
								user: USER,
								visit: entry.visit,
								customer_name: (job && job.customer_name) || "",
								action: entry.action,
								result: answer.result,
								message: answer.message || "",
								at: localNow(),
						  };
				await transact(["queue", "notices"], "readwrite", (s) => {
					if (notice) s.notices.put(notice);
					return s.queue.delete(entry.seq);
				});
				if (notice) state.notices.push(notice);
				if (answer.result === "Applied" && entry.action === "photo") {
					state.photosSent[entry.visit] = (state.photosSent[entry.visit] || 0) + 1;
				}
				if (answer.result === "Applied" && entry.action === "complete") state.sent[entry.visit] = true;
				state.queue = state.queue.filter((e) => e.seq !== entry.seq);
			}
			renderStatus();
			if (!answered) throw new Error("HTTP 200");
		}
	}

	async function refresh() {
		const day = await call("get_my_day", { method: "GET" });
		if (!day || day.user !== USER) {
			const error = new Error(L.session_ended);
			error.status = 403;
			throw error;
		}
		day.fetched_at = new Date().toISOString();
		await transact(["days"], "readwrite", (s) => s.days.put(day));
		state.day = day;
	}

	async function sync() {
		if (state.syncing) {
			state.again = true;
			return;
		}
		state.syncing = true;
		document.body.dataset.syncing = "1";
		renderStatus();
		try {
			do {
				state.again = false;
				await sendQueue();
				await refresh();
			} while (state.again || state.queue.length);
			state.error = null;
			state.sessionEnded = false;
		} catch (error) {
			if (error.status === 401 || error.status === 403) state.sessionEnded = true;
			// no network (the browser's own words are not the technician's language): no detail
			else state.error = (error.status && error.message) || " ";
		} finally {
			state.syncing = false;
			delete document.body.dataset.syncing;
			rerender();
		}
	}

	async function dismiss(notices) {
		const ids = notices.map((notice) => notice.client_id);
		await transact(["notices"], "readwrite", (stores) => {
			ids.forEach((id) => stores.notices.delete(id));
		});
		state.notices = state.notices.filter((notice) => !ids.includes(notice.client_id));
		render();
	}

	// Markup ------------------------------------------------------------------------------------------

	/* An element with its properties (on* are listeners) and children (text is never markup). */
	function h(tag, props, ...children) {
		const el = document.createElement(tag);
		let value;
		for (const [key, val] of Object.entries(props || {})) {
			if (val === null || val === undefined || val === false) continue;
			if (key === "class") el.className = val;
			else if (key === "value") value = val;
			else if (key === "checked") el.checked = Boolean(val);
			else if (key.startsWith("on")) el.addEventListener(key.slice(2), val);
			else el.setAttribute(key, val === true ? "" : val);
		}
		for (const child of children.flat(3)) {
			if (child === null || child === undefined || child === false) continue;
			el.append(child instanceof Node ? child : String(child));
		}
		if (value !== undefined) el.value = value;
		return el;
	}

	function draftOr(key, value) {
		return key in drafts ? drafts[key] : value;
	}

	function keepDraft(event) {
		drafts[event.target.dataset.key] = event.target.value;
	}

	function section(title, ...children) {
		return h("section", { class: "md-section" }, h("h2", { class: "md-section-title" }, title), children);
	}

	function pill(status) {
		const tone = { Scheduled: "blue", "In Progress": "orange", "On Hold": "grey", Completed: "green" };
		return h("span", { class: `md-pill md-pill-${tone[status] || "grey"}` }, statusLabel(status));
	}

	function timeRange(job) {
		const start = hhmm(job.scheduled_start);
		const end = hhmm(job.scheduled_end);
		return end ? `${start}–${end}` : start;
	}

	function navigateUrl(job) {
		const lat = Number(job.latitude);
		const lng = Number(job.longitude);
		if (lat || lng) return `https://www.openstreetmap.org/directions?to=${encodeURIComponent(`${lat},${lng}`)}`;
		if (job.address) return `https://www.openstreetmap.org/search?query=${encodeURIComponent(job.address)}`;
		return null;
	}

	function contactLinks(job) {
		const links = [];
		if (job.contact_phone) {
			const phone = String(job.contact_phone).replace(/[^\d+]/g, "");
			links.push(h("a", { class: "md-btn md-btn-light", href: `tel:${phone}` }, L.call));
		}
		const route = navigateUrl(job);
		if (route) {
			links.push(
				h("a", { class: "md-btn md-btn-light", href: route, target: "_blank", rel: "noopener" }, L.navigate)
			);
		}
		return links.length ? h("div", { class: "md-links" }, links) : null;
	}

	function historyBlock(job) {
		const visits = job.history || [];
		return h(
			"details",
			{ class: "md-history" },
			h("summary", null, fmt(L.history, visits.length)),
			visits.length
				? h(
						"ul",
						null,
						visits.map((visit) =>
							h(
								"li",
								null,
								h("b", null, [shortDate(visit.date), typeLabel(visit.visit_type)].filter(Boolean).join(" · ")),
								visit.notes ? h("div", null, visit.notes) : null
							)
						)
				  )
				: h("p", { class: "md-muted" }, L.no_history)
		);
	}

	/* The knowledge articles for the job's items (kept on the phone with the job): each one's title
	opens its problem and steps. */
	function articlesSection(job) {
		const groups = (job.articles || []).filter((group) => (group.articles || []).length);
		if (!groups.length) return null;
		return section(
			ARTICLE_LABELS.articles || "Articles",
			...groups.flatMap((group) => [
				h("h3", { class: "md-article-item" }, group.item_name || group.item_code),
				...group.articles.map((article) =>
					h(
						"details",
						{ class: "md-article", "data-article": article.name },
						h("summary", null, article.title || article.name),
						article.problem ? h("div", { class: "md-article-problem" }, richText(article.problem)) : null,
						article.steps ? h("div", { class: "md-article-steps" }, richText(article.steps)) : null,
						article.helped_count
							? h("p", { class: "md-muted" }, fmt(ARTICLE_LABELS.article_helped || "{0}", article.helped_count))
							: null
					)
				),
			])
		);
	}

	/* An article's sanitised HTML as elements made here: lists, paragraphs and emphasis, with no
	attribute, link, image or style of its own (whatever the HTML holds is read, never run). */
	const RICH_TAGS = new Set(["P", "BR", "UL", "OL", "LI", "B", "STRONG", "I", "EM", "U", "CODE", "PRE", "BLOCKQUOTE"]);
	const DROPPED_TAGS = new Set(["SCRIPT", "STYLE", "TEMPLATE", "LINK", "META", "IMG", "SVG", "IFRAME", "OBJECT", "EMBED", "NOSCRIPT"]);

	function richText(html) {
		const doc = new DOMParser().parseFromString(String(html || ""), "text/html");
		const copy = (node) => {
			if (node.nodeType === Node.TEXT_NODE) return document.createTextNode(node.nodeValue);
			if (node.nodeType !== Node.ELEMENT_NODE || DROPPED_TAGS.has(node.tagName)) return null;
			const children = [...node.childNodes].map(copy).filter(Boolean);
			if (!RICH_TAGS.has(node.tagName)) {
				const block = /^(DIV|H[1-6]|TR|TABLE|SECTION)$/.test(node.tagName);
				return h(block ? "div" : "span", null, children);
			}
			return h(node.tagName.toLowerCase(), null, children);
		};
		return [...doc.body.childNodes].map(copy).filter(Boolean);
	}

	/* The server's answers the technician must read, one box per job and message (a job moved by the
	office answers each of its queued actions with the same conflict). */
	function noticeGroups(notices) {
		const groups = new Map();
		for (const notice of notices) {
			const key = JSON.stringify([notice.visit, notice.result, notice.message]);
			if (!groups.has(key)) groups.set(key, []);
			groups.get(key).push(notice);
		}
		return [...groups.values()];
	}

	function noticeBox(group, withJob) {
		const first = group[0];
		const actions = [...new Set(group.map((notice) => L[`action_${notice.action}`] || notice.action))];
		const result = L[`result_${first.result}`] || first.result;
		return h(
			"div",
			{ class: `md-notice is-${String(first.result).toLowerCase()}`, role: "alert" },
			h("div", { class: "md-notice-title" }, `${result}: ${actions.join(", ")}`),
			withJob
				? h("div", { class: "md-notice-job" }, [first.customer_name, first.visit].filter(Boolean).join(" · "))
				: null,
			h("div", null, first.message),
			h(
				"button",
				{ type: "button", class: "md-btn md-btn-light md-small", onclick: () => dismiss(group) },
				L.dismiss
			)
		);
	}

	function noticesOf(name, withJob) {
		return noticeGroups(state.notices.filter((notice) => notice.visit === name)).map((group) =>
			noticeBox(group, withJob)
		);
	}

	// The list ------------------------------------------------------------------------------------------

	function listView() {
		const jobs = currentJobs();
		const names = new Set(jobs.map((job) => job.name));
		const orphans = state.notices.filter((notice) => !names.has(notice.visit));
		const view = h("div", { class: "md-list" });
		if (orphans.length) {
			view.append(
				h("h2", { class: "md-day" }, L.attention),
				...noticeGroups(orphans).map((group) => noticeBox(group, true))
			);
		}
		const rating = state.day && state.day.rating; // the technician's own average (none below 3 ratings)
		if (rating) {
			view.append(
				h("p", { class: "md-rating" }, fmt(L.your_rating, num(rating.average), rating.ratings, rating.days))
			);
		}
		if (!jobs.length) view.append(h("p", { class: "md-empty" }, L.no_jobs));
		let group = null;
		for (const job of jobs) {
			const label = dayLabel(job);
			if (label !== group) {
				view.append(h("h2", { class: "md-day" }, label));
				group = label;
			}
			view.append(jobCard(job));
		}
		return view;
	}

	function jobCard(job) {
		const notices = state.notices.filter((notice) => notice.visit === job.name);
		return h(
			"article",
			{ class: `md-card${job.status === "Completed" ? " is-done" : ""}`, "data-job": job.name },
			h(
				"a",
				{
					class: "md-card-main",
					href: `#/job/${encodeURIComponent(job.name)}`,
					title: L.open_job,
				},
				h("div", { class: "md-card-top" }, h("span", { class: "md-time" }, timeRange(job)), pill(job.status)),
				h("div", { class: "md-customer" }, job.customer_name || job.name),
				h("div", { class: "md-meta" }, `${typeLabel(job.visit_type)} · ${job.name}`),
				job.address ? h("div", { class: "md-address" }, job.address) : null,
				job.pending ? h("div", { class: "md-pending" }, fmt(L.pending_job, job.pending)) : null,
				notices.length ? h("div", { class: "md-alert-line" }, L.attention) : null
			),
			contactLinks(job),
			job.notes ? h("p", { class: "md-notes" }, job.notes) : null,
			historyBlock(job)
		);
	}

	// One job ---------------------------------------------------------------------------------------------

	function jobView(name) {
		const job = latest(name);
		const back = h("a", { class: "md-back", href: "#" }, `‹ ${L.back}`);
		if (!job) {
			return h(
				"div",
				{ class: "md-job" },
				back,
				noticesOf(name, true),
				state.sent[name] ? h("p", { class: "md-done" }, L.done_sent) : h("p", { class: "md-empty" }, L.job_gone)
			);
		}
		const open = job.status !== "Completed";
		const started = job.status === "In Progress" || job.status === "On Hold";
		const problems = state.problems[job.name] || [];
		return h(
			"div",
			{ class: "md-job", "data-job": job.name, "data-status": job.status },
			back,
			h(
				"header",
				{ class: "md-job-head" },
				h(
					"div",
					{ class: "md-card-top" },
					h("span", { class: "md-time" }, `${dayLabel(job)} · ${timeRange(job)}`),
					pill(job.status)
				),
				h("h1", { class: "md-customer" }, job.customer_name || job.name),
				h("div", { class: "md-meta" }, `${typeLabel(job.visit_type)} · ${job.name}`),
				job.address ? h("div", { class: "md-address" }, job.address) : null
			),
			contactLinks(job),
			job.notes ? h("p", { class: "md-notes" }, job.notes) : null,
			historyBlock(job),
			articlesSection(job),
			noticesOf(job.name, false),
			problems.length
				? h(
						"div",
						{ class: "md-notice is-refused md-problems", role: "alert" },
						problems.map((problem) => h("div", null, problem))
				  )
				: null,
			job.status === "Completed" ? h("p", { class: "md-done" }, L.completed_here) : null,
			job.status === "Scheduled" ? onMyWaySection(job) : null,
			job.status === "Scheduled"
				? h(
						"button",
						{ type: "button", class: "md-btn md-btn-block md-start", onclick: () => act(job, "start", {}) },
						L.start
				  )
				: null,
			checklistSection(job, started),
			job.visit_type === "Installation" ? itemsSection(job, started) : partsSection(job, started),
			noteSection(job, open),
			photoSection(job),
			signatureSection(job, started),
			open ? completeBlock(job) : null
		);
	}

	function onMyWaySection(job) {
		const key = `eta:${job.name}`;
		return h(
			"div",
			{ class: "md-onmyway" },
			h(
				"label",
				{ class: "md-field md-minutes" },
				h("span", null, L.minutes),
				h("input", {
					type: "number",
					inputmode: "numeric",
					min: 1,
					max: 600,
					class: "md-input",
					"data-key": key,
					value: draftOr(key, "20"),
					oninput: keepDraft,
				})
			),
			h(
				"button",
				{
					type: "button",
					class: "md-btn md-btn-light md-onmyway-btn",
					onclick: () => act(job, "on_my_way", { minutes: Math.max(Number(draftOr(key, "20")) || 0, 0) }),
				},
				L.on_my_way
			),
			job.eta ? h("p", { class: "md-ok" }, fmt(L.on_my_way_sent, job.eta)) : null
		);
	}

	function checklistSection(job, editable) {
		if (!job.checklist.length) return null;
		return section(
			L.checklist,
			job.checklist.map((row) => {
				const noteKey = `note:${job.name}:${row.row}`;
				const note = draftOr(noteKey, row.note || "");
				return h(
					"div",
					{ class: `md-check${row.done ? " is-done" : ""}` },
					h(
						"label",
						{ class: "md-check-row" },
						h("input", {
							type: "checkbox",
							class: "md-checkbox",
							checked: Boolean(row.done),
							disabled: !editable,
							"data-key": `check:${job.name}:${row.row}`,
							onchange: (event) => {
								event.target.closest(".md-check").classList.toggle("is-done", event.target.checked);
								act(job, "check", { row: row.row, done: event.target.checked ? 1 : 0 }, { quiet: true });
							},
						}),
						h(
							"span",
							{ class: "md-check-text" },
							row.description,
							row.mandatory ? h("span", { class: "md-badge" }, L.mandatory) : null
						)
					),
					h(
						"details",
						{ class: "md-check-more", open: Boolean(note) },
						h("summary", null, L.add_note),
						h("input", {
							type: "text",
							class: "md-input",
							maxlength: 140,
							"aria-label": L.check_note,
							disabled: !editable,
							"data-key": noteKey,
							value: note,
							oninput: keepDraft,
							onchange: (event) => {
								delete drafts[noteKey];
								const current = latest(job.name).checklist.find((r) => r.row === row.row);
								const done = current && current.done ? 1 : 0;
								act(job, "check", { row: row.row, done, note: event.target.value }, { quiet: true });
							},
						})
					)
				);
			})
		);
	}

	function qtyKey(job, row) {
		return `qty:${job.name}:${row.row}`;
	}

	function serialKey(job, row) {
		return `serial:${job.name}:${row.row}`;
	}

	/* The installed quantity the field shows: what was typed, else what was entered, else what was
	delivered (most jobs install what was delivered). */
	function shownQty(job, row) {
		const entered = Number(row.installed_qty) ? row.installed_qty : row.delivered_qty;
		return Number(draftOr(qtyKey(job, row), entered)) || 0;
	}

	function itemsSection(job, editable) {
		if (!job.items.length) return null;
		return section(
			L.installed,
			job.items.map((row) => {
				const qKey = qtyKey(job, row);
				const sKey = serialKey(job, row);
				return h(
					"div",
					{ class: "md-item" },
					h("div", { class: "md-item-name" }, row.item_name),
					h("div", { class: "md-muted" }, fmt(L.delivered, num(row.delivered_qty), num(row.qty))),
					h(
						"label",
						{ class: "md-field" },
						h("span", null, L.installed_qty),
						h("input", {
							type: "number",
							inputmode: "decimal",
							min: 0,
							step: "any",
							class: "md-input md-installed",
							disabled: !editable,
							"data-key": qKey,
							value: String(shownQty(job, row)),
							oninput: keepDraft,
							onchange: (event) => {
								delete drafts[qKey];
								act(job, "installed", { row: row.row, qty: Number(event.target.value) || 0 }, { quiet: true });
							},
						})
					),
					h(
						"details",
						{ class: "md-serials-more", open: Boolean(draftOr(sKey, row.serial_no || "")) },
						h("summary", null, L.serial_nos),
						h("textarea", {
							class: "md-input md-serials",
							rows: 3,
							"aria-label": L.serial_nos,
							autocapitalize: "characters",
							spellcheck: "false",
							disabled: !editable,
							"data-key": sKey,
							value: draftOr(sKey, row.serial_no || ""),
							oninput: keepDraft,
							onchange: (event) => {
								delete drafts[sKey];
								const data = { row: row.row, qty: shownQty(job, row), serial_no: event.target.value };
								act(job, "installed", data, { quiet: true });
							},
						})
					)
				);
			})
		);
	}

	function partsSection(job, editable) {
		const codeKey = `part:${job.name}`;
		const countKey = `partqty:${job.name}`;
		return section(
			L.parts,
			job.parts.length
				? h(
						"ul",
						{ class: "md-parts" },
						job.parts.map((part) => h("li", null, h("b", null, part.item_code), ` × ${num(part.qty)}`))
				  )
				: h("p", { class: "md-muted" }, L.no_parts),
			h(
				"div",
				{ class: "md-part-form" },
				h("input", {
					type: "text",
					class: "md-input",
					placeholder: L.item_code,
					"aria-label": L.item_code,
					autocapitalize: "characters",
					disabled: !editable,
					"data-key": codeKey,
					value: draftOr(codeKey, ""),
					oninput: keepDraft,
				}),
				h("input", {
					type: "number",
					inputmode: "decimal",
					min: 0,
					step: "any",
					class: "md-input",
					"aria-label": L.qty,
					disabled: !editable,
					"data-key": countKey,
					value: draftOr(countKey, "1"),
					oninput: keepDraft,
				}),
				h(
					"button",
					{
						type: "button",
						class: "md-btn md-btn-light",
						disabled: !editable,
						onclick: () => {
							const code = String(draftOr(codeKey, "")).trim();
							const qty = Number(draftOr(countKey, "1"));
							if (!code || !(qty > 0)) {
								state.problems[job.name] = [L.need_part];
								render();
								return;
							}
							delete drafts[codeKey];
							delete drafts[countKey];
							delete state.problems[job.name];
							act(job, "part", { item_code: code, qty });
						},
					},
					L.add_part
				)
			)
		);
	}

	function noteSection(job, open) {
		const key = `notes:${job.name}`;
		return section(
			L.job_notes,
			h("textarea", {
				class: "md-input",
				rows: 3,
				"aria-label": L.job_notes,
				disabled: !open,
				"data-key": key,
				value: draftOr(key, job.notes || ""),
				oninput: keepDraft,
			}),
			open
				? h(
						"button",
						{
							type: "button",
							class: "md-btn md-btn-light",
							onclick: () => {
								if (!(key in drafts)) return;
								const text = drafts[key];
								delete drafts[key];
								act(job, "note", { text });
							},
						},
						L.save_note
				  )
				: null
		);
	}

	function photoSection(job) {
		const photos = job.photos || [];
		const sent = state.photosSent[job.name] || 0;
		return section(
			L.photos,
			h(
				"label",
				{ class: "md-btn md-btn-light md-photo-btn" },
				h("input", {
					type: "file",
					accept: "image/*",
					capture: "environment",
					class: "md-file",
					onchange: (event) => takePhotos(job, [...event.target.files]),
				}),
				L.take_photo
			),
			photos.length
				? h("div", { class: "md-thumbs" }, photos.map((src) => h("img", { class: "md-thumb", src, alt: "" })))
				: null,
			photos.length ? h("p", { class: "md-muted" }, fmt(L.photo_waiting, photos.length)) : null,
			sent ? h("p", { class: "md-ok" }, fmt(L.photo_sent, sent)) : null
		);
	}

	async function takePhotos(job, files) {
		for (const file of files) {
			try {
				const data = await downscale(file);
				const stamp = localNow().replace(/[^\d]/g, "");
				await act(latest(job.name) || job, "photo", { filename: `${job.name}-${stamp}.jpg`, data });
			} catch (e) {
				state.problems[job.name] = [L.photo_failed];
				render();
			}
		}
	}

	/* The photo as a JPEG at most PHOTO_MAX_PX on its longer side (a phone's camera takes 12 MP). */
	async function downscale(file) {
		const url = URL.createObjectURL(file);
		try {
			const img = await new Promise((resolve, reject) => {
				const image = new Image();
				image.onload = () => resolve(image);
				image.onerror = reject;
				image.src = url;
			});
			const scale = Math.min(1, PHOTO_MAX_PX / Math.max(img.naturalWidth, img.naturalHeight));
			const canvas = document.createElement("canvas");
			canvas.width = Math.max(1, Math.round(img.naturalWidth * scale));
			canvas.height = Math.max(1, Math.round(img.naturalHeight * scale));
			canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
			return canvas.toDataURL("image/jpeg", 0.82);
		} finally {
			URL.revokeObjectURL(url);
		}
	}

	// The signature pad: drawn with a finger (touch) or a mouse, kept across renders ------------------

	function padOf(job) {
		if (!pad || pad.visit !== job.name) {
			const canvas = h("canvas", { class: "md-pad", "aria-label": L.sign_here });
			pad = { visit: job.name, canvas, drawn: false, again: false, sized: false };
			drawOn(pad);
		}
		return pad;
	}

	function sizePad() {
		if (!pad || pad.sized || !pad.canvas.isConnected || !pad.canvas.clientWidth) return;
		const ratio = Math.min(window.devicePixelRatio || 1, 2);
		pad.canvas.width = Math.round(pad.canvas.clientWidth * ratio);
		pad.canvas.height = Math.round(pad.canvas.clientHeight * ratio);
		const ctx = pad.canvas.getContext("2d");
		ctx.fillStyle = "#ffffff";
		ctx.fillRect(0, 0, pad.canvas.width, pad.canvas.height);
		ctx.lineWidth = 2.5 * ratio;
		ctx.lineCap = "round";
		ctx.lineJoin = "round";
		ctx.strokeStyle = "#111827";
		pad.sized = true;
	}

	function drawOn(p) {
		const canvas = p.canvas;
		let last = null;
		const point = (e) => {
			const box = canvas.getBoundingClientRect();
			return {
				x: ((e.clientX - box.left) * canvas.width) / box.width,
				y: ((e.clientY - box.top) * canvas.height) / box.height,
			};
		};
		const stroke = (from, to) => {
			const ctx = canvas.getContext("2d");
			ctx.beginPath();
			ctx.moveTo(from.x, from.y);
			ctx.lineTo(to.x, to.y);
			ctx.stroke();
			if (!p.drawn) {
				p.drawn = true;
				const wrap = canvas.closest(".md-pad-wrap");
				if (wrap) wrap.classList.add("is-drawn");
			}
		};
		const down = (e) => {
			if (canvas.dataset.disabled) return;
			e.preventDefault();
			sizePad();
			last = point(e);
			stroke(last, { x: last.x + 0.1, y: last.y + 0.1 });
		};
		const move = (e) => {
			if (!last) return;
			e.preventDefault();
			const next = point(e);
			stroke(last, next);
			last = next;
		};
		const up = () => {
			last = null;
		};
		if (window.PointerEvent) {
			canvas.addEventListener("pointerdown", (e) => {
				down(e);
				if (canvas.setPointerCapture) canvas.setPointerCapture(e.pointerId);
			});
			canvas.addEventListener("pointermove", move);
			canvas.addEventListener("pointerup", up);
			canvas.addEventListener("pointercancel", up);
		} else {
			const touch = (handler) => (e) => {
				if (!e.touches.length) return;
				const { clientX, clientY } = e.touches[0];
				handler({ clientX, clientY, preventDefault: () => e.preventDefault() });
			};
			canvas.addEventListener("mousedown", down);
			canvas.addEventListener("mousemove", move);
			window.addEventListener("mouseup", up);
			canvas.addEventListener("touchstart", touch(down), { passive: false });
			canvas.addEventListener("touchmove", touch(move), { passive: false });
			canvas.addEventListener("touchend", up);
		}
	}

	function clearPad() {
		if (!pad) return;
		pad.sized = false;
		pad.drawn = false;
		sizePad();
		const wrap = pad.canvas.closest(".md-pad-wrap");
		if (wrap) wrap.classList.remove("is-drawn");
	}

	function signerKey(job) {
		return `signer:${job.name}`;
	}

	/* Queue the drawn signature; returns what is missing, if anything. */
	function saveSignature(job, options) {
		const name = String(draftOr(signerKey(job), job.signed_by || "")).trim();
		if (!pad || pad.visit !== job.name || !pad.drawn) return L.need_drawing;
		if (!name) return L.need_name;
		const signature = pad.canvas.toDataURL("image/png");
		delete drafts[signerKey(job)];
		pad = null;
		act(job, "sign", { signature, signed_by: name }, options);
		return null;
	}

	function signatureSection(job, editable) {
		if (job.has_signature && !(pad && pad.visit === job.name && pad.again)) {
			return section(
				L.signature,
				h("p", { class: "md-ok md-signed" }, fmt(L.signed_by, job.signed_by || "")),
				job.signature ? h("img", { class: "md-sig-img", src: job.signature, alt: L.signature }) : null,
				editable
					? h(
							"button",
							{
								type: "button",
								class: "md-btn md-btn-light",
								onclick: () => {
									padOf(job).again = true;
									render();
								},
							},
							L.sign_again
					  )
					: null
			);
		}
		const p = padOf(job);
		if (editable) delete p.canvas.dataset.disabled;
		else p.canvas.dataset.disabled = "1";
		const key = signerKey(job);
		return section(
			L.signature,
			h(
				"div",
				{ class: `md-pad-wrap${p.drawn ? " is-drawn" : ""}${editable ? "" : " is-disabled"}` },
				p.canvas,
				h("span", { class: "md-pad-hint" }, L.sign_here)
			),
			h(
				"label",
				{ class: "md-field" },
				h("span", null, L.signer_name),
				h("input", {
					type: "text",
					class: "md-input md-signer",
					maxlength: 140,
					autocomplete: "off",
					disabled: !editable,
					"data-key": key,
					value: draftOr(key, job.signed_by || ""),
					oninput: keepDraft,
				})
			),
			h(
				"div",
				{ class: "md-pair" },
				h(
					"button",
					{ type: "button", class: "md-btn md-btn-light", disabled: !editable, onclick: clearPad },
					L.clear
				),
				h(
					"button",
					{
						type: "button",
						class: "md-btn md-save-signature",
						disabled: !editable,
						onclick: () => {
							const missing = saveSignature(job);
							if (missing) {
								state.problems[job.name] = [missing];
								render();
							} else {
								delete state.problems[job.name];
							}
						},
					},
					L.save_signature
				)
			)
		);
	}

	// Completing ------------------------------------------------------------------------------------------

	/* What was typed or drawn and not saved yet becomes actions before the job is completed. */
	async function flush(job) {
		for (const row of job.items) {
			const qty = shownQty(job, row);
			const sKey = serialKey(job, row);
			if (qty !== Number(row.installed_qty) || sKey in drafts) {
				const data = { row: row.row, qty };
				if (sKey in drafts) data.serial_no = drafts[sKey];
				delete drafts[qtyKey(job, row)];
				delete drafts[sKey];
				act(job, "installed", data, { quiet: true });
			}
		}
		const notesKey = `notes:${job.name}`;
		if (notesKey in drafts && drafts[notesKey] !== (job.notes || "")) {
			act(job, "note", { text: drafts[notesKey] }, { quiet: true });
			delete drafts[notesKey];
		}
		if (pad && pad.visit === job.name && pad.drawn) saveSignature(job, { quiet: true });
		await writing;
	}

	function completionProblems(job) {
		const problems = [];
		if (job.status === "Scheduled") problems.push(L.start_first);
		const open = job.checklist.filter((row) => row.mandatory && !row.done).map((row) => row.description);
		if (open.length) problems.push(fmt(L.open_checks, open.join("; ")));
		if (!job.has_signature || !job.signed_by) problems.push(L.need_signature);
		if (job.visit_type === "Installation" && !job.items.some((row) => Number(row.installed_qty) > 0)) {
			problems.push(L.need_installed);
		}
		return problems;
	}

	async function askToComplete(job) {
		await flush(latest(job.name) || job);
		const now = latest(job.name);
		const problems = now ? completionProblems(now) : [];
		if (problems.length) {
			state.problems[job.name] = problems;
			state.confirming = null;
		} else {
			delete state.problems[job.name];
			state.confirming = job.name;
		}
		render();
		const target = document.querySelector(problems.length ? ".md-job .md-notice" : ".md-confirm");
		if (target) target.scrollIntoView({ block: "center" });
	}

	function completeBlock(job) {
		if (state.confirming === job.name) {
			return h(
				"div",
				{ class: "md-confirm", role: "alertdialog" },
				h("p", null, L.confirm_complete),
				h(
					"div",
					{ class: "md-pair" },
					h(
						"button",
						{
							type: "button",
							class: "md-btn md-btn-light",
							onclick: () => {
								state.confirming = null;
								render();
							},
						},
						L.back
					),
					h(
						"button",
						{
							type: "button",
							class: "md-btn md-btn-success md-confirm-complete",
							onclick: () => {
								state.confirming = null;
								act(latest(job.name) || job, "complete", {});
							},
						},
						L.complete
					)
				)
			);
		}
		return h(
			"button",
			{
				type: "button",
				class: "md-btn md-btn-block md-btn-success md-complete",
				onclick: () => askToComplete(job),
			},
			L.complete
		);
	}

	// Rendering -------------------------------------------------------------------------------------------

	function renderStatus() {
		const bar = document.getElementById("my-day-status");
		const online = navigator.onLine;
		const waiting = state.queue.length;
		let line = null;
		if (state.sessionEnded) {
			line = h(
				"div",
				{ class: "md-status-line is-bad" },
				`${L.session_ended} `,
				h("a", { href: `/login?redirect-to=${encodeURIComponent(boot.scope)}` }, L.log_in)
			);
		} else if (state.error) {
			line = h("div", { class: "md-status-line is-bad" }, fmt(L.sync_failed, state.error).trim());
		} else if (state.day && state.day.fetched_at) {
			const at = new Date(state.day.fetched_at);
			const time = `${pad2(at.getHours())}:${pad2(at.getMinutes())}`;
			line = h("div", { class: "md-status-line" }, fmt(L.updated, time));
		}
		bar.replaceChildren(
			h(
				"div",
				{ class: "md-status-row" },
				h("span", { class: `md-net ${online ? "is-online" : "is-offline"}` }, online ? L.online : L.offline),
				h(
					"span",
					{ class: `md-waiting${waiting ? " has-waiting" : ""}`, "data-waiting": String(waiting) },
					waiting === 1 ? L.waiting_one : waiting ? fmt(L.waiting, waiting) : L.all_sent
				),
				h(
					"button",
					{ type: "button", class: "md-sync", disabled: state.syncing, onclick: () => sync() },
					state.syncing ? L.syncing : L.sync
				)
			),
			line
		);
	}

	function route() {
		const match = location.hash.match(/^#\/job\/(.+)$/);
		return match ? decodeURIComponent(match[1]) : null;
	}

	/* The job screen as data, to tell whether a sync changed what it shows. */
	function model() {
		const name = route();
		const jobs = currentJobs().map((job) => ({ ...job, pending: 0 }));
		const shown = name ? jobs.find((job) => job.name === name) : jobs;
		return JSON.stringify([name, shown, state.notices, state.problems]);
	}

	function render() {
		renderStatus();
		const main = document.getElementById("my-day");
		const focused = document.activeElement;
		const key = focused && focused.dataset ? focused.dataset.key : null;
		const caret = key && "selectionStart" in focused ? [focused.selectionStart, focused.selectionEnd] : null;
		const name = route();
		let view;
		if (!state.day) view = h("p", { class: "md-empty" }, state.loaded ? L.nothing_saved : L.loading);
		else if (name) view = jobView(name);
		else view = listView();
		main.replaceChildren(view);
		shownModel = model();
		sizePad();
		if (key) {
			const again = main.querySelector(`[data-key="${CSS.escape(key)}"]`);
			if (again) {
				again.focus({ preventScroll: true });
				try {
					if (caret) again.setSelectionRange(caret[0], caret[1]);
				} catch (e) {
					// a number field has no caret to restore
				}
			}
		}
	}

	/* After a sync: the list is drawn again; the job screen only if what it shows changed (the
	technician may be typing in it). */
	function rerender() {
		if (!route() || model() !== shownModel) render();
		else renderStatus();
	}

	// Start ------------------------------------------------------------------------------------------------

	function registerServiceWorker() {
		if (!("serviceWorker" in navigator)) return;
		navigator.serviceWorker.register(boot.service_worker, { scope: boot.scope }).catch(() => {
			// no offline shell (e.g. plain http): the page still works while online
		});
	}

	async function start() {
		registerServiceWorker();
		try {
			await load();
		} catch (error) {
			state.error = String((error && error.message) || error);
		}
		state.loaded = true;
		render();
		window.addEventListener("hashchange", () => {
			state.confirming = null;
			render();
			window.scrollTo(0, 0);
		});
		window.addEventListener("online", () => sync());
		window.addEventListener("offline", renderStatus);
		document.addEventListener("visibilitychange", () => {
			if (document.visibilityState === "visible" && navigator.onLine) sync();
		});
		if (navigator.onLine) sync();
	}

	start();
})();
