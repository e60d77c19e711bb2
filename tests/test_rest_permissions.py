"""Who may do what, over HTTP: every role by every BizLink DocType, report and API, through Frappe's REST API.

Each request goes through Frappe's whole web stack (`frappe.app.application`, in a thread of its own
with its own database connection, as a real request) authenticated with the user's API key. What
the requests need is therefore committed, and removed again when the module ends.

The expected outcome of every cell is written out below; a cell that answers otherwise is a leak
(allowed where it should not be) or a lockout (refused where it should be allowed).
"""

import json
import threading
import uuid
from unittest.mock import patch

import frappe
import pytest
from committed import names_where, purge_world
from frappe.utils import add_days, get_test_client, now_datetime, random_string, today

from bizlink.devtools.factories import make_customer, make_item, make_sales_order, make_user
from bizlink.devtools.lifecycle import BIZLINK_DOCTYPES

pytestmark = pytest.mark.commits

# r read one, l list, c create, w write, d delete, e export; a DocType not named: nothing at all
MATRIX = {
	"Sales User": {
		"Sales Interaction": "rlcwe",
		"Sales Interaction Outcome": "rl",
		"Service Ticket": "rlce",
		"Field Visit": "rl",
		"Maintenance Plan": "rl",
		"Order Stage Log": "rle",
		"Segment Activity": "rl",
		"Segment Campaign": "rle",
		"Segment Campaign Customer": "rle",  # written only by BizLink
		"Knowledge Article": "rle",
	},
	"Sales Manager": {
		"Sales Interaction": "rlcwde",
		"Sales Interaction Outcome": "rlcwde",
		"Service Ticket": "rlcwe",
		"Field Visit": "rl",
		"Maintenance Plan": "rl",
		"Order Stage Log": "rle",
		"Segment Activity": "rle",
		"Segment Campaign": "rlcwde",
		"Segment Campaign Customer": "rle",
		"Visit Rating": "rle",  # written only by the customer's link
		"Knowledge Article": "rle",
	},
	"Support Team": {
		"Service Ticket": "rlcwe",
		"BizLink Settings": "r",
		"Field Visit": "rl",
		"Maintenance Plan": "rl",
		"Knowledge Article": "rlcwe",  # drafts; a published one only the Support Manager changes
	},
	"Support Manager": {
		"Service Ticket": "rlcwde",
		"BizLink Settings": "rw",
		"Field Visit": "rl",
		"Maintenance Plan": "rl",
		"Knowledge Article": "rlcwde",
		"Knowledge Deflection": "rle",  # written only by the portal's requests
	},
	"Installation Technician": {
		"Field Visit": "rlwe",
		"Checklist Template": "rl",
		"Knowledge Article": "rle",
	},
	"Installation Manager": {
		"Field Visit": "rlcwde",
		"Checklist Template": "rlcwde",
		"Maintenance Plan": "rlcwde",
		"Field Technician": "rlcwde",
		"Field Sync Action": "rle",  # written only by the phones' sync
		"Visit Rating": "rle",
		"Order Stage Log": "rle",
		"Knowledge Article": "rle",
	},
	"Stock User": {"Order Stage Log": "rle"},
	"Customer": {},  # the portal customer: their own tickets and orders on the portal pages only
	"No BizLink role": {},
}
# every BizLink DocType reached over REST (the status log is a child table, reached through its parent)
DOCTYPES = tuple(d for d in BIZLINK_DOCTYPES if d != "BizLink Status Log")
ACTIONS = {"r": "read", "l": "list", "c": "create", "w": "write", "d": "delete", "e": "export"}
SINGLE_ACTIONS = "rw"  # BizLink Settings is a single: it is read and written, never listed or made
REPORTS = {
	"Market Segments": ("Sales User", "Sales Manager"),
	"What Top Customers Share": ("Sales User", "Sales Manager"),
	"Similar Customers": ("Sales User", "Sales Manager"),
	"Order Fulfilment Cycle Time": ("Sales User", "Sales Manager", "Stock User", "Installation Manager"),
	"Orders Waiting": ("Sales User", "Sales Manager", "Stock User"),
	"Technician Schedule": ("Installation Technician", "Installation Manager"),
	"Installed Base": (
		"Sales User",
		"Sales Manager",
		"Support Team",
		"Support Manager",
		"Installation Manager",
	),
	"Visit Ratings": ("Sales Manager", "Installation Manager"),
	"Campaign Results": ("Sales User", "Sales Manager"),
	"Deflection Rate": ("Support Manager",),
}
# whitelisted methods: the roles allowed (anyone else gets 403)
METHODS = {
	# its sections follow the caller's rights: support sees the profile and tickets, not the sales
	"customer file": ("Sales User", "Sales Manager", "Stock User", "Support Team", "Support Manager"),
	"customer playbook": ("Sales User", "Sales Manager"),
	"order stage timeline": ("Sales User", "Sales Manager", "Stock User"),
	# the Installation Manager role alone may not read Sales Orders: see the role profile test
	"make field visit": (),
	"similar resolved tickets": ("Sales User", "Sales Manager", "Support Team", "Support Manager"),
}

