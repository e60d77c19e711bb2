"""Helpers for the tests that must commit (their data is read by another connection or thread)."""

import threading
from contextlib import contextmanager

import frappe


def names_where(doctype: str, field: str, values, pluck: str = "name") -> list:
	"""`pluck` of the rows of `doctype` whose `field` is one of `values`; none for no values. Never
	`("in", values or [""])`: Frappe reads `in ('')` as "not set" too (`ifnull(field, '') in ('')`),
	so a cleanup of nothing would take every row without one (it took every contact without a user,
	the demo customers' included, and the follow-ups of every interaction outside a campaign)."""
	values = [value for value in values if value]
	return frappe.get_all(doctype, {field: ("in", values)}, pluck=pluck) if values else []


def purge(doctype: str, names: set[str]) -> None:
	"""Delete `names` with their child rows and the records Frappe keeps about them."""
	if not names:
		return
	names = list(names)
	forget_in_segments(doctype, names)
	meta = frappe.get_meta(doctype)
	for table in meta.get_table_fields():
		frappe.db.delete(table.options, {"parenttype": doctype, "parent": ("in", names)})
	if doctype == "Customer":
		for link_doctype in ("Address", "Contact"):
			linked = frappe.get_all(
				"Dynamic Link",
				filters={"link_doctype": "Customer", "link_name": ("in", names), "parenttype": link_doctype},
				pluck="parent",
			)
			purge(link_doctype, set(linked))
	for related, doctype_field, name_field in (
		("Version", "ref_doctype", "docname"),
		("Comment", "reference_doctype", "reference_name"),
		("Communication", "reference_doctype", "reference_name"),
		("ToDo", "reference_type", "reference_name"),
	):
		frappe.db.delete(related, {doctype_field: doctype, name_field: ("in", names)})
	if doctype in ("Sales Order", "Sales Invoice", "Delivery Note"):
		frappe.db.delete("Stock Ledger Entry", {"voucher_type": doctype, "voucher_no": ("in", names)})
		frappe.db.delete("GL Entry", {"voucher_type": doctype, "voucher_no": ("in", names)})
	frappe.db.delete(doctype, {"name": ("in", names)})


def forget_in_segments(doctype: str, names: list[str]) -> None:
	"""Take the documents out of the market segments rollup, as deleting (or cancelling) them would."""
	from bizlink.market_analysis import segments

	handlers = {
		"Sales Order": lambda doc: doc.docstatus == 1 and segments.on_sales(doc, "on_cancel"),
		"Sales Invoice": lambda doc: doc.docstatus == 1 and segments.on_sales(doc, "on_cancel"),
		"Sales Interaction": segments.on_trash,
		"Service Ticket": segments.on_trash,
		"Customer": segments.on_customer_trash,
	}
	if doctype not in handlers:
		return
	for name in names:
		if frappe.db.exists(doctype, name):
			handlers[doctype](frappe.get_doc(doctype, name))


def in_thread(site: str, fn, *args, **kwargs):
	"""Run `fn` in a thread with its own Frappe context and database connection, committing at the
	end (rolling back on error); return its result or the exception it raised."""
	result = {}

	def run():
		frappe.init(site=site, sites_path=".")
		frappe.connect()
		frappe.flags.in_test = True
		frappe.flags.mute_emails = True
		frappe.set_user(kwargs.pop("user", "Administrator"))
		try:
			result["value"] = fn(*args, **kwargs)
			frappe.db.commit()
		except Exception as e:
			frappe.db.rollback()
			result["error"] = e
		finally:
			frappe.destroy()

	thread = threading.Thread(target=run)
	thread.start()
	return thread, result


def purge_world(customers, items=(), users=(), extra: tuple = ()) -> None:
	"""Remove customers with their orders, jobs, stage logs, interactions and tickets, then items and
	users with what Frappe keeps about them, and `extra` ((doctype, names), ...) in between."""
	orders = names_where("Sales Order", "customer", customers)
	by_order = {"sales_order": ("in", orders or [""])}
	by_customer = {"customer": ("in", customers or [""])}
	for doctype, names in (
		(
			"Field Visit",
			frappe.get_all("Field Visit", by_order, pluck="name")
			+ frappe.get_all("Field Visit", by_customer, pluck="name"),
		),
		("Visit Rating", frappe.get_all("Visit Rating", by_customer, pluck="name")),
		("Maintenance Plan", frappe.get_all("Maintenance Plan", by_customer, pluck="name")),
		("Order Stage Log", frappe.get_all("Order Stage Log", by_order, pluck="name")),
		("Sales Interaction", frappe.get_all("Sales Interaction", by_customer, pluck="name")),
		("Service Ticket", frappe.get_all("Service Ticket", by_customer, pluck="name")),
		("Sales Order", orders),
		("Customer", customers),
		("Item", items),
		*extra,
		("User", users),
	):
		purge(doctype, set(names))
	if items:
		frappe.db.delete("Bin", {"item_code": ("in", list(items))})
		frappe.db.delete("Item Price", {"item_code": ("in", list(items))})
	if users:
		users = list(users)
		for doctype, field in (
			("User Permission", "user"),
			("Access Log", "user"),
			("Activity Log", "user"),
			("Notification Log", "for_user"),
			("ToDo", "allocated_to"),
			("Contact", "user"),
			("Sessions", "user"),
		):
			frappe.db.delete(doctype, {field: ("in", users)})
		frappe.db.delete("__Auth", {"doctype": "User", "name": ("in", users)})  # their API secrets


def phone(browser, server: str, user: str | None = None, password: str | None = None):
	"""A browser context at phone size (390 x 844, touch, Spanish), logged in as `user` if given."""
	context = browser.new_context(viewport={"width": 390, "height": 844}, locale="es-ES", has_touch=True)
	if user:
		response = context.request.post(f"{server}/api/method/login", form={"usr": user, "pwd": password})
		assert response.ok, response.text()[:200]
	return context


@contextmanager
def watched_page(context, timeout: int = 60_000):
	"""A page of `context` whose script errors are collected: the context is closed after the block,
	and a block that ended well fails if the page raised any."""
	errors = []
	try:
		page = context.new_page()
		page.set_default_timeout(timeout)
		page.on("pageerror", lambda error: errors.append(str(error)))
		yield page
	finally:
		context.close()
	assert not errors, errors


def english_on(page, words) -> list[str]:
	"""Which of `words` (English a Spanish user must not meet) the page shows, as a word or a line."""
	lines = [f" {line.strip()} " for line in page.inner_text("body").splitlines()]
	return [word for word in words if any(f" {word} " in line or f" {word}:" in line for line in lines)]


def sideways_scroll(page) -> int:
	"""How far the page scrolls sideways (0 when it fits the screen)."""
	# (a vertical scroll bar may make the content narrower than the window: that is no overflow)
	overflow = page.evaluate(
		"() => document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth"
	)
	return max(overflow, 0)
