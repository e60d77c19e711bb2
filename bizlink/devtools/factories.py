"""Builders of ERPNext documents, shared by the demo data, the benchmarks and the tests.

Each builder takes only what the caller cares about and fills the rest with valid defaults of the
site (its default company, its first leaf customer group and territory, the company's stores).
"""

import frappe
from frappe.utils import add_days, flt, random_string, today

from bizlink.devtools.site import ensure_fiscal_year, get_default_company

# a 1x1 PNG: a customer signature for demo data and tests
SIGNATURE = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


def get_leaf(doctype: str) -> str:
	"""The first non-group record of a tree DocType (Customer Group, Territory, Item Group)."""
	return frappe.db.get_value(doctype, {"is_group": 0}, "name", order_by="lft asc")


def get_stores(company: str | None = None) -> str:
	company = company or get_default_company()
	return frappe.db.get_value(
		"Warehouse", {"company": company, "is_group": 0, "warehouse_name": "Stores"}, "name"
	) or frappe.db.get_value("Warehouse", {"company": company, "is_group": 0}, "name")


def make_customer(
	customer_name: str | None = None,
	customer_type: str = "Company",
	city: str | None = "Madrid",
	customer_group: str | None = None,
	territory: str | None = None,
	email: str | None = None,
	phone: str | None = None,
	**fields,
):
	"""A Customer with, when a city is given, a primary billing Address and a primary Contact."""
	customer_name = customer_name or f"Customer {random_string(8)}"
	customer = frappe.get_doc(
		{
			"doctype": "Customer",
			"customer_name": customer_name,
			"customer_type": customer_type,
			"customer_group": customer_group or get_leaf("Customer Group"),
			"territory": territory or get_leaf("Territory"),
			**fields,
		}
	).insert(ignore_permissions=True)
	if not city:
		return customer

	links = [{"link_doctype": "Customer", "link_name": customer.name}]
	address = frappe.get_doc(
		{
			"doctype": "Address",
			"address_title": customer_name,
			"address_type": "Billing",
			"address_line1": "Calle Mayor 1",
			"city": city,
			"country": frappe.db.get_value("Company", get_default_company(), "country") or "Spain",
			"is_primary_address": 1,
			"links": links,
		}
	).insert(ignore_permissions=True)
	first_name, _, last_name = customer_name.partition(" ")
	email = email or f"{random_string(10).lower()}@example.com"
	contact = frappe.get_doc(
		{
			"doctype": "Contact",
			"first_name": first_name,
			"last_name": last_name,
			"email_ids": [{"email_id": email, "is_primary": 1}],
			"phone_nos": [{"phone": phone or "+34 600 000 000", "is_primary_mobile_no": 1}],
			"links": links,
		}
	).insert(ignore_permissions=True)
	customer.db_set({"customer_primary_address": address.name, "customer_primary_contact": contact.name})
	return customer.reload()


def make_item(
	item_code: str | None = None,
	rate: float = 100,
	is_stock_item: int = 1,
	has_serial_no: int = 0,
	**fields,
):
	item_code = item_code or f"ITEM-{random_string(8).upper()}"
	if frappe.db.exists("Item", item_code):
		return frappe.get_doc("Item", item_code)
	return frappe.get_doc(
		{
			"doctype": "Item",
			"item_code": item_code,
			"item_name": fields.pop("item_name", item_code),
			"item_group": fields.pop("item_group", None) or get_leaf("Item Group"),
			"stock_uom": "Nos",
			"is_stock_item": is_stock_item,
			"has_serial_no": has_serial_no,
			"serial_no_series": f"{item_code}-.#####" if has_serial_no else None,
			"standard_rate": rate,
			"valuation_rate": rate,
			**fields,
		}
	).insert(ignore_permissions=True)


def receive_stock(
	item_code: str,
	qty: float,
	rate: float = 100,
	warehouse: str | None = None,
	posting_date: str | None = None,
):
	"""A submitted Material Receipt; for a serialised item its new serial numbers are made from the series."""
	from erpnext.stock.doctype.stock_entry.stock_entry_utils import make_stock_entry

	ensure_fiscal_year(posting_date)
	return make_stock_entry(
		item_code=item_code,
		qty=qty,
		to_warehouse=warehouse or get_stores(),
		rate=rate,
		posting_date=posting_date,
		posting_time="00:00:00" if posting_date else None,  # received before anything that day ships it
	)


def make_van(user: str, company: str | None = None, name: str | None = None) -> str:
	"""A technician's van: a Warehouse of the company whose Technician (Van) is `user`."""
	company = company or get_default_company()
	parent = frappe.db.get_value("Warehouse", {"company": company, "is_group": 1}, "name")
	return (
		frappe.get_doc(
			{
				"doctype": "Warehouse",
				"warehouse_name": name or f"Van {random_string(6)}",
				"company": company,
				"parent_warehouse": parent,
				"bizlink_technician": user,
			}
		)
		.insert(ignore_permissions=True)
		.name
	)


def make_serial_nos(item_code: str, qty: int = 1, posting_date: str | None = None) -> list[str]:
	"""Receive `qty` serialised units of `item_code` and return their new serial numbers."""
	entry = receive_stock(item_code, qty, posting_date=posting_date)
	return frappe.get_all(
		"Serial No",
		filters={"item_code": item_code, "purchase_document_no": entry.name},
		pluck="name",
		order_by="name asc",
	)


