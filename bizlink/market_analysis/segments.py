"""The market segments rollup (DocType Segment Activity), which the Market Segments report reads.

A segment is one combination of age band, city (of the customer's market address: its Primary
Address, else the address linked to it that a user would call its address — `MARKET_ADDRESS`),
customer group and territory. Each enabled customer counts in exactly one segment: the one recorded on the customer
(`bizlink_market_segment`, a hash of the four). For each segment the rollup keeps, by day and by
month, what its customers were invoiced, ordered, asked (interactions) and rated (tickets), how many
of their installations had a promised date and how many met it; and, as of now, how many customers and
open tickets it has. (Visit ratings are not kept here: the rollup is read by sales users, who may not
read ratings; Market Segments reads them from Visit Rating for those who may.)

Documents add to or take from their customer's recorded segment in the same transaction as they
change, by increments (as ERPNext keeps its Bin), so concurrent writers never overwrite each other and
a rolled back change leaves nothing behind. When a customer's segment changes (group, territory, age
band, city of the primary address, disabled) everything the customer contributed moves with it: at
once when the Customer or Address is saved, by the daily reconciliation when a field was written
behind the documents' back.
`rebuild` recomputes the whole rollup from the documents in one transaction (install, the scale
generator); `rebuild_live` (`rebuild_job`) corrects it on a live site, in short transactions, with
increments computed from one consistent read, so writers are never refused."""

import hashlib
from collections import defaultdict
from datetime import date

import frappe
from frappe.query_builder import Case
from frappe.query_builder.functions import IfNull, Sum
from frappe.utils import add_days, add_months, cint, flt, get_first_day, get_last_day, getdate, now
from pypika.terms import Field, Values, ValueWrapper

from bizlink.market_analysis.market import (
	SALES,
	customers_by_market_address,
	previous_period,
	sales_of,
	sales_sql,
)
from bizlink.service.doctype.service_ticket.service_ticket import RESOLVED_STATUSES

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
	"installations_promised",
	"installations_on_time",
)
# every row's columns before its measures
COLUMNS = (
	"name",
	"segment",
	*DIMENSIONS,
	"company",
	"period",
	"period_start",
	"creation",
	"modified",
	"owner",
	"modified_by",
)
ROW_LIMIT = 1000  # segments a report shows at most
SEPARATOR = "\x1f"


# the dimension values of a Customer `c` and its market Address `a`, in SQL, in DIMENSIONS order
DIMENSION_SQL = (
	"IFNULL(c.bizlink_age_band, '')",
	"IFNULL(a.city, '')",
	"IFNULL(c.customer_group, '')",
	"IFNULL(c.territory, '')",
)


def segment_key(dims) -> str:
	"""A segment's key: the MD5 of its dimension values joined by SEPARATOR (segment_key_sql in SQL)."""
	return hashlib.md5(SEPARATOR.join(dims).encode()).hexdigest()


def segment_key_sql(terms) -> str:
	"""segment_key in SQL, over SQL terms giving the dimension values."""
	return "MD5(CONCAT_WS(CHAR({}), {}))".format(ord(SEPARATOR), ", ".join(terms))


PERIOD_CODES = {"Day": "D", "Month": "M", "Now": "N"}


def company_key(company: str | None) -> str:
	return hashlib.md5((company or "").encode()).hexdigest()[:12]


def name_prefix(period: str, start) -> str:
	"""A row's name starts with its period and date: "D20261127", "M20261101", "N00000000"."""
	return PERIOD_CODES[period] + (getdate(start).strftime("%Y%m%d") if start else "00000000")


def row_name(segment: str, company: str, period: str, start) -> str:
	"""Period, date, segment, company: the table is stored in this order (the name is its primary key),
	so the rows of a date range lie together and the report reads them as one stretch."""
	return f"{name_prefix(period, start)}{segment}{company_key(company)}"


# reading a customer's segment


def customer_segment_query(customer: str):
	query, c, address = customers_by_market_address()
	return query.select(
		c.disabled,
		IfNull(c.bizlink_market_segment, "").as_("recorded"),
		IfNull(c.bizlink_age_band, "").as_("age_band"),
		IfNull(address.city, "").as_("city"),
		IfNull(c.customer_group, "").as_("customer_group"),
		IfNull(c.territory, "").as_("territory"),
	).where(c.name == customer)


# writing


