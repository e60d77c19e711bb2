"""Invariants under random histories: whatever users do, in whatever order, BizLink's own figures equal
what the documents say.

Hypothesis draws sequences of what users do — orders created, submitted, cancelled, amended and edited
with Update Items; deliveries split over several notes, some in a unit of 2 stock units; installations
of what was delivered; invoices and payments; interactions with and without a follow-up, moved between
customers, cleared, deleted; tickets opened, resolved, rated, reopened; customers changing group,
territory, birthday and address (added from the address form, its city changed); an order whose queued
work is lost and the reconciliation that repairs it — and after every step checks:

- the market segments rollup equals, row by row (segment, company, day / month / now), the
  aggregate of the documents, computed here in Python from the documents themselves;
- each submitted order's stage is the furthest milestone its documents reach, its stage log has one
  open row (that stage) and no gaps, and its % Installed is what its completed jobs installed over
  what it asks to install;
- each order needing installation has exactly one open job, whose rows ask for what the order asks
  (in stock units), and nothing is installed beyond what was delivered;
- a user can always install what was delivered and not yet installed.

Each example runs in a savepoint rolled back at its end. BIZLINK_PROPERTY_EXAMPLES sets the number
of examples (CI: 12; `BIZLINK_PROPERTY_EXAMPLES=200 bash scripts/test tests/test_properties.py` for a
longer search); a failure prints the shortest history hypothesis found.
"""

import os
from collections import defaultdict
from itertools import pairwise

import frappe
import pytest
from erpnext import get_default_company
from frappe.query_builder.functions import Sum
from frappe.utils import (
	add_days,
	add_to_date,
	flt,
	get_datetime,
	get_first_day,
	getdate,
	random_string,
	today,
)
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st
from test_field_visit import SIGNATURE

from bizlink.devtools.factories import (
	get_stores,
	make_customer,
	make_item,
	make_payment,
	make_sales_invoice,
	make_user,
	receive_stock,
)

EXAMPLES = int(os.environ.get("BIZLINK_PROPERTY_EXAMPLES", "12"))
MAX_STEPS = int(os.environ.get("BIZLINK_PROPERTY_STEPS", "14"))
CITIES = ("Valencia", "L'Hospitalet", "Bilbao")
RESOLVED = ("Resolved", "Closed")
STAGES = ("Ordered", "In Production", "Ready to Ship", "Delivered", "Installed", "Billed", "Completed")

idx = st.integers(min_value=0, max_value=7)  # which of the example's documents (modulo how many)
ORDER = st.tuples(st.just("order"), idx, st.integers(1, 4), st.booleans(), st.booleans(), st.integers(0, 40))


def step(name: str, *arguments):
	return name, st.tuples(st.just(name), *arguments)


# (weight, kinds of step): a kind is drawn with its group's weight shared among the group
GROUPS = (
	(2, [step("order", idx, st.integers(1, 4), st.booleans(), st.booleans(), st.integers(0, 40))]),
	(4, [step("deliver", idx, st.integers(1, 3))]),
	(4, [step("install", idx)]),
	(2, [step("update_items", idx, st.integers(1, 6))]),
	(2, [step("interaction", idx, st.booleans(), st.integers(0, 60))]),
	(2, [step("invoice", idx), step("pay", idx)]),
	(1, [step("cancel_order", idx), step("amend", idx), step("cancel_delivery", idx)]),
	(
		1,
		[
			step("move_interaction", idx, idx),
			step("clear_follow_up", idx),
			step("delete_interaction", idx),
		],
	),
	(
		1,
		[
			step("ticket", idx),
			step("resolve", idx),
			step("rate", idx, st.integers(1, 5)),
			step("reopen", idx),
		],
	),
	(
		1,
		[
			step("group", idx, st.integers(0, 1)),
			step("territory", idx, st.integers(0, 1)),
			step("birthday", idx, st.integers(18, 80)),
			step("address", idx, st.integers(0, 2), st.booleans()),
			step("city", idx, st.integers(0, 2)),
		],
	),
	(1, [step("lost_queue", idx, st.integers(1, 3)), step("reconcile")]),
)
# BIZLINK_PROPERTY_SKIP=update_items,install leaves kinds of step out (to look for another bug first)
SKIP = set(filter(None, os.environ.get("BIZLINK_PROPERTY_SKIP", "").split(",")))
STEP = st.one_of(
	*(
		st.one_of(*kept)
		for weight, kinds in GROUPS
		if (kept := [strategy for name, strategy in kinds if name not in SKIP])
		for _ in range(weight)
	)
)


