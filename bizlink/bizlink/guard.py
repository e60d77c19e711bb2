"""Fields only the system writes, held on every write path.

Read-only in the form is not read-only on the API: a REST PUT, `frappe.client.save/set_value/insert`,
`savedocs`, bulk update or a client document sent to `run_doc_method` may carry any field. So every
field BizLink derives, logs or owns (statuses driven by actions, logs, timestamps, links it creates,
counters, segment keys, ratings) is declared once, by the DocType itself: a field marked `read_only`
in a BizLink DocType (a child table's read-only fields and read-only child tables included), and a
read-only `bizlink_*` field BizLink adds to ERPNext's Customer and Sales Order. A field added later
with `read_only` is held without anyone listing it.

`before_validate` (and `before_update_after_submit`), which run before the controller's `validate`,
put such fields back to what is stored (their default on a new document) whatever the request
brought; a fetched field is fetched again from its link. BizLink's own code then sets them in
`validate` or with `db_set`. An action that must change one before saving names it in
`doc.flags.system_fields` (see `system_write`).

Child rows are matched to the stored rows by name; a row whose name belongs to another document is
taken as a new row (saving it under its name would move the other document's row here).
"""

import weakref
from contextlib import contextmanager

import frappe
from frappe import _
from frappe.model.document import Document

from bizlink.bizlink import is_bizlink_module

NOT_HELD = {"amended_from"}  # set by Frappe itself on amend


@contextmanager
def system_write(doc, *fieldnames: str):
	"""BizLink's own code changes these held fields of `doc` in the save that follows."""
	previous = doc.flags.system_fields
	doc.flags.system_fields = set(previous or ()) | set(fieldnames)
	try:
		yield doc
	finally:
		doc.flags.system_fields = previous


def held_fields(meta, prefix: str = "") -> list:
	"""The read-only fields of `meta` starting with `prefix` (read-only child tables included)."""
	return [
		df
		for df in meta.fields
		if df.read_only
		and df.fieldname.startswith(prefix)
		and df.fieldname not in NOT_HELD
		and (df.fieldtype in frappe.model.table_fields or df.fieldtype not in frappe.model.no_value_fields)
	]


def hold_system_fields(doc, method=None) -> None:
	"""doc_events handler: put back every held field a request changed (see the module's note)."""
	if doc.flags.ignore_permissions or doc.meta.istable:
		return  # BizLink or ERPNext code writing on the system's behalf, not a user's payload
	prefix = "" if is_bizlink_module(doc.meta.module) else "bizlink_"
	if prefix and not any(df.fieldname.startswith(prefix) for df in doc.meta.fields):
		return  # an ERPNext DocType BizLink adds nothing to
	before = doc.get_doc_before_save()
	allowed = doc.flags.system_fields or set()
	for df in held_fields(doc.meta, prefix):
		if df.fieldname in allowed:
			continue
		if df.fieldtype in frappe.model.table_fields:
			restore_table(doc, df, before)
		else:
			restore_value(doc, df, before)
	for df in doc.meta.get_table_fields():
		if df.read_only or not df.fieldname.startswith(prefix):
			continue
		stored = {row.name: row for row in (before.get(df.fieldname) if before else [])}
		for row in doc.get(df.fieldname) or []:
			hold_child_row(doc, row, stored.get(row.name))


def restore_value(row, df, before) -> None:
	if df.fetch_from:
		link, source = df.fetch_from.split(".", 1)
		value = row.get(link)
		link_df = row.meta.get_field(link)
		if link_df and link_df.fieldtype == "Link" and value:
			row.set(df.fieldname, frappe.db.get_value(link_df.options, value, source))
			return
	if before is not None:
		row.set(df.fieldname, before.get(df.fieldname))
	elif row.get(df.fieldname) not in (None, ""):
		row.set(df.fieldname, default_of(df))


def restore_table(doc, df, before) -> None:
	rows = [row.as_dict() for row in (before.get(df.fieldname) if before else [])]
	doc.set(df.fieldname, rows)


def hold_child_row(doc, row, stored) -> None:
	if stored is None and row.name and not row.get("__islocal"):
		owner = frappe.db.get_value(row.doctype, row.name, ["parent", "parenttype"], as_dict=True)
		if owner and (owner.parent != doc.name or owner.parenttype != doc.doctype):
			row.name = None  # another document's row: saved as a new row of this one
			row.set("__islocal", 1)
	for df in held_fields(row.meta):
		restore_value(row, df, stored)


def default_of(df):
	if df.default == "__user":
		return frappe.session.user
	if df.fieldtype in frappe.model.numeric_fieldtypes:
		return frappe.utils.cint(df.default) if df.fieldtype in ("Int", "Check") else 0
	return df.default or None


class ChildRow(Document):
	"""Base of BizLink's child DocTypes: a row is read and changed only through its parent.

	Frappe v15 judges a child row fetched on its own (`GET/PUT/DELETE /api/resource/<child>/<name>`,
	`frappe.client.get/delete`, `getdoc`) only by the parent DocType's role permissions: its
	`parent_doc` is unset, so the parent's record rule (a technician's crew) is never asked. Here the
	row's parent is the one stored for it (never the `parent` a payload sends), so reads follow the
	parent's rule; and a row is never saved or deleted on its own, where neither the parent's rule nor
	its held fields would apply: it is changed by saving its parent."""

	@property
	def parent_doc(self):
		ref = getattr(self, "_parent_doc", None)
		if isinstance(ref, weakref.ReferenceType):
			ref = ref()
		if ref is None and self.name and not self.get("__islocal"):
			stored = frappe.db.get_value(self.doctype, self.name, ["parenttype", "parent"], as_dict=True)
			if stored and stored.parenttype and stored.parent:
				ref = self._parent_doc = frappe.get_doc(stored.parenttype, stored.parent)  # loaded once
		return ref

	@parent_doc.setter
	def parent_doc(self, value):
		self._parent_doc = value

	@parent_doc.deleter
	def parent_doc(self):
		self._parent_doc = None

	def before_validate(self):
		refuse_alone(self)

	def on_trash(self):
		refuse_alone(self)


def refuse_alone(row) -> None:
	"""A child row saved or deleted on its own, by a user: refused (see `ChildRow`)."""
	from bizlink.exceptions import ChildRowAloneError

	if row.flags.ignore_permissions:
		return
	frappe.throw(
		_("Change the rows of {0} {1} by saving the {0} itself.").format(
			_(row.parenttype or "parent"), frappe.bold(row.parent or "")
		),
		title=_("Not Permitted"),
		exc=ChildRowAloneError,
	)