CASES = [
	(role, doctype, action, action in MATRIX[role].get(doctype, ""))
	for role in MATRIX
	for doctype in DOCTYPES
	for action in (SINGLE_ACTIONS if doctype == "BizLink Settings" else ACTIONS)
]


# The web stack ---------------------------------------------------------------------------------


class Api:
	"""Requests as a given user, through Frappe's WSGI application, each in its own thread."""

	client = get_test_client()

	def __init__(self, site: str):
		self.site = site
		self.keys: dict[str, str] = {}

	def request(self, user: str, method: str, path: str, headers: dict | None = None, **kwargs):
		result = {}

		def run():
			with patch("frappe.app.get_site_name", return_value=self.site):
				result["response"] = self.client.open(
					path,
					method=method,
					headers={"Authorization": f"token {self.keys[user]}", **(headers or {})},
					**kwargs,
				)

		thread = threading.Thread(target=run)
		thread.start()
		thread.join()
		return result["response"]

	def resource(self, user, method, doctype, name=None, **kwargs):
		path = f"/api/resource/{doctype}" + (f"/{name}" if name else "")
		return self.request(user, method, path, **kwargs)

	def method(self, user, method, dotted, **kwargs):
		return self.request(user, method, f"/api/method/{dotted}", **kwargs)


def give_api_key(user: str) -> str:
	doc = frappe.get_doc("User", user)
	doc.api_key = frappe.generate_hash(length=15)
	secret = frappe.generate_hash(length=15)
	doc.api_secret = secret
	doc.save(ignore_permissions=True)
	return f"{doc.api_key}:{secret}"


# What the requests need, committed -------------------------------------------------------------