def upsert(segment: str, dims: tuple, cells: dict, sign: int = 1) -> None:
	"""Add (sign 1) or take away (sign -1) `cells`, {(company, period, start): {measure: value}}."""
	if not segment or not cells:
		return
	table = frappe.qb.DocType(DOCTYPE)
	stamp, user = now(), frappe.session.user
	query = frappe.qb.into(table).columns(*COLUMNS, *MEASURES)
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
		values.update(
			{
				f"prefix{i}": name_prefix(period, start),
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
		f"""insert into {target} ({", ".join(COLUMNS + MEASURES)})
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
	"""Everything the customer adds to its segment, read from the documents (as `rebuild` reads them,
	SOURCES) with locking reads: they see the latest committed rows and keep them until this
	transaction ends."""
	cells: dict = defaultdict(lambda: defaultdict(float))
	for table, company, day, measures, condition in SOURCES:
		aggregates = ", ".join(f"{aggregate} {measure}" for measure, aggregate in measures.items())
		rows = frappe.db.sql(  # nosemgrep
			f"""select {company} company, {day} day, {aggregates} from `{table}` src
			where {condition} and src.customer = %(customer)s
			group by {company}, {day} lock in share mode""",
			{"customer": customer},
			as_dict=True,
		)
		for row in rows:
			for key, values in dated_cells(row.company, row.day, {m: row[m] for m in measures}).items():
				for measure, value in values.items():
					cells[key][measure] += flt(value)
	open_tickets = frappe.db.sql(  # nosemgrep
		f"""select count(*) from `tabService Ticket` src
		where {OPEN_TICKET} and src.customer = %(customer)s lock in share mode""",
		{"customer": customer},
	)[0][0]
	cells[("", "Now", None)] = {"customers": 1, "open_tickets": open_tickets}
	return cells


def segment_dims(segment: str) -> tuple | None:
	row = frappe.db.get_value(DOCTYPE, {"segment": segment}, list(DIMENSIONS), as_dict=True)
	return tuple(row[key] for key in DIMENSIONS) if row else None


def reconcile_customer(customer: str) -> None:
	"""Move the customer's contributions to the segment it belongs in now, if it has changed."""
	rows = customer_segment_query(customer).for_update().run(as_dict=True)
	if not rows:
		return
	row = rows[0]
	dims = tuple(row[key] for key in DIMENSIONS)
	current = "" if row.disabled else segment_key(dims)
	if current != row.recorded:
		move(customer, row.recorded, current, dims)


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
	refresh_market_addresses()
	names = frappe.db.sql(  # nosemgrep
		f"""select c.name from `tabCustomer` c
		left join `tabAddress` a on a.name = c.bizlink_market_address
		where ifnull(c.bizlink_market_segment, '') != {CURRENT_SEGMENT}""",
		pluck=True,
	)
	for name in names:
		reconcile_customer(name)
	return len(names)


# document events


def on_customer_change(doc, method=None) -> None:
	if not doc.flags.in_delete:  # Frappe runs on_change after on_trash too
		refresh_market_addresses(doc.name)  # a db_set of the primary address skips validate
		reconcile_customer(doc.name)


def leave_segment(customer: str) -> None:
	"""Take everything the customer contributed out of its segment (it counts nowhere until reconciled)."""
	recorded = frappe.db.get_value("Customer", customer, "bizlink_market_segment", for_update=True)
	if recorded:
		move(customer, recorded, "", None)


def on_customer_trash(doc, method=None) -> None:
	leave_segment(doc.name)


def before_customer_rename(doc, method=None, old=None, new=None, merge=False) -> None:
	"""Merging customers: both leave their segments; after the merge the survivor comes back with
	everything that is now its own."""
	if not merge:
		return
	for customer in (old, new):
		leave_segment(customer)


def after_customer_rename(doc, method=None, old=None, new=None, merge=False) -> None:
	if merge:
		reconcile_customer(new)


def on_dimension_rename(doc, method=None, old=None, new=None, merge=False) -> None:
	"""A Customer Group or Territory renamed (or merged into another): Frappe has rewritten the
	customers' link with SQL, so their segments move here, and the rows of every segment concerned
	(those under the old name, even emptied ones, and the survivor's) are written again from the
	documents."""
	field = {"Customer Group": "customer_group", "Territory": "territory"}[doc.doctype]
	recorded = set(frappe.get_all("Customer", {field: new}, pluck="bizlink_market_segment", distinct=True))
	recorded |= set(frappe.get_all(DOCTYPE, {field: old}, pluck="segment", distinct=True))
	record_current_segments(f"c.`{field}` = %(value)s", {"value": new})
	current = set(frappe.get_all("Customer", {field: new}, pluck="bizlink_market_segment", distinct=True))
	rewrite(recorded | current)


def on_company_rename(doc, method=None, old=None, new=None, merge=False) -> None:
	"""A company renamed: its rows (named and filtered by the company) are written again."""
	rewrite(frappe.get_all(DOCTYPE, {"company": ("in", (old, new))}, pluck="segment", distinct=True))


def record_current_segments(condition: str = "1 = 1", values: dict | None = None) -> None:
	"""Set each customer's recorded segment (those matching `condition`, on `tabCustomer` c) to the one
	its fields put it in now, in one statement; the rows of the segments are not touched."""
	frappe.db.sql(  # nosemgrep
		f"""update `tabCustomer` c left join `tabAddress` a on a.name = c.bizlink_market_address
		set c.bizlink_market_segment = {CURRENT_SEGMENT} where {condition}""",
		values or (),
	)


def rewrite(segments) -> None:
	"""Write the rows of `segments` again from the documents."""
	segments = sorted(set(segments) - {None, ""})
	if segments:
		frappe.db.delete(DOCTYPE, {"segment": ("in", segments)})
		fill(segments)


def on_address_change(doc, method=None) -> None:
	"""An address saved (made from the address form, REST or an import, linked, unlinked, a new city,
	marked primary, disabled): the customers it concerns find their market address again and move to
	the segment it puts them in."""
	if doc.flags.in_delete:
		return
	linked = {row.link_name for row in doc.get("links") or () if row.link_doctype == "Customer"}
	customers = linked | set(
		frappe.get_all(
			"Customer",
			or_filters={"bizlink_market_address": doc.name, "customer_primary_address": doc.name},
			pluck="name",
		)
	)
	move_to_market_address(customers)


def on_address_delete(doc, method=None) -> None:
	"""A deleted address (its links gone with it): its customers find another one."""
	move_to_market_address(frappe.get_all("Customer", {"bizlink_market_address": doc.name}, pluck="name"))


def on_address_rename(doc, method=None, old=None, new=None, merge=False) -> None:
	move_to_market_address(frappe.get_all("Customer", {"bizlink_market_address": old}, pluck="name"))


def move_to_market_address(customers) -> None:
	for customer in sorted(customers):
		refresh_market_addresses(customer)
		reconcile_customer(customer)


def on_sales(doc, method=None) -> None:
	"""A Sales Invoice or Sales Order submitted (or cancelled): its sales (market.SALES) on its day."""
	sign = -1 if method == "on_cancel" else 1
	add(doc.customer, dated_cells(doc.company, doc.get(SALES[doc.doctype].day), sales_of(doc)), sign)


def on_sales_order_update(doc, method=None) -> None:
	"""Update Items on a submitted order changes its value: the difference moves the order value."""
	before = doc.get_doc_before_save()
	change = flt(doc.base_net_total) - flt(before.base_net_total if before else doc.base_net_total)
	if change:
		add(doc.customer, dated_cells(doc.company, doc.transaction_date, {"order_value": change}))


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
	if doc.get("status") not in RESOLVED_STATUSES:
		cells[("", "Now", None)] = {"open_tickets": 1}
	return cells


def visit_cells(doc) -> dict:
	"""A completed Field Visit: whether it met its promised date, on its completion day."""
	if not doc or not doc.get("customer") or cint(doc.get("docstatus")) != 1:
		return {}
	if doc.get("promise_status") not in PROMISE_KEPT_OR_NOT or not doc.get("actual_end"):
		return {}
	kept = int(doc.promise_status == "On Time")
	return dated_cells("", doc.actual_end, {"installations_promised": 1, "installations_on_time": kept})


PROMISE_KEPT_OR_NOT = ("On Time", "Late")
CELLS = {"Sales Interaction": interaction_cells, "Service Ticket": ticket_cells, "Field Visit": visit_cells}
FIELDS = {
	"Sales Interaction": ["customer", "interaction_date"],
	"Service Ticket": ["customer", "status", "rating", "rated_on"],
	"Field Visit": ["customer", "docstatus", "promise_status", "actual_end"],
}


def stored_fields(doc):
	"""What the rollup holds for the document: its row as stored, read with a lock (None when new)."""
	if doc.is_new() or not doc.name:
		return None
	return frappe.db.get_value(doc.doctype, doc.name, FIELDS[doc.doctype], as_dict=True, for_update=True)


def before_save(doc, method=None) -> None:
	"""A save (insert or update), a submit or a cancel starts: remember what the document adds as
	stored before it."""
	doc.flags.bizlink_segment_counted = stored_fields(doc)


def before_change(doc, method=None) -> None:
	"""db_set: remember what the document adds as stored, unless this document object already knows
	what the rollup holds for it (before_save or the last on_change set it). Inside the document's own
	save (a db_set from its on_update) the stored row already holds the new values while the rollup
	does not: what the save began with is still what the rollup holds."""
	if "bizlink_segment_counted" not in doc.flags:
		doc.flags.bizlink_segment_counted = stored_fields(doc)


def on_change(doc, method=None) -> None:
	"""Sales Interaction and Service Ticket: take what the document added before, add what it adds now.
	Frappe runs on_change after each db_set and after the save itself: each takes away exactly what the
	previous one added, so a save whose on_update calls db_set adds the document once."""
	if doc.flags.in_delete:  # Frappe runs on_change after on_trash too
		return
	cells_of = CELLS[doc.doctype]
	before = doc.flags.get("bizlink_segment_counted")
	doc.flags.bizlink_segment_counted = frappe._dict({key: doc.get(key) for key in FIELDS[doc.doctype]})
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
		# a name is the prefix + hex digits, all of which sort before "z"
		term = table.name[name_prefix(period, start) : name_prefix(period, end) + "z"]
		condition = term if condition is None else condition | term
	return condition


# what the report shows of each combination of dimensions: the Now rows' counts, then the period's
# sums, then the previous period's revenue
NOW_FIGURES = ("customers", "open_tickets")
PERIOD_FIGURES = tuple(m for m in MEASURES if m not in NOW_FIGURES)
FIGURES = (*NOW_FIGURES, *PERIOD_FIGURES, "previous_revenue")


def segment_query(filters, dims: list[str]):
	"""The Market Segments aggregate from the rollup: one row per combination of `dims`.

	Each row of the rollup is read once, by the part its name falls in (the Now rows, the period's, the
	previous period's), each part summed by `dims` over a range of the primary key, and the parts
	added together: no condition is evaluated again for each measure of each row."""
	t = frappe.qb.DocType(DOCTYPE)

	def part(condition, figures: dict):
		"""`dims` and, summed over the rows in `condition`, each figure in `figures` ({figure: column});
		the other figures 0."""
		query = frappe.qb.from_(t).select(*(t[key].as_(key) for key in dims))
		for figure in FIGURES:
			column = figures.get(figure)
			query = query.select((Sum(t[column]) if column else ValueWrapper(0)).as_(figure))
		query = query.where(condition)
		if filters.company:
			query = query.where(t.company.isin([filters.company, ""]))
		for key in DIMENSIONS:
			if filters.get(key):
				query = query.where(t[key] == filters.get(key))
		return query.groupby(*(t[key] for key in dims)) if dims else query

	parts = (
		part(t.name["N":"Nz"], {figure: figure for figure in NOW_FIGURES}),
		part(in_period(t, filters.from_date, filters.to_date), {m: m for m in PERIOD_FIGURES}),
		part(
			in_period(t, *previous_period(filters.from_date, filters.to_date)),
			{"previous_revenue": "revenue"},
		),
	)
	u = parts[0].union_all(parts[1]).union_all(parts[2]).as_("parts")
	keys = [Field(key, table=u) for key in dims]
	return (
		frappe.qb.from_(u)
		.select(*(key.as_(key.name) for key in keys))
		.select(*(Sum(Field(figure, table=u)).as_(figure) for figure in FIGURES))
		.groupby(*keys)
		.having(Sum(Field("customers", table=u)) > 0)
		.orderby(Sum(Field("revenue", table=u)), order=frappe.qb.desc)
		.orderby(*keys)  # ties in a stable order
		.limit(ROW_LIMIT + 1)  # one more tells the report the list was cut
	)


# what the documents contribute, in SQL: read by rebuild (all customers) and contributions (one)

SEGMENT = segment_key_sql(DIMENSION_SQL)
DIMS = ", ".join(f"MIN({term})" for term in DIMENSION_SQL)
# the address a user would call the customer's: the Customer's Primary Address; else, of the enabled
# addresses linked to it (however they were made: address form, REST, import), the one marked
# Preferred Billing Address (is_primary_address), else a billing address, else the first one made
MARKET_ADDRESS = """coalesce(nullif(c.customer_primary_address, ''), (
	select dl.parent from `tabDynamic Link` dl join `tabAddress` ma on ma.name = dl.parent
	where dl.parenttype = 'Address' and dl.link_doctype = 'Customer' and dl.link_name = c.name
		and ma.disabled = 0
	order by ma.is_primary_address desc, ma.address_type = 'Billing' desc, ma.creation, ma.name
	limit 1))"""
# the segment a customer belongs in now ('' when disabled): segment_key() in SQL
CURRENT_SEGMENT = f"if(c.disabled, '', {SEGMENT})"
OPEN_TICKET = "src.status not in ({})".format(", ".join(f"'{status}'" for status in RESOLVED_STATUSES))
CUSTOMERS = (
	"join `tabCustomer` c on c.name = src.customer and c.disabled = 0 "
	"left join `tabAddress` a on a.name = c.bizlink_market_address"
)
# (source table, company, day, measures {column: aggregate}, condition)
SOURCES = (
	*((f"tab{doctype}", "src.company", *sales_sql(doctype), "src.docstatus = 1") for doctype in SALES),
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
	(
		"tabField Visit",
		"''",
		"date(src.actual_end)",
		{
			"installations_promised": "count(*)",
			"installations_on_time": "sum(src.promise_status = 'On Time')",
		},
		"src.docstatus = 1 and src.promise_status in ('On Time', 'Late') and src.actual_end is not null",
	),
)


def refresh_market_addresses(customer: str | None = None) -> int:
	"""Set `bizlink_market_address` (MARKET_ADDRESS) of one customer, or of every customer whose stored
	one differs; return how many changed."""
	condition = "c.name = %(customer)s" if customer else "1 = 1"
	frappe.db.sql(  # nosemgrep
		f"""update `tabCustomer` c set c.bizlink_market_address = {MARKET_ADDRESS}
		where {condition} and not (c.bizlink_market_address <=> {MARKET_ADDRESS})""",
		{"customer": customer},
	)
	return frappe.db._cursor.rowcount


def market_address_of(doc) -> str | None:
	"""MARKET_ADDRESS of a Customer document being saved (its primary address may be new)."""
	return frappe.db.sql(  # nosemgrep
		f"select {MARKET_ADDRESS} from (select %(name)s name, %(primary)s customer_primary_address) c",
		{"name": doc.name, "primary": doc.customer_primary_address or ""},
	)[0][0]


def rebuild(truncate: bool = False) -> dict:
	"""Recompute the whole rollup from the documents, in this transaction (readers see the old rollup
	until it commits). It locks the whole rollup and the documents it reads until then, so a writer
	waits for it (or deadlocks with it): for a site nobody writes to (install on a small site, the
	scale generator); a live site runs `rebuild_live`. `truncate` empties the table first, committing:
	for a bulk load, where nobody reads yet. Returns the rows made per period."""
	if truncate:
		frappe.db.truncate(DOCTYPE)
	else:
		frappe.db.sql("delete from `tabSegment Activity`")  # nosemgrep
	refresh_market_addresses()
	record_current_segments()
	fill()
	return {period: frappe.db.count(DOCTYPE, {"period": period}) for period in ("Day", "Month", "Now")}


def fill(segments: list[str] | None = None) -> None:
	"""Write the rollup rows of `segments` (all when None) from the documents, into a table without
	them: what `rebuild` and `repair_drift` write."""
	sql = frappe.db.sql
	values = {"segments": tuple(segments or ("",))}
	only = "and c.bizlink_market_segment in %(segments)s" if segments else ""
	stamp = "now(6), now(6), 'Administrator', 'Administrator'"
	for table, company, day, measures, condition in SOURCES:
		names = ", ".join(measures)
		aggregates = ", ".join(measures.values())
		updates = ", ".join(f"{m} = {m} + values({m})" for m in measures)
		sql(  # nosemgrep
			f"""insert into `tabSegment Activity` ({", ".join(COLUMNS)}, {names})
			select concat('D', date_format({day}, '%%Y%%m%%d'), c.bizlink_market_segment, left(md5({company}), 12)),
				c.bizlink_market_segment, {DIMS}, {company}, 'Day', {day}, {stamp}, {aggregates}
			from `{table}` src {CUSTOMERS}
			where {condition} {only}
			group by {day}, c.bizlink_market_segment, {company}
			on duplicate key update {updates}""",
			values,
		)
	month = "date_format(period_start, '%%Y-%%m-01')"
	dated = [m for m in MEASURES if m not in ("customers", "open_tickets")]
	sql(  # nosemgrep
		f"""insert into `tabSegment Activity` ({", ".join(COLUMNS)}, {", ".join(dated)})
		select concat('M', date_format(period_start, '%%Y%%m01'), segment, left(md5(company), 12)), segment,
			min(age_band), min(city), min(customer_group), min(territory), company, 'Month', {month},
			{stamp}, {", ".join(f"sum({m})" for m in dated)}
		from `tabSegment Activity` where period = 'Day' {only.replace("c.bizlink_market_segment", "segment")}
		group by {month}, segment, company""",
		values,
	)
	sql(  # nosemgrep
		f"""insert into `tabSegment Activity` ({", ".join(COLUMNS)}, customers)
		select concat('N00000000', c.bizlink_market_segment, left(md5(''), 12)), c.bizlink_market_segment,
			{DIMS}, '', 'Now', null, {stamp}, count(*)
		from `tabCustomer` c left join `tabAddress` a on a.name = c.bizlink_market_address
		where c.disabled = 0 {only}
		group by c.bizlink_market_segment""",
		values,
	)
	sql(  # nosemgrep
		f"""insert into `tabSegment Activity` ({", ".join(COLUMNS)}, open_tickets)
		select concat('N00000000', c.bizlink_market_segment, left(md5(''), 12)), c.bizlink_market_segment,
			{DIMS}, '', 'Now', null, {stamp}, count(*)
		from `tabService Ticket` src {CUSTOMERS}
		where {OPEN_TICKET} {only}
		group by c.bizlink_market_segment
		on duplicate key update open_tickets = open_tickets + values(open_tickets)""",
		values,
	)


def delta_sql() -> str:
	"""One statement (so one consistent, non-locking read of documents and rollup together): for each
	rollup row whose figures differ from what its documents add up to, the documents' aggregate minus the
	row, by measure, with the row's segment, dimensions, company, period and start (to make it when
	missing) and `present` (1 when the row exists). Documents of a customer with no recorded segment
	count nowhere (the increments never add them either)."""
	dims = ", ".join(f"min({term}) {key}" for term, key in zip(DIMENSION_SQL, DIMENSIONS, strict=True))
	parts = []
	for table, company, day, measures, condition in SOURCES:
		for period, start, first in (
			("D", f"date_format({day}, '%%Y%%m%%d')", f"date({day})"),
			("M", f"date_format({day}, '%%Y%%m01')", f"date_format({day}, '%%Y-%%m-01')"),
		):
			columns = ", ".join(f"{measures.get(m, '0')} {m}" for m in MEASURES)
			parts.append(
				f"""select concat('{period}', {start}, c.bizlink_market_segment, left(md5({company}), 12)) name,
				c.bizlink_market_segment segment, {dims}, {company} company,
				'{dict(D="Day", M="Month")[period]}' period, cast(min({first}) as date) period_start,
				0 present, {columns}
				from `{table}` src {CUSTOMERS} where {condition} and c.bizlink_market_segment != ''
				group by {start}, c.bizlink_market_segment, {company}"""
			)
	now_name = "concat('N00000000', c.bizlink_market_segment, left(md5(''), 12))"
	now = f"c.bizlink_market_segment segment, {dims}, '' company, 'Now' period, null period_start, 0 present"
	zeros = {m: "0" for m in MEASURES}
	columns = ", ".join(f"{'count(*)' if m == 'customers' else zeros[m]} {m}" for m in MEASURES)
	parts.append(
		f"""select {now_name} name, {now}, {columns}
		from `tabCustomer` c left join `tabAddress` a on a.name = c.bizlink_market_address
		where c.disabled = 0 and c.bizlink_market_segment != '' group by c.bizlink_market_segment"""
	)
	columns = ", ".join(f"{'count(*)' if m == 'open_tickets' else zeros[m]} {m}" for m in MEASURES)
	parts.append(
		f"""select {now_name} name, {now}, {columns}
		from `tabService Ticket` src {CUSTOMERS}
		where {OPEN_TICKET} and c.bizlink_market_segment != '' group by c.bizlink_market_segment"""
	)
	parts.append(
		f"""select name, segment, {", ".join(DIMENSIONS)}, company, period, period_start, 1 present,
		{", ".join(f"-{m}" for m in MEASURES)} from `tabSegment Activity`"""
	)
	differs = " or ".join(f"abs(sum({m})) > 0.005" for m in MEASURES)
	return f"""select name, min(segment) segment, {", ".join(f"min({key}) {key}" for key in DIMENSIONS)},
		min(company) company, min(period) period, min(period_start) period_start, max(present) present,
		{", ".join(f"sum({m}) {m}" for m in MEASURES)}
		from ({" union all ".join(parts)}) delta
		group by name having {differs}"""


def drifted_segments() -> list[str]:
	"""The segments whose rollup rows differ from what their documents add up to, in any row (day,
	month or now) and measure (`delta_sql`)."""
	return frappe.db.sql(  # nosemgrep
		f"select distinct segment from ({delta_sql()}) drifted",
		{"none": ""},  # with parameters, % is written %%
		pluck=True,
	)


def repair_drift() -> tuple[int, list[str]]:
	"""Daily: move the customers whose segment changed behind BizLink's back, then rewrite the segments
	whose rollup still differs from their documents (a document written with set_value, a change from
	before a fix). Returns (customers moved, segments rewritten)."""
	moved = reconcile_drifted()
	segments = sorted(set(drifted_segments()) - {None, ""})
	rewrite(segments)
	return moved, segments


def rebuild_job() -> dict:
	"""The rebuild to run on a live site (a background job on install on a big site; `bench --site SITE
	execute bizlink.market_analysis.segments.rebuild_job` to repair): `rebuild_live`."""
	return rebuild_live()


# the rebuild on a live site

LIVE_BATCH = 2000  # rollup rows corrected per transaction


def rebuild_live(batch_size: int = LIVE_BATCH) -> dict:
	"""Make the rollup equal to the documents while users keep writing, in short transactions (it
	commits): a writer waits at most for one of them, never for the whole rebuild, and never deadlocks
	with one over the rows that exist (their batch never waits while holding a lock):

	1. customers whose market address or segment changed behind the documents' back move, one per
	   transaction, the way a Customer save moves them (`reconcile_customer`);
	2. every segment with enabled customers gets its Now row (`add` adds only to a segment that has one);
	3. one statement (`delta_sql`: a consistent, non-locking read of documents and rollup together,
	   streamed from a second connection) gives each row's correction: what the documents add up to
	   minus what the row holds;
	4. the corrections are added as increments, as the documents add theirs, in name order and in
	   batches of one period: the rows of a batch it can lock at once (`FOR UPDATE SKIP LOCKED`) in
	   one transaction, those missing (a damaged or empty rollup) in another, and each row a writer
	   held in a transaction of its own, which waits for that writer alone.

	A row ends at what it held when the corrections were read, plus what writers added since, plus the
	correction: what its documents add up to now. Rows left at zero stay (the report skips them).
	Only the batch of missing rows may wait while holding locks (for a writer making a row next to
	them): should that deadlock, InnoDB rolls back the transaction that wrote less, which for a big
	batch may be the writer's; a damaged or empty rollup only. Returns what it did."""
	frappe.db.commit()  # nosemgrep (each step below is its own transaction)
	moved = reconcile_customers_live()
	made = make_now_rows()
	corrected = apply_deltas(read_deltas(), batch_size)
	return {"customers_moved": moved, "now_rows_made": made, "rows_corrected": corrected}


def read_deltas():
	"""The corrections (`delta_sql`) in name order, streamed from a connection of their own while this
	one applies them: one consistent read, never all in memory at once (a rollup to make from nothing
	has a million rows on 100,000 customers)."""
	from frappe.database import get_db

	conf = frappe.conf
	reader = get_db(
		socket=conf.db_socket,
		host=conf.db_host,
		port=conf.db_port,
		user=conf.db_name,
		password=conf.db_password,
		cur_db_name=conf.db_name,
	)
	try:
		reader.connect()
		reader.sql("set session net_write_timeout = 3600")  # the rows are read as they are applied
		with reader.unbuffered_cursor():
			yield from reader.sql(  # nosemgrep
				f"{delta_sql()} order by name", {"none": ""}, as_dict=True, as_iterator=True
			)
	finally:
		reader.rollback()
		reader.close()


def committed(fn, *args, attempts: int = 5):
	"""Run `fn` in its own transaction and commit it; a deadlock or lock wait timeout rolls it back and
	runs it again."""
	for attempt in range(attempts):
		try:
			result = fn(*args)
			frappe.db.commit()  # nosemgrep (a short transaction of the live rebuild)
			return result
		except (frappe.QueryDeadlockError, frappe.QueryTimeoutError):
			frappe.db.rollback()
			if attempt == attempts - 1:
				raise


def reconcile_customers_live() -> int:
	"""`reconcile_drifted` in one transaction per customer: the customers to move are found by a
	non-locking read, and only they are written."""
	stale = frappe.db.sql(  # nosemgrep
		f"""select c.name from `tabCustomer` c
		where not (c.bizlink_market_address <=> {MARKET_ADDRESS}) order by c.name""",
		pluck=True,
	)
	for name in stale:
		committed(refresh_market_addresses, name)
	drifted = frappe.db.sql(  # nosemgrep
		f"""select c.name from `tabCustomer` c
		left join `tabAddress` a on a.name = c.bizlink_market_address
		where ifnull(c.bizlink_market_segment, '') != {CURRENT_SEGMENT} order by c.name""",
		pluck=True,
	)
	frappe.db.commit()  # nosemgrep (end the read's snapshot)
	for name in drifted:
		committed(reconcile_customer, name)
	return len(drifted)


def make_now_rows() -> int:
	"""Make the missing Now row (all zero) of each segment that has enabled customers, one per
	transaction: a writer's `add` then finds it, so no increment made after the corrections are read
	is lost."""
	dims = ", ".join(f"min({term}) {key}" for term, key in zip(DIMENSION_SQL, DIMENSIONS, strict=True))
	rows = frappe.db.sql(  # nosemgrep
		f"""select concat('N00000000', c.bizlink_market_segment, %(none)s) name, c.bizlink_market_segment segment,
			{dims}, '' company, 'Now' period, null period_start
		from `tabCustomer` c left join `tabAddress` a on a.name = c.bizlink_market_address
		where c.disabled = 0 and c.bizlink_market_segment != '' and not exists (
			select 1 from `tabSegment Activity` n
			where n.name = concat('N00000000', c.bizlink_market_segment, %(none)s))
		group by c.bizlink_market_segment order by name""",
		{"none": company_key("")},
		as_dict=True,
	)
	frappe.db.commit()  # nosemgrep (end the read's snapshot)
	for row in rows:
		committed(add_rows, [row])
	return len(rows)


def apply_deltas(deltas, batch_size: int) -> int:
	"""Add the corrections `deltas` (in name order) to the rollup (see `rebuild_live`); how many."""
	alone, count = [], 0
	for batch in batches(deltas, batch_size):
		count += len(batch)
		held = committed(add_held_rows, batch)
		alone += [row for row in batch if row.present and row.name not in held]
		missing = [row for row in batch if not row.present]
		try:
			committed(add_rows, missing, attempts=1)
		except (frappe.QueryDeadlockError, frappe.QueryTimeoutError):
			alone += missing  # a writer made one of them meanwhile: each alone, waiting for it
	for row in sorted(alone, key=lambda row: row.name):
		committed(add_rows, [row])
	return count


def batches(rows, size: int):
	"""`rows` (in name order) in batches of at most `size`, each of one period (a writer locks a Now
	row before its Day and Month rows)."""
	batch = []
	for row in rows:
		if batch and (len(batch) >= size or batch[-1].name[0] != row.name[0]):
			yield batch
			batch = []
		batch.append(row)
	if batch:
		yield batch


def add_held_rows(batch: list) -> set:
	"""Lock the rows of `batch` that exist and nobody holds (skipping the others: never waiting while
	holding a lock), and add their corrections. Returns the names done."""
	names = [row.name for row in batch if row.present]
	held = set(
		frappe.db.sql(  # nosemgrep
			"""select name from `tabSegment Activity` where name in %(names)s
			order by name for update skip locked""",
			{"names": names},
			pluck=True,
		)
		if names
		else ()
	)
	add_rows([row for row in batch if row.name in held])
	return held


def add_rows(rows: list) -> None:
	"""Add each row's measures to the rollup row of its name (made when missing), as `upsert` does."""
	if not rows:
		return
	stamp, user = now(), frappe.session.user
	columns = COLUMNS + MEASURES
	values = []
	for row in rows:
		values += [row.name, row.segment, *(row[key] for key in DIMENSIONS), row.company, row.period]
		values += [row.period_start, stamp, stamp, user, user]
		values += [round(flt(row.get(m)), 9) for m in MEASURES]
	placeholders = "({})".format(", ".join(["%s"] * len(columns)))
	# a few thousand rows: the query builder takes five times as long as the database to write them
	frappe.db.sql(  # nosemgrep
		f"""insert into `tabSegment Activity` ({", ".join(columns)})
		values {", ".join([placeholders] * len(rows))}
		on duplicate key update {", ".join(f"{m} = {m} + values({m})" for m in MEASURES)}""",
		values,
	)
