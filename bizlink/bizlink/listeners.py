"""Whether a site acts on new documents of a DocType through its own set-up (an assignment rule, a
notification, a server script, a webhook, a workflow, another app's hook): BizLink's bulk writers (the
day's maintenance visits, a campaign's call list) insert rows in batches, as the controller would
leave them, only when nothing else would have run on each document; otherwise one by one."""

import frappe

# what a site can set up to act when a document is made (DocType, its field naming the DocType, and
# the filter saying it is on)
NEW_DOCUMENT_LISTENERS = (
	("Assignment Rule", "document_type", {"disabled": 0}),
	("Notification", "document_type", {"enabled": 1, "event": ("in", ("New", "Save"))}),
	("Server Script", "reference_doctype", {"disabled": 0}),
	("Webhook", "webhook_doctype", {"enabled": 1}),
	("Workflow", "document_type", {"is_active": 1}),
	("Energy Point Rule", "reference_doctype", {"enabled": 1}),
	("Milestone Tracker", "document_type", {"disabled": 0}),
	("Service Level Agreement", "document_type", {"enabled": 1}),
)
INSERT_EVENTS = (
	"before_validate",
	"validate",
	"before_insert",
	"before_save",
	"after_insert",
	"on_update",
	"on_change",
)


def site_listens_to_new(doctype: str) -> bool:
	"""True when something other than BizLink acts on a new `doctype` document."""
	for listener, field, enabled in NEW_DOCUMENT_LISTENERS:
		if frappe.db.exists(listener, {field: doctype, **enabled}):
			return True
	events = frappe.get_doc_hooks().get(doctype, {})
	return any(
		not method.startswith("bizlink.") for event in INSERT_EVENTS for method in events.get(event, [])
	)
