"""Fill a site with years of history, fast, to measure BizLink at scale (`bench --site SITE bizlink-scale`).

Masters whose logic matters (territories and customer groups are nested sets, items, sales persons)
are made through Frappe's document API, a handful of each. The volumes are then written with
`frappe.db.bulk_insert`, row by row as the documents' controllers would have left them: customers
with their age band and primary address, submitted sales orders with their item, invoices (their
totals only: no ledger entries, which nothing here reads), field visits with their item, the
order stage history, interactions, service tickets with their SLA targets and escalation moments,
as many ERPNext Issues as tickets (the baseline of the list-view benchmark), and the installed base:
serial numbers installed at the customers' sites, a maintenance plan for each unit of an item with
a maintenance interval (their next visits spread over the coming year), and the maintenance and
repair visits of the past years (repairs with a part). The customer
summary fields are then recomputed in SQL, as BizLink's hooks would.

Every name starts with `SC-`; running it again adds nothing that exists (and `--reset` removes it).
"""

import random
import time
from datetime import date, datetime, timedelta

import frappe
from frappe.utils import add_days, add_months, getdate, now_datetime, today

from bizlink.devtools.demo import ensure_tree_record
from bizlink.devtools.factories import get_stores, make_item, make_sales_person
from bizlink.devtools.site import ensure_erpnext_setup, ensure_fiscal_year
from bizlink.overrides.customer import get_age_band

PREFIX = "SC-"
CITIES = (
	"Madrid", "Barcelona", "Valencia", "Sevilla", "Zaragoza", "Málaga", "Murcia", "Palma",
	"Bilbao", "Alicante", "Córdoba", "Valladolid", "Vigo", "Gijón", "Granada", "Elche",
)  # fmt: skip
TERRITORIES = ("Levante", "Centro", "Cataluña", "Andalucía", "Norte", "Islas")
GROUPS = ("Particular", "Pyme", "Gran Cuenta", "Administración", "Instalador")
INTERACTION_TYPES = ("Call", "Visit", "Meeting", "Email", "Demo", "Message")
DEFAULTS = {
	"customers": 100_000,
	"interactions": 1_000_000,
	"tickets": 200_000,
	"orders": 50_000,
	"jobs": 50_000,
	"issues": None,  # as many as tickets
	"serials": 300_000,
	"service_visits": 150_000,  # with the installation jobs: 200k visits
}
# items 1-12 are installed; 1-8 are serviced every year (a plan per unit), with this checklist
MAINTAINED_ITEMS, MAINTENANCE_MONTHS = 8, 12
SCALE_CHECKLIST = (
	"SC-Revisión anual",
	[("Limpieza", 1), ("Presión y fugas", 1), ("Combustión", 1), ("Explicación", 0)],
)
PARTS = 5
# the customer the customer-file benchmark reads: exactly this many interactions
FILE_CUSTOMER, FILE_INTERACTIONS = f"{PREFIX}CUST-0000001", 1_000


def name(kind: str, n: int) -> str:
	return f"{PREFIX}{kind}-{n:07d}"


class Writer:
	"""Bulk inserts in chunks, with the standard columns filled and progress printed."""

	def __init__(self, quiet: bool = False):
		self.now = now_datetime()
		self.user = frappe.session.user
		self.quiet = quiet
		self.made: dict[str, int] = {}

	def insert(self, doctype: str, rows, fields: tuple[str, ...], chunk: int = 5_000) -> int:
		standard = ("creation", "modified", "owner", "modified_by")
		batch, count, started = [], 0, time.monotonic()
		for row in rows:
			created = row[-1]  # every row ends with its creation moment
			batch.append((*row[:-1], created, created, self.user, self.user))
			if len(batch) >= chunk:
				count += self.flush(doctype, fields + standard, batch)
				batch = []
		count += self.flush(doctype, fields + standard, batch)
		self.made[doctype] = self.made.get(doctype, 0) + count
		if not self.quiet:
			print(f"  {doctype}: {count:,} rows in {time.monotonic() - started:.1f} s", flush=True)
		return count

	def flush(self, doctype, fields, batch) -> int:
		if batch:
			frappe.db.bulk_insert(doctype, fields, batch, ignore_duplicates=True, chunk_size=len(batch))
			frappe.db.commit()  # nosemgrep  (a bulk load: one transaction per chunk)
		return len(batch)


