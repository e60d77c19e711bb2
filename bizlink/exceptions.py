"""BizLink's own exception classes, so that callers and tests can tell each refusal apart."""

import frappe


class InvalidDateOfBirthError(frappe.ValidationError):
	pass


class DisabledCustomerError(frappe.ValidationError):
	pass


class InvalidPartyTypeError(frappe.ValidationError):
	pass


class InvalidDurationError(frappe.ValidationError):
	pass


class FutureOutcomeError(frappe.ValidationError):
	pass


class InvalidNextActionDateError(frappe.ValidationError):
	pass


class ContactNotOfCustomerError(frappe.ValidationError):
	pass


class ReferenceCustomerMismatchError(frappe.ValidationError):
	pass
