"""Knowledge on the job: the published articles for what a Field Visit works on (the desk's form and
the technician's My Day) and for what a customer owns (the Customer File).

Articles are for staff: Internal and Public ones both show to desk users who may read the visit or
the customer (and Knowledge Article); a portal user is never sent one from here. Each article is
listed once, under the first of the items it fits (by the item itself or one of its item groups),
most helpful first; items without an article are left out.
"""

import frappe
from frappe import _

from bizlink.sales_crm.customers import check_customer
from bizlink.service.knowledge import articles_for_item

JOB = "Field Visit"
ARTICLE = "Knowledge Article"
MAX_ITEMS = 20  # a job's or a customer's items looked up, newest first
PER_ITEM = 5
SOURCE_ROWS = 200  # a customer's serial numbers, visits and orders read for their items


def may_read_articles(user: str | None = None) -> bool:
	"""Staff (a desk user) who may read Knowledge Articles; never a Guest or a portal user."""
	user = user or frappe.session.user
	return (
		user != "Guest"
		and frappe.get_cached_value("User", user, "user_type") == "System User"
		and bool(frappe.has_permission(ARTICLE, "read", user=user))
	)


def check_articles_reader() -> None:
	if not may_read_articles():
		frappe.throw(_("Knowledge articles are for staff."), exc=frappe.PermissionError)


@frappe.whitelist()
@frappe.read_only()
def for_visit(visit: str) -> list[dict]:
	"""The articles for the items of `visit`, grouped per item, for a user who may read the visit."""
	if not visit or not frappe.db.exists(JOB, visit):
		frappe.throw(
			_("Field Visit {0} not found.").format(frappe.bold(visit)),
			title=_("Not Found"),
			exc=frappe.DoesNotExistError,
		)
	frappe.has_permission(JOB, "read", doc=visit, throw=True)
	check_articles_reader()
	return grouped(items_of_visit(visit))


@frappe.whitelist()
@frappe.read_only()
def for_customer(customer: str) -> list[dict]:
	"""The articles for the items `customer` owns, grouped per item, for a user who may read the customer."""
	check_customer(customer)
	check_articles_reader()
	return grouped(items_of_customer(customer))


def visit_articles(visit: str) -> list[dict]:
	"""for_visit without its checks: for a caller that has checked them (My Day, the technician's jobs)."""
	return grouped(items_of_visit(visit))


# What a visit works on, what a customer owns ------------------------------------------------------


def items_of_visit(visit: str) -> list[str]:
	"""The visit's item rows, then its unit (its item, its serial number's item), then its ticket's item."""
	rows = frappe.get_all(
		"Field Visit Item",
		filters={"parenttype": JOB, "parent": visit},
		pluck="item_code",
		order_by="idx",
	)
	unit = frappe.db.get_value(JOB, visit, ["item_code", "serial_no", "service_ticket"], as_dict=True)
	serial_item = frappe.db.get_value("Serial No", unit.serial_no, "item_code") if unit.serial_no else None
	ticket_item = (
		frappe.db.get_value("Service Ticket", unit.service_ticket, "item") if unit.service_ticket else None
	)
	return distinct([*rows, unit.item_code, serial_item, ticket_item])


def items_of_customer(customer: str) -> list[str]:
	"""What the customer file knows the customer owns, read with the caller's permissions: their
	serial numbers (units not replaced), the items of their field visits and of their submitted
	sales orders, newest first. A source the caller may not read adds nothing."""
	items = []
	if frappe.has_permission("Serial No", "read"):
		items += frappe.get_list(
			"Serial No",
			filters={"customer": customer, "bizlink_replaced_by": ("is", "not set")},
			pluck="item_code",
			order_by="modified desc",
			limit_page_length=SOURCE_ROWS,
		)
	if frappe.has_permission(JOB, "read"):
		visits = frappe.get_list(
			JOB,
			filters={"customer": customer, "status": ("!=", "Cancelled")},
			fields=["name", "item_code"],
			order_by="modified desc",
			limit_page_length=SOURCE_ROWS,
		)
		items += rows_of("Field Visit Item", JOB, [visit.name for visit in visits])
		items += [visit.item_code for visit in visits]
	if frappe.has_permission("Sales Order", "read"):
		orders = frappe.get_list(
			"Sales Order",
			filters={"customer": customer, "docstatus": 1},
			pluck="name",
			order_by="transaction_date desc",
			limit_page_length=SOURCE_ROWS,
		)
		items += rows_of("Sales Order Item", "Sales Order", orders)
	return distinct(items)


def rows_of(child: str, parenttype: str, parents: list[str]) -> list[str]:
	"""The item codes of the rows of `parents` (already read with the caller's permissions), in their order."""
	if not parents:
		return []
	order = {name: i for i, name in enumerate(parents)}
	rows = frappe.get_all(
		child,
		filters={"parenttype": parenttype, "parent": ("in", parents)},
		fields=["parent", "item_code"],
		order_by="idx",
	)
	rows.sort(key=lambda row: order[row.parent])  # stable: each parent's rows stay in their order
	return [row.item_code for row in rows]


def distinct(items: list[str | None]) -> list[str]:
	return list(dict.fromkeys(item for item in items if item))[:MAX_ITEMS]


def grouped(items: list[str]) -> list[dict]:
	"""[{item_code, item_name, articles}] for the items with articles; each article once, under the
	first item it fits."""
	seen = set()
	groups = []
	for item in items:
		articles = [row for row in articles_for_item(item, limit=PER_ITEM) if row.name not in seen]
		if not articles:
			continue
		seen.update(row.name for row in articles)
		groups.append(
			{
				"item_code": item,
				"item_name": frappe.db.get_value("Item", item, "item_name") or item,
				"articles": articles,
			}
		)
	return groups
