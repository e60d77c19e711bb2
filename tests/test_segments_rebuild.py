"""The live rebuild of the market segments rollup (`segments.rebuild_live`, run by `rebuild_job`).

It repairs a damaged rollup (rows changed, deleted, one too many, a customer moved behind the
documents' back) to what the documents add up to, committing in short transactions; and it runs
while other connections submit orders and log interactions for the same segments without making any
of them wait for it or fail, the rollup ending equal to the documents."""

import threading
import time

import frappe
import pytest
from committed import in_thread, purge, purge_world
from frappe.utils import add_days, add_to_date, get_datetime, random_string, today
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_market import sell

from bizlink.devtools.factories import make_customer, make_interaction, make_item, make_sales_order
from bizlink.market_analysis import segments
from bizlink.market_analysis.report.market_segments.market_segments import segment_figures

DIMENSIONS = ["Age Band", "City", "Customer Group", "Territory"]


def make_world() -> frappe._dict:
	"""A territory of its own: A and B (group G1, city X), C (G2, Y), each having ordered; A also
	invoiced, with two interactions and an open ticket. Committed."""
	suffix = random_string(6)
	territory = frappe.get_doc(
		{"doctype": "Territory", "territory_name": f"RB {suffix}", "parent_territory": "All Territories"}
	).insert()
	groups = [
		frappe.get_doc(
			{
				"doctype": "Customer Group",
				"customer_group_name": f"RB G{i} {suffix}",
				"parent_customer_group": "All Customer Groups",
			}
		).insert()
		for i in (1, 2)
	]
	x, y = f"RB X {suffix}", f"RB Y {suffix}"

	def customer(name, group, city):
		return make_customer(
			f"RB {name} {suffix}", customer_group=group.name, territory=territory.name, city=city
		).name

	a, b, c = customer("A", groups[0], x), customer("B", groups[0], x), customer("C", groups[1], y)
	sell(a, 1000, 5)  # an order and its invoice
	for name, amount, days_ago in ((b, 500, 10), (c, 100, 20)):
		make_sales_order(
			name,
			transaction_date=add_days(today(), -days_ago),
			items=[{"item_code": make_item(rate=amount).name, "qty": 1, "rate": amount}],
		)
	for days in (3, 4):
		make_interaction(a, interaction_date=add_to_date(get_datetime(today()), days=-days, hours=10))
	frappe.get_doc({"doctype": "Service Ticket", "subject": "x", "customer": a, "status": "Open"}).insert()
	frappe.db.commit()
	return frappe._dict(territory=territory.name, groups=[g.name for g in groups], customers=[a, b, c])


def remove_world(world) -> None:
	frappe.db.rollback()
	customers = frappe.get_all("Customer", {"territory": world.territory}, pluck="name")
	by_customer = {"customer": ("in", customers or [""])}
	invoices = frappe.get_all("Sales Invoice", by_customer, pluck="name")
	purge("Sales Invoice", set(invoices))
	if invoices:
		frappe.db.delete("Payment Ledger Entry", {"voucher_no": ("in", invoices)})
	items = frappe.get_all(
		"Sales Order Item",
		{"parent": ("in", frappe.get_all("Sales Order", by_customer, pluck="name") or [""])},
		pluck="item_code",
	)
	purge_world(customers, set(items))
	frappe.db.delete("Segment Activity", {"territory": world.territory})
	if world.groups:
		frappe.db.delete("Customer Group", {"name": ("in", world.groups)})
	frappe.db.delete("Territory", {"name": world.territory})
	frappe.db.commit()
	segments.rebuild_live()  # whatever a failed test left damaged elsewhere on the site


@pytest.fixture
def world(site):
	world = make_world()
	yield world
	remove_world(world)


def all_filters(territory: str):
	for from_date, to_date in ((add_days(today(), -30), today()), (add_days(today(), -365), today())):
		for dimensions in (DIMENSIONS, ["Customer Group"], ["City"]):
			yield {
				"territory": territory,
				"from_date": from_date,
				"to_date": to_date,
				"dimensions": dimensions,
			}


