"""BizLink is installed on the site the way an administrator expects."""

import json

import frappe
import pytest
from frappe.utils import flt

from bizlink.setup.custom_fields import get_custom_fields


def test_app_is_installed_after_erpnext():
	apps = frappe.get_installed_apps()
	assert "erpnext" in apps
	assert apps.index("bizlink") > apps.index("erpnext")


def test_bizlink_module_is_registered():
	assert frappe.db.get_value("Module Def", "BizLink", "app_name") == "bizlink"


def test_custom_fields_present_on_erpnext_doctypes():
	for doctype, fields in get_custom_fields().items():
		meta = frappe.get_meta(doctype)
		for field in fields:
			assert field["fieldname"].startswith("bizlink_")
			assert meta.has_field(field["fieldname"]), f"{doctype}.{field['fieldname']} missing"
			if field["fieldtype"] not in frappe.model.no_value_fields:
				assert frappe.db.has_column(doctype, field["fieldname"])


@pytest.mark.parametrize(
	("doctype", "columns"),
	[
		("Service Ticket", ["escalate_at"]),  # the escalation job
		("Sales Interaction", ["customer", "interaction_date"]),  # the customer file
		("Sales Interaction", ["follow_up_status", "next_action_date"]),  # the follow-up digest
		("Order Stage Log", ["stage", "entered_on"]),  # cycle times
		("Field Visit", ["scheduled_start", "scheduled_end"]),  # the technician schedule
		("Segment Activity", ["segment"]),  # a customer moving between segments
	],
)
def test_the_indexes_jobs_and_reports_read_by_exist(doctype, columns):
	"""Each index survives the schema syncs after install (a single-column one only as search_index)."""
	rows = frappe.db.sql(f"show index from `tab{doctype}`", as_dict=True)  # nosemgrep
	indexes: dict[str, list[str]] = {}
	for row in sorted(rows, key=lambda r: r.Seq_in_index):
		indexes.setdefault(row.Key_name, []).append(row.Column_name)
	assert columns in indexes.values(), indexes


def test_hooks_are_loaded():
	hooks = frappe.get_hooks("doc_events")
	assert "bizlink.overrides.customer.validate" in hooks["Customer"]["validate"]


def test_erpnext_setup_is_complete(company):
	assert frappe.is_setup_complete()
	assert frappe.db.exists("Company", company)


@pytest.mark.commits  # creating a Custom Field alters the table, and DDL commits
def test_migrate_restores_a_missing_custom_field():
	from bizlink.install import after_migrate

	frappe.db.delete("Custom Field", {"dt": "Customer", "fieldname": "bizlink_age_band"})
	frappe.clear_cache(doctype="Customer")
	assert not frappe.get_meta("Customer").has_field("bizlink_age_band")
	after_migrate()
	assert frappe.get_meta("Customer").has_field("bizlink_age_band")


def workspace_links() -> set[str]:
	return {
		link.link_to
		for module in frappe.get_module_list("bizlink")
		if frappe.db.exists("Workspace", module)
		for link in frappe.get_doc("Workspace", module).links
		if link.type == "Link"
	}


def test_each_domain_has_its_workspace_and_module():
	modules = frappe.get_module_list("bizlink")
	assert modules == ["BizLink", "Sales CRM", "Service", "Field Service", "Fulfilment", "Market Analysis"]
	for module in modules:
		assert frappe.db.get_value("Module Def", module, "app_name") == "bizlink"
	for module in modules[1:]:
		assert frappe.db.get_value("Workspace", module, "module") == module
	assert not frappe.db.exists("Workspace", "BizLink")


def test_workspace_links_what_bizlink_ships():
	targets = workspace_links()
	for doctype in ("Sales Interaction", "Field Visit", "Order Stage Log"):
		assert doctype in targets
	for report in ("Market Segments", "Similar Customers", "Order Fulfilment Cycle Time", "Orders Waiting"):
		assert report in targets and frappe.db.exists("Report", report)
	assert frappe.db.exists("Page", "customer-file")


def card_count(name: str) -> int:
	"""What the desk shows on a number card: the count with the card's own filters."""
	from frappe.desk.doctype.number_card.number_card import get_result

	card = frappe.get_doc("Number Card", name)
	if card.type == "Custom":  # the card's own method, as the desk calls it
		return frappe.get_attr(card.method)(filters=card.filters_json)["value"]
	if card.type == "Report":  # the desk runs the report with the card's filters and sums the field
		from frappe.desk.query_report import run
		from frappe.utils import add_days, today

		filters = {
			**json.loads(card.filters_json or "{}"),
			"from_date": add_days(today(), -90),
			"to_date": today(),
		}
		rows = run(card.report_name, filters=filters)["result"]
		return sum(flt(row.get(card.report_field)) for row in rows if isinstance(row, dict))
	return get_result(card.as_dict(), card.filters_json)


def test_number_cards_count():
	from test_service_ticket import make_ticket

	from bizlink.devtools.factories import make_customer, make_item, make_sales_order

	cards = [
		card.number_card_name
		for module in frappe.get_module_list("bizlink")[1:]
		for card in frappe.get_doc("Workspace", module).number_cards
	]
	assert set(cards) == {
		"Overdue Follow-ups",
		"Installations to Schedule",
		"Installations This Week",
		"Maintenance Overdue",
		"Maintenance Due in 30 Days",
		"Installations at Risk",
		"Visit Rating (90 Days)",
		"First-Time Fix Rate",
		"Orders Waiting Over 14 Days",
		"Open Service Tickets",
		"Tickets Due Today",
	}
	for card in cards:  # each card's filters name fields the site has (else: an error), and count
		document_type = frappe.db.get_value("Number Card", card, "document_type")
		if card == "First-Time Fix Rate":  # a share
			assert 0 <= card_count(card) <= 100
			continue
		if card == "Visit Rating (90 Days)":  # an average of stars
			assert 0 <= card_count(card) <= 5
			continue
		assert card_count(card) <= frappe.db.count(document_type), card
	open_tickets, to_schedule = card_count("Open Service Tickets"), card_count("Installations to Schedule")
	customer = make_customer(city=None).name
	make_ticket(customer, status="Open")
	make_ticket(customer, status="Resolved", resolution_details="<p>Fixed</p>")  # not counted
	item = make_item(bizlink_requires_installation=1, bizlink_installation_hours=2)
	make_sales_order(customer, items=[{"item_code": item.name, "qty": 1, "rate": 100}])
	assert card_count("Open Service Tickets") == open_tickets + 1
	assert card_count("Installations to Schedule") == to_schedule + 1


def test_role_profiles():
	# the README's list of role profiles, written out (not the install code's own table)
	expected = {
		"BizLink Salesperson": {"Sales User"},
		"BizLink Sales Manager": {"Sales User", "Sales Manager", "Newsletter Manager"},
		"BizLink Installation Technician": {"Installation Technician"},
		"BizLink Installation Manager": {"Installation Manager", "Sales User"},
		"BizLink Support Agent": {"Support Team"},
		"BizLink Support Manager": {"Support Team", "Support Manager"},
	}
	profiles = frappe.get_all("Role Profile", filters={"name": ("like", "BizLink %")}, pluck="name")
	assert set(profiles) == set(expected)
	for profile, roles in expected.items():
		assert {r.role for r in frappe.get_doc("Role Profile", profile).roles} == roles, profile
