"""The load test's "nothing lost" check (bizlink.devtools.load.check) finds what it must: a document the
users were told of that is not stored, one stored that nobody was told of, a name told twice, an order
to install without its job, one with two, an order without its stage."""

import json

import frappe
import pytest
from frappe.utils import add_to_date, now

from bizlink.devtools.factories import make_customer, make_item, make_sales_order, make_user
from bizlink.devtools.load import check


@pytest.fixture
def since():
	return add_to_date(now(), seconds=-1)


def record(tmp_path, rows) -> str:
	path = tmp_path / "made.jsonl"
	path.write_text("".join(json.dumps(row) + "\n" for row in rows))
	return str(path)


def as_load_user(email="load-sales@example.com", roles=("Sales User", "Stock User")):
	make_user(email, list(roles))
	frappe.set_user(email)


def interaction(customer) -> str:
	return (
		frappe.get_doc(
			{
				"doctype": "Sales Interaction",
				"customer": customer,
				"interaction_type": "Call",
				"interaction_date": now(),
				"subject": "Seguimiento",
			}
		)
		.insert()
		.name
	)


def test_what_was_told_and_stored_is_ok_and_a_lost_or_unreported_one_is_named(tmp_path, since):
	customer = make_customer().name
	as_load_user()
	told, unreported = interaction(customer), interaction(customer)
	frappe.set_user("Administrator")
	result = check.run(
		record(tmp_path, [{"kind": "interaction", "name": told}, {"kind": "interaction", "name": "SI-LOST"}]),
		since,
		rollup=False,
	)
	assert result["kinds"]["interaction"] == {"told": 2, "stored": 2}
	assert result["lost"] == ["Sales Interaction SI-LOST"]
	assert result["unreported"] == [f"Sales Interaction {unreported}"]
	assert not result["ok"]


def test_a_name_told_twice_is_a_duplicate(tmp_path, since):
	customer = make_customer().name
	as_load_user()
	name = interaction(customer)
	frappe.set_user("Administrator")
	result = check.run(record(tmp_path, [{"kind": "interaction", "name": name}] * 2), since, rollup=False)
	assert result["duplicated"] == [f"Sales Interaction {name}"]
	assert result["lost"] == [] and not result["ok"]


def test_an_order_to_install_needs_one_job_and_its_stage(tmp_path, since):
	to_install = make_item(bizlink_requires_installation=1, bizlink_installation_hours=2).name
	plain = make_item().name
	customer = make_customer().name
	with_job = make_sales_order(customer, items=[{"item_code": to_install, "qty": 1, "rate": 10}]).name
	without_install = make_sales_order(customer, items=[{"item_code": plain, "qty": 1, "rate": 10}]).name
	lost_job = make_sales_order(customer, items=[{"item_code": to_install, "qty": 1, "rate": 10}]).name
	frappe.db.delete("Field Visit", {"sales_order": lost_job})
	frappe.db.delete("Order Stage Log", {"sales_order": lost_job})
	assert frappe.db.count("Field Visit", {"sales_order": with_job}) == 1  # the data under test exists
	result = check.check_orders([with_job, without_install, lost_job])
	assert result["without_job"] == [lost_job]
	assert result["without_stage"] == [lost_job]
	assert result["more_than_one_job"] == []

	twin = frappe.copy_doc(frappe.get_doc("Field Visit", {"sales_order": with_job}))
	twin.name = f"{with_job}-twin"  # a second job for the order, as a job run twice would leave
	twin.db_insert()
	assert check.check_orders([with_job])["more_than_one_job"] == [with_job]