def spread(rng: random.Random, start: datetime, end: datetime) -> datetime:
	return start + timedelta(seconds=rng.randint(0, int((end - start).total_seconds())))


def make_scale(
	customers: int = DEFAULTS["customers"],
	interactions: int = DEFAULTS["interactions"],
	tickets: int = DEFAULTS["tickets"],
	orders: int = DEFAULTS["orders"],
	jobs: int = DEFAULTS["jobs"],
	issues: int | None = DEFAULTS["issues"],
	serials: int = DEFAULTS["serials"],
	service_visits: int = DEFAULTS["service_visits"],
	seed: int = 1,
	quiet: bool = False,
) -> dict[str, int]:
	"""Insert the volumes (skipping what a previous run made); return rows made per DocType."""
	company = ensure_erpnext_setup()
	rng = random.Random(seed)
	out = Writer(quiet=quiet)
	masters = make_masters(company)
	jobs = min(jobs, orders)
	issues = tickets if issues is None else issues
	if not frappe.db.exists("Customer", name("CUST", 1)):
		make_customers(out, rng, customers, masters)
	if not frappe.db.exists("Sales Order", name("SO", 1)) and orders:
		make_orders(out, rng, company, orders, customers, jobs, masters)
	if not frappe.db.exists("Sales Interaction", name("SI", 1)) and interactions:
		make_interactions(out, rng, interactions, customers, masters)
	if not frappe.db.exists("Service Ticket", name("ST", 1)) and tickets:
		make_tickets(out, rng, tickets, customers, masters)
	if not frappe.db.exists("Issue", name("ISS", 1)) and issues:
		make_issues(out, rng, issues, customers, company)
	if not frappe.db.exists("Serial No", name("SN", 1)) and serials:
		make_installed_base(out, rng, serials, service_visits, customers, jobs, masters)
	refresh_summaries()
	set_installation_status()
	rebuild_segments(out)
	for doctype in out.made:
		# fresh index statistics after a bulk load
		frappe.db.sql(f"analyze table `tab{doctype}`")  # nosemgrep
	frappe.db.commit()  # nosemgrep
	return out.made


def make_masters(company: str) -> frappe._dict:
	for territory in TERRITORIES:
		ensure_tree_record("Territory", territory, "All Territories", "territory_name")
	for group in GROUPS:
		ensure_tree_record("Customer Group", group, "All Customer Groups", "customer_group_name")
	items = []
	for n in range(1, 21):
		item = make_item(
			f"{PREFIX}ITEM-{n:02d}",
			rate=100 * n,
			item_name=f"Equipo {n:02d}",
			bizlink_requires_installation=int(n <= 12),
			bizlink_installation_hours=2 + n % 4,
		)
		items.append(frappe._dict(code=item.name, name=item.item_name, rate=100 * n))
	from bizlink.devtools.demo import make_checklist_template

	checklist = make_checklist_template(SCALE_CHECKLIST)
	for product in items[:MAINTAINED_ITEMS]:
		frappe.db.set_value(
			"Item",
			product.code,
			{
				"bizlink_maintenance_interval": MAINTENANCE_MONTHS,
				"bizlink_maintenance_checklist": checklist,
				"bizlink_maintenance_hours": 1,
			},
		)
	parts = [
		make_item(f"{PREFIX}PART-{n:02d}", rate=10 * n, item_name=f"Recambio {n:02d}").name
		for n in range(1, PARTS + 1)
	]
	sales_persons = [
		f"{PREFIX}Comercial {n:02d}"
		if frappe.db.exists("Sales Person", f"{PREFIX}Comercial {n:02d}")
		else make_sales_person(f"{PREFIX}Comercial {n:02d}").name
		for n in range(1, 21)
	]
	outcomes = frappe.get_all("Sales Interaction Outcome", fields=["name", "category"])
	ensure_fiscal_year(add_days(today(), -3 * 365))
	frappe.db.commit()  # nosemgrep
	return frappe._dict(
		company=company,
		currency=frappe.get_cached_value("Company", company, "default_currency"),
		warehouse=get_stores(company),
		products=items,
		checklist=checklist,
		parts=parts,
		sales_persons=sales_persons,
		outcomes=outcomes,
		issue_types=frappe.get_all("Issue Type", pluck="name") or [None],
		start=now_datetime() - timedelta(days=3 * 365),
	)


