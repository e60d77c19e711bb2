"""Connect pytest to a real Frappe site on a real bench.

The site is named by `--site` or the BIZLINK_SITE environment variable (default `bizlink.test`);
the bench is the one whose Python runs pytest. Each test runs in its own transaction, rolled back
after it, as Administrator unless it says otherwise.
"""

import logging
import os
import shutil
import threading
from pathlib import Path
from unittest.mock import patch

import frappe
import pytest


def pytest_addoption(parser):
	parser.addoption(
		"--site",
		default=os.environ.get("BIZLINK_SITE", "bizlink.test"),
		help="Frappe site to test against (default: $BIZLINK_SITE or bizlink.test)",
	)


def get_sites_path() -> str:
	# <bench>/apps/frappe/frappe/__init__.py -> <bench>/sites
	return str(Path(frappe.__file__).resolve().parents[3] / "sites")


@pytest.fixture(scope="session", autouse=True)
def site(request):
	site = request.config.getoption("--site")
	sites_path = get_sites_path()
	if not os.path.isdir(os.path.join(sites_path, site)):
		pytest.exit(f"Site {site} does not exist in {sites_path}", returncode=2)

	cwd = os.getcwd()
	os.chdir(sites_path)  # Frappe writes its logs relative to the sites folder, as under bench
	frappe.init(site=site, sites_path=sites_path)
	frappe.connect()
	if "bizlink" not in frappe.get_installed_apps():
		pytest.exit(f"BizLink is not installed on {site}", returncode=2)
	frappe.flags.in_test = True
	frappe.flags.mute_emails = True  # mail is queued, never sent (sending commits)
	frappe.set_user("Administrator")

	from bizlink.devtools.site import ensure_erpnext_setup

	ensure_erpnext_setup()
	frappe.db.commit()
	yield site
	frappe.db.rollback()
	frappe.destroy()
	os.chdir(cwd)


def pytest_configure(config):
	config.addinivalue_line(
		"markers", "commits: the test commits on purpose (DDL) and restores what it changed"
	)
	config.addinivalue_line(
		"markers", "queued: BizLink's deferred work stays on the queue (the test looks at the queue itself)"
	)


@pytest.fixture(scope="session", autouse=True)
def worker():
	"""BizLink's deferred work, run the way Frappe's worker runs it.

	In production a BizLink job is queued when the transaction commits (`enqueue_after_commit`) and a
	worker runs it with `execute_job`. Tests never commit, so here the job runs as soon as Frappe's
	`enqueue` registers it for after the commit (earlier than on a live site, where the rest of the
	request runs first): the callback is taken apart, its arguments go through pickle (what Redis
	keeps) and `execute_job` runs it by its dotted path, in the test's transaction (the worker's own
	commit is left out: the test rolls back). What waiting for the commit changes is tested apart
	(`queued` marker, tests/test_scale_out.py). Production code has no test branch; Frappe's
	own after-commit work (search index, realtime) is left as it is. Threads (the served site, helpers
	that commit, module fixtures) are covered too: the callback manager is patched on its class, for
	the whole session.
	"""
	import inspect
	import pickle

	from frappe.utils import CallbackManager
	from frappe.utils.background_jobs import execute_job

	add = CallbackManager.add

	def add_or_run(self, func, *args, **kwargs):
		# BizLink's after_commit names its job; Frappe's enqueue keeps it in its closure
		job = getattr(func, "job", None) or (
			getattr(func, "__closure__", None) and inspect.getclosurevars(func).nonlocals.get("queue_args")
		)
		if (
			LEAVE_ON_QUEUE
			or not job
			or not str(job.get("method", "")).startswith("bizlink.")
			or self is not frappe.db.after_commit
		):
			return add(self, func, *args, **kwargs)
		job = pickle.loads(pickle.dumps(job))
		running = getattr(frappe.local, "job", None)
		try:
			with patch.object(frappe.db, "commit", lambda *a, **k: None):
				execute_job(**{**job, "is_async": False})
		finally:
			frappe.local.job = running

	with patch.object(CallbackManager, "add", add_or_run):
		yield


LEAVE_ON_QUEUE = False  # set for a test marked `queued`