class World:
	"""The users and documents of the module, all removed at its end."""

	def __init__(self, site):
		self.api = Api(site)
		self.made: list[tuple[str, str]] = []
		self.users: dict[str, str] = {}

	def track(self, doc):
		self.made.append((doc.doctype, doc.name))
		return doc

	def build(self):
		purge_rest_data()  # what a run that died left behind
		tag = random_string(6).lower()
		for role in MATRIX:
			roles = [] if role == "No BizLink role" else [role]
			user_type = "Website User" if role == "Customer" else "System User"
			email = f"rest-{frappe.scrub(role)}-{tag}@example.com"
			user = self.track(make_user(email, roles, user_type=user_type))
			self.users[role] = user.name
			self.api.keys[user.name] = give_api_key(user.name)

		self.customer = self.track(make_customer(f"REST Customer A {tag}", city=None))
		self.other_customer = self.track(make_customer(f"REST Customer B {tag}", city=None))
		portal = frappe.get_doc("Customer", self.customer.name)
		portal.append("portal_users", {"user": self.users["Customer"]})
		portal.save(ignore_permissions=True)

		self.item = self.track(
			make_item(f"REST-INST-{tag}", bizlink_requires_installation=1, bizlink_installation_hours=2)
		)
		self.order = self.track(
			make_sales_order(self.customer.name, items=[{"item_code": self.item.name, "qty": 1, "rate": 10}])
		)
		self.other_order = self.track(
			make_sales_order(
				self.other_customer.name, items=[{"item_code": self.item.name, "qty": 1, "rate": 10}]
			)
		)
		# orders without a field visit: a new job is posted for one of them (an order with an open
		# job refuses a second one)
		self.plain_item = self.track(make_item(f"REST-INST-PLAIN-{tag}")).name
		self.plain_orders = [
			self.track(
				make_sales_order(
					self.customer.name, items=[{"item_code": self.plain_item, "qty": 1, "rate": 10}]
				)
			).name
			for _ in range(4)
		]
		self.spare_users = [
			self.track(make_user(f"rest-tech-{tag.lower()}-{k}@example.com")).name for k in range(4)
		]
		self.job = self.crewed_job(self.order.name)
		self.other_job = frappe.get_doc(
			"Field Visit",
			frappe.db.get_value("Field Visit", {"sales_order": self.other_order.name}),
		)
		self.track(self.other_job)
		self.samples = {doctype: self.make(doctype) for doctype in DOCTYPES if doctype != "BizLink Settings"}
		self.samples["Field Visit"] = self.job
		frappe.db.commit()

	def spare_user(self) -> str:
		"""A user for a new Field Technician (one per user), in turn, each freed of the profile an
		earlier case left (Frappe throttles making users); the first is kept for the sample."""
		self.spare_index = getattr(self, "spare_index", -1) + 1
		user = self.spare_users[1 + self.spare_index % (len(self.spare_users) - 1)]
		frappe.db.delete("Field Technician Skill", {"parent": user})
		frappe.db.delete("Field Technician", {"name": user})
		frappe.db.commit()
		return user

	def new_campaign(self):
		"""A campaign for a row (a customer is once in a campaign)."""
		values = {"title": f"REST campaign {random_string(8)}", "channel": "Call List"}
		campaign = self.track(frappe.get_doc({"doctype": "Segment Campaign", **values}).insert())
		frappe.db.commit()  # nosemgrep (the request that names it reads it on its own connection)
		return campaign

	def plain_order(self) -> str:
		"""The next of the orders without a job (in turn)."""
		self.plain_index = getattr(self, "plain_index", -1) + 1
		return self.plain_orders[self.plain_index % len(self.plain_orders)]

	def crewed_job(self, sales_order: str):
		job = frappe.get_doc("Field Visit", frappe.db.get_value("Field Visit", {"sales_order": sales_order}))
		job.append("crew", {"user": self.users["Installation Technician"], "is_lead": 1})
		job.save(ignore_permissions=True)
		return self.track(job)

	def payload(self, doctype: str) -> dict:
		"""A valid new document of `doctype`, as a client would post it."""
		tag = random_string(8)
		if doctype == "Segment Campaign Customer":
			# a row of a campaign of its own (rows are made by BizLink, not by users; one per customer)
			return {"campaign": self.new_campaign().name, "customer": self.customer.name}
		if doctype == "Knowledge Deflection":
			# a portal request's attempt, as the portal writes it (its key is unique)
			return {
				"attempt_key": frappe.generate_hash(length=32),
				"customer": self.customer.name,
				"user": "Administrator",
				"outcome": "Open",
				"query": f"REST caldera {tag}",
			}
		if doctype == "Visit Rating":
			# the rating of a visit of its own (named by the visit: one each), as the link writes it
			visit = self.make("Field Visit").name
			frappe.db.commit()  # nosemgrep (the request that names it reads it on its own connection)
			return {
				"visit": visit,
				"customer": self.customer.name,
				"rating": 0.6,
				"rated_on": str(now_datetime()),
			}
		return {
			"Sales Interaction": {
				"customer": self.customer.name,
				"interaction_type": "Call",
				"interaction_date": str(now_datetime()),
				"subject": f"REST call {tag}",
			},
			"Sales Interaction Outcome": {"outcome_name": f"REST outcome {tag}", "category": "Neutral"},
			"Service Ticket": {
				"customer": self.customer.name,
				"subject": f"REST ticket {tag}",
				"status": "Open",
			},
			"Field Visit": {
				"sales_order": self.plain_order(),
				"items": [{"item_code": self.item.name, "qty": 1}],
			},
			"Checklist Template": {
				"template_name": f"REST template {tag}",
				"items": [{"description": "Test the unit", "mandatory": 1}],
			},
			"Maintenance Plan": {
				"customer": self.customer.name,
				"item_code": self.item.name,
				"interval_months": 12,
				"start_date": today(),
			},
			"Order Stage Log": {
				"sales_order": self.order.name,
				"stage": "Ordered",
				"entered_on": str(now_datetime()),
			},
			"Segment Campaign": {
				"title": f"REST campaign {tag}",
				"channel": "Call List",
				"city": "REST nowhere",
			},
			# a cell that counts nothing (the rollup's rows are made by BizLink, not by users)
			"Segment Activity": {"segment": f"rest{tag}", "period": "Now"},
			"Field Technician": {
				"user": self.spare_user(),
				"work_start": "08:00:00",
				"work_end": "17:00:00",
			},
			"Knowledge Article": {
				"title": f"REST article {tag}",
				"problem": "<p>La caldera pierde presión</p>",
				"steps": "<p>Rellenar a 1,5 bar</p>",
			},
			"Field Sync Action": {
				"client_id": str(uuid.uuid4()),
				"action": "start",
				"result": "Refused",
				"message": f"REST {tag}",
			},
		}[doctype]

	def make(self, doctype: str):
		"""A document of `doctype` made by the Administrator (committed by the caller); a job on an
		order of its own (an order has one open job)."""
		values = self.payload(doctype)
		if doctype == "Field Technician" and not hasattr(self, "samples"):  # the sample, while building
			values["user"] = self.spare_users[0]
		if doctype == "Field Visit":
			values["sales_order"] = self.track(
				make_sales_order(
					self.customer.name, items=[{"item_code": self.plain_item, "qty": 1, "rate": 10}]
				)
			).name
		# a sync action's fields are all the system's (read-only): it is written as the sync writes it
		system = doctype in (
			"Field Sync Action",
			"Segment Campaign Customer",
			"Visit Rating",
			"Knowledge Deflection",
		)
		return self.track(frappe.get_doc({"doctype": doctype, **values}).insert(ignore_permissions=system))

	def teardown(self):
		frappe.db.rollback()
		frappe.set_user("Administrator")
		purge_rest_data()


