"""The market segments rollup (DocType Segment Activity), which the Market Segments report reads.

A segment is one combination of age band, city (of the primary address), customer group and
territory. Each enabled customer counts in exactly one segment: the one recorded on the customer
(`bizlink_market_segment`, a hash of the four). For each segment the rollup keeps, by day and by
month, what its customers were invoiced, ordered, asked (interactions) and rated; and, as of now, how
many customers and open tickets it has.

Documents add to or take from their customer's recorded segment in the same transaction as they
change, by increments (as ERPNext keeps its Bin), so concurrent writers never overwrite each other and
a rolled back change leaves nothing behind. When a customer's segment changes (group, territory, age
band, city of the primary address, disabled) everything the customer contributed moves with it: at
once when the Customer or Address is saved, by the daily reconciliation when a field was written
behind the documents' back.
`rebuild` recomputes the whole rollup from the documents (install, the scale generator, repairs)."""

import hashlib
from collections import defaultdict
from datetime import date

import frappe
from frappe.query_builder import Case
from frappe.query_builder.functions import Count, Date, Function, IfNull, Sum
from frappe.utils import add_days, add_months, flt, get_first_day, get_last_day, getdate, now
from pypika.terms import Values

from bizlink.market import previous_period

DOCTYPE = "Segment Activity"
DIMENSIONS = ("age_band", "city", "customer_group", "territory")
MEASURES = (
	"revenue",
	"orders",
	"order_value",
	"interactions",
	"rating_sum",
	"ratings",
	"customers",
	"open_tickets",
)
RESOLVED = ("Resolved", "Closed")
SEPARATOR = "\x1f"


def segment_key(dims) -> str:
	return hashlib.md5(SEPARATOR.join(dims).encode()).hexdigest()


PERIOD_CODES = {"Day": "D", "Month": "M", "Now": "N"}


def company_key(company: str | None) -> str:
	return hashlib.md5((company or "").encode()).hexdigest()[:12]


def row_name(segment: str, company: str, period: str, start) -> str:
	"""Period, date, segment, company: the table is stored in this order (the name is its primary key),
	so the rows of a date range lie together and the report reads them as one stretch."""
	day = getdate(start).strftime("%Y%m%d") if start else "00000000"
	return f"{PERIOD_CODES[period]}{day}{segment}{company_key(company)}"


# reading a customer's segment


def customer_segment_query(customer: str):
	c = frappe.qb.DocType("Customer")
	address = frappe.qb.DocType("Address")
	return (
		frappe.qb.from_(c)
		.left_join(address)
		.on(address.name == c.customer_primary_address)
		.select(
			c.disabled,
			IfNull(c.bizlink_market_segment, "").as_("recorded"),
			IfNull(c.bizlink_age_band, "").as_("age_band"),
			IfNull(address.city, "").as_("city"),
			IfNull(c.customer_group, "").as_("customer_group"),
			IfNull(c.territory, "").as_("territory"),
		)
		.where(c.name == customer)
	)


def run_locked(query) -> list:
	"""Run a select as a shared locking read: it sees the latest committed rows and keeps them until
	this transaction ends (no query builder form for LOCK IN SHARE MODE; the values stay parameters)."""
	from frappe.query_builder.terms import NamedParameterWrapper

	params = NamedParameterWrapper()
	sql = query.get_sql(param_wrapper=params) + " LOCK IN SHARE MODE"
	return frappe.db.sql(sql, params.get_parameters(), as_dict=True)  # nosemgrep


# writing