@pytest.fixture(autouse=True)
def leave_on_queue(request):
	global LEAVE_ON_QUEUE
	LEAVE_ON_QUEUE = bool(request.node.get_closest_marker("queued"))
	yield
	LEAVE_ON_QUEUE = False


@pytest.fixture(autouse=True)
def rollback(site, request):
	"""A clean transaction for each test, rolled back afterwards: the database is left as found.

	A test whose code commits would leave data behind; the check after each test fails it then.
	"""
	frappe.db.rollback()
	frappe.set_user("Administrator")
	frappe.local.lang = "en"  # whatever language the Administrator uses in the desk
	committed = []
	frappe.db.before_commit.add(lambda: committed.append(True))
	yield
	frappe.db.rollback()
	if not request.node.get_closest_marker("commits"):
		assert not committed, "the code under test committed: what it wrote stays in the database"
	frappe.set_user("Administrator")
	frappe.local.message_log = []
	frappe.local.form_dict = frappe._dict()  # a test that posed as a web request leaves no query behind


@pytest.fixture
def company():
	from bizlink.devtools.site import get_default_company

	return get_default_company()


@pytest.fixture(scope="session", autouse=True)
def outgoing_email(site):
	"""A default outgoing Email Account for the whole session (never connected to: mail stays in the
	Email Queue), made before any fixture, module fixtures that commit included.

	Under test Frappe builds notification mail at once (e.g. on an assignment), and without a sender
	address that fails; outside tests the mail is only queued. A site that has one keeps it; one made
	here is removed at the end."""
	made = None
	if not frappe.db.exists("Email Account", {"enable_outgoing": 1, "default_outgoing": 1}):
		made = frappe.get_doc(
			{
				"doctype": "Email Account",
				"email_account_name": "BizLink Test Outgoing",
				"email_id": "bizlink-outgoing@example.com",
				"enable_outgoing": 1,
				"default_outgoing": 1,
				"smtp_server": "127.0.0.1",
				"smtp_port": 2525,
				"no_smtp_authentication": 1,
			}
		).insert(ignore_permissions=True)
		frappe.db.commit()  # session set-up, removed at the end
	frappe.local.outgoing_email_account = {}
	yield
	if made:
		frappe.db.rollback()
		frappe.delete_doc("Email Account", made.name, ignore_permissions=True, force=True)
		frappe.db.commit()


@pytest.fixture(autouse=True)
def forget_outgoing_account(rollback):
	"""Frappe caches the outgoing account per request; a test that changes accounts must not leak."""
	frappe.local.outgoing_email_account = {}


# A real browser on the site served in-process (the browser suites) --------------------------------

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def server(site):
	"""The site served in-process, as `bench serve` does (with /assets and /files)."""
	from frappe.app import application
	from werkzeug.middleware.shared_data import SharedDataMiddleware
	from werkzeug.serving import make_server

	sites = Path(os.getcwd())  # conftest runs the tests from the bench's sites folder
	app = SharedDataMiddleware(
		application, {"/assets": str(sites / "assets"), "/files": str(sites / site / "public" / "files")}
	)
	logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per request
	with patch("frappe.app.get_site_name", return_value=site):
		httpd = make_server("127.0.0.1", 0, app, threaded=True)
		thread = threading.Thread(target=httpd.serve_forever, daemon=True)
		thread.start()
		try:
			yield f"http://127.0.0.1:{httpd.server_port}"
		finally:
			httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
	ci = os.environ.get("CI", "").lower() == "true"
	try:
		from playwright.sync_api import sync_playwright
	except ImportError:
		if ci:
			pytest.fail("Playwright is not installed in the bench's Python: the browser suite must run in CI")
		pytest.skip("Playwright is not installed in the bench's Python")
	if not shutil.which(CHROMIUM):
		if ci:
			pytest.fail(f"No chromium at {CHROMIUM}: the browser suite must run in CI")
		pytest.skip(f"No chromium at {CHROMIUM}")
	with sync_playwright() as playwright:
		browser = playwright.chromium.launch(
			executable_path=CHROMIUM,
			args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
		)
		try:
			yield browser
		finally:
			browser.close()