def purge_rest_data() -> None:
	"""Remove every record this module makes (found by its names, so a run that died is cleaned too)."""
	customers = frappe.get_all("Customer", filters={"name": ("like", "REST Customer %")}, pluck="name")
	items = frappe.get_all("Item", filters={"name": ("like", "REST-INST-%")}, pluck="name")
	users = frappe.get_all("User", filters={"name": ("like", "rest-%@example.com")}, pluck="name")
	purge_world(
		customers,
		items,
		users,
		extra=(
			(
				"Sales Interaction Outcome",
				frappe.get_all(
					"Sales Interaction Outcome", {"name": ("like", "REST outcome %")}, pluck="name"
				),
			),
			(
				"Checklist Template",
				frappe.get_all("Checklist Template", {"name": ("like", "REST template %")}, pluck="name"),
			),
			(
				"Segment Activity",
				frappe.get_all("Segment Activity", {"segment": ("like", "rest%")}, pluck="name"),
			),
			(
				"Segment Campaign Customer",
				names_where("Segment Campaign Customer", "customer", customers),
			),
			(
				"Visit Rating",
				names_where("Visit Rating", "customer", customers),
			),
			(
				"Knowledge Deflection",
				names_where("Knowledge Deflection", "customer", customers),
			),
			(
				"Knowledge Article",
				frappe.get_all("Knowledge Article", {"title": ("like", "REST article %")}, pluck="name"),
			),
			(
				"Segment Campaign",
				frappe.get_all("Segment Campaign", {"title": ("like", "REST campaign %")}, pluck="name"),
			),
			(
				"Field Technician",
				frappe.get_all("Field Technician", {"name": ("like", "rest-%@example.com")}, pluck="name"),
			),
			(
				"Field Sync Action",
				frappe.get_all("Field Sync Action", {"message": ("like", "REST %")}, pluck="name"),
			),
		),
	)
	frappe.db.commit()


