"""My Day (`/my-day`), the technician's phone page: their next two days' jobs, and what the phone did
offline, applied once (see bizlink/field_service/sync.py)."""

import hashlib
import json
import os

import frappe
from frappe import _
from werkzeug.wrappers import Response

from bizlink.api.knowledge_jobs import may_read_articles, visit_articles
from bizlink.bizlink.permissions import TECHNICIAN_ROLE
from bizlink.field_service import ratings, sync


def check_technician() -> None:
	if frappe.session.user == "Guest" or TECHNICIAN_ROLE not in frappe.get_roles():
		frappe.throw(_("My Day is for Installation Technicians."), exc=frappe.PermissionError)


@frappe.whitelist()
def get_my_day() -> dict:
	check_technician()
	jobs = sync.my_jobs(frappe.session.user)
	# the articles for each job's items, kept on the phone with the job (read offline on site)
	articles = may_read_articles()
	for job in jobs:
		job["articles"] = visit_articles(job["name"]) if articles else []
	return {
		"user": frappe.session.user,
		"full_name": frappe.utils.get_fullname(frappe.session.user),
		"jobs": jobs,
		# their own average only: never a visit's rating, never a colleague's
		"rating": ratings.technician_average(frappe.session.user),
		"server_time": str(frappe.utils.now_datetime()),
	}


@frappe.whitelist(methods=["POST"])
def sync_actions(actions: str | list) -> list[dict]:
	check_technician()
	if isinstance(actions, str):
		actions = json.loads(actions)
	return sync.sync(actions)


# The installable app: its service worker and manifest -------------------------------------------
# Frappe's www serves no .js or .json, and a service worker's scope must cover /my-day: both are served
# here (a Response a whitelisted method returns is passed on as it is, see frappe.handler.handle).

SHELL = "/my-day"
SHELL_FILES = ("js/my_day.js", "css/my_day.css")
ICON = "/assets/erpnext/images/erpnext-logo.png"  # 512 x 512 PNG
SERVICE_WORKER_URL = "/api/method/bizlink.api.my_day.service_worker"
MANIFEST_URL = "/api/method/bizlink.api.my_day.manifest"


def shell_version() -> str:
	"""A fingerprint of the page's script and style: when they change, phones fetch them again."""
	stamps = []
	for name in SHELL_FILES:
		try:
			stamps.append(str(os.path.getmtime(frappe.get_app_path("bizlink", "public", name))))
		except OSError:
			stamps.append("-")
	return hashlib.sha1("|".join(stamps).encode()).hexdigest()[:12]


def shell_assets() -> list[str]:
	"""What the page loads besides its HTML, as the page asks for it (see bizlink/www/my-day.html)."""
	version = shell_version()
	return [*(f"/assets/bizlink/{name}?v={version}" for name in SHELL_FILES), ICON]


@frappe.whitelist(allow_guest=True, methods=["GET"])
def service_worker() -> Response:
	"""The service worker of /my-day: the app shell network-first, cached for when there is no network.
	Served for anyone (it holds no data) with the header that lets its scope be /my-day."""
	with open(frappe.get_app_path("bizlink", "field_service", "my_day_sw.js")) as f:
		template = f.read()
	script = (
		template.replace("__CACHE__", json.dumps(f"bizlink-my-day-{shell_version()}"))
		.replace("__SHELL__", json.dumps(SHELL))
		.replace("__ASSETS__", json.dumps(shell_assets()))
	)
	return Response(
		script,
		mimetype="application/javascript",
		headers={"Service-Worker-Allowed": "/", "Cache-Control": "no-cache"},
	)


@frappe.whitelist(allow_guest=True, methods=["GET"])
def manifest() -> Response:
	"""The web app manifest of My Day, in the reader's language."""
	name = _("My Day")
	body = {
		"name": name,
		"short_name": name,
		"description": _("Your jobs for today and tomorrow, also without a connection."),
		"lang": frappe.local.lang or "en",
		"start_url": SHELL,
		"scope": SHELL,
		"display": "standalone",
		"background_color": "#ffffff",
		"theme_color": "#1d4ed8",
		"icons": [{"src": ICON, "sizes": "512x512", "type": "image/png", "purpose": "any"}],
	}
	return Response(
		json.dumps(body, ensure_ascii=False),
		mimetype="application/manifest+json",
		headers={"Cache-Control": "no-cache"},
	)
