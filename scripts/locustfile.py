"""What each simulated desk user does, for Locust (run by `scripts/load-test`, never imported by the app).

LOAD_CONFIG: the JSON `prepare.run` wrote. LOAD_MIX: `bizlink` (BizLink's documents and pages) or
`baseline` (the same users doing the same work with ERPNext's own Issue, Customer form, Sales Order
and reports). LOAD_RECORD: where the names of what the users made are written (JSON lines), for
`check.run` to find them in the database.

Each user logs in with their own API key. A request's name is its kind of work ("ticket: create"),
the same in both mixes where the work is comparable (`COMPARABLE` in scripts/load-test).
"""

import itertools
import json
import os
import random
import threading
import time
import uuid
from datetime import datetime, timedelta

from locust import HttpUser, between, events, task

CONFIG = json.load(open(os.environ["LOAD_CONFIG"]))
MIX = os.environ.get("LOAD_MIX", "bizlink")
BASELINE = MIX == "baseline"
RECORD = os.environ.get("LOAD_RECORD")
ERRORS = os.environ.get("LOAD_ERRORS")
TIMES = os.environ.get("LOAD_TIMES")
made: list[dict] = []
failed: list[dict] = []
times: dict[str, list[float]] = {}
lock = threading.Lock()
bookings = itertools.count()
# the jobs a simulated dispatcher is booking this moment: the others leave them alone, as dispatchers
# who see one board (it refreshes as jobs are booked) do; two dropping the same job at the same moment
# is tested apart (tests/test_dispatch_race.py: the second is told it was just booked, a 417)
being_booked: set[str] = set()
portal_accounts = itertools.cycle(enumerate(CONFIG["portal"]))


def remember(kind: str, name: str, **extra) -> None:
	with lock:
		made.append({"kind": kind, "name": name, **extra})


@events.request.add_listener
def note_request(request_type, name, response_time, response_length, exception=None, **kwargs):
	"""When and what each failed request was (what users saw during a fault), and how long each
	answered one took."""
	if exception:
		failed.append({"at": time.time(), "name": name, "error": str(exception)[:200]})
	else:  # every answered request's time, for a percentile over several kinds of request
		times.setdefault(name, []).append(response_time)


@events.test_stop.add_listener
def write_record(**kwargs):
	for path, rows in ((RECORD, made), (ERRORS, failed)):
		if path:
			with open(path, "a") as f:
				for row in rows:
					f.write(json.dumps(row) + "\n")
		rows.clear()
	if TIMES:
		with open(TIMES, "w") as f:
			json.dump({name: [round(ms) for ms in values] for name, values in times.items()}, f)
		times.clear()


def now() -> str:
	return datetime.now().strftime("%Y-%m-%d %H:%M:%S")


class DeskUser(HttpUser):
	abstract = True
	role = ""
	wait_time = between(2, 6)  # a person reads and types between requests

	def on_start(self):
		role = self.role
		if BASELINE and role == "dispatcher":
			role = "orders"  # ERPNext has no board: who arranges installations reads the orders
		account = CONFIG["users"][role] if role != "portal" else random.choice(CONFIG["portal"])
		self.account = account
		self.client.headers.update(
			{
				"Authorization": f"token {account['key']}:{account['secret']}",
				"Accept": "application/json",
				"X-Frappe-Site-Name": CONFIG["site"],
			}
		)

	def call(self, name: str, method: str, path: str, **kwargs):
		"""A request counted under `name`; a Frappe error body fails it even with a 2xx."""
		with self.client.request(method, path, name=name, catch_response=True, **kwargs) as response:
			if response.status_code >= 400:
				response.failure(f"{response.status_code} {error_of(response)}")
				return None
			try:
				data = response.json()
			except ValueError:
				response.failure("not JSON")
				return None
			response.success()
			return data

	def insert(self, name: str, doc: dict):
		data = self.call(name, "POST", f"/api/resource/{doc['doctype']}", json=doc)
		return data and data.get("data")

	def customer(self) -> str:
		return random.choice(CONFIG["customers"])


def error_of(response) -> str:
	"""The exception a Frappe error response names (DeadlockError, TimestampMismatchError...)."""
	try:
		data = response.json()
	except ValueError:
		return response.text[:120]
	return str(data.get("exc_type") or data.get("exception") or data.get("_server_messages") or "")[:160]


