"""What `scripts/lifecycle` checks on a site of its own: install, migrate twice, uninstall, reinstall.

- `fingerprint()`: everything a migrate could change for BizLink (its schema, DocTypes, custom
  fields and permissions, roles, reports, notifications, workspace, default records, patches):
  a second `bench migrate` must leave it the same.
- `snapshot()`: ERPNext's documents and what BizLink leaves in the site, to compare across an
  uninstall (BizLink's data, tables and fields go; ERPNext's documents stay) and a reinstall.

Both read the site directly, so they work whether or not BizLink is installed on it.
"""

import hashlib
import json

import frappe

BIZLINK_DOCTYPES = (
	"Sales Interaction",
	"Sales Interaction Outcome",
	"Service Ticket",
	"Field Visit",
	"Checklist Template",
	"Maintenance Plan",
	"Field Technician",
	"Field Sync Action",
	"Visit Rating",
	"Knowledge Article",
	"Knowledge Deflection",
	"Order Stage Log",
	"Segment Activity",
	"Segment Campaign",
	"Segment Campaign Customer",
	"BizLink Settings",
	"BizLink Status Log",
)
ERPNEXT_DOCUMENTS = (
	"Customer",
	"Address",
	"Contact",
	"Item",
	"Sales Order",
	"Delivery Note",
	"Sales Invoice",
	"Payment Entry",
	"Installation Note",
	"Serial No",
)
# ERPNext tables BizLink adds columns to
EXTENDED = ("Customer", "Item", "Sales Order")


def rows(sql: str, *args) -> list:
	# read-only inspection of any table, BizLink installed or not
	return [[str(value) for value in row] for row in frappe.db.sql(sql, args)]  # nosemgrep


def fingerprint() -> dict:
	# BizLink's modules, as SQL (the app's own modules.txt, read whether it is installed or not)
	modules = ", ".join(frappe.db.escape(module) for module in frappe.get_module_list("bizlink"))
	parts = {
		"doctypes": rows(f"select name, modified from tabDocType where module in ({modules}) order by name"),
		"custom fields": rows(
			"select name, modified from `tabCustom Field` where fieldname like 'bizlink%%' "
			"or dt = 'Service Ticket' order by name"
		),
		"property setters": rows(
			f"select name, value from `tabProperty Setter` where module in ({modules}) or doc_type in %s "
			"order by name",
			BIZLINK_DOCTYPES,
		),
		"permissions": rows(
			"select parent, role, `read`, `select`, `write` from `tabCustom DocPerm` where role in "
			"('Support Team', 'Support Manager') order by parent, role"
		),
		"roles": rows(
			"select name from tabRole where name in ('Support Manager', 'Installation Manager', "
			"'Installation Technician') order by name"
		),
		"role profiles": rows("select name, modified from `tabRole Profile` where name like 'BizLink%%'"),
		"standard": rows(
			f"select 'Report', name, modified from tabReport where module in ({modules}) union all "
			f"select 'Notification', name, modified from tabNotification where module in ({modules}) union all "
			f"select 'Workspace', name, modified from tabWorkspace where module in ({modules}) union all "
			f"select 'Print Format', name, modified from `tabPrint Format` where module in ({modules}) union all "
			f"select 'Number Card', name, modified from `tabNumber Card` where module in ({modules}) union all "
			f"select 'Dashboard Chart', name, modified from `tabDashboard Chart` where module in ({modules})"
		),
		"outcomes": rows("select name, category, modified from `tabSales Interaction Outcome` order by name")
		if frappe.db.table_exists("Sales Interaction Outcome")
		else [],
		"assignment rule": rows(
			"select name, modified from `tabAssignment Rule` where document_type = 'Service Ticket'"
		),
		"patches": rows("select patch from `tabPatch Log` where patch like 'bizlink.%%' order by patch"),
		"schema": [
			frappe.db.sql(f"show create table `tab{doctype}`")[0][1]  # nosemgrep (the schema itself)
			for doctype in (*BIZLINK_DOCTYPES, *EXTENDED)
			if frappe.db.table_exists(doctype)
		],
	}
	return {key: hashlib.sha256(json.dumps(value).encode()).hexdigest()[:16] for key, value in parts.items()}


def document_counts() -> dict:
	"""How many of each ERPNext document the site holds (what uninstall must leave as it was)."""
	return {doctype: frappe.db.count(doctype) for doctype in ERPNEXT_DOCUMENTS}