@pytest.fixture
def world():
	"""What every example shares (rolled back after the test): two items to install, one sold in a
	Box of 2 stock units, one item that needs no installation, stock of each, and a technician."""
	company = get_default_company()
	warehouse = get_stores(company)
	boiler = make_item(rate=900, bizlink_requires_installation=1, bizlink_installation_hours=1)
	panel = make_item(
		rate=300,
		bizlink_requires_installation=1,
		bizlink_installation_hours=1,
		uoms=[{"uom": "Nos", "conversion_factor": 1}, {"uom": "Box", "conversion_factor": 2}],
	)
	cable = make_item(rate=10)
	for item in (boiler, panel, cable):
		receive_stock(item.name, 10_000, warehouse=warehouse)
	return frappe._dict(
		company=company,
		warehouse=warehouse,
		boiler=boiler.name,
		panel=panel.name,
		cable=cable.name,
		technician=make_user(roles=["Installation Technician"]).name,
	)


@settings(
	max_examples=EXAMPLES,
	deadline=None,
	database=None,  # examples are drawn afresh each run; a failure prints its history
	phases=(Phase.generate, Phase.shrink),
	suppress_health_check=[
		HealthCheck.function_scoped_fixture,
		HealthCheck.too_slow,
		HealthCheck.data_too_large,
	],
)
@given(
	first=ORDER,
	delivery=st.tuples(st.just("deliver"), st.just(0), st.integers(1, 3)),
	steps=st.lists(STEP, min_size=5, max_size=MAX_STEPS),
)
def test_figures_equal_the_documents_after_any_history(world, first, delivery, steps):
	"""A history begins with an order and a delivery of part of it and ends with the crew installing
	what was delivered: every example exercises deliveries and installation."""
	frappe.db.savepoint("example")
	try:
		skipped = {"deliver", "install"} & SKIP
		begin = [first] if "deliver" in skipped else [first, delivery]
		end = [] if "install" in skipped else [("install", 0)]
		History(world).run([*begin, *steps, *end])
	finally:
		frappe.db.rollback(save_point="example")
		frappe.local.message_log = []


class Refused(Exception):
	"""A step a user may try and the system refuses (ERPNext's or BizLink's own rule): nothing written."""


