"""My Day (/my-day): the technician's phone page, installable and usable without a connection.

The page is a shell: its script (bizlink/public/js/my_day.js) reads the jobs with
`bizlink.api.my_day.get_my_day`, keeps them and what the technician does on the phone, and sends the
actions with `sync_actions` when there is a connection. Every label is translated here, into the
user's language, so that the shell the service worker keeps reads the same offline.
"""

import frappe
from frappe import _

from bizlink.api.my_day import ICON, MANIFEST_URL, SERVICE_WORKER_URL, SHELL, shell_version
from bizlink.bizlink.permissions import TECHNICIAN_ROLE

no_cache = 1


def get_context(context):
	if frappe.session.user == "Guest":
		frappe.local.flags.redirect_location = f"/login?redirect-to={SHELL}"
		raise frappe.Redirect(302)  # not 301: a browser would keep sending the technician to the login
	if TECHNICIAN_ROLE not in frappe.get_roles():
		frappe.throw(_("My Day is for Installation Technicians."), frappe.PermissionError)
	# the page's POSTs carry the session's CSRF token (Frappe makes one only when the desk opens)
	frappe.sessions.get_csrf_token()
	context.no_breadcrumbs = True
	context.title = _("My Day")
	context.lang = frappe.local.lang or "en"
	context.version = shell_version()
	context.icon = ICON
	context.manifest_url = MANIFEST_URL
	context.boot = {
		"user": frappe.session.user,
		"full_name": frappe.utils.get_fullname(frappe.session.user),
		"lang": context.lang,
		"scope": SHELL,
		"service_worker": SERVICE_WORKER_URL,
		"labels": get_labels(),
	}
	return context


def get_labels() -> dict[str, str]:
	"""Every word the page shows, in the user's language ({0}: filled in by the page)."""
	return {
		"title": _("My Day"),
		"loading": _("Loading your jobs…"),
		"online": _("Online"),
		"offline": _("Offline"),
		"waiting": _("{0} actions waiting"),
		"waiting_one": _("1 action waiting"),
		"all_sent": _("All sent"),
		"sync": _("Sync now"),
		"syncing": _("Sending…"),
		"updated": _("Updated {0}"),
		"sync_failed": _("Could not reach the server: your changes stay on this phone. {0}"),
		"session_ended": _("Your session has ended: log in again to send your changes."),
		"log_in": _("Log in"),
		"nothing_saved": _("Nothing is saved on this phone yet: open My Day once with a connection."),
		"no_jobs": _("No jobs for today or tomorrow."),
		"your_rating": _("Your rating: {0} ★ from {1} visits ({2} days)"),
		"today": _("Today"),
		"tomorrow": _("Tomorrow"),
		"earlier": _("Begun earlier"),
		"back": _("My jobs"),
		"call": _("Call", context="Phone the customer"),
		"navigate": _("Navigate"),
		"notes": _("Notes"),
		"history": _("Site history ({0})"),
		"no_history": _("No earlier visits at this site."),
		"status_Scheduled": _("Scheduled"),
		"status_In Progress": _("In Progress"),
		"status_On Hold": _("On Hold"),
		"status_Completed": _("Completed"),
		"type_Installation": _("Installation"),
		"type_Maintenance": _("Maintenance"),
		"type_Repair": _("Repair"),
		"open_job": _("Open job"),
		"pending_job": _("{0} changes not sent yet"),
		"attention": _("Needs your attention"),
		"on_my_way": _("On my way"),
		"minutes": _("Minutes to arrive"),
		"on_my_way_sent": _("Customer told: arriving at about {0}"),
		"start": _("Start job"),
		"started": _("Started"),
		"checklist": _("Checklist"),
		"mandatory": _("Mandatory"),
		"check_note": _("Note for this check"),
		"add_note": _("Add a note"),
		"installed": _("Installed"),
		"installed_qty": _("Installed quantity"),
		"delivered": _("{0} of {1} delivered"),
		"serial_nos": _("Serial numbers, one per line"),
		"parts": _("Parts used"),
		"item_code": _("Item code"),
		"qty": _("Qty"),
		"add_part": _("Add part"),
		"no_parts": _("No parts used yet."),
		"job_notes": _("Notes on the job"),
		"save_note": _("Save note"),
		"photos": _("Photos"),
		"take_photo": _("Take photo"),
		"photo_waiting": _("{0} photos waiting to be sent"),
		"photo_sent": _("{0} photos sent"),
		"photo_failed": _("The photo could not be read."),
		"signature": _("Customer signature"),
		"signed_by": _("Signed by {0}"),
		"signer_name": _("Name of who signs"),
		"clear": _("Clear signature"),
		"sign_here": _("Sign here with your finger"),
		"save_signature": _("Save signature"),
		"sign_again": _("Sign again"),
		"complete": _("Complete job"),
		"completed_here": _("Completed on this phone: it is sent when there is a connection."),
		"confirm_complete": _("Complete this job? It cannot be changed afterwards."),
		"start_first": _("Start the job first."),
		"open_checks": _("Tick the mandatory checks: {0}"),
		"need_signature": _("The customer's signature and the signer's name are needed."),
		"need_name": _("Enter the name of who signs."),
		"need_drawing": _("Draw the signature first."),
		"need_installed": _("Enter the installed quantity of at least one item."),
		"need_part": _("Enter an item code and a quantity."),
		"dismiss": _("OK"),
		"result_Conflict": _("Changed by the office"),
		"result_Refused": _("Not applied"),
		"action_start": _("Start"),
		"action_check": _("Checklist"),
		"action_installed": _("Installed quantity"),
		"action_part": _("Part"),
		"action_note": _("Note"),
		"action_photo": _("Photo"),
		"action_sign": _("Signature"),
		"action_complete": _("Completion"),
		"action_on_my_way": _("On my way"),
		"job_gone": _("This job is no longer on your list."),
		"done_sent": _("Job completed and sent."),
	}