def assert_rollup_is_the_documents(territory: str) -> None:
	frappe.db.rollback()  # a fresh snapshot: what the other connections committed
	# on failure, each differing row with what its documents add up to minus what it holds
	assert segments.drifted_segments() == [], frappe.db.sql(  # nosemgrep
		segments.delta_sql(), {"none": ""}, as_dict=True
	)
	for filters in all_filters(territory):
		assert segment_figures(filters, True) == segment_figures(filters, False), filters


def rows_of(territory: str, period: str) -> list:
	return frappe.get_all(
		"Segment Activity", {"territory": territory, "period": period}, ["name", "segment"], order_by="name"
	)


@pytest.mark.commits
def test_live_rebuild_repairs_a_damaged_rollup(world):
	a, b, c = world.customers
	by_group = {
		"territory": world.territory,
		"from_date": add_days(today(), -30),
		"dimensions": ["Customer Group"],
	}
	expected = segment_figures(by_group, False)
	# (customers, revenue, previous, orders, order value, interactions, open tickets, ...)
	assert expected[(world.groups[0],)][:7] == (2, 1000, 0, 2, 1500, 2, 1)
	assert expected[(world.groups[1],)][:7] == (1, 0, 0, 1, 100, 0, 0)
	assert segment_figures(by_group, True) == expected

	day, month = rows_of(world.territory, "Day"), rows_of(world.territory, "Month")
	frappe.db.set_value("Segment Activity", day[0].name, {"revenue": 123, "orders": 7})  # changed
	frappe.db.delete("Segment Activity", {"name": month[0].name})  # gone
	frappe.db.delete(  # C's segment: its customers gone
		"Segment Activity",
		{
			"name": segments.row_name(
				frappe.db.get_value("Customer", c, "bizlink_market_segment"), "", "Now", None
			)
		},
	)
	extra = segments.row_name(
		segments.segment_key(("", "RB nowhere", world.groups[1], world.territory)), "", "Now", None
	)
	segments.add_rows(
		[
			frappe._dict(
				name=extra,
				segment=extra[9:41],
				age_band="",
				city="RB nowhere",
				customer_group=world.groups[1],
				territory=world.territory,
				company="",
				period="Now",
				period_start=None,
				present=0,
				customers=3,
				open_tickets=2,
			)
		]
	)  # a segment nobody is in
	frappe.db.set_value("Customer", b, "customer_group", world.groups[1])  # no hooks run
	frappe.db.commit()
	assert segments.drifted_segments()
	assert segment_figures(by_group, True) != segment_figures(by_group, False)

	done = segments.rebuild_live(batch_size=2)
	frappe.db.commit()

	assert done["customers_moved"] == 1 and done["now_rows_made"] >= 1
	assert_rollup_is_the_documents(world.territory)
	moved = segment_figures(by_group, True)
	assert moved[(world.groups[0],)][:7] == (1, 1000, 0, 1, 1000, 2, 1)  # A alone
	assert moved[(world.groups[1],)][:7] == (2, 0, 0, 2, 600, 0, 0)  # B took its order along
	assert frappe.db.get_value("Customer", a, "bizlink_market_segment")
	assert segments.rebuild_live() == {"customers_moved": 0, "now_rows_made": 0, "rows_corrected": 0}


@pytest.fixture
def draft_orders(site):
	"""Customers of one territory, each with a draft order, committed; removed afterwards."""
	world = frappe._dict(
		territory=frappe.get_doc(
			{
				"doctype": "Territory",
				"territory_name": f"RB {random_string(6)}",
				"parent_territory": "All Territories",
			}
		)
		.insert()
		.name,
		groups=[],
	)
	customers = [make_customer(territory=world.territory, city=f"RB {i % 2}") for i in range(6)]
	world.orders = [
		make_sales_order(
			c.name,
			items=[{"item_code": make_item(rate=100 + i).name, "qty": 1, "rate": 100 + i}],
			submit=False,
		).name
		for i, c in enumerate(customers)
	]
	world.customers = [c.name for c in customers]
	frappe.db.commit()
	yield world
	remove_world(world)