def make_customers(out: Writer, rng: random.Random, count: int, m) -> None:
	born_from, born_to = date(1940, 1, 1), date(2004, 12, 31)

	def customers():
		for n in range(1, count + 1):
			individual = rng.random() < 0.6
			born = (
				born_from + timedelta(days=rng.randint(0, (born_to - born_from).days)) if individual else None
			)
			yield (
				name("CUST", n),
				f"Cliente {n:07d}",
				"Individual" if individual else "Company",
				rng.choice(GROUPS),
				rng.choice(TERRITORIES),
				born,
				get_age_band(born) if born else None,
				name("ADDR", n),
				spread(rng, m.start, now_datetime()),
			)

	fields = (
		"name", "customer_name", "customer_type", "customer_group", "territory",
		"bizlink_date_of_birth", "bizlink_age_band", "customer_primary_address",
	)  # fmt: skip
	out.insert("Customer", customers(), fields)

	def addresses():
		rng_city = random.Random(count)
		for n in range(1, count + 1):
			yield (
				name("ADDR", n),
				f"Cliente {n:07d}",
				"Billing",
				"Calle Mayor 1",
				rng_city.choice(CITIES),
				"Spain",
				1,
				1,
				m.start,
			)

	out.insert(
		"Address",
		addresses(),
		("name", "address_title", "address_type", "address_line1", "city", "country", "is_primary_address", "is_shipping_address"),
	)  # fmt: skip
	out.insert(
		"Dynamic Link",
		((name("ADDRL", n), name("ADDR", n), "Address", "links", 1, "Customer", name("CUST", n), m.start) for n in range(1, count + 1)),
		("name", "parent", "parenttype", "parentfield", "idx", "link_doctype", "link_name"),
	)  # fmt: skip