@pytest.fixture(scope="module")
def world(site):
	world = World(site)
	try:
		world.build()
		yield world
	finally:
		world.teardown()


# The matrix ------------------------------------------------------------------------------------


def attempt(world: World, role: str, doctype: str, action: str):
	"""Send the request of `action` as the user of `role`; return the response."""
	api, user = world.api, world.users[role]
	if doctype == "BizLink Settings":
		if action == "r":
			return api.resource(user, "GET", doctype, doctype)
		return api.resource(user, "PUT", doctype, doctype, json={"reopen_window_days": 30})
	sample = world.samples[doctype]
	if action == "r":
		return api.resource(user, "GET", doctype, sample.name)
	if action == "l":
		return api.resource(user, "GET", doctype, query_string={"fields": '["name"]'})
	if action == "c":
		response = api.resource(user, "POST", doctype, json=world.payload(doctype))
		if response.status_code == 200:
			world.made.append((doctype, response.json["data"]["name"]))
		return response
	if action == "w":
		field = {
			"Sales Interaction Outcome": "description",
			"Checklist Template": "template_name",
			"Order Stage Log": "note",
			"Segment Activity": "city",
			"Segment Campaign Customer": "customer_name",
			"Visit Rating": "rating_comment",
			"Knowledge Article": "steps",
			"Knowledge Deflection": "query",
		}.get(doctype, "description" if doctype == "Service Ticket" else "notes")
		value = sample.get(field) if field == "template_name" else f"edited by {role}"
		return api.resource(user, "PUT", doctype, sample.name, json={field: value})
	if action == "d":
		frappe.set_user("Administrator")
		victim = world.make(doctype)
		frappe.db.commit()
		return api.resource(user, "DELETE", doctype, victim.name)
	if action == "e":
		return api.method(
			user,
			"POST",
			"frappe.desk.reportview.export_query",
			data={
				"doctype": doctype,
				"file_format_type": "CSV",
				"fields": json.dumps([f"`tab{doctype}`.`name`"]),
				"filters": "[]",
			},
		)
	raise ValueError(action)


@pytest.mark.parametrize(("role", "doctype", "action", "allowed"), CASES)
def test_rest_matrix(world, role, doctype, action, allowed):
	response = attempt(world, role, doctype, action)
	expected = (200, 202) if allowed else (403,)
	assert response.status_code in expected, (
		f"{role} {'should' if allowed else 'should not'} {ACTIONS[action]} {doctype}: "
		f"HTTP {response.status_code} {response.get_data(as_text=True)[:300]}"
	)
	if action == "d" and allowed:
		assert not frappe.db.exists(doctype, world.made[-1][1])


def report_filters(world, report: str) -> dict:
	company = world.order.company
	year_ago = add_days(today(), -365)
	return {
		"Market Segments": {
			"company": company,
			"from_date": year_ago,
			"to_date": today(),
			"dimensions": "City",
		},
		"What Top Customers Share": {"company": company, "from_date": year_ago, "to_date": today(), "top": 5},
		"Similar Customers": {"customer": world.customer.name},
		"Order Fulfilment Cycle Time": {"company": company, "from_date": year_ago, "to_date": today()},
		"Orders Waiting": {"company": company},
		"Technician Schedule": {"date": today(), "days": 7},
		"Installed Base": {"customer": world.customer.name},
		"Visit Ratings": {"from_date": add_days(today(), -90), "to_date": today(), "group_by": "Technician"},
		"Deflection Rate": {"from_date": add_days(today(), -90), "to_date": today()},
		"Campaign Results": {},
	}[report]


@pytest.mark.parametrize(
	("role", "report", "allowed"),
	[(role, report, role in roles) for report, roles in REPORTS.items() for role in MATRIX],
)
def test_rest_reports(world, role, report, allowed):
	response = world.api.method(
		world.users[role],
		"POST",
		"frappe.desk.query_report.run",
		json={"report_name": report, "filters": report_filters(world, report)},
	)
	assert response.status_code == (200 if allowed else 403), (
		f"{role} {'should' if allowed else 'should not'} run {report}: "
		f"HTTP {response.status_code} {response.get_data(as_text=True)[:300]}"
	)