@pytest.mark.commits
def test_writes_during_a_live_rebuild_are_never_refused(site, draft_orders, monkeypatch):
	"""A rebuild that corrects every row of the site (and makes the rows deleted), slowed to hold each
	batch of one row for 50 ms (on the demo site it would be over before the first submit), runs while
	another connection submits six orders, logs interactions, moves some to another customer and day
	(two increments, out of name order), moves a customer to another group (its history along) and
	cancels an order, for the customers whose rows it is correcting: none of them fails (no lock wait
	timeout, no deadlock), and the rollup ends equal to the documents."""
	frappe.db.sql("update `tabSegment Activity` set orders = orders + 1, revenue = revenue + 10")  # nosemgrep
	for row in frappe.get_all("Segment Activity", {"period": "Month"}, pluck="name", limit=5):
		frappe.db.delete("Segment Activity", {"name": row})
	frappe.db.commit()
	assert len(segments.drifted_segments()) > 5
	customers, orders = draft_orders.customers, draft_orders.orders
	group = frappe.db.get_value("Customer", customers[0], "customer_group")
	other_group = frappe.get_all("Customer Group", {"is_group": 0, "name": ("!=", group)}, pluck="name")[0]

	held = segments.add_held_rows

	def slow_batch(batch):
		done = held(batch)
		time.sleep(0.05)  # a big batch on a big site: its locks held until the commit
		return done

	monkeypatch.setattr(segments, "add_held_rows", slow_batch)
	rebuilding = threading.Event()  # the writes start once the rebuild has
	spans = {}

	def rebuild():
		rebuilding.set()
		start = time.monotonic()
		done = segments.rebuild_live(batch_size=1)
		spans["rebuild"] = (start, time.monotonic())
		return done

	def timed(write):
		start = time.monotonic()
		write()
		frappe.db.commit()
		spans.setdefault("writes", []).append((start, time.monotonic()))

	def move_interaction(name, customer):
		doc = frappe.get_doc("Sales Interaction", name)
		doc.update({"customer": customer, "interaction_date": add_to_date(get_datetime(today()), days=-2)})
		doc.save()

	def move_customer():
		doc = frappe.get_doc("Customer", customers[0])
		doc.customer_group = other_group
		doc.save()

	def write():
		rebuilding.wait(timeout=30)
		interactions = []
		for i, (customer, order) in enumerate(zip(customers, orders, strict=True)):
			timed(lambda order=order: frappe.get_doc("Sales Order", order).submit())
			timed(lambda customer=customer: interactions.append(make_interaction(customer).name))
			if i % 2:
				timed(lambda i=i, customer=customer: move_interaction(interactions[i - 1], customer))
		timed(move_customer)
		timed(lambda: frappe.get_doc("Sales Order", orders[-1]).cancel())
		return "written"

	started = [in_thread(site, rebuild), in_thread(site, write)]
	for thread, _result in started:
		thread.join(timeout=180)
	(_t, rebuilt), (_t, written) = started
	assert written.get("value") == "written", written  # no lock wait timeout, no deadlock
	assert "error" not in rebuilt, rebuilt
	assert rebuilt["value"]["rows_corrected"] > 5
	_start, end = spans["rebuild"]
	# writes were done (committed) while the rebuild was still correcting: none waited for it to end,
	# as each did for the rebuild in one transaction (test: a submit waits for all of it)
	assert len([span for span in spans["writes"] if span[1] < end]) >= 3, (spans, end)

	assert_rollup_is_the_documents(draft_orders.territory)
	filters = {"territory": draft_orders.territory, "from_date": add_days(today(), -2), "to_date": today()}
	figures = segment_figures({**filters, "dimensions": ["Territory"]}, True)
	# customers, revenue, previous, orders (one cancelled), their value, interactions
	assert figures[(draft_orders.territory,)][:6] == (6, 0, 0, 5, sum(range(100, 105)), 6)
	by_group = segment_figures({**filters, "dimensions": ["Customer Group"]}, True)
	# the moved customer took its order along (its interaction went to the second customer)
	assert by_group[(other_group,)][:6] == (1, 0, 0, 1, 100, 0)


# any writes during a rebuild -------------------------------------------------------------------------

WRITES = st.lists(
	st.tuples(
		st.sampled_from(
			["order", "cancel", "interaction", "move interaction", "delete interaction", "regroup"]
		),
		st.integers(0, 2),  # which customer
	),
	min_size=2,
	max_size=6,
)
DAMAGE = st.lists(
	st.tuples(st.sampled_from(["Day", "Month", "Now"]), st.integers(0, 5), st.sampled_from([-2, 1, 3, None])),
	max_size=4,
)