def make_orders(out: Writer, rng: random.Random, company, count, customers, jobs, m) -> None:
	"""Submitted orders of one item each: half invoiced, jobs on the first `jobs` that need installing."""
	now = now_datetime()
	orders, invoices, stage_logs, job_rows = [], [], [], []
	for n in range(1, count + 1):
		item = rng.choice(m.products)
		qty = rng.randint(1, 4)
		created = spread(rng, m.start, now - timedelta(days=1))
		age = (now - created).days
		delivered = age > 20 and rng.random() < 0.85
		billed = delivered and rng.random() < 0.8
		stage = "Billed" if billed else "Delivered" if delivered else "Ordered"
		orders.append(
			frappe._dict(
				n=n,
				name=name("SO", n),
				customer=name("CUST", rng.randint(1, customers)),
				item=item,
				qty=qty,
				amount=qty * item.rate,
				created=created,
				delivered=delivered,
				billed=billed,
				stage=stage,
			)
		)

	def so_rows():
		for o in orders:
			status = "Completed" if o.billed else "To Bill" if o.delivered else "To Deliver and Bill"
			yield (
				o.name, "SAL-ORD-.YYYY.-", o.customer, f"Cliente {o.customer[-7:]}", "Sales", company,
				o.created.date(), o.created.date() + timedelta(days=14), m.currency, 1, "Standard Selling",
				m.currency, 1, o.qty, o.amount, o.amount, o.amount, o.amount, o.amount, o.amount, o.amount,
				o.amount, 100 if o.delivered else 0, 100 if o.billed else 0, status, 1, o.stage,
				o.created, o.created,
			)  # fmt: skip

	out.insert(
		"Sales Order",
		so_rows(),
		(
			"name", "naming_series", "customer", "customer_name", "order_type", "company",
			"transaction_date", "delivery_date", "currency", "conversion_rate", "selling_price_list",
			"price_list_currency", "plc_conversion_rate", "total_qty", "total", "base_total", "net_total",
			"base_net_total", "grand_total", "base_grand_total", "rounded_total", "base_rounded_total",
			"per_delivered", "per_billed", "status", "docstatus", "bizlink_stage", "bizlink_stage_since",
		),
	)  # fmt: skip
	out.insert(
		"Sales Order Item",
		(
			(
				name("SOI", o.n), o.name, "Sales Order", "items", 1, o.item.code, o.item.name, o.item.name,
				"Nos", "Nos", 1, o.qty, o.qty, o.item.rate, o.amount, o.item.rate, o.amount, o.item.rate,
				o.amount, o.created.date() + timedelta(days=14), m.warehouse,
				o.qty if o.delivered else 0, o.amount if o.billed else 0, 1, o.created,
			)
			for o in orders
		),
		(
			"name", "parent", "parenttype", "parentfield", "idx", "item_code", "item_name", "description",
			"uom", "stock_uom", "conversion_factor", "qty", "stock_qty", "rate", "amount", "base_rate",
			"base_amount", "net_rate", "net_amount", "delivery_date", "warehouse", "delivered_qty",
			"billed_amt", "docstatus",
		),
	)  # fmt: skip
	for o in orders:
		if o.billed:
			invoices.append(o)
		stage_logs.append((o, "Ordered", o.created, "Delivered" if o.delivered else None))
		if o.delivered:
			delivered_on = o.created + timedelta(days=rng.randint(3, 20))
			stage_logs.append((o, "Delivered", delivered_on, "Billed" if o.billed else None))
			if o.billed:
				stage_logs.append((o, "Billed", delivered_on + timedelta(days=rng.randint(0, 10)), None))
	out.insert(
		"Sales Invoice",
		(
			(
				name("SINV", o.n), "ACC-SINV-.YYYY.-", o.customer, company,
				(o.created + timedelta(days=21)).date(), m.currency, 1, o.amount, o.amount, o.amount,
				o.amount, "Paid", 1, o.created + timedelta(days=21),
			)
			for o in invoices
		),
		(
			"name", "naming_series", "customer", "company", "posting_date", "currency", "conversion_rate",
			"net_total", "base_net_total", "grand_total", "base_grand_total", "status", "docstatus",
		),
	)  # fmt: skip

	def log_rows():
		for i, (o, stage, entered, next_stage) in enumerate(stage_logs, 1):
			left = None
			if next_stage:
				left = next(row[2] for row in stage_logs_of[o.n] if row[1] == next_stage)
			hours = (left - entered).total_seconds() / 3600 if left else 0
			yield (
				name("OSL", i), o.name, stage, next_stage, entered, left, hours, company, o.customer,
				entered,
			)  # fmt: skip

	stage_logs_of: dict[int, list] = {}
	for row in stage_logs:
		stage_logs_of.setdefault(row[0].n, []).append(row)
	out.insert(
		"Order Stage Log",
		log_rows(),
		("name", "sales_order", "stage", "next_stage", "entered_on", "left_on", "duration_hours", "company", "customer"),
	)  # fmt: skip

	statuses = ("To Schedule", "Scheduled", "In Progress", "On Hold", "Completed")
	for o in orders[:jobs]:
		status = "Completed" if o.delivered and rng.random() < 0.7 else rng.choice(statuses[:4])
		start = o.created + timedelta(days=rng.randint(5, 30)) if status != "To Schedule" else None
		job_rows.append((o, status, start))
	out.insert(
		"Field Visit",
		(
			(
				name("FV", o.n), "FV-.YYYY.-", o.name, o.customer, f"Cliente {o.customer[-7:]}", company,
				status, start, start + timedelta(hours=4) if start else None,
				1 if status == "Completed" else 0, o.created,
			)
			for o, status, start in job_rows
		),
		(
			"name", "naming_series", "sales_order", "customer", "customer_name", "company", "status",
			"scheduled_start", "scheduled_end", "docstatus",
		),
	)  # fmt: skip
	out.insert(
		"Field Visit Item",
		(
			(
				name("FVI", o.n), name("FV", o.n), "Field Visit", "items", 1, o.item.code, o.item.name,
				o.qty, o.qty if status == "Completed" else 0, name("SOI", o.n), 1 if status == "Completed" else 0,
				o.created,
			)
			for o, status, _start in job_rows
		),
		(
			"name", "parent", "parenttype", "parentfield", "idx", "item_code", "item_name", "qty",
			"installed_qty", "so_detail", "docstatus",
		),
	)  # fmt: skip