def upsert(segment: str, dims: tuple, cells: dict, sign: int = 1) -> None:
	"""Add (sign 1) or take away (sign -1) `cells`, {(company, period, start): {measure: value}}."""
	if not segment or not cells:
		return
	table = frappe.qb.DocType(DOCTYPE)
	stamp, user = now(), frappe.session.user
	columns = ["name", "segment", *DIMENSIONS, "company", "period", "period_start"]
	columns += ["creation", "modified", "owner", "modified_by", *MEASURES]
	query = frappe.qb.into(table).columns(*columns)
	for (company, period, start), measures in cells.items():
		values = [sign * flt(measures.get(m)) for m in MEASURES]
		query = query.insert(
			row_name(segment, company, period, start),
			segment,
			*dims,
			company or "",
			period,
			start,
			stamp,
			stamp,
			user,
			user,
			*values,
		)
	for measure in MEASURES:
		query = query.on_duplicate_key_update(table[measure], table[measure] + Values(table[measure]))
	query.run()


def dated_cells(company: str, on, measures: dict) -> dict:
	"""The day and month cells a dated document adds to."""
	on = getdate(on)
	return {(company or "", "Day", on): measures, (company or "", "Month", get_first_day(on)): measures}


def add(customer: str | None, cells: dict, sign: int = 1) -> None:
	"""Add `cells` to the segment the customer's documents count in: one statement, which reads the
	customer's recorded segment with a shared lock (INSERT ... SELECT locks what it reads), so a move of
	the customer waits for this transaction and takes what it adds along."""
	if not customer or not cells:
		return
	values = {"customer": customer, "now": now(), "user": frappe.session.user, "none": company_key("")}
	selects = []
	for i, ((company, period, start), measures) in enumerate(cells.items()):
		day = getdate(start).strftime("%Y%m%d") if start else "00000000"
		values.update(
			{
				f"prefix{i}": PERIOD_CODES[period] + day,
				f"key{i}": company_key(company),
				f"company{i}": company or "",
				f"period{i}": period,
				f"start{i}": getdate(start) if start else None,
			}
		)
		columns = [f"%(prefix{i})s prefix", f"%(key{i})s company_key", f"%(company{i})s company"]
		columns += [f"%(period{i})s period", f"%(start{i})s period_start"]
		for measure in MEASURES:
			values[f"{measure}{i}"] = sign * flt(measures.get(measure))
			columns.append(f"%({measure}{i})s {measure}")
		selects.append("select " + ", ".join(columns))
	target = "`tabSegment Activity`"
	# no query builder form for INSERT ... SELECT ... ON DUPLICATE KEY UPDATE; the values are parameters
	frappe.db.sql(  # nosemgrep
		f"""insert into {target} (name, segment, {", ".join(DIMENSIONS)}, company, period, period_start,
			creation, modified, owner, modified_by, {", ".join(MEASURES)})
		select concat(cell.prefix, n.segment, cell.company_key), n.segment,
			{", ".join(f"n.{d}" for d in DIMENSIONS)}, cell.company, cell.period, cell.period_start,
			%(now)s, %(now)s, %(user)s, %(user)s, {", ".join(f"cell.{m}" for m in MEASURES)}
		from `tabCustomer` c
		join {target} n on n.name = concat('N00000000', c.bizlink_market_segment, %(none)s)
		join ({" union all ".join(selects)}) cell
		where c.name = %(customer)s and c.bizlink_market_segment != ''
		on duplicate key update {", ".join(f"{target}.{m} = {target}.{m} + values({m})" for m in MEASURES)}""",
		values,
	)


# a customer moving between segments


