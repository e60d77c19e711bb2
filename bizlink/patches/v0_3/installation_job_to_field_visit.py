"""Installation Jobs become Field Visits: one DocType for all field work (installation, maintenance,
repair), the installation job's crew, schedule, checklist, status log and completion shared by all.

Runs before the model sync: Frappe's own rename moves each table (rows, names and values kept),
the child rows' parent type, every Link to the DocType (Comments, Versions, To Dos, files, stage
logs, notifications, cards, charts, the print format, reports, custom fields) and the Link fields
that point at it; the sync then reads the new folders. Existing visits keep their names (IJ-...; new
ones are FV-...),
become visits of type Installation (the new field's default) and keep every value. The Service
Ticket's link is renamed with its column, and the English stage notes name the new DocType, so that
they read in each reader's language.
"""

import frappe
from frappe.model.utils.rename_field import rename_field

RENAMES = (
	("Installation Job", "Field Visit"),
	("Installation Job Item", "Field Visit Item"),
	("Installation Job Technician", "Field Visit Technician"),
	("Installation Job Checklist Item", "Field Visit Checklist Item"),
	("Installation Checklist Template", "Checklist Template"),
	("Installation Checklist Template Item", "Checklist Template Item"),
)


def execute():
	for old, new in RENAMES:
		if frappe.db.exists("DocType", old) and not frappe.db.exists("DocType", new):
			frappe.rename_doc("DocType", old, new, force=True)
			frappe.db.set_value("DocType", new, "module", "Field Service", update_modified=False)
	if frappe.db.has_column("Service Ticket", "installation_job"):
		frappe.reload_doc("service", "doctype", "service_ticket")
		rename_field("Service Ticket", "installation_job", "field_visit")
	# the filters of cards and charts (the site's own included) name the DocType in their JSON text
	for doctype in ("Number Card", "Dashboard Chart"):
		table = frappe.qb.DocType(doctype)
		for field in ("filters_json", "dynamic_filters_json"):
			column = table[field]
			(
				frappe.qb.update(table)
				.set(column, frappe.qb.functions("REPLACE", column, '"Installation Job"', '"Field Visit"'))
				.where(column.like('%"Installation Job"%'))
				.run()
			)
	log = frappe.qb.DocType("Order Stage Log")
	if frappe.db.table_exists("Order Stage Log"):
		(
			frappe.qb.update(log)
			.set(log.note, frappe.qb.functions("REPLACE", log.note, "Installation Job ", "Field Visit "))
			.where(log.note.like("%Installation Job %"))
			.run()
		)