def make_interactions(out: Writer, rng: random.Random, count: int, customers: int, m) -> None:
	now = now_datetime()

	def rows():
		for n in range(1, count + 1):
			customer = FILE_CUSTOMER if n <= FILE_INTERACTIONS else name("CUST", rng.randint(2, customers))
			when = spread(rng, m.start, now)
			outcome = rng.choice(m.outcomes)
			open_follow_up = rng.random() < 0.05
			next_date = (when + timedelta(days=rng.randint(1, 30))).date() if open_follow_up else None
			yield (
				name("SI", n), "SI-.YYYY.-", customer, f"Cliente {customer[-7:]}", rng.choice(INTERACTION_TYPES),
				rng.choice(("Outbound", "Inbound")), when, rng.randint(5, 90), rng.choice(m.sales_persons),
				f"Seguimiento {n}", outcome.name, outcome.category, "Llamar de nuevo" if open_follow_up else None,
				next_date, "Open" if open_follow_up else "", when,
			)  # fmt: skip

	out.insert(
		"Sales Interaction",
		rows(),
		(
			"name", "naming_series", "customer", "customer_name", "interaction_type", "direction",
			"interaction_date", "duration", "sales_person", "subject", "outcome", "outcome_category",
			"next_action", "next_action_date", "follow_up_status",
		),
	)  # fmt: skip


def make_tickets(out: Writer, rng: random.Random, count: int, customers: int, m) -> None:
	"""Half open, with SLA targets ahead (a few hundred coming due), half resolved or closed."""
	now = now_datetime()

	def rows():
		for n in range(1, count + 1):
			is_open = n % 2 == 0
			created = spread(rng, now - timedelta(days=10), now) if is_open else spread(rng, m.start, now)
			resolution_by = created + timedelta(hours=rng.choice((24, 72, 168, 720)))
			if is_open and rng.random() < 0.995:
				resolution_by = max(resolution_by, now + timedelta(hours=rng.randint(2, 720)))
			escalate_at = created + (resolution_by - created) * 0.75 if is_open else None
			resolved = None if is_open else created + timedelta(hours=rng.randint(1, 200))
			status = rng.choice(("Open", "In Progress")) if is_open else rng.choice(("Resolved", "Closed"))
			rated = not is_open and rng.random() < 0.3
			yield (
				name("ST", n), "ST-.YYYY.-", f"Avería {n}", name("CUST", rng.randint(1, customers)), status,
				rng.choice(("Phone", "Email", "Portal", "Visit", "Chat")), rng.choice(m.issue_types),
				rng.choice(("Low", "Medium", "High")), resolution_by, created + timedelta(hours=4),
				escalate_at, "", "Ongoing" if is_open else "Fulfilled", resolved,
				"Sustituida la pieza" if resolved else None, rng.randint(1, 5) / 5 if rated else 0,
				resolved if rated else None, created,
			)  # fmt: skip

	out.insert(
		"Service Ticket",
		rows(),
		(
			"name", "naming_series", "subject", "customer", "status", "channel", "ticket_type", "priority",
			"sla_resolution_by", "response_by", "escalate_at", "escalation_level", "agreement_status",
			"resolved_on", "resolution_details", "rating", "rated_on",
		),
	)  # fmt: skip


