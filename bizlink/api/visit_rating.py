"""The customer's rating of a completed visit (page `/visit-feedback`, from the link mailed on completion)."""

import frappe
from frappe.rate_limiter import rate_limit

from bizlink.bizlink.queue import after_commit
from bizlink.field_service import ratings

# per link (its token), whoever tries: a stranger's tries with tokens of their own use their own
# counts and never lock the customer out; a token cannot be guessed (HMAC-SHA256)
RATINGS_PER_HOUR = 10


@frappe.whitelist(allow_guest=True, methods=["POST"])
@rate_limit(key="token", limit=RATINGS_PER_HOUR, seconds=60 * 60, ip_based=False)
def submit(
	visit: str, expires: int, token: str, rating: int | str | None = None, comment: str | None = None
) -> dict:
	"""Rate the visit 1 to 5 stars with a comment, once. A low rating is followed up by a Service
	Ticket, made on the queue once the rating commits (Service's, which Field Service knows nothing of)."""
	stars = ratings.rate(visit, expires, token, rating, comment)
	if stars <= ratings.low_rating_threshold():
		after_commit("bizlink.service.visits.follow_up_low_rating", visit=visit)
	return {"visit": visit, "rating": stars}
