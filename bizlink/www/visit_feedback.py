"""The page a customer reaches from the mail sent when a visit is completed: rate it 1 to 5 and
comment, once (`bizlink.api.visit_rating.submit`)."""

import frappe
from frappe import _

from bizlink.field_service.ratings import STARS, check_link, comment_text, stars_of

no_cache = 1


def get_context(context):
	args = frappe.form_dict
	context.link = {key: args.get(key) for key in ("visit", "expires", "token")}
	context.error = None
	context.stars = STARS
	try:
		job = check_link(**context.link)
		context.customer_name = job.customer_name
		context.visit_type = _(job.visit_type or "Installation")
		context.completed_on = frappe.format(job.actual_end, "Date") if job.actual_end else ""
		context.rated = bool(job.rated_on)
		context.given = stars_of(job.rating) if job.rated_on else 0
		context.comment = comment_text(job.rating_comment)
	except frappe.ValidationError as e:
		frappe.clear_messages()
		context.error = frappe.utils.strip_html(str(e))
	context.title = _("How did our visit go?")
	return context