def snapshot() -> dict:
	return {
		"erpnext": {
			doctype: rows(
				f"select docstatus, count(*) from `tab{doctype}` group by docstatus order by docstatus"
			)
			for doctype in ERPNEXT_DOCUMENTS
		},
		"bizlink tables": sorted(doctype for doctype in BIZLINK_DOCTYPES if frappe.db.table_exists(doctype)),
		"bizlink rows": {
			doctype: frappe.db.count(doctype)
			for doctype in BIZLINK_DOCTYPES
			if frappe.db.table_exists(doctype) and not frappe.get_meta(doctype).issingle
		}
		if "bizlink" in frappe.get_installed_apps()
		else {},
		"columns": sum(
			1
			for doctype in EXTENDED
			for column in frappe.db.get_table_columns(doctype)
			if column.startswith("bizlink_")
		),
		"custom fields": frappe.db.count("Custom Field", {"fieldname": ("like", "bizlink%")})
		+ frappe.db.count("Custom Field", {"dt": "Service Ticket"}),
		"support permissions": frappe.db.count(
			"Custom DocPerm", {"role": ("in", ("Support Team", "Support Manager"))}
		),
		# the Custom DocPerm rows Frappe copies when a permission is added to Customer & co.
		"linked permissions": frappe.db.count(
			"Custom DocPerm", {"parent": ("in", ("Customer", "Sales Order", "Delivery Note", "Serial No"))}
		),
		"assignment rules": frappe.db.count("Assignment Rule", {"document_type": "Service Ticket"}),
		"agreements": frappe.db.count("Service Level Agreement", {"document_type": "Service Ticket"}),
		"doctypes": frappe.db.count("DocType", {"module": ("in", frappe.get_module_list("bizlink"))}),
	}


def make_records() -> dict:
	"""A day of use on the site's history: an interaction, a ticket and a job per (recent) order."""
	from frappe.utils import now_datetime

	from bizlink.field_service.installation import create_field_visit

	made = {"Sales Interaction": 0, "Service Ticket": 0, "Field Visit": 0}
	for customer in frappe.get_all("Customer", {"disabled": 0}, pluck="name", limit=3):
		frappe.get_doc(
			{
				"doctype": "Sales Interaction",
				"customer": customer,
				"interaction_type": "Call",
				"interaction_date": now_datetime(),
				"subject": "Lifecycle check",
			}
		).insert(ignore_permissions=True)
		frappe.get_doc(
			{"doctype": "Service Ticket", "customer": customer, "subject": "Lifecycle check"}
		).insert(ignore_permissions=True)
		made["Sales Interaction"] += 1
		made["Service Ticket"] += 1
	for name in frappe.get_all(
		"Sales Order", {"docstatus": 1, "status": ("not in", ("Closed", "Completed"))}, pluck="name"
	):
		if create_field_visit(frappe.get_doc("Sales Order", name)):
			made["Field Visit"] += 1
	return made  # `bench execute` commits


def data() -> dict:
	"""Every value BizLink keeps, column by column, to compare a site before and after a migrate that
	moves records (a module split, a DocType rename): {table: {"rows": n, column: digest}}.

	Columns compare by name, so a column a migrate adds shows as new and one it drops as missing; a
	digest covers the column's values in the order of the rows' names. BizLink's own tables (children
	included), its columns on ERPNext's tables, its singles, and what Frappe keeps about its documents
	(comments, versions, assignments, files, communications)."""
	modules = frappe.get_module_list("bizlink")
	doctypes = frappe.get_all("DocType", {"module": ("in", modules)}, ["name", "issingle"], order_by="name")
	out = {}

	def digest(table: str, columns: list[str], where: str = "") -> dict:
		result = {"rows": frappe.db.sql(f"select count(*) from `{table}` {where}")[0][0]}  # nosemgrep
		for column in columns:
			values = rows(f"select `{column}` from `{table}` {where} order by name")  # nosemgrep
			result[column] = hashlib.sha256(json.dumps(values).encode()).hexdigest()[:16]
		return result

	for doctype in doctypes:
		if doctype.issingle:
			out[f"single {doctype.name}"] = rows(
				"select field, value from tabSingles where doctype = %s order by field", doctype.name
			)
		elif frappe.db.table_exists(doctype.name):
			out[doctype.name] = digest(f"tab{doctype.name}", frappe.db.get_table_columns(doctype.name))
	extended = frappe.get_all("Custom Field", {"fieldname": ("like", "bizlink%")}, pluck="dt", distinct=True)
	for doctype in sorted(set(extended)):
		columns = [c for c in frappe.db.get_table_columns(doctype) if c.startswith("bizlink_")]
		if columns:
			out[f"{doctype} (bizlink columns)"] = digest(f"tab{doctype}", ["name", *columns])
	names = ", ".join(frappe.db.escape(d.name) for d in doctypes) or "''"
	for table, key in (
		("Comment", "reference_doctype"),
		("Version", "ref_doctype"),
		("ToDo", "reference_type"),
		("File", "attached_to_doctype"),
		("Communication", "reference_doctype"),
	):
		out[f"{table} on BizLink documents"] = digest(
			f"tab{table}", ["name", key, "modified"], f"where {key} in ({names})"
		)
	return out
