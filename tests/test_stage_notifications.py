"""Next-stage notifications (Order Ready to Deliver / Install / Bill) say where the order is and what it
needs next, and an order that moved on before the queue ran is not announced where it no longer is."""

import frappe
import pytest

from bizlink.devtools.factories import make_delivery_note, make_item, make_sales_order, make_user
from bizlink.fulfilment.stages import notify_next_stage

LOG = "Order Stage Log"


@pytest.fixture(autouse=True)
def staff(outgoing_email):
	"""Someone of each next stage's role, so that each notification has a recipient."""
	return {
		role: make_user(roles=[role]).name for role in ("Stock User", "Installation Manager", "Accounts User")
	}


def open_log(order) -> str:
	return frappe.db.get_value(LOG, {"sales_order": order.name, "left_on": ("is", "not set")})


def told(log: str, language: str = "en") -> list[str]:
	"""The subjects of the mail sent about the stage log row to its readers of `language`: one
	Communication per notification and language (each recipient reads it in their own; the site may
	have readers of other languages in these roles)."""
	default = frappe.db.get_single_value("System Settings", "language") or "en"
	sent = frappe.get_all(
		"Communication",
		filters={"reference_doctype": LOG, "reference_name": log},
		fields=["subject", "recipients"],
		order_by="creation asc",
	)
	subjects = []
	for mail in sent:
		emails = [email.strip() for email in (mail.recipients or "").split(",") if email.strip()]
		languages = {frappe.db.get_value("User", {"email": email}, "language") or default for email in emails}
		if language in languages:
			subjects.append(mail.subject)
	return subjects


def rendered(notification: str, log: str) -> tuple[str, str]:
	"""Subject and message of a standard Notification for a log row, as Frappe builds them to send."""
	alert = frappe.get_doc("Notification", notification)
	doc = frappe.get_doc(LOG, log)
	context = {"doc": doc, "alert": alert, "comments": None}
	alert.load_standard_properties(context)  # the message comes from the .md file next to the .json
	return frappe.render_template(alert.subject, context), frappe.render_template(alert.message, context)


def test_order_at_ordered_is_ready_to_deliver():
	order = make_sales_order()
	log = open_log(order)
	assert told(log) == [f"Sales Order {order.name} is Ordered: ready to deliver"]
	subject, message = rendered("Order Ready to Deliver", log)
	assert subject == f"Sales Order {order.name} is Ordered: ready to deliver"
	assert f"Sales Order {order.name} for {order.customer} is Ordered and waits to be delivered." in message


def test_delivered_order_that_needs_installing_is_ready_to_install():
	item = make_item(has_serial_no=1, bizlink_requires_installation=1)
	order = make_sales_order(items=[{"item_code": item.name, "qty": 1, "rate": 900}])
	make_delivery_note(order.name)
	log = open_log(order)
	assert frappe.db.get_value(LOG, log, ["stage", "next_stage"]) == ("Delivered", "Installed")
	assert told(log) == [f"Sales Order {order.name} is Delivered: ready to install"]
	subject, message = rendered("Order Ready to Install", log)
	assert subject == f"Sales Order {order.name} is Delivered: ready to install"
	assert "is Delivered and waits to be installed." in message


def test_delivered_order_without_installation_is_ready_to_bill():
	order = make_sales_order()
	make_delivery_note(order.name)
	log = open_log(order)
	assert frappe.db.get_value(LOG, log, ["stage", "next_stage"]) == ("Delivered", "Billed")
	assert told(log) == [f"Sales Order {order.name} is Delivered: ready to bill"]
	subject, message = rendered("Order Ready to Bill", log)
	assert subject == f"Sales Order {order.name} is Delivered: ready to bill"
	assert "is Delivered and waits to be billed." in message


def test_customer_name_is_escaped_in_the_message():
	from bizlink.devtools.factories import make_customer

	customer = make_customer(f"Pérez & Hijos {frappe.generate_hash(length=5)}", city=None)
	order = make_sales_order(customer.name)
	_subject, message = rendered("Order Ready to Deliver", open_log(order))
	assert customer.name.replace("&", "&amp;") in message and customer.name not in message


def alerts(log: str) -> int:
	"""System notifications (the bell) about the stage log row."""
	return frappe.db.count("Notification Log", {"document_type": LOG, "document_name": log})


def test_order_that_moved_on_before_the_queue_ran_is_not_announced(staff):
	order = make_sales_order()
	ordered = open_log(order)
	sent, bell = told(ordered), alerts(ordered)
	assert len(sent) == 1 and bell >= 1  # told once, when it entered Ordered
	make_delivery_note(order.name)  # the order moves on: the Ordered row is closed
	assert frappe.db.get_value(LOG, ordered, "left_on")
	notify_next_stage(ordered)  # a job queued when it entered Ordered runs late
	assert (told(ordered), alerts(ordered)) == (sent, bell)


def test_the_open_row_is_announced_when_the_queue_runs_again():
	order = make_sales_order()
	log = open_log(order)
	notify_next_stage(log)  # a retried job: the order is still where the row says
	assert told(log) == [f"Sales Order {order.name} is Ordered: ready to deliver"] * 2