def method_call(world, name: str) -> tuple[str, str, dict]:
	return {
		"customer file": ("GET", "bizlink.api.customer.get_customer_file", {"customer": world.customer.name}),
		"customer playbook": (
			"GET",
			"bizlink.api.customer.get_customer_playbook",
			{"customer": world.customer.name},
		),
		"order stage timeline": (
			"GET",
			"bizlink.api.fulfilment.get_stage_timeline",
			{"sales_order": world.order.name},
		),
		"make field visit": (
			"POST",
			"bizlink.api.installation.make_field_visit",
			{"sales_order": world.order.name},
		),
		"similar resolved tickets": (
			"GET",
			"bizlink.api.service_ticket.get_similar_resolved",
			{"ticket": world.samples["Service Ticket"].name},
		),
	}[name]


@pytest.mark.parametrize(
	("role", "name", "allowed"),
	[(role, name, role in roles) for name, roles in METHODS.items() for role in MATRIX],
)
def test_rest_methods(world, role, name, allowed):
	http_method, dotted, args = method_call(world, name)
	kwargs = {"query_string": args} if http_method == "GET" else {"json": args}
	response = world.api.method(world.users[role], http_method, dotted, **kwargs)
	assert response.status_code == (200 if allowed else 403), (
		f"{role} {'should' if allowed else 'should not'} call {name}: "
		f"HTTP {response.status_code} {response.get_data(as_text=True)[:300]}"
	)


def test_installation_manager_profile_makes_the_job_from_the_order(world):
	"""The role profile BizLink Installation Manager (Installation Manager + Sales User) makes the job."""
	user = world.users["Installation Manager"]
	frappe.get_doc("User", user).add_roles("Sales User")
	frappe.db.commit()
	jobs = set(frappe.get_all("Field Visit", filters={"sales_order": world.order.name}, pluck="name"))
	try:
		response = world.api.method(
			user,
			"POST",
			"bizlink.api.installation.make_field_visit",
			json={"sales_order": world.order.name},
		)
		assert response.status_code == 200, response.get_data(as_text=True)[:300]
		# the order's open job comes back: no second one is made
		assert response.json["message"] in jobs
		made = frappe.get_all("Field Visit", filters={"sales_order": world.order.name}, pluck="name")
		assert set(made) == jobs
	finally:
		frappe.get_doc("User", user).remove_roles("Sales User")
		frappe.db.commit()


# Rows: who sees which documents ----------------------------------------------------------------


def listed(world, role: str, doctype: str, **filters) -> set[str]:
	response = world.api.resource(
		world.users[role],
		"GET",
		doctype,
		query_string={"fields": '["name"]', "filters": json.dumps(filters), "limit_page_length": 0},
	)
	assert response.status_code == 200, response.get_data(as_text=True)[:300]
	return {row["name"] for row in response.json["data"]}


def test_technician_reaches_only_the_jobs_of_their_crew(world):
	technician = world.users["Installation Technician"]
	jobs = listed(world, "Installation Technician", "Field Visit")
	assert world.job.name in jobs
	assert world.other_job.name not in jobs
	api = world.api
	assert api.resource(technician, "GET", "Field Visit", world.other_job.name).status_code == 403
	response = api.resource(technician, "PUT", "Field Visit", world.other_job.name, json={"notes": "x"})
	assert response.status_code == 403
	assert not frappe.db.get_value("Field Visit", world.other_job.name, "notes")
	export = api.method(
		technician,
		"POST",
		"frappe.desk.reportview.export_query",
		data={
			"doctype": "Field Visit",
			"file_format_type": "CSV",
			"fields": json.dumps(["`tabField Visit`.`name`"]),
			"filters": "[]",
		},
	)
	assert export.status_code == 200
	assert world.job.name in export.get_data(as_text=True)
	assert world.other_job.name not in export.get_data(as_text=True)


@pytest.fixture
def restricted_sales_user(world):
	"""The Sales User, allowed by User Permission to see customer A only (for this test)."""
	user = world.users["Sales User"]
	permission = frappe.get_doc(
		{"doctype": "User Permission", "user": user, "allow": "Customer", "for_value": world.customer.name}
	).insert(ignore_permissions=True)
	frappe.db.commit()
	yield user
	frappe.delete_doc("User Permission", permission.name, ignore_permissions=True, force=True)
	frappe.db.commit()


