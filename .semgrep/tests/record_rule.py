# Fixtures for .semgrep/record_rule.yml (semgrep --test); never imported.
import frappe


def field_visit_has_permission(doc, ptype=None, user=None):
	user = user or frappe.session.user
	# ruleid: bizlink-record-rule-reads-incoming-doc
	return any(row.user == user for row in doc.get("crew") or [])


def old_style_has_permission(doc, ptype=None, user=None):
	# ruleid: bizlink-record-rule-reads-incoming-doc
	for row in doc.crew:
		if row.user == user:
			return True
	return False


def owner_has_permission(doc, ptype=None, user=None):
	# ruleid: bizlink-record-rule-reads-incoming-doc
	return doc.owner == user


def subscript_has_permission(doc, ptype=None, user=None):
	# ruleid: bizlink-record-rule-reads-incoming-doc
	return user in [row["user"] for row in doc["crew"]]


def fixed_has_permission(doc, ptype=None, user=None):
	user = user or frappe.session.user
	# ok: bizlink-record-rule-reads-incoming-doc
	crew = stored_crew(doc.get("name"))
	if crew is None:  # a job being made: its own rows are all there is
		# ok: bizlink-record-rule-reads-incoming-doc
		crew = [row.user for row in doc.get("crew") or []]
	return user in crew


def new_doc_has_permission(doc, ptype=None, user=None):
	if doc.is_new():
		# ok: bizlink-record-rule-reads-incoming-doc
		return any(row.user == user for row in doc.crew)
	# ok: bizlink-record-rule-reads-incoming-doc
	stored = frappe.get_all("Field Visit Technician", filters={"parent": doc.name}, pluck="user")
	return user in stored


def fallback_then_reads_again_has_permission(doc, ptype=None, user=None):
	crew = stored_crew(doc.get("name"))
	if crew is None:
		crew = []
	# ruleid: bizlink-record-rule-reads-incoming-doc
	return user in crew or doc.get("assigned_to") == user


def not_a_record_rule(doc, user=None):
	# ok: bizlink-record-rule-reads-incoming-doc
	return any(row.user == user for row in doc.get("crew") or [])


def stored_crew(name):
	return None
