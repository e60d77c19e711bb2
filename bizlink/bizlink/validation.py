"""Input checks every BizLink DocType runs first in `validate`, so that bad input gets a clear,
translated message instead of a database error or a silent change.

- a date or datetime that does not parse (MariaDB would refuse the row with a bare SQL error);
- a number field given text, a list or a dict (Frappe would turn "abc" into 0);
- a Text Editor value that is JSON, which Frappe's sanitiser leaves alone: sanitised all the same;
- a link whose value fetches other fields (e.g. `customer` fetches `customer_name`): Frappe v15
  leaves such a link unchecked when the record does not exist;
- text saved and submitted in one step (`frappe.client.submit`, a visit's Complete): Frappe cleans
  markup out of text on save but not on submit, so it is cleaned here as a save would.
"""

import frappe
from frappe import _
from frappe.utils import get_datetime, getdate
from frappe.utils.html_utils import is_json, sanitize_html

from bizlink.exceptions import (
	CancelledReferenceError,
	InvalidDateError,
	InvalidNumberError,
	ReferenceCustomerMismatchError,
	TextTooLongError,
)

NUMBER_TYPES = ("Int", "Float", "Currency", "Percent", "Duration")
LONG_TEXT_TYPES = ("Small Text", "Text", "Long Text", "Text Editor", "Markdown Editor", "HTML Editor")
REPORT_YEARS = (1900, 2200)  # a date outside these is a typo (and past MariaDB's date range)
MAX_TEXT = 100_000  # characters in one text field: a page of notes is a few thousand


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
			if df.fieldtype in LONG_TEXT_TYPES and isinstance(value, str) and len(value) > MAX_TEXT:
				frappe.throw(
					_("{0} is limited to {1} characters, not {2}.").format(
						frappe.bold(label(row, df)), MAX_TEXT, len(value)
					),
					title=_("Text Too Long"),
					exc=TextTooLongError,
				)
			elif df.fieldtype == "Text Editor" and isinstance(value, str) and is_json(value):
				# Frappe's sanitiser leaves a JSON value alone, so '"<img src=x onerror=...>"' would be
				# stored as it is and run in the desk, which shows a Text Editor's value as markup
				row.set(df.fieldname, sanitize_html(value, always_sanitize=True))
			elif df.fieldtype == "Link" and row.meta.get_fields_to_fetch(df.fieldname):
				# a saved link was checked when it was set (and its record cannot be deleted since)
				if row is not doc or doc.is_new() or doc.has_value_changed(df.fieldname):
					check_link(row, df, value)
	if doc.docstatus == 1 and getattr(doc, "_action", None) == "submit":
		sanitise_as_saved(doc)


def sanitise_as_saved(doc) -> None:
	"""Frappe's own cleaning of a save (`_sanitize_content`), which it skips for a document being
	submitted: what a user sends with the submit (notes, a signer's name) is cleaned all the same."""
	for row in [doc, *doc.get_all_children()]:
		docstatus = row.docstatus
		row.docstatus = 0
		try:
			row._sanitize_content()
		finally:
			row.docstatus = docstatus


def label(row, df) -> str:
	field = _(df.label, context=df.parent)
	return _("Row #{0}: {1}").format(row.idx, field) if row.get("parentfield") else field


def check_date(row, df, value) -> None:
	try:
		if isinstance(value, str):
			value = getdate(value) if df.fieldtype == "Date" else get_datetime(value)
		elif not hasattr(value, "year"):
			raise ValueError(value)
		if not REPORT_YEARS[0] <= value.year <= REPORT_YEARS[1]:
			raise ValueError(value)  # year 9999: a typo, and past what reports and reminders handle
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


# Links that must belong to the document's customer --------------------------------------------

PARTY_LINKED = ("Contact", "Address")  # linked to customers through Dynamic Link


def validate_customer_links(doc, skip: tuple[str, ...] = ()) -> None:
	"""Every link of a document that has a customer must agree with it, derived from the meta: a
	linked record with a `customer` field (order, delivery, job, invoice...) must be that customer's,
	a Contact or Address must be linked to that customer. Checked when the link or the customer is
	set or changed, so a ticket never copies another customer's email, a job another's phone."""
	customer = doc.get("customer")
	if not customer or doc.meta.get_field("customer").options != "Customer":
		return
	customer_changed = doc.is_new() or doc.has_value_changed("customer")
	# records that name their customer first (a serial number, an order), then the addresses and
	# contacts filled in from them: the refusal names what the user chose
	for df in sorted(doc.meta.get_link_fields(), key=lambda df: df.options in PARTY_LINKED):
		value = doc.get(df.fieldname)
		if not value or df.fieldname in ("customer", *skip) or df.options == "Customer":
			continue
		if not (customer_changed or doc.has_value_changed(df.fieldname)):
			continue
		if df.options in PARTY_LINKED:
			owners = frappe.get_all(
				"Dynamic Link",
				filters={"parenttype": df.options, "parent": value, "link_doctype": "Customer"},
				pluck="link_name",
			)
			belongs = customer in owners
		elif frappe.get_meta(df.options).has_field("customer"):
			owner = frappe.db.get_value(df.options, value, "customer")
			belongs = not owner or owner == customer
		else:
			continue
		if not belongs:
			throw_not_of_customer(df.options, value, customer)


def throw_not_of_customer(doctype: str, name: str, customer: str):
	"""A reference that is not the customer's, told without saying whose it is."""
	frappe.throw(
		_("{0} {1} is not of customer {2}.").format(_(doctype), frappe.bold(name), frappe.bold(customer)),
		title=_("Reference of Another Customer"),
		exc=ReferenceCustomerMismatchError,
	)


def check_report_period(from_date, to_date) -> None:
	"""A report's period: real dates, in order, within REPORT_YEARS."""
	for value in (from_date, to_date):
		if value and not REPORT_YEARS[0] <= getdate(value).year <= REPORT_YEARS[1]:
			frappe.throw(
				_("The period must fall between the years {0} and {1}, not {2}.").format(
					REPORT_YEARS[0], REPORT_YEARS[1], frappe.bold(str(value)[:20])
				),
				title=_("Invalid Date"),
				exc=InvalidDateError,
			)
	if from_date and to_date and getdate(from_date) > getdate(to_date):
		frappe.throw(
			_("The period starts on {0}, after it ends on {1}.").format(
				frappe.bold(str(from_date)), frappe.bold(str(to_date))
			),
			title=_("Invalid Date"),
			exc=InvalidDateError,
		)
