"""BizLink's records move from the one "BizLink" module to one module per domain.

`bench migrate` re-imports a moved DocType from its new folder by itself (its file changed), but this
runs before that (pre-model): every record is given its new module first, so that nothing looks for
a controller, a report's code or a notification's template in the folder it left. Reports, pages,
print formats, notifications, number cards and dashboard charts keep everything a site changed on them
(enabled, disabled, recipients): only `module` is written. The one "BizLink" workspace gives way to a
workspace per module.
"""

import json
from pathlib import Path

import frappe

# the folders a module holds records in, and the DocType of those records
KINDS = {
	"doctype": "DocType",
	"report": "Report",
	"page": "Page",
	"print_format": "Print Format",
	"notification": "Notification",
	"number_card": "Number Card",
	"dashboard_chart": "Dashboard Chart",
}


def execute():
	app = Path(frappe.get_app_path("bizlink"))
	for module in frappe.get_module_list("bizlink"):
		folder = app / frappe.scrub(module)
		make_module_def(module)
		for kind, doctype in KINDS.items():
			for path in folder.glob(f"{kind}/*/*.json"):
				name = json.loads(path.read_text())["name"]
				frappe.db.set_value(doctype, name, "module", module, update_modified=False)
	if frappe.db.get_value("Workspace", "BizLink", "module") == "BizLink":
		frappe.delete_doc("Workspace", "BizLink", ignore_permissions=True, force=True)


def make_module_def(module: str) -> None:
	if not frappe.db.exists("Module Def", module):
		frappe.get_doc({"doctype": "Module Def", "module_name": module, "app_name": "bizlink"}).insert(
			ignore_permissions=True
		)
