"""BizLink's own exception classes, so that callers and tests can tell each refusal apart."""

import frappe


class InvalidDateOfBirthError(frappe.ValidationError):
	pass