class SalesPerson(DeskUser):
	"""Logs the calls and visits they make, and opens the customer's file before each."""

	role = "sales"
	weight = 3

	@task(2)
	def open_customer_file(self):
		customer = self.customer()
		if BASELINE:
			self.call(
				"customer: open file",
				"GET",
				"/api/method/frappe.desk.form.load.getdoc",
				params={"doctype": "Customer", "name": customer},
			)
		else:
			self.call(
				"customer: open file",
				"GET",
				"/api/method/bizlink.api.customer.get_customer_file",
				params={"customer": customer},
			)

	@task(3)
	def log_interaction(self):
		customer = self.customer()
		if BASELINE:  # ERPNext keeps a call as a comment on the customer's timeline
			data = self.call(
				"interaction: log",
				"POST",
				"/api/method/frappe.desk.form.utils.add_comment",
				json={
					"reference_doctype": "Customer",
					"reference_name": customer,
					"content": "Llamada: interesado en la oferta",
					"comment_email": self.account["user"],
					"comment_by": "Load",
				},
			)
			if data:
				remember("comment", data["message"]["name"])
			return
		doc = self.insert(
			"interaction: log",
			{
				"doctype": "Sales Interaction",
				"customer": customer,
				"interaction_type": random.choice(["Call", "Visit", "Email", "Meeting"]),
				"interaction_date": now(),
				"subject": "Seguimiento de la oferta",
				"notes": "Interesado; pide presupuesto de instalación",
				"next_action": "Enviar presupuesto" if random.random() < 0.3 else None,
				"next_action_date": (datetime.now() + timedelta(days=3)).strftime("%Y-%m-%d"),
			},
		)
		if doc:
			remember("interaction", doc["name"], customer=customer)


class OrderDesk(DeskUser):
	"""Enters and submits Sales Orders for installable products (BizLink queues their jobs and stages)."""

	role = "orders"
	weight = 1

	@task
	def submit_order(self):
		customer = self.customer()
		delivery = (datetime.now() + timedelta(days=14)).strftime("%Y-%m-%d")
		doc = self.insert(
			"order: submit",
			{
				"doctype": "Sales Order",
				"customer": customer,
				"company": CONFIG["company"],
				"transaction_date": datetime.now().strftime("%Y-%m-%d"),
				"delivery_date": delivery,
				"order_type": "Sales",
				"docstatus": 1,
				"items": [
					{
						"item_code": random.choice(CONFIG["items"]),
						"qty": random.randint(1, 3),
						"rate": 1200,
						"delivery_date": delivery,
						"warehouse": CONFIG["warehouse"],
					}
				],
			},
		)
		if doc:
			remember("order", doc["name"], customer=customer)


class Agent(DeskUser):
	"""Records tickets as customers call, replies to them and resolves them."""

	role = "agent"
	weight = 3

	def on_start(self):
		super().on_start()
		self.open: list[str] = []

	@task(3)
	def create(self):
		doctype = "Issue" if BASELINE else "Service Ticket"
		doc = {
			"doctype": doctype,
			"subject": "La caldera pierde presión",
			"description": "El cliente indica que la caldera pierde presión cada mañana.",
			"customer": self.customer(),
		}
		data = self.insert("ticket: create", doc)
		if data:
			self.open.append(data["name"])
			remember("issue" if BASELINE else "ticket", data["name"])

	@task(2)
	def reply(self):
		if not self.open:
			return
		self.call(
			"ticket: reply",
			"POST",
			"/api/method/frappe.core.doctype.communication.email.make",
			json={
				"doctype": "Issue" if BASELINE else "Service Ticket",
				"name": random.choice(self.open),
				"content": "Buenos días: un técnico revisará la presión del circuito.",
				"subject": "Su incidencia",
				"recipients": "cliente@example.com",
				"send_email": 0,
			},
		)

	@task(2)
	def resolve(self):
		if not self.open:
			return
		name = self.open.pop(0)
		doctype = "Issue" if BASELINE else "Service Ticket"
		# both Issue and Service Ticket keep what was done in resolution_details
		values = {"status": "Resolved", "resolution_details": "Purgado el circuito; presión a 1,5 bar."}
		self.call("ticket: resolve", "PUT", f"/api/resource/{doctype}/{name}", json=values)