def contributions(customer: str) -> dict:
	"""Everything the customer adds to its segment, read from the documents with locking reads."""
	cells: dict = defaultdict(lambda: defaultdict(float))

	def put(company, on, **measures):
		for key in ((company or "", "Day", on), (company or "", "Month", get_first_day(on))):
			for measure, value in measures.items():
				cells[key][measure] += flt(value)

	invoice = frappe.qb.DocType("Sales Invoice")
	for row in run_locked(
		frappe.qb.from_(invoice)
		.select(invoice.company, invoice.posting_date, Sum(invoice.base_net_total).as_("amount"))
		.where((invoice.customer == customer) & (invoice.docstatus == 1))
		.groupby(invoice.company, invoice.posting_date)
	):
		put(row.company, row.posting_date, revenue=row.amount)

	order = frappe.qb.DocType("Sales Order")
	for row in run_locked(
		frappe.qb.from_(order)
		.select(
			order.company,
			order.transaction_date,
			Count(order.name).as_("orders"),
			Sum(order.base_net_total).as_("amount"),
		)
		.where((order.customer == customer) & (order.docstatus == 1))
		.groupby(order.company, order.transaction_date)
	):
		put(row.company, row.transaction_date, orders=row.orders, order_value=row.amount)

	interaction = frappe.qb.DocType("Sales Interaction")
	day = Date(interaction.interaction_date)
	for row in run_locked(
		frappe.qb.from_(interaction)
		.select(day.as_("day"), Count(interaction.name).as_("interactions"))
		.where((interaction.customer == customer) & interaction.interaction_date.isnotnull())
		.groupby(day)
	):
		put("", row.day, interactions=row.interactions)

	ticket = frappe.qb.DocType("Service Ticket")
	day = Date(ticket.rated_on)
	for row in run_locked(
		frappe.qb.from_(ticket)
		.select(day.as_("day"), Sum(ticket.rating * 5).as_("stars"), Count(ticket.name).as_("ratings"))
		.where((ticket.customer == customer) & ticket.rated_on.isnotnull())
		.groupby(day)
	):
		put("", row.day, rating_sum=row.stars, ratings=row.ratings)

	open_tickets = run_locked(
		frappe.qb.from_(ticket)
		.select(Count(ticket.name).as_("count"))
		.where((ticket.customer == customer) & ticket.status.notin(RESOLVED))
	)[0].count
	cells[("", "Now", None)] = {"customers": 1, "open_tickets": open_tickets}
	return cells


def segment_dims(segment: str) -> tuple | None:
	row = frappe.db.get_value(DOCTYPE, {"segment": segment}, list(DIMENSIONS), as_dict=True)
	return tuple(row[key] for key in DIMENSIONS) if row else None


def reconcile_customer(customer: str) -> tuple[str, tuple] | None:
	"""Move the customer's contributions to the segment it belongs in now, if it has changed.

	Returns the segment its documents count in, (key, dims), or None (disabled or deleted)."""
	query = customer_segment_query(customer).for_update()
	rows = query.run(as_dict=True)
	if not rows:
		return None
	row = rows[0]
	dims = tuple(row[key] for key in DIMENSIONS)
	current = "" if row.disabled else segment_key(dims)
	if current == row.recorded:
		return (current, dims) if current else None
	move(customer, row.recorded, current, dims)
	return (current, dims) if current else None


def move(customer: str, old: str, new: str, new_dims: tuple | None) -> None:
	cells = contributions(customer)
	if old and (old_dims := segment_dims(old)):
		upsert(old, old_dims, cells, -1)
	if new:
		upsert(new, new_dims, cells, 1)
	frappe.db.set_value("Customer", customer, "bizlink_market_segment", new, update_modified=False)


def reconcile_drifted() -> int:
	"""Daily: reconcile the customers whose segment changed without their document being saved
	(frappe.db.set_value, data patches). Returns how many moved."""
	c = frappe.qb.DocType("Customer")
	address = frappe.qb.DocType("Address")
	dims = Function(
		"CONCAT_WS",
		Function("CHAR", 31),
		IfNull(c.bizlink_age_band, ""),
		IfNull(address.city, ""),
		IfNull(c.customer_group, ""),
		IfNull(c.territory, ""),
	)
	current = Case().when(c.disabled == 1, "").else_(Function("MD5", dims))
	names = (
		frappe.qb.from_(c)
		.left_join(address)
		.on(address.name == c.customer_primary_address)
		.select(c.name)
		.where(IfNull(c.bizlink_market_segment, "") != current)
		.run(pluck=True)
	)
	for name in names:
		reconcile_customer(name)
	return len(names)


