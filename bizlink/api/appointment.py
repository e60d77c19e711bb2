"""The customer's answer to a visit's appointment (page `/appointment`, from the link in the notice)."""

import frappe
from frappe.rate_limiter import rate_limit

from bizlink.field_service import appointment

ANSWERS_PER_HOUR = 10  # per visit, whoever tries (the client address can be claimed)


@frappe.whitelist(allow_guest=True, methods=["POST"])
@rate_limit(key="visit", limit=ANSWERS_PER_HOUR, seconds=60 * 60, ip_based=False)
def answer(visit: str, slot: int, expires: int, token: str, response: str, note: str | None = None) -> dict:
	"""Confirm the slot, or ask for another, once per slot."""
	return appointment.answer(visit, slot, expires, token, response, note)