def make_sales_order(
	customer: str | None = None,
	items: list[dict] | None = None,
	company: str | None = None,
	transaction_date: str | None = None,
	delivery_days: int = 14,
	submit: bool = True,
	**fields,
):
	"""A Sales Order, submitted unless told otherwise. `items` rows take item_code, qty and rate."""
	company = company or get_default_company()
	transaction_date = transaction_date or today()
	ensure_fiscal_year(transaction_date)
	warehouse = get_stores(company)
	if not items:
		items = [{"item_code": make_item().name, "qty": 1, "rate": 100}]
	order = frappe.get_doc(
		{
			"doctype": "Sales Order",
			"company": company,
			"customer": customer or make_customer().name,
			"transaction_date": transaction_date,
			"delivery_date": add_days(transaction_date, delivery_days),
			"order_type": "Sales",
			"items": [
				{
					"warehouse": warehouse,
					"delivery_date": add_days(transaction_date, delivery_days),
					"qty": 1,
					**row,
				}
				for row in items
			],
			**fields,
		}
	)
	order.insert(ignore_permissions=True)
	if submit:
		order.submit()
	return order


def make_delivery_note(sales_order: str, submit: bool = True, posting_date: str | None = None, **fields):
	"""A Delivery Note for everything still to deliver on `sales_order`, receiving the stock it needs."""
	from erpnext.selling.doctype.sales_order.sales_order import make_delivery_note as map_delivery_note

	note = map_delivery_note(sales_order)
	note.update(fields)
	if posting_date:
		ensure_fiscal_year(posting_date)
		note.set_posting_time = 1
		note.posting_date = posting_date
	for row in note.items:
		if frappe.get_cached_value("Item", row.item_code, "is_stock_item") and not row.get("serial_no"):
			if frappe.get_cached_value("Item", row.item_code, "has_serial_no"):
				serials = make_serial_nos(row.item_code, int(flt(row.qty)), posting_date=posting_date)
				row.serial_no = "\n".join(serials)
				row.use_serial_batch_fields = 1
			else:
				receive_stock(row.item_code, row.qty, warehouse=row.warehouse, posting_date=posting_date)
	note.insert(ignore_permissions=True)
	if submit:
		note.submit()
	return note


def make_sales_invoice(sales_order: str, submit: bool = True, posting_date: str | None = None):
	from erpnext.selling.doctype.sales_order.sales_order import make_sales_invoice as map_sales_invoice

	invoice = map_sales_invoice(sales_order)
	if posting_date:
		ensure_fiscal_year(posting_date)
		invoice.set_posting_time = 1
		invoice.posting_date = posting_date
		invoice.due_date = posting_date
	invoice.insert(ignore_permissions=True)
	if submit:
		invoice.submit()
	return invoice


def make_user(email: str | None = None, roles: list[str] | tuple = (), **fields):
	"""A desk user with `roles` (and no others)."""
	email = email or f"user-{random_string(8).lower()}@example.com"
	if frappe.db.exists("User", email):
		user = frappe.get_doc("User", email)
	else:
		user = frappe.get_doc(
			{
				"doctype": "User",
				"email": email,
				"first_name": fields.pop("first_name", email.split("@")[0]),
				"send_welcome_email": 0,
				"user_type": "System User",
				**fields,
			}
		).insert(ignore_permissions=True)
	user.set("roles", [])
	user.add_roles(*roles)
	return user


def make_sales_person(name: str | None = None, user: str | None = None):
	"""A Sales Person; with `user`, linked to it through an Employee, as ERPNext does."""
	name = name or f"Sales Person {random_string(6)}"
	employee = None
	if user:
		first_name = frappe.db.get_value("User", user, "first_name") or name
		employee = (
			frappe.get_doc(
				{
					"doctype": "Employee",
					"first_name": first_name,
					"gender": frappe.db.get_value("Gender", {}, "name"),
					"date_of_birth": "1985-05-05",
					"date_of_joining": "2020-01-01",
					"company": get_default_company(),
					"user_id": user,
					"status": "Active",
				}
			)
			.insert(ignore_permissions=True)
			.name
		)
	return frappe.get_doc(
		{
			"doctype": "Sales Person",
			"sales_person_name": name,
			"parent_sales_person": frappe.db.get_value("Sales Person", {"is_group": 1}, "name"),
			"employee": employee,
			"enabled": 1,
		}
	).insert(ignore_permissions=True)


def get_outcome(category: str) -> str:
	"""A Sales Interaction Outcome of `category` (Positive, Neutral, Negative, Won, Lost)."""
	return frappe.db.get_value("Sales Interaction Outcome", {"category": category}, "name", order_by="name")


def make_interaction(customer: str | None = None, **fields):
	"""A Sales Interaction, inserted with the current user's permissions unless told otherwise."""
	ignore_permissions = fields.pop("ignore_permissions", False)
	return frappe.get_doc(
		{
			"doctype": "Sales Interaction",
			"customer": customer or make_customer(city=None).name,
			"interaction_type": "Call",
			"subject": "Call about the offer",
			**fields,
		}
	).insert(ignore_permissions=ignore_permissions)


def make_payment(sales_invoice: str, posting_date: str | None = None):
	"""A submitted Payment Entry settling `sales_invoice` in full."""
	from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry

	entry = get_payment_entry("Sales Invoice", sales_invoice)
	entry.reference_no = f"PAY-{random_string(6)}"
	entry.reference_date = posting_date or today()
	if posting_date:
		ensure_fiscal_year(posting_date)
		entry.posting_date = posting_date
	entry.insert(ignore_permissions=True)
	entry.submit()
	return entry


def make_portal_user(customer: str) -> str:
	"""A website user with the Customer role, among `customer`'s portal users."""
	user = make_user(roles=["Customer"], user_type="Website User").name
	doc = frappe.get_doc("Customer", customer)
	doc.append("portal_users", {"user": user})
	doc.save(ignore_permissions=True)
	return user