@pytest.fixture(scope="module")
def three_customers(site):
	"""Three customers of one territory, two customer groups to move them between. Committed."""
	frappe.db.rollback()
	world = frappe._dict(
		territory=frappe.get_doc(
			{
				"doctype": "Territory",
				"territory_name": f"RB {random_string(6)}",
				"parent_territory": "All Territories",
			}
		)
		.insert()
		.name,
		groups=[
			frappe.get_doc(
				{
					"doctype": "Customer Group",
					"customer_group_name": f"RB G{i} {random_string(6)}",
					"parent_customer_group": "All Customer Groups",
				}
			)
			.insert()
			.name
			for i in (1, 2)
		],
	)
	world.customers = [
		make_customer(territory=world.territory, customer_group=world.groups[0], city=f"RB {i}").name
		for i in range(3)
	]
	frappe.db.commit()
	yield world
	remove_world(world)


def write(kind: str, customer: str, groups: list[str]) -> None:
	"""One write a user makes, committed (nothing when there is nothing to cancel, move or delete)."""
	last = {"customer": customer}
	if kind == "order":
		make_sales_order(customer, items=[{"item_code": make_item(rate=120).name, "qty": 1, "rate": 120}])
	elif kind == "cancel" and (order := frappe.db.get_value("Sales Order", {**last, "docstatus": 1})):
		frappe.get_doc("Sales Order", order).cancel()
	elif kind == "interaction":
		make_interaction(customer, interaction_date=get_datetime(today()))
	elif kind in ("move interaction", "delete interaction") and (
		interaction := frappe.db.get_value("Sales Interaction", last, order_by="creation desc")
	):
		doc = frappe.get_doc("Sales Interaction", interaction)
		if kind == "delete interaction":
			doc.delete()
		else:  # to the next customer and another day: two increments, out of name order
			others = frappe.get_all(
				"Customer", {"territory": frappe.db.get_value("Customer", customer, "territory")}
			)
			doc.customer = sorted(c.name for c in others if c.name != customer)[0]
			doc.interaction_date = add_to_date(get_datetime(today()), days=-3)
			doc.save()
	elif kind == "regroup":  # the customer moves with its history
		doc = frappe.get_doc("Customer", customer)
		doc.customer_group = groups[1] if doc.customer_group == groups[0] else groups[0]
		doc.save()
	frappe.db.commit()


@pytest.mark.commits
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(writes=WRITES, damage=DAMAGE, batch_size=st.sampled_from([1, 2, 1000]))
def test_any_writes_during_a_live_rebuild_of_a_damaged_rollup_end_equal_to_the_documents(
	site, three_customers, monkeypatch, writes, damage, batch_size
):
	"""Whatever rows were damaged (changed or deleted) and whatever users write meanwhile (orders
	submitted and cancelled, interactions logged, moved to another customer and day, deleted, a
	customer moved to the other group), every write goes through and the rollup ends equal to the
	documents."""
	world = three_customers
	for period, index, change in damage:
		rows = rows_of(world.territory, period)
		if rows:
			row = rows[index % len(rows)].name
			if change is None:
				frappe.db.delete("Segment Activity", {"name": row})
			else:
				frappe.db.set_value("Segment Activity", row, "orders", change, update_modified=False)
	frappe.db.commit()

	held = segments.add_held_rows

	def slow_batch(batch):
		done = held(batch)
		time.sleep(0.01)  # a window for the writes on the demo site's few rows
		return done

	monkeypatch.setattr(segments, "add_held_rows", slow_batch)
	rebuilding = threading.Event()

	def rebuild():
		rebuilding.set()
		return segments.rebuild_live(batch_size=batch_size)

	def writer():
		rebuilding.wait(timeout=30)
		for kind, index in writes:
			write(kind, world.customers[index], world.groups)
		return "written"

	started = [in_thread(site, rebuild), in_thread(site, writer)]
	for thread, _result in started:
		thread.join(timeout=180)
	(_t, rebuilt), (_t, written) = started
	assert written.get("value") == "written", written
	assert "error" not in rebuilt, rebuilt
	assert_rollup_is_the_documents(world.territory)
