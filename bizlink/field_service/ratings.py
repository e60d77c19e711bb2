"""The customer's rating of a completed visit, through a signed link that expires, and what it adds up to.

When a Field Visit is completed (any type), the customer's contact gets, in the customer's language, a
link to `/visit-feedback` signed for that visit and an expiry (*Rating Link Valid*, BizLink Settings):
1 to 5 stars and a comment, once. The rating is a **Visit Rating** of its own (named by the visit, so
there is one at most), written here only, under the visit's row lock; its DocType's permissions give
it to Installation Managers, Sales Managers and System Managers only, on every path Frappe has (a
list, a count, a filter, a report, a number card, an export: none reads it for anyone else, which
fields of the visit itself could not promise). A technician sees only their own average over the last
90 days (My Day), never a visit's rating.

Field Service knows no Service Ticket: the follow-up of a low rating is Service's
(`bizlink.service.visits.follow_up_low_rating`), queued by the app layer that takes the rating.
"""

import html

import frappe
from frappe import _
from frappe.translate import print_language
from frappe.utils import add_days, cint, escape_html, flt, get_url, getdate, now_datetime

from bizlink.bizlink.signed import is_signed, sign
from bizlink.exceptions import (
	InvalidVisitRatingError,
	VisitAlreadyRatedError,
	VisitNotRateableError,
	VisitRatingLinkError,
	VisitRatingLinkExpiredError,
	VisitRatingsNotPermittedError,
)
from bizlink.field_service.appointment import customer_language
from bizlink.field_service.maintenance import customer_contact

JOB = "Field Visit"
SETTINGS = "BizLink Settings"
STARS = 5  # a Rating field stores the fraction of the stars (4 of 5: 0.8), as Service Ticket's does
RATING = "Visit Rating"
RATING_ROLES = ("Installation Manager", "Sales Manager", "System Manager")  # Visit Rating's readers
MAX_COMMENT = 2000  # characters: the page is public
TECHNICIAN_DAYS = 90
# below this many ratings a technician's average would be one visit's rating (or near enough to tell)
TECHNICIAN_MIN_RATINGS = 3


# Settings --------------------------------------------------------------------------------------


def setting(fieldname: str) -> int:
	"""An Int of BizLink Settings, its default while nobody has saved it (a site migrated since the
	field came: `get_single_value` would read 0, which for the threshold means "never")."""
	singles = frappe.qb.DocType("Singles")
	row = (
		frappe.qb.from_(singles)
		.select(singles.value)
		.where((singles.doctype == SETTINGS) & (singles.field == fieldname))
		.run()
	)
	stored = row[0][0] if row else None
	if stored is None:
		stored = frappe.get_meta(SETTINGS).get_field(fieldname).default
	return max(cint(stored), 0)


def link_days() -> int:
	return setting("rating_link_days") or 14


def low_rating_threshold() -> int:
	"""Stars at or below which a rating opens a ticket; 0: never."""
	return min(setting("low_rating_threshold"), STARS)


def stars_of(fraction) -> int:
	return round(flt(fraction) * STARS)


# The request, on the short queue after the completion commits -----------------------------------


def rating_url(visit: str, valid_days: int | None = None) -> str:
	days = link_days() if valid_days is None else valid_days
	expires = int(add_days(now_datetime(), days).timestamp())
	token = sign("visit-rating", visit, expires)
	return get_url(f"/visit-feedback?visit={visit}&expires={expires}&token={token}")


def message_id(visit: str) -> str:
	"""One rating request per visit: its mail carries this id, so a job run twice sends it once."""
	return f"visit-rating.{visit}@{frappe.local.site}"


def recipient_of(job) -> str | None:
	"""The visit's contact's email, else that of the customer's primary contact."""
	if job.contact_email:
		return job.contact_email
	contact = customer_contact(job.customer) if job.customer else None
	return frappe.db.get_value("Contact", contact, "email_id") if contact else None


def request_rating(visit: str) -> None:
	"""Send the customer the link to rate a completed visit (queued by the visit's `on_submit`)."""
	job = frappe.db.get_value(
		JOB,
		visit,
		["name", "docstatus", "visit_type", "customer", "customer_name", "contact_email", "actual_end"],
		as_dict=True,
	)  # fmt: skip
	if not job or job.docstatus != 1 or frappe.db.exists(RATING, visit):
		return
	recipient = recipient_of(job)
	if not recipient or frappe.db.exists(
		"Email Queue", {"reference_name": visit, "message_id": message_id(visit)}
	):
		return
	days = link_days()
	with print_language(customer_language(job)):
		subject = _("How did our visit go? {0}").format(job.name)
		message = frappe.render_template(
			"templates/emails/visit_rating.html",
			{
				"visit": job,
				"visit_type": _(job.visit_type or "Installation"),
				"completed_on": frappe.format(getdate(job.actual_end or now_datetime()), "Date"),
				"url": rating_url(visit, days),
				"days": days,
			},
		)
	frappe.sendmail(
		recipients=[recipient],
		subject=subject,
		message=message,
		reference_doctype=JOB,
		reference_name=visit,
		message_id=message_id(visit),
		now=False,
	)


# The link and the rating -----------------------------------------------------------------------