class History:
	def __init__(self, world):
		self.world = world
		suffix = random_string(6)
		self.territories = [self.make_tree("Territory", f"PT{i} {suffix}") for i in (0, 1)]
		self.groups = [self.make_tree("Customer Group", f"PG{i} {suffix}") for i in (0, 1)]
		self.customers = [
			make_customer(
				f"P{i} {suffix}",
				customer_type="Individual",
				customer_group=self.groups[0],
				territory=self.territories[0],
				city=CITIES[i],
			).name
			for i in (0, 1)
		]
		self.orders, self.deliveries, self.invoices = [], [], []
		self.interactions, self.tickets, self.addresses = [], [], []
		self.pending = set()  # orders whose queued work was lost, until the reconciliation runs
		self.slot = 0

	@staticmethod
	def make_tree(doctype: str, name: str) -> str:
		field = "territory" if doctype == "Territory" else "customer_group"
		parent = "All Territories" if doctype == "Territory" else "All Customer Groups"
		return (
			frappe.get_doc({"doctype": doctype, f"{field}_name": name, f"parent_{field}": parent})
			.insert()
			.name
		)

	def run(self, steps):
		self.check()
		for number, step in enumerate(steps):
			frappe.db.savepoint("step")
			try:
				getattr(self, step[0])(*step[1:])
				event(f"{step[0]}: done")
			except (Refused, frappe.ValidationError) as refused:
				event(f"{step[0]}: refused")
				frappe.db.rollback(save_point="step")  # as the request that tried it
				frappe.local.message_log = []
				if isinstance(refused, frappe.ValidationError) and not is_a_rule(refused):
					raise
			self.check(f"after step {number}: {step}")
		self.reconcile()
		self.check("after the final reconciliation")

	@staticmethod
	def pick(items: list, index: int):
		if not items:
			raise Refused
		return items[index % len(items)]

	# orders ---------------------------------------------------------------------------------------

	def order(self, customer, qty, in_boxes, with_cable, days_ago):
		from bizlink.devtools.factories import make_sales_order

		rows = [{"item_code": self.world.boiler, "qty": qty, "rate": 900}]
		if in_boxes:
			rows.append({"item_code": self.world.panel, "qty": qty, "uom": "Box", "rate": 600})
		if with_cable:
			rows.append({"item_code": self.world.cable, "qty": 5, "rate": 10})
		order = make_sales_order(
			customer=self.pick(self.customers, customer),
			items=rows,
			transaction_date=add_days(today(), -days_ago),
			delivery_days=days_ago + 7,
		)
		self.orders.append(order.name)

	def lost_queue(self, customer, qty):
		"""An order whose queued after-submit work never runs (worker down, job failed)."""
		import bizlink.bizlink.queue

		if not reconciliation():
			raise Refused  # the code under test has no reconciliation (before issue 15)

		kept = bizlink.bizlink.queue.after_commit
		bizlink.bizlink.queue.after_commit = lambda method, **kwargs: None
		try:
			self.order(customer, qty, False, False, 0)
		finally:
			bizlink.bizlink.queue.after_commit = kept
		self.pending.add(self.orders[-1])

	def reconcile(self):
		if repair := reconciliation():
			repair(grace_minutes=-1)
		self.pending.clear()

	def update_items(self, order, qty):
		"""Update Items on the submitted order: the first row to install gets a new quantity."""
		from erpnext.controllers.accounts_controller import update_child_qty_rate

		doc = self.submitted(order)
		rows = [
			{
				"docname": row.name,
				"item_code": row.item_code,
				"qty": qty if i == 0 else row.qty,
				"rate": row.rate,
				"uom": row.uom,
				"conversion_factor": row.conversion_factor,
				"delivery_date": str(row.delivery_date),
			}
			for i, row in enumerate(doc.items)
		]
		update_child_qty_rate("Sales Order", frappe.as_json(rows), doc.name)

	def cancel_order(self, order):
		self.submitted(order).cancel()

	def amend(self, order):
		name = self.pick(self.orders, order)
		doc = frappe.get_doc("Sales Order", name)
		if doc.docstatus != 2 or frappe.db.exists("Sales Order", {"amended_from": name}):
			raise Refused
		amended = frappe.copy_doc(doc)
		amended.amended_from = name
		amended.insert()
		amended.submit()
		self.orders.append(amended.name)

	def submitted(self, order):
		doc = frappe.get_doc("Sales Order", self.pick(self.orders, order))
		if doc.docstatus != 1:
			raise Refused
		return doc

	# deliveries and installation ------------------------------------------------------------------

	def deliver(self, order, qty):
		"""A delivery of up to `qty` (in each row's own unit) of what is left to deliver."""
		from erpnext.selling.doctype.sales_order.sales_order import make_delivery_note

		doc = self.submitted(order)
		note = make_delivery_note(doc.name)
		for row in note.items:
			row.qty = min(flt(row.qty), qty)
		note.set("items", [row for row in note.items if flt(row.qty) > 0])
		if not note.items:
			raise Refused
		note.insert()
		note.submit()
		self.deliveries.append(note.name)

	def cancel_delivery(self, delivery):
		note = frappe.get_doc("Delivery Note", self.pick(self.deliveries, delivery))
		if note.docstatus != 1:
			raise Refused
		note.cancel()

	def install(self, order):
		"""Install everything delivered and not yet installed, as the crew would: this must work."""
		doc = self.submitted(order)
		if doc.name in self.pending:
			raise Refused
		name = frappe.db.get_value(
			"Field Visit", {"sales_order": doc.name, "docstatus": 0, "status": ("!=", "Cancelled")}
		)
		job = frappe.get_doc("Field Visit", name) if name else None
		if not job:
			raise Refused
		available = {row.name: self.installable(row.so_detail) for row in job.items}
		if not any(available.values()):
			raise Refused  # nothing delivered to install
		if job.status == "To Schedule":
			self.slot += 1
			start = add_to_date(get_datetime(f"{add_days(today(), 1)} 08:00:00"), days=self.slot)
			job.scheduled_start, job.scheduled_end = start, add_to_date(start, hours=2)
			job.append("crew", {"user": self.world.technician})
			job.save()
		job.reload()
		if job.status != "In Progress":
			job.start()
		job.reload()
		for row in job.items:
			row.installed_qty = available[row.name]
		job.signature, job.signed_by = SIGNATURE, "Lucía Martínez"
		try:
			job.submit()
		except frappe.ValidationError as error:
			raise AssertionError(f"{job.name}: what was delivered could not be installed: {error}") from error

	@staticmethod
	def installable(so_detail: str) -> float:
		"""Stock units delivered on the order row and not installed yet, from the documents."""
		delivered = sum(
			flt(row.stock_qty)
			for row in frappe.get_all(
				"Delivery Note Item", {"so_detail": so_detail, "docstatus": 1}, ["stock_qty"]
			)
		)
		return max(delivered - installed(so_detail), 0)

	# billing --------------------------------------------------------------------------------------

	def invoice(self, order):
		doc = self.submitted(order)
		if flt(doc.per_billed) >= 100:
			raise Refused
		self.invoices.append(make_sales_invoice(doc.name).name)

	def pay(self, invoice):
		name = self.pick(self.invoices, invoice)
		if frappe.db.get_value("Sales Invoice", name, "outstanding_amount") <= 0:
			raise Refused
		make_payment(name)

	# interactions and tickets ---------------------------------------------------------------------

	def interaction(self, customer, follow_up, days_ago):
		doc = frappe.get_doc(
			{
				"doctype": "Sales Interaction",
				"customer": self.pick(self.customers, customer),
				"subject": "Visit",
				"interaction_type": "Visit",
				"interaction_date": add_to_date(get_datetime(add_days(today(), -days_ago)), hours=10),
				"next_action_date": add_days(today(), 2) if follow_up else None,
			}
		).insert()
		self.interactions.append(doc.name)

	def existing(self, doctype, names, index):
		name = self.pick(names, index)
		if not frappe.db.exists(doctype, name):
			raise Refused
		return frappe.get_doc(doctype, name)

	def move_interaction(self, interaction, customer):
		doc = self.existing("Sales Interaction", self.interactions, interaction)
		doc.customer = self.pick(self.customers, customer)
		doc.contact = None
		doc.save()

	def clear_follow_up(self, interaction):
		doc = self.existing("Sales Interaction", self.interactions, interaction)
		doc.next_action_date = None
		doc.save()

	def delete_interaction(self, interaction):
		frappe.delete_doc(
			"Sales Interaction", self.existing("Sales Interaction", self.interactions, interaction).name
		)

	def ticket(self, customer):
		doc = frappe.get_doc(
			{
				"doctype": "Service Ticket",
				"subject": "No heat",
				"customer": self.pick(self.customers, customer),
			}
		).insert()
		self.tickets.append(doc.name)

	def resolve(self, ticket):
		doc = self.existing("Service Ticket", self.tickets, ticket)
		doc.status, doc.resolution_details = "Resolved", "Fixed"
		doc.save()

	def rate(self, ticket, stars):
		self.existing("Service Ticket", self.tickets, ticket).rate(stars)

	def reopen(self, ticket):
		doc = self.existing("Service Ticket", self.tickets, ticket)
		doc.status = "Open"
		doc.save()

	# customers ------------------------------------------------------------------------------------

	def customer(self, index):
		return frappe.get_doc("Customer", self.pick(self.customers, index))

	def group(self, customer, group):
		doc = self.customer(customer)
		doc.customer_group = self.groups[group]
		doc.save()

	def territory(self, customer, territory):
		doc = self.customer(customer)
		doc.territory = self.territories[territory]
		doc.save()

	def birthday(self, customer, years):
		doc = self.customer(customer)
		doc.bizlink_date_of_birth = add_days(today(), -int(years * 365.25) - 3)
		doc.save()

	def address(self, customer, city, primary):
		"""An address made from the address form for the customer (the customer's own field untouched)."""
		doc = frappe.get_doc(
			{
				"doctype": "Address",
				"address_title": f"Site {random_string(5)}",
				"address_type": "Billing" if primary else "Shipping",
				"address_line1": "Calle Nueva 3",
				"city": CITIES[city],
				"country": "Spain",
				"is_primary_address": int(primary),
				"links": [{"link_doctype": "Customer", "link_name": self.pick(self.customers, customer)}],
			}
		).insert()
		self.addresses.append(doc.name)

	def city(self, address, city):
		doc = self.existing("Address", self.addresses, address)
		doc.city = CITIES[city]
		doc.save()

	# the invariants -------------------------------------------------------------------------------

	def check(self, when: str = "at the start"):
		assert rollup(self.territories) == expected_rollup(self.customers), f"rollup differs {when}"
		for name in self.orders:
			if name not in self.pending:
				check_order(name, when)