def test_user_permission_on_customer_hides_other_customers(world, restricted_sales_user):
	user, api = restricted_sales_user, world.api
	frappe.set_user("Administrator")
	theirs = frappe.get_doc(
		{
			"doctype": "Sales Interaction",
			"customer": world.other_customer.name,
			"interaction_type": "Visit",
			"interaction_date": str(now_datetime()),
			"subject": "Visit to B",
		}
	).insert()
	ticket = frappe.get_doc(
		{"doctype": "Service Ticket", "customer": world.other_customer.name, "subject": "B's boiler"}
	).insert()
	world.track(theirs), world.track(ticket)
	frappe.db.commit()

	interactions = listed(world, "Sales User", "Sales Interaction")
	assert world.samples["Sales Interaction"].name in interactions
	assert theirs.name not in interactions
	assert ticket.name not in listed(world, "Sales User", "Service Ticket")
	assert world.other_order.name not in listed(world, "Sales User", "Sales Order")
	assert api.resource(user, "GET", "Sales Interaction", theirs.name).status_code == 403
	assert api.resource(user, "GET", "Service Ticket", ticket.name).status_code == 403
	for dotted in ("get_customer_file", "get_customer_playbook"):
		response = api.method(
			user,
			"GET",
			f"bizlink.api.customer.{dotted}",
			query_string={"customer": world.other_customer.name},
		)
		assert response.status_code == 403, dotted
	response = api.method(
		user, "GET", "bizlink.api.customer.get_customer_file", query_string={"customer": world.customer.name}
	)
	assert response.status_code == 200
	# logging an interaction against a customer they may not see is refused
	response = api.resource(
		user,
		"POST",
		"Sales Interaction",
		json={**world.payload("Sales Interaction"), "customer": world.other_customer.name},
	)
	assert response.status_code == 403
	assert not frappe.db.exists(
		"Sales Interaction", {"customer": world.other_customer.name, "subject": "REST call"}
	)


@pytest.fixture
def other_company(world):
	"""A second company of the site, made for the test and deleted after it (it has no transactions)."""
	name = "REST Other Company"
	if not frappe.db.exists("Company", name):
		frappe.get_doc(
			{
				"doctype": "Company",
				"company_name": name,
				"abbr": "RESTO",
				"default_currency": frappe.db.get_value("Company", world.order.company, "default_currency"),
				"country": frappe.db.get_value("Company", world.order.company, "country"),
				"create_chart_of_accounts_based_on": "Standard Template",
				"chart_of_accounts": "Standard",
			}
		).insert(ignore_permissions=True)
		frappe.db.commit()
	yield name
	frappe.delete_doc("Company", name, ignore_permissions=True, force=True)
	frappe.db.commit()


def test_user_permission_on_company_hides_the_company_rows(world, other_company):
	"""Users restricted to another company see none of this company's stage logs, jobs or reports rows."""
	made = []
	for role in ("Stock User", "Installation Manager"):
		for company in (other_company, world.order.company):
			made.append(
				frappe.get_doc(
					{
						"doctype": "User Permission",
						"user": world.users[role],
						"allow": "Company",
						"for_value": company,
					}
				).insert(ignore_permissions=True)
			)
	frappe.db.commit()
	try:
		# allowed both companies: the rows show
		assert listed(world, "Stock User", "Order Stage Log", sales_order=world.order.name)
		assert world.job.name in listed(world, "Installation Manager", "Field Visit")
		for permission in made:
			if permission.for_value == world.order.company:
				frappe.delete_doc("User Permission", permission.name, ignore_permissions=True, force=True)
		frappe.db.commit()
		# allowed only the other company: they are gone, and reading one directly is refused
		assert not listed(world, "Stock User", "Order Stage Log", sales_order=world.order.name)
		assert world.job.name not in listed(world, "Installation Manager", "Field Visit")
		response = world.api.resource(
			world.users["Installation Manager"], "GET", "Field Visit", world.job.name
		)
		assert response.status_code == 403
	finally:
		for permission in made:
			if frappe.db.exists("User Permission", permission.name):
				frappe.delete_doc("User Permission", permission.name, ignore_permissions=True, force=True)
		frappe.db.commit()