def check_link(visit: str, expires, token: str) -> frappe._dict:
	"""The visit a link rates, or a refusal: not signed for it, expired, or a visit not completed."""
	if not visit or not is_signed(token, "visit-rating", visit, cint(expires)):
		frappe.throw(_("This rating link is not valid."), title=_("Invalid Link"), exc=VisitRatingLinkError)
	if cint(expires) < now_datetime().timestamp():
		frappe.throw(
			_("This rating link has expired. Please contact us to tell us how the visit went."),
			title=_("Link Expired"),
			exc=VisitRatingLinkExpiredError,
		)
	job = frappe.db.get_value(
		JOB,
		visit,
		["name", "docstatus", "status", "visit_type", "customer", "customer_name", "company", "actual_end"],
		as_dict=True,
	)  # fmt: skip
	if not job or job.docstatus != 1 or job.status != "Completed":
		frappe.throw(
			_("This visit was cancelled or is not completed: it cannot be rated."),
			title=_("Visit Not Completed"),
			exc=VisitNotRateableError,
		)
	given = frappe.db.get_value(RATING, visit, ["rating", "rating_comment", "rated_on"], as_dict=True)
	job.update(given or {"rating": None, "rating_comment": None, "rated_on": None})
	return job


def comment_text(stored: str | None) -> str:
	"""A rating's comment as the customer typed it (to be escaped wherever it is shown)."""
	return html.unescape(stored or "")


def rate(visit: str, expires, token: str, rating, comment: str | None = None) -> int:
	"""Write the customer's rating (1 to 5 stars) and comment of a completed visit, once; the stars."""
	check_link(visit, expires, token)
	given = rating
	try:
		stars = int(str(rating).strip())
	except ValueError:
		stars = None  # "five", "": refused below with what was given
	if stars is None or not 1 <= stars <= STARS:
		frappe.throw(
			_("A rating goes from 1 to 5, not {0}.").format(
				frappe.bold(frappe.utils.escape_html(str(given)[:20]))
			),
			title=_("Invalid Rating"),
			exc=InvalidVisitRatingError,
		)
	comment = str(comment or "").strip()
	if len(comment) > MAX_COMMENT:
		frappe.throw(
			_("The comment is limited to {0} characters.").format(MAX_COMMENT),
			title=_("Comment Too Long"),
			exc=InvalidVisitRatingError,
		)
	# once, even from two tabs at once: the visit's row locked, then read again
	job = frappe.db.get_value(
		JOB,
		visit,
		["name", "visit_type", "customer", "customer_name", "company"],
		as_dict=True,
		for_update=True,
	)
	if frappe.db.exists(RATING, visit):
		frappe.throw(
			_("This visit has already been rated. Thank you!"),
			title=_("Already Rated"),
			exc=VisitAlreadyRatedError,
		)
	# the comment is kept escaped: Frappe's desk shows a Small Text as markup (form, list, report view),
	# so what a guest typed reads as typed there and never runs; `comment_text` gives it back as text.
	# Nothing is written on the visit: its timeline is the technician's to read
	frappe.get_doc(
		{
			"doctype": RATING,
			"visit": visit,
			"visit_type": job.visit_type,
			"customer": job.customer,
			"customer_name": job.customer_name,
			"company": job.company,
			"rating": stars / STARS,
			"rating_comment": escape_html(comment) or None,
			"rated_on": now_datetime(),
		}
	).insert(ignore_permissions=True)
	return stars


# Who reads ratings, and what they read ------------------------------------------------------------


def may_read_ratings(user: str | None = None) -> bool:
	user = user or frappe.session.user
	return user == "Administrator" or bool(set(frappe.get_roles(user)) & set(RATING_ROLES))


def check_may_read_ratings() -> None:
	if not may_read_ratings():
		frappe.throw(
			_("Visit ratings are for Installation Managers, Sales Managers and System Managers."),
			title=_("Not Permitted"),
			exc=VisitRatingsNotPermittedError,
		)


def technician_average(user: str, days: int = TECHNICIAN_DAYS) -> dict | None:
	"""A technician's own average over the visits of their crews completed in the last `days` days and
	rated; None below `TECHNICIAN_MIN_RATINGS` ratings (the average would tell a visit's rating)."""
	visit = frappe.qb.DocType(JOB)
	crew = frappe.qb.DocType("Field Visit Technician")
	rating = frappe.qb.DocType(RATING)
	rows = (
		frappe.qb.from_(visit)
		.join(rating)
		.on(rating.visit == visit.name)
		.select(visit.name, rating.rating)
		.where(visit.docstatus == 1)
		.where(visit.actual_end >= add_days(now_datetime(), -days))
		.where(visit.name.isin(frappe.qb.from_(crew).select(crew.parent).where(crew.parenttype == JOB).where(crew.user == user)))
		.run(as_dict=True)
	)  # fmt: skip
	if len(rows) < TECHNICIAN_MIN_RATINGS:
		return None
	return {
		"average": round(sum(flt(row.rating) * STARS for row in rows) / len(rows), 1),
		"ratings": len(rows),
		"days": days,
	}


def customer_ratings(customer: str, limit: int = 5) -> dict:
	"""A customer's visit ratings: how many, their average (1 to 5) and the last ones with comments,
	of the visits the reader may read (for the readers of ratings only)."""
	check_may_read_ratings()
	rows = frappe.get_list(
		RATING,
		filters={"customer": customer},
		fields=["visit as name", "visit_type", "rating", "rating_comment", "rated_on", "rating_ticket"],
		order_by="rated_on desc",
		limit_page_length=0,
	)
	completed = dict(
		frappe.get_all(JOB, filters={"name": ("in", [r.name for r in rows] or [""])}, fields=["name", "actual_end"], as_list=True)
	)  # fmt: skip
	for row in rows:
		row.actual_end = completed.get(row.name)
		row.stars = stars_of(row.rating)
		row.rating_comment = comment_text(row.rating_comment)
	return {
		"ratings": len(rows),
		"average": round(sum(row.stars for row in rows) / len(rows), 1) if rows else None,
		"last": [
			{key: row.get(key) for key in ("name", "visit_type", "actual_end", "stars", "rating_comment", "rated_on", "rating_ticket")}
			for row in rows[:limit]
		],
	}  # fmt: skip