# document events


def on_customer_change(doc, method=None) -> None:
	if not doc.flags.in_delete:  # Frappe runs on_change after on_trash too
		reconcile_customer(doc.name)


def on_customer_trash(doc, method=None) -> None:
	recorded = frappe.db.get_value("Customer", doc.name, "bizlink_market_segment", for_update=True)
	if recorded:
		move(doc.name, recorded, "", None)


def before_customer_rename(doc, method=None, old=None, new=None, merge=False) -> None:
	"""Merging customers: both leave their segments; after the merge the survivor comes back with
	everything that is now its own."""
	if not merge:
		return
	for customer in (old, new):
		recorded = frappe.db.get_value("Customer", customer, "bizlink_market_segment", for_update=True)
		if recorded:
			move(customer, recorded, "", None)


def after_customer_rename(doc, method=None, old=None, new=None, merge=False) -> None:
	if merge:
		reconcile_customer(new)


def on_address_change(doc, method=None) -> None:
	"""A new city on a primary address moves its customers to another segment."""
	if doc.flags.in_delete or doc.is_new() or not doc.has_value_changed("city"):
		return
	for customer in frappe.get_all("Customer", filters={"customer_primary_address": doc.name}, pluck="name"):
		reconcile_customer(customer)


def on_invoice(doc, method=None) -> None:
	sign = -1 if method == "on_cancel" else 1
	add(doc.customer, dated_cells(doc.company, doc.posting_date, {"revenue": doc.base_net_total}), sign)


def on_sales_order(doc, method=None) -> None:
	sign = -1 if method == "on_cancel" else 1
	measures = {"orders": 1, "order_value": doc.base_net_total}
	add(doc.customer, dated_cells(doc.company, doc.transaction_date, measures), sign)


def interaction_cells(doc) -> dict:
	if not doc or not doc.get("customer") or not doc.get("interaction_date"):
		return {}
	return dated_cells("", doc.interaction_date, {"interactions": 1})


def ticket_cells(doc) -> dict:
	if not doc or not doc.get("customer"):
		return {}
	cells = {}
	if doc.get("rated_on"):
		cells = dated_cells("", doc.rated_on, {"rating_sum": flt(doc.rating) * 5, "ratings": 1})
	if doc.get("status") not in RESOLVED:
		cells[("", "Now", None)] = {"open_tickets": 1}
	return cells


CELLS = {"Sales Interaction": interaction_cells, "Service Ticket": ticket_cells}
FIELDS = {
	"Sales Interaction": ["customer", "interaction_date"],
	"Service Ticket": ["customer", "status", "rating", "rated_on"],
}


def before_change(doc, method=None) -> None:
	"""db_set: remember what the document adds as stored now (the document's doc_before_save may be
	older, from a save earlier in the request)."""
	before = frappe.db.get_value(doc.doctype, doc.name, FIELDS[doc.doctype], as_dict=True, for_update=True)
	doc.flags.bizlink_segment_before = before


def on_change(doc, method=None) -> None:
	"""Sales Interaction and Service Ticket: take what the document added before, add what it adds now."""
	if doc.flags.in_delete:  # Frappe runs on_change after on_trash too
		return
	cells_of = CELLS[doc.doctype]
	before = doc.flags.pop("bizlink_segment_before", None) or doc.get_doc_before_save()
	old, new = cells_of(before), cells_of(doc)
	if old == new and (before and before.customer) == doc.customer:
		return
	add(before and before.customer, old, -1)
	add(doc.customer, new, 1)


def on_trash(doc, method=None) -> None:
	add(doc.customer, CELLS[doc.doctype](doc), -1)


# reading: the report's segments


