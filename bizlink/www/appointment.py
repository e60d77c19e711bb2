"""The page a customer reaches from a visit's appointment notice: confirm the slot, or ask for another."""

import frappe
from frappe import _

from bizlink.field_service.appointment import check_link

no_cache = 1


def get_context(context):
	args = frappe.form_dict
	context.link = {key: args.get(key) for key in ("visit", "slot", "expires", "token")}
	context.error = None
	try:
		job = check_link(**context.link)
		context.customer_name = job.customer_name
		context.visit_type = _(job.visit_type)
		context.when = frappe.utils.data.format_datetime(job.scheduled_start, "EEEE d MMMM yyyy, HH:mm")
		context.answered = job.appointment_status not in (None, "", "Sent")
		context.appointment_status = _(job.appointment_status) if job.appointment_status else ""
	except frappe.ValidationError as e:
		frappe.clear_messages()
		context.error = frappe.utils.strip_html(str(e))
	context.title = _("Your Appointment")
	return context
