"""The customer's answer to a visit's appointment (page `/appointment`, from the link in the notice)."""

import frappe
from frappe.rate_limiter import rate_limit

from bizlink.field_service import appointment

# per link (its token), whoever tries: a stranger's tries with tokens of their own use their own
# counts and never lock the customer out; a token cannot be guessed (HMAC-SHA256)
ANSWERS_PER_HOUR = 10


@frappe.whitelist(allow_guest=True, methods=["POST"])
@rate_limit(key="token", limit=ANSWERS_PER_HOUR, seconds=60 * 60, ip_based=False)
def answer(visit: str, slot: int, expires: int, token: str, response: str, note: str | None = None) -> dict:
	"""Confirm the slot, or ask for another, once per slot."""
	return appointment.answer(visit, slot, expires, token, response, note)
