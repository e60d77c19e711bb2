"""Input checks every BizLink DocType runs first in `validate`, so that bad input gets a clear,
translated message instead of a database error or a silent change.

- a date or datetime that does not parse (MariaDB would refuse the row with a bare SQL error);
- a number field given text, a list or a dict (Frappe would turn "abc" into 0);
- a link whose value fetches other fields (e.g. `customer` fetches `customer_name`): Frappe v15
  leaves such a link unchecked when the record does not exist.
"""

import frappe
from frappe import _
from frappe.utils import get_datetime, getdate

from bizlink.exceptions import CancelledReferenceError, InvalidDateError, InvalidNumberError

NUMBER_TYPES = ("Int", "Float", "Currency", "Percent", "Duration")


def validate_input(doc) -> None:
	for row in [doc, *doc.get_all_children()]:
		for df in row.meta.fields:
			value = row.get(df.fieldname)
			if value in (None, ""):
				continue
			if df.fieldtype in ("Date", "Datetime"):
				check_date(row, df, value)
			elif df.fieldtype in NUMBER_TYPES:
				check_number(row, df, value)
			elif df.fieldtype == "Link" and row.meta.get_fields_to_fetch(df.fieldname):
				# a saved link was checked when it was set (and its record cannot be deleted since)
				if row is not doc or doc.is_new() or doc.has_value_changed(df.fieldname):
					check_link(row, df, value)


def label(row, df) -> str:
	field = _(df.label, context=df.parent)
	return _("Row #{0}: {1}").format(row.idx, field) if row.get("parentfield") else field


def check_date(row, df, value) -> None:
	try:
		if isinstance(value, str):
			getdate(value) if df.fieldtype == "Date" else get_datetime(value)
		elif not hasattr(value, "year"):
			raise ValueError(value)
	except Exception:
		frappe.throw(
			_("{0} is not a valid date: {1}").format(
				frappe.bold(label(row, df)), frappe.bold(str(value)[:40])
			),
			title=_("Invalid Date"),
			exc=InvalidDateError,
		)


def is_number(value) -> bool:
	if isinstance(value, bool) or not isinstance(value, int | float | str):
		return False
	try:
		float(value.replace(",", "") if isinstance(value, str) else value)
	except ValueError:
		return False
	return True


def check_number(row, df, value) -> None:
	if not is_number(value):
		frappe.throw(
			_("{0} must be a number, not {1}.").format(
				frappe.bold(label(row, df)), frappe.bold(str(value)[:40])
			),
			title=_("Invalid Number"),
			exc=InvalidNumberError,
		)


def check_link(row, df, value) -> None:
	if not isinstance(value, str) or not frappe.db.exists(df.options, value):
		frappe.throw(
			_("Could not find {0}").format(f"{label(row, df)}: {frappe.bold(str(value)[:140])}"),
			title=_("Invalid Link"),
			exc=frappe.LinkValidationError,
		)


def validate_not_cancelled(doc, fieldnames: tuple[str, ...]) -> None:
	"""A newly set link to a cancelled Sales Order, Quotation or Delivery Note is refused."""
	for fieldname in fieldnames:
		name = doc.get(fieldname)
		if not name or not (doc.is_new() or doc.has_value_changed(fieldname)):
			continue
		doctype = doc.meta.get_field(fieldname).options
		if frappe.db.get_value(doctype, name, "docstatus") == 2:
			frappe.throw(
				_(
					"{0} {1} is cancelled: link the document that replaced it, or leave the field empty."
				).format(_(doctype), frappe.bold(name)),
				title=_("Cancelled Document"),
				exc=CancelledReferenceError,
			)