def date_ranges(from_date, to_date) -> list[tuple[str, date, date]]:
	"""[from_date, to_date] as whole months (Month rows) and the days at either end (Day rows)."""
	from_date, to_date = getdate(from_date), getdate(to_date)
	first = from_date if from_date.day == 1 else add_months(get_first_day(from_date), 1)
	last = (
		get_first_day(to_date) if to_date == get_last_day(to_date) else add_months(get_first_day(to_date), -1)
	)
	if first > last:
		return [("Day", from_date, to_date)]
	ranges = [("Month", first, last)]
	if from_date < first:
		ranges.append(("Day", from_date, add_days(first, -1)))
	if to_date > get_last_day(last):
		ranges.append(("Day", add_days(get_last_day(last), 1), to_date))
	return ranges


def in_period(table, from_date, to_date):
	"""Rows of the period, as ranges of names (the primary key: read in order, not looked up)."""
	condition = None
	for period, start, end in date_ranges(from_date, to_date):
		code = PERIOD_CODES[period]
		# a name is code + yyyymmdd + hex digits, all of which sort before "z"
		term = table.name[f"{code}{start:%Y%m%d}" : f"{code}{end:%Y%m%d}z"]
		condition = term if condition is None else condition | term
	return condition


def segment_query(filters, dims: list[str]):
	"""The Market Segments aggregate from the rollup: one row per combination of `dims`."""
	t = frappe.qb.DocType(DOCTYPE)
	current = in_period(t, filters.from_date, filters.to_date)
	previous = in_period(t, *previous_period(filters.from_date, filters.to_date))

	def within(condition, measure):
		return Sum(Case().when(condition, t[measure]).else_(0))

	query = (
		frappe.qb.from_(t)
		.select(
			*(t[key].as_(key) for key in dims),
			Sum(t.customers).as_("customers"),
			within(current, "revenue").as_("revenue"),
			within(previous, "revenue").as_("previous_revenue"),
			within(current, "orders").as_("orders"),
			within(current, "order_value").as_("order_value"),
			within(current, "interactions").as_("interactions"),
			Sum(t.open_tickets).as_("open_tickets"),
			within(current, "rating_sum").as_("rating_sum"),
			within(current, "ratings").as_("ratings"),
		)
		.where(t.name["N":"Nz"] | current | previous)
		.groupby(*(t[key] for key in dims))
		.having(Sum(t.customers) > 0)
		.orderby(within(current, "revenue"), order=frappe.qb.desc)
		.orderby(*(t[key] for key in dims))  # ties in a stable order
		.limit(1000)
	)
	if filters.company:
		query = query.where(t.company.isin([filters.company, ""]))
	for key in DIMENSIONS:
		if filters.get(key):
			query = query.where(t[key] == filters.get(key))
	return query


# rebuilding from the documents

SEGMENT = (
	"MD5(CONCAT_WS(CHAR(31), IFNULL(c.bizlink_age_band, ''), IFNULL(a.city, ''), "
	"IFNULL(c.customer_group, ''), IFNULL(c.territory, '')))"
)
DIMS = (
	"MIN(IFNULL(c.bizlink_age_band, '')), MIN(IFNULL(a.city, '')), "
	"MIN(IFNULL(c.customer_group, '')), MIN(IFNULL(c.territory, ''))"
)
CUSTOMERS = (
	"join `tabCustomer` c on c.name = src.customer and c.disabled = 0 "
	"left join `tabAddress` a on a.name = c.customer_primary_address"
)
COLUMNS = (
	"name, segment, age_band, city, customer_group, territory, company, period, period_start, "
	"creation, modified, owner, modified_by"
)
# (source table, company, day, measures {column: aggregate}, condition)
SOURCES = (
	(
		"tabSales Invoice",
		"src.company",
		"src.posting_date",
		{"revenue": "sum(src.base_net_total)"},
		"src.docstatus = 1",
	),
	(
		"tabSales Order",
		"src.company",
		"src.transaction_date",
		{"orders": "count(*)", "order_value": "sum(src.base_net_total)"},
		"src.docstatus = 1",
	),
	(
		"tabSales Interaction",
		"''",
		"date(src.interaction_date)",
		{"interactions": "count(*)"},
		"src.interaction_date is not null",
	),
	(
		"tabService Ticket",
		"''",
		"date(src.rated_on)",
		{"rating_sum": "sum(src.rating * 5)", "ratings": "count(*)"},
		"src.rated_on is not null",
	),
)