def reconciliation():
	try:
		from bizlink.reconcile import repair_orders
	except ImportError:  # run against the code before issue 15, to show what this suite finds there
		return None
	return repair_orders


def is_a_rule(error: Exception) -> bool:
	"""An error a user sees for a step the rules refuse (ERPNext's or BizLink's), not a bug: a message
	was shown to the user, as frappe.throw does."""
	return bool(frappe.local.message_log) or bool(str(error))


# what the documents say -----------------------------------------------------------------------------


def installed(so_detail: str) -> float:
	job, item = frappe.qb.DocType("Field Visit"), frappe.qb.DocType("Field Visit Item")
	value = (
		frappe.qb.from_(item)
		.join(job)
		.on(job.name == item.parent)
		.select(Sum(item.installed_qty))
		.where(item.so_detail == so_detail)
		.where(job.docstatus == 1)
		.run()[0][0]
	)
	return flt(value)


def market_city(customer: str) -> str:
	"""The city of the address a user calls the customer's: the Customer's Primary Address, else its
	enabled linked address marked primary, else a billing one, else the first made."""
	primary = frappe.db.get_value("Customer", customer, "customer_primary_address")
	if not primary:
		names = frappe.get_all(
			"Dynamic Link",
			{"parenttype": "Address", "link_doctype": "Customer", "link_name": customer},
			pluck="parent",
		)
		addresses = frappe.get_all(
			"Address",
			{"name": ("in", names or [""]), "disabled": 0},
			["name", "is_primary_address", "address_type", "creation"],
		)
		addresses.sort(key=lambda a: (-a.is_primary_address, a.address_type != "Billing", a.creation, a.name))
		primary = addresses[0].name if addresses else None
	return (frappe.db.get_value("Address", primary, "city") if primary else None) or ""


