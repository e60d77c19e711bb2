"""The units that completed installations installed join the installed base (Serial No's
`bizlink_*` fields), as a completed installation visit does from now on."""

import frappe

from bizlink.field_service.installed_base import record_installation
from bizlink.setup.custom_fields import setup_custom_fields


def execute():
	setup_custom_fields()  # the Serial No fields it writes (after_migrate makes them again, idempotently)
	for name in frappe.get_all(
		"Field Visit", {"docstatus": 1, "visit_type": "Installation"}, pluck="name", order_by="actual_end"
	):
		record_installation(frappe.get_doc("Field Visit", name))