def rebuild(truncate: bool = False) -> dict:
	"""Recompute the whole rollup from the documents, in this transaction (readers see the old rollup
	until it commits). `truncate` empties the table first, committing: for a bulk load, where nobody
	reads yet. Returns the rows made per period."""
	sql = frappe.db.sql
	if truncate:
		frappe.db.truncate(DOCTYPE)
	else:
		sql("delete from `tabSegment Activity`")  # nosemgrep
	# the segment each customer counts in
	sql(  # nosemgrep
		f"""update `tabCustomer` c left join `tabAddress` a on a.name = c.customer_primary_address
		set c.bizlink_market_segment = if(c.disabled, '', {SEGMENT})"""
	)
	stamp = "now(6), now(6), 'Administrator', 'Administrator'"
	for table, company, day, measures, condition in SOURCES:
		names = ", ".join(measures)
		values = ", ".join(measures.values())
		updates = ", ".join(f"{m} = {m} + values({m})" for m in measures)
		sql(  # nosemgrep
			f"""insert into `tabSegment Activity` ({COLUMNS}, {names})
			select concat('D', date_format({day}, '%Y%m%d'), c.bizlink_market_segment, left(md5({company}), 12)),
				c.bizlink_market_segment, {DIMS}, {company}, 'Day', {day}, {stamp}, {values}
			from `{table}` src {CUSTOMERS}
			where {condition}
			group by {day}, c.bizlink_market_segment, {company}
			on duplicate key update {updates}"""
		)
	month = "date_format(period_start, '%Y-%m-01')"
	dated = [m for m in MEASURES if m not in ("customers", "open_tickets")]
	sql(  # nosemgrep
		f"""insert into `tabSegment Activity` ({COLUMNS}, {", ".join(dated)})
		select concat('M', date_format(period_start, '%Y%m01'), segment, left(md5(company), 12)), segment,
			min(age_band), min(city), min(customer_group), min(territory), company, 'Month', {month},
			{stamp}, {", ".join(f"sum({m})" for m in dated)}
		from `tabSegment Activity` where period = 'Day'
		group by {month}, segment, company"""
	)
	sql(  # nosemgrep
		f"""insert into `tabSegment Activity` ({COLUMNS}, customers)
		select concat('N00000000', c.bizlink_market_segment, left(md5(''), 12)), c.bizlink_market_segment,
			{DIMS}, '', 'Now', null, {stamp}, count(*)
		from `tabCustomer` c left join `tabAddress` a on a.name = c.customer_primary_address
		where c.disabled = 0
		group by c.bizlink_market_segment"""
	)
	sql(  # nosemgrep
		f"""insert into `tabSegment Activity` ({COLUMNS}, open_tickets)
		select concat('N00000000', c.bizlink_market_segment, left(md5(''), 12)), c.bizlink_market_segment,
			{DIMS}, '', 'Now', null, {stamp}, count(*)
		from `tabService Ticket` src {CUSTOMERS}
		where src.status not in ('Resolved', 'Closed')
		group by c.bizlink_market_segment
		on duplicate key update open_tickets = open_tickets + values(open_tickets)"""
	)
	return {period: frappe.db.count(DOCTYPE, {"period": period}) for period in ("Day", "Month", "Now")}


def rebuild_job() -> None:
	"""The rebuild as a background job (install on a site with history, `bizlink-rebuild-segments`)."""
	rebuild()
	frappe.db.commit()  # nosemgrep