def make_issues(out: Writer, rng: random.Random, count: int, customers: int, company: str) -> None:
	now = now_datetime()

	def rows():
		for n in range(1, count + 1):
			is_open = n % 2 == 0
			created = spread(rng, now - timedelta(days=3 * 365), now)
			yield (
				name("ISS", n), "ISS-.YYYY.-", f"Avería {n}", name("CUST", rng.randint(1, customers)),
				"Open" if is_open else "Closed", rng.choice(("Low", "Medium", "High")), created.date(),
				created.time(), company, created,
			)  # fmt: skip

	out.insert(
		"Issue",
		rows(),
		("name", "naming_series", "subject", "customer", "status", "priority", "opening_date", "opening_time", "company"),
	)  # fmt: skip


def make_installed_base(out: Writer, rng: random.Random, count, visits, customers, jobs, m) -> None:
	"""`count` serial numbers installed at their customer's address by one of the first `jobs`
	installation visits; a plan per unit of a maintained item, due on a day of the coming year (none
	with a visit made yet); `visits` completed maintenance and repair visits of the past years."""
	from bizlink.field_service.maintenance import settings

	now, day = now_datetime(), getdate(today())
	lead = settings().lead_days
	installed = m.products[:12]
	units = []
	for n in range(1, count + 1):
		product = rng.choice(installed)
		customer = rng.randint(1, customers)
		on = (m.start + timedelta(days=rng.randint(0, 3 * 365 - 30))).date()
		amc = on + timedelta(days=3 * 365) if rng.random() < 0.2 else None
		units.append((n, product, customer, on, on + timedelta(days=2 * 365), amc))

	out.insert(
		"Serial No",
		(
			(
				name("SN", n), name("SN", n), product.code, product.name, m.company, "Delivered",
				name("CUST", customer), warranty, amc, name("ADDR", customer), on,
				name("FV", rng.randint(1, max(1, jobs))), "Técnico SC", on,
			)
			for n, product, customer, on, warranty, amc in units
		),
		(
			"name", "serial_no", "item_code", "item_name", "company", "status", "customer",
			"warranty_expiry_date", "amc_expiry_date", "bizlink_site_address", "bizlink_installed_on",
			"bizlink_installation_visit", "bizlink_installed_by",
		),
	)  # fmt: skip
	maintained = {product.code for product in m.products[:MAINTAINED_ITEMS]}
	plans = [unit for unit in units if unit[1].code in maintained]

	def plan_rows():
		for n, product, customer, on, _warranty, _amc in plans:
			due = day + timedelta(days=lead + rng.randint(0, 364))  # its visit made on one of 365 days
			yield (
				name("MP", n), "MP-.YYYY.-", name("CUST", customer), f"Cliente {customer:07d}", name("SN", n),
				product.code, name("ADDR", customer), m.company, "Active", MAINTENANCE_MONTHS, m.checklist, 1,
				on, add_months(due, -MAINTENANCE_MONTHS), due, due - timedelta(days=lead), on,
			)  # fmt: skip

	out.insert(
		"Maintenance Plan",
		plan_rows(),
		(
			"name", "naming_series", "customer", "customer_name", "serial_no", "item_code", "address",
			"company", "status", "interval_months", "checklist_template", "visit_hours", "start_date",
			"last_done_date", "next_due_date", "visit_on",
		),
	)  # fmt: skip

	visit_rows, part_rows = [], []
	for k in range(1, visits + 1):
		n, product, customer, on, warranty, amc = rng.choice(units)
		repair = rng.random() < 0.3 or product.code not in maintained
		done = datetime.combine(on, datetime.min.time()) + timedelta(days=rng.randint(30, 900), hours=9)
		if done >= now:
			done = now - timedelta(days=rng.randint(1, 30))
		covered = done.date() <= warranty or bool(amc and done.date() <= amc)
		coverage = "Under Warranty" if done.date() <= warranty else "Under AMC" if covered else "Not Covered"
		visit = name("FV", jobs + k)
		plan = None if repair else name("MP", n)
		end = done + timedelta(hours=1)
		row = (
			visit, "FV-.YYYY.-", "Repair" if repair else "Maintenance", name("CUST", customer),
			f"Cliente {customer:07d}", m.company, "Completed", name("ADDR", customer), name("SN", n),
			product.code, plan, done.date(), coverage, int(not covered), done, end, done, end, 1, 1, done,
		)  # fmt: skip
		visit_rows.append(row)
		if repair:
			part = rng.choice(m.parts)
			rate = 10 * int(part[-2:])
			part_rows.append(
				(name("FVP", k), visit, "Field Visit", "parts", 1, part, part, 1, "Nos", rate, rate, 1, done)
			)
	out.insert(
		"Field Visit",
		visit_rows,
		(
			"name", "naming_series", "visit_type", "customer", "customer_name", "company", "status",
			"address", "serial_no", "item_code", "maintenance_plan", "due_date", "coverage", "billable",
			"scheduled_start", "scheduled_end", "actual_start", "actual_end", "labour_hours", "docstatus",
		),
	)  # fmt: skip
	out.insert(
		"Field Visit Part",
		part_rows,
		(
			"name", "parent", "parenttype", "parentfield", "idx", "item_code", "item_name", "qty", "uom",
			"valuation_rate", "cost", "docstatus",
		),
	)  # fmt: skip