def expected_rollup(customers: list[str]) -> dict:
	"""(segment, company, period, start) → measures, from the documents of `customers`."""
	cells: dict = defaultdict(lambda: defaultdict(float))

	def add(dims, company, on, **measures):
		on = getdate(on)
		for period, start in (("Day", on), ("Month", get_first_day(on))):
			for measure, value in measures.items():
				cells[(*dims, company, period, start)][measure] += flt(value)

	for name in customers:
		customer = frappe.db.get_value(
			"Customer", name, ["disabled", "bizlink_age_band", "customer_group", "territory"], as_dict=True
		)
		if customer.disabled:
			continue
		dims = (
			customer.bizlink_age_band or "",
			market_city(name),
			customer.customer_group,
			customer.territory,
		)
		for doc in frappe.get_all(
			"Sales Invoice", {"customer": name, "docstatus": 1}, ["company", "posting_date", "base_net_total"]
		):
			add(dims, doc.company, doc.posting_date, revenue=doc.base_net_total)
		for doc in frappe.get_all(
			"Sales Order",
			{"customer": name, "docstatus": 1},
			["company", "transaction_date", "base_net_total"],
		):
			add(dims, doc.company, doc.transaction_date, orders=1, order_value=doc.base_net_total)
		for doc in frappe.get_all("Sales Interaction", {"customer": name}, ["interaction_date"]):
			add(dims, "", doc.interaction_date, interactions=1)
		open_tickets = 0
		for doc in frappe.get_all("Service Ticket", {"customer": name}, ["status", "rating", "rated_on"]):
			if doc.rated_on:
				add(dims, "", doc.rated_on, rating_sum=flt(doc.rating) * 5, ratings=1)
			open_tickets += doc.status not in RESOLVED
		now = cells[(*dims, "", "Now", None)]
		now["customers"] += 1
		now["open_tickets"] += open_tickets
	return {
		key: {m: round(v, 2) for m, v in measures.items() if round(v, 2)}
		for key, measures in cells.items()
		if any(round(v, 2) for v in measures.values())
	}