class Manager(DeskUser):
	"""Looks at where sales grow and how long orders take."""

	role = "manager"
	weight = 1

	def report(self, name: str, report: str, filters: dict):
		self.call(
			name,
			"POST",
			"/api/method/frappe.desk.query_report.run",
			json={"report_name": report, "filters": filters, "ignore_prepared_report": True},
		)

	@task(2)
	def segments(self):
		if BASELINE:
			today = datetime.now()
			self.report(
				"report: segments",
				"Sales Analytics",
				{
					"tree_type": "Customer Group",
					"doc_type": "Sales Invoice",
					"value_quantity": "Value",
					"from_date": (today - timedelta(days=365)).strftime("%Y-%m-%d"),
					"to_date": today.strftime("%Y-%m-%d"),
					"company": CONFIG["company"],
					"range": "Monthly",
				},
			)
		else:
			self.report("report: segments", "Market Segments", {"dimensions": ["City"]})

	@task(1)
	def drill_down(self):
		if BASELINE:
			return
		self.report(
			"report: segment customers",
			"Market Segments",
			{"dimensions": ["City"], "view": "Customers", "city": random.choice(CONFIG["cities"])},
		)

	@task(1)
	def cycle_time(self):
		if BASELINE:
			self.report(
				"report: cycle time",
				"Sales Order Analysis",
				{
					"company": CONFIG["company"],
					"from_date": (datetime.now() - timedelta(days=90)).strftime("%Y-%m-%d"),
					"to_date": datetime.now().strftime("%Y-%m-%d"),
				},
			)
		else:
			self.report("report: cycle time", "Order Fulfilment Cycle Time", {})


class Dispatcher(DeskUser):
	"""Opens the board and books the new installation jobs onto technicians (ERPNext: the order)."""

	role = "dispatcher"
	weight = 1

	@task(2)
	def board(self):
		if BASELINE:
			self.call(
				"dispatch: board",
				"GET",
				"/api/resource/Sales Order",
				params={"filters": json.dumps([["docstatus", "=", 1]]), "limit_page_length": 50},
			)
			return
		self.call(
			"dispatch: board",
			"GET",
			"/api/method/bizlink.api.dispatch.get_board",
			params={"start": datetime.now().strftime("%Y-%m-%d"), "days": 7},
		)

	@task(1)
	def book(self):
		if BASELINE:
			return
		open_jobs = self.call(
			"dispatch: open jobs",
			"GET",
			"/api/resource/Field Visit",
			params={
				"filters": json.dumps([["status", "=", "To Schedule"], ["owner", "like", "load-%"]]),
				"fields": json.dumps(["name"]),
				"limit_page_length": 20,
				"order_by": "creation desc",
			},
		)
		free = [row["name"] for row in (open_jobs or {}).get("data") or [] if row["name"] not in being_booked]
		if not free:
			return
		visit = random.choice(free)
		being_booked.add(visit)
		n = next(bookings)
		technicians = CONFIG["technicians"]
		# a slot nobody else takes: technician n % T on day n // T, after any earlier run's
		start = datetime.now().replace(hour=9, minute=0, second=0) + timedelta(
			days=int(os.environ.get("LOAD_BOOK_FROM_DAY", CONFIG["book_from_day"])) + n // len(technicians)
		)
		try:
			data = self.call(
				"dispatch: book",
				"POST",
				"/api/method/bizlink.api.dispatch.book",
				json={
					"visit": visit,
					"technicians": [technicians[n % len(technicians)]],
					"start": start.strftime("%Y-%m-%d %H:%M:%S"),
				},
			)
		finally:
			being_booked.discard(visit)
		if data:
			remember("booking", visit)


class PortalCustomer(DeskUser):
	"""Customers filing a request from the portal (ERPNext: an Issue), each from their own address: a
	simulated user files every minute or so, as the next of the portal accounts (a real customer files
	a few a month; BizLink allows 20 an hour per user and per address)."""

	role = "portal"
	weight = 1
	wait_time = between(30, 90)

	def on_start(self):
		pass  # an account per request (`file_request`)

	@task
	def file_request(self):
		n, account = next(portal_accounts)
		self.client.headers.update(
			{
				"Authorization": f"token {account['key']}:{account['secret']}",
				"Accept": "application/json",
				"X-Frappe-Site-Name": CONFIG["site"],
				"X-Forwarded-For": f"10.0.{n // 250}.{n % 250 + 1}",
			}
		)
		self.account = account
		key = uuid.uuid4().hex
		if BASELINE:  # ERPNext's own portal form for issues
			data = self.call(
				"portal: file request",
				"POST",
				"/api/method/frappe.website.doctype.web_form.web_form.accept",
				json={
					"web_form": "issues",
					"data": json.dumps(
						{
							"doctype": "Issue",
							"subject": "No enciende el equipo",
							"description": "Desde ayer no enciende.",
						}
					),
				},
			)
			if data:
				remember("issue", data["message"]["name"])
			return
		data = self.call(
			"portal: file request",
			"POST",
			"/api/method/bizlink.api.service_ticket.create_portal_ticket",
			json={
				"subject": "No enciende el equipo",
				"description": "Desde ayer no enciende.",
				"request_key": key,
			},
		)
		if data:
			remember("ticket", data["message"], customer=self.account["customer"])