def set_installation_status() -> None:
	"""The orders' installation status and percentage as the after-submit job leaves them
	(installation.update_sales_order_installation), in SQL: an order without one is what the hourly
	reconciliation takes for a lost job, and would redo. The generator's orders are of one item, and a
	completed job installs all of it."""
	frappe.db.sql(  # nosemgrep
		"""
		update `tabSales Order` so
		join `tabSales Order Item` soi on soi.parent = so.name and soi.parenttype = 'Sales Order'
		join `tabItem` i on i.name = soi.item_code
		set so.bizlink_installation_status = case
				when not i.bizlink_requires_installation then 'Not Applicable'
				when exists (select 1 from `tabField Visit` v where v.sales_order = so.name
					and v.visit_type = 'Installation' and v.status = 'Completed') then 'Installed'
				else 'To Install' end,
			so.bizlink_per_installed = if(i.bizlink_requires_installation and exists (
				select 1 from `tabField Visit` v where v.sales_order = so.name
				and v.visit_type = 'Installation' and v.status = 'Completed'), 100, 0)
		where so.name like %(prefix)s and so.docstatus = 1""",
		{"prefix": f"{PREFIX}%"},
	)


def refresh_summaries() -> None:
	"""The Customer summary fields BizLink's hooks keep, recomputed for the generated customers in SQL."""
	# one UPDATE ... JOIN instead of 100k controller saves
	frappe.db.sql(  # nosemgrep
		"""
		update `tabCustomer` c
		join (
			select customer, count(*) n, max(interaction_date) last_at,
				min(case when follow_up_status = 'Open' then next_action_date end) next_at
			from `tabSales Interaction` where customer like %(prefix)s group by customer
		) s on s.customer = c.name
		set c.bizlink_interaction_count = s.n, c.bizlink_last_interaction = s.last_at,
			c.bizlink_next_follow_up = s.next_at
		""",
		{"prefix": f"{PREFIX}%"},
	)
	frappe.db.commit()  # nosemgrep


def rebuild_segments(out: Writer | None = None) -> None:
	"""The market segments rollup from what was loaded (bulk inserts run no hooks)."""
	from bizlink.market_analysis.segments import rebuild

	start = time.perf_counter()
	rows = rebuild(truncate=True)
	frappe.db.commit()  # nosemgrep
	if out and not out.quiet:
		print(f"  Segment Activity: {sum(rows.values()):,} rows in {time.perf_counter() - start:.1f} s")


def reset_scale() -> None:
	"""Remove every row the generator made (names starting with SC-)."""
	for doctype in (
		"Sales Interaction", "Service Ticket", "Issue", "Field Visit Part", "Field Visit Item",
		"Field Visit Checklist Item", "BizLink Status Log", "Field Visit", "Maintenance Plan", "Serial No",
		"Order Stage Log", "Sales Invoice", "Sales Order Item", "Sales Order", "Dynamic Link", "Address",
		"Customer",
	):  # fmt: skip
		frappe.db.delete(doctype, {"name": ("like", f"{PREFIX}%")})
		frappe.db.commit()  # nosemgrep
	rebuild_segments()