def rollup(territories: list[str]) -> dict:
	from bizlink.market_analysis.segments import MEASURES

	rows = frappe.get_all(
		"Segment Activity",
		{"territory": ("in", territories)},
		["age_band", "city", "customer_group", "territory", "company", "period", "period_start", *MEASURES],
	)
	out = {}
	for row in rows:
		measures = {m: round(flt(row[m]), 2) for m in MEASURES if round(flt(row[m]), 2)}
		if measures:
			key = (
				row.age_band or "",
				row.city or "",
				row.customer_group,
				row.territory,
				row.company or "",
				row.period,
				getdate(row.period_start) if row.period_start else None,
			)
			out[key] = measures
	return out


def check_order(name: str, when: str) -> None:
	order = frappe.get_doc("Sales Order", name)
	logs = frappe.get_all(
		"Order Stage Log",
		{"sales_order": name},
		["stage", "entered_on", "left_on"],
		order_by="entered_on asc, creation asc",
	)
	open_rows = [log for log in logs if not log.left_on]
	if order.docstatus != 1:
		assert not order.bizlink_stage and not open_rows, f"{name} cancelled but staged {when}"
		return
	rows = [
		row
		for row in order.items
		if frappe.get_cached_value("Item", row.item_code, "bizlink_requires_installation")
	]
	to_install = sum(flt(row.stock_qty) for row in rows)
	done = sum(installed(row.name) for row in rows)
	if to_install:
		percent = min(100.0, done / to_install * 100)
		status = "Installed" if percent >= 100 else "Partly Installed" if done else "To Install"
	else:
		percent, status = 0, "Not Applicable"
	assert (order.bizlink_installation_status, round(flt(order.bizlink_per_installed), 4)) == (
		status,
		round(percent, 4),
	), f"{name} % installed {when}"

	invoices = frappe.get_all(
		"Sales Invoice Item", {"sales_order": name, "docstatus": 1}, pluck="parent", distinct=True
	)
	paid = bool(invoices) and all(
		flt(frappe.db.get_value("Sales Invoice", invoice, "outstanding_amount")) <= 0 for invoice in invoices
	)
	reached = {
		"Ordered": True,
		"Delivered": flt(order.per_delivered) >= 100,
		"Installed": (percent >= 100) if to_install else None,
		"Billed": flt(order.per_billed) >= 100,
		"Completed": flt(order.per_billed) >= 100 and paid,
	}
	stage = None
	for name_ in STAGES:
		if reached.get(name_) is None:
			continue
		if not reached[name_]:
			break
		stage = name_
	assert order.bizlink_stage == stage, f"{name} stage {order.bizlink_stage} != {stage} {when}"
	assert [log.stage for log in open_rows] == [stage], f"{name} open stage rows {when}"
	for earlier, later in pairwise(logs):
		assert earlier.left_on and get_datetime(earlier.left_on) == get_datetime(later.entered_on), (
			f"{name} stage log has a gap {when}"
		)

	jobs = frappe.get_all(
		"Field Visit",
		{"sales_order": name, "docstatus": ("<", 2), "status": ("!=", "Cancelled")},
		["name", "docstatus"],
	)
	open_jobs = [job for job in jobs if job.docstatus == 0]
	if to_install and percent < 100:
		assert len(open_jobs) == 1, f"{name} has {len(open_jobs)} open jobs {when}"
	else:
		assert not open_jobs, f"{name} has an open job with nothing left to install {when}"
	still = {row.name: flt(row.stock_qty) - installed(row.name) for row in rows}
	for job in open_jobs:  # what the order still needs installed
		asked = {
			row.so_detail: flt(row.qty)
			for row in frappe.get_all("Field Visit Item", {"parent": job.name}, ["so_detail", "qty"])
		}
		assert asked == {key: qty for key, qty in still.items() if qty > 0}, (
			f"{job.name} asks for other than what {name} still needs {when}"
		)
	for row in rows:
		delivered = sum(
			flt(r.stock_qty)
			for r in frappe.get_all(
				"Delivery Note Item", {"so_detail": row.name, "docstatus": 1}, ["stock_qty"]
			)
		)
		assert installed(row.name) <= delivered + 1e-9, f"{name} installed beyond delivered {when}"