def test_portal_customer_sees_only_their_own_on_the_portal(world):
	api, user = world.api, world.users["Customer"]
	frappe.set_user("Administrator")
	mine = world.track(
		frappe.get_doc(
			{
				"doctype": "Service Ticket",
				"customer": world.customer.name,
				"subject": 'My boiler <script>alert("x")</script>',
				"description": '<p>Leaks</p><img src=x onerror="alert(1)">',
			}
		).insert()
	)
	theirs = world.track(
		frappe.get_doc(
			{"doctype": "Service Ticket", "customer": world.other_customer.name, "subject": "Their boiler"}
		).insert()
	)
	frappe.db.commit()
	page = api.request(user, "GET", "/service-tickets").get_data(as_text=True)
	assert mine.name in page and theirs.name not in page
	assert api.request(user, "GET", f"/service-tickets/{theirs.name}").status_code in (403, 404)
	detail = api.request(user, "GET", f"/service-tickets/{mine.name}")
	assert detail.status_code == 200
	# what the customer typed is shown, never run
	for html in (page, detail.get_data(as_text=True)):
		assert '<script>alert("x")' not in html and "onerror" not in html
	orders = api.request(user, "GET", "/order-progress").get_data(as_text=True)
	assert world.order.name in orders and world.other_order.name not in orders
	assert api.request(user, "GET", f"/order-progress/{world.other_order.name}").status_code in (403, 404)


def test_support_agent_reads_the_customer_and_picks_the_order(world):
	"""Support roles read (never change) a ticket's customer, and pick its order, delivery and serial
	(select) without reading them."""
	api = world.api
	for role in ("Support Team", "Support Manager"):
		user = world.users[role]
		response = api.method(
			user,
			"GET",
			"frappe.desk.search.search_link",
			query_string={"doctype": "Customer", "txt": "REST Customer A"},
		)
		assert response.status_code == 200
		assert world.customer.name in response.get_data(as_text=True)
		response = api.method(
			user,
			"GET",
			"frappe.client.validate_link",
			# what the ticket form asks when a customer is picked: the name it fetches
			query_string={
				"doctype": "Customer",
				"docname": world.customer.name,
				"fields": '["customer_name"]',
			},
		)
		assert response.status_code == 200, response.get_data(as_text=True)[:300]
		assert response.json["message"]["customer_name"] == world.customer.customer_name
		assert api.resource(user, "GET", "Customer", world.customer.name).status_code == 200
		response = api.method(
			user,
			"GET",
			"frappe.desk.search.search_link",
			query_string={"doctype": "Sales Order", "txt": world.order.name},
		)
		assert response.status_code == 200 and world.order.name in response.get_data(as_text=True)
		assert api.resource(user, "GET", "Sales Order", world.order.name).status_code == 403, role
		response = api.resource(user, "PUT", "Customer", world.customer.name, json={"customer_details": "x"})
		assert response.status_code == 403


def test_guest_gets_nothing(world):
	"""No key at all: every resource and BizLink method answers 403 (the feedback link is signed)."""
	client = world.api.client
	for path in [f"/api/resource/{doctype}" for doctype in DOCTYPES] + [
		f"/api/method/bizlink.api.customer.get_customer_file?customer={world.customer.name}",
		f"/api/method/bizlink.api.fulfilment.get_stage_timeline?sales_order={world.order.name}",
	]:
		result = {}

		def run(path=path):
			with patch("frappe.app.get_site_name", return_value=world.api.site):
				result["response"] = client.get(path)

		thread = threading.Thread(target=run)
		thread.start()
		thread.join()
		assert result["response"].status_code == 403, path


def test_matrix_size():
	"""The closing note quotes these counts."""
	assert len(CASES) == len(MATRIX) * (len(DOCTYPES) - 1) * len(ACTIONS) + len(MATRIX) * len(SINGLE_ACTIONS)
