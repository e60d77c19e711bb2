"""Market analysis: customers by age band, city, customer group and territory, with their sales and
sales activity in a period, and what the best customers have in common.

Every figure is a SQL aggregate: each measure is summed per customer once, in a derived table, and
the segments are grouped over those (no per-customer Python loop)."""

import frappe
from frappe.query_builder import Case
from frappe.query_builder.functions import Count, IfNull, Sum
from frappe.utils import add_days, add_months, date_diff, flt, getdate, today
from pypika.queries import QueryBuilder
from pypika.terms import Term

from bizlink.bizlink.validation import check_report_period
from bizlink.service.doctype.service_ticket.service_ticket import RESOLVED_STATUSES

DIMENSIONS = {
	# filter value: (column, label)
	"Age Band": ("age_band", "Age Band"),
	"City": ("city", "City"),
	"Customer Group": ("customer_group", "Customer Group"),
	"Territory": ("territory", "Territory"),
}
DEFAULT_DIMENSIONS = ["Customer Group", "Territory"]


# room for the per-customer derived tables of one aggregate statement (100k customers: ~60 MB)
AGGREGATE_TMP_TABLE_BYTES = 256 * 1024 * 1024


def run_aggregate(query, **kwargs):
	"""Run a market aggregate, its values passed as parameters like any qb query.

	On MariaDB the statement (and only it: SET STATEMENT) runs without split materialization, which
	would re-read each per-customer derived table once per customer (87 s instead of 3 s over 100k
	customers and 1M interactions), and with room to build those tables in memory instead of on disk.
	"""
	from frappe.query_builder.terms import NamedParameterWrapper

	params = NamedParameterWrapper()
	sql = query.get_sql(param_wrapper=params)
	if frappe.db.db_type == "mariadb":
		size = AGGREGATE_TMP_TABLE_BYTES
		sql = (
			"SET STATEMENT optimizer_switch='split_materialized=off', "
			f"tmp_table_size={size}, max_heap_table_size={size} FOR {sql}"
		)
	# SET STATEMENT has no query builder form; the values stay parameters
	return frappe.db.sql(sql, params.get_parameters(), **kwargs)  # nosemgrep


def normalise(filters) -> frappe._dict:
	"""A market report's filters, checked and completed: the period (the last twelve months by
	default) and the dimensions to segment by."""
	filters = frappe._dict(filters or {})
	filters.to_date = getdate(filters.to_date or today())
	filters.from_date = getdate(filters.from_date or add_months(filters.to_date, -12))
	check_report_period(filters.from_date, filters.to_date)
	dims = filters.dimensions or DEFAULT_DIMENSIONS
	if isinstance(dims, str):
		dims = frappe.parse_json(dims) if dims.startswith("[") else [d.strip() for d in dims.split(",")]
	filters.dimensions = [d for d in dims if d in DIMENSIONS] or DEFAULT_DIMENSIONS
	return filters


def customers_by_market_address():
	"""Customers joined to their market address, whose city Market Segments places them by:
	(query, Customer table, Address table)."""
	c = frappe.qb.DocType("Customer")
	address = frappe.qb.DocType("Address")
	return frappe.qb.from_(c).left_join(address).on(address.name == c.bizlink_market_address), c, address


class Names(Term):
	"""Names for an IN list, sent as one query parameter (the driver writes the tuple out): a thousand
	customers are then one term to build, not a thousand, in each query that lists them."""

	def __init__(self, names):
		super().__init__()
		self.names = tuple(names) or ("",)

	def get_sql(self, param_wrapper=None, **kwargs) -> str:
		if param_wrapper is None:
			return "({})".format(", ".join(frappe.db.escape(name) for name in self.names))
		return param_wrapper.get_sql(param_value=self.names)


def previous_period(from_date, to_date) -> tuple:
	days = date_diff(to_date, from_date) + 1
	return add_days(from_date, -days), add_days(from_date, -1)


def within_days(moment, from_date, to_date):
	"""A datetime on one of the days from_date..to_date: from the first midnight up to, not including,
	the midnight after the last day (which belongs to the next day, as the rollup counts it)."""
	return (moment >= getdate(from_date)) & (moment < add_days(getdate(to_date), 1))


# A customer's sales, defined once for every BizLink figure (Market Segments and its rollup, What Top
# Customers Share, Similar Customers, the customer file): what was invoiced (submitted Sales Invoices,
# net total in the company's currency, on their posting date) and what was ordered (submitted Sales
# Orders, counted, and their net total, on their order date).
SALES = {
	"Sales Invoice": frappe._dict(day="posting_date", measures={"revenue": "base_net_total"}),
	"Sales Order": frappe._dict(
		day="transaction_date", measures={"orders": None, "order_value": "base_net_total"}
	),
}


def sales_of(doc) -> dict:
	"""What one submitted invoice or order adds to its customer's sales: {measure: value}."""
	return {
		measure: 1 if field is None else flt(doc.get(field))
		for measure, field in SALES[doc.doctype].measures.items()
	}


def sales_query(
	doctype: str,
	from_date=None,
	to_date=None,
	company: str | list[str] | None = None,
	customers: list[str] | None = None,
):
	"""Per customer, its sales measures from `doctype` (SALES): in a period, of a company (or of
	several), of some customers; one row per customer, named `customer` and the measures."""
	table = frappe.qb.DocType(doctype)
	sales = SALES[doctype]
	query = (
		frappe.qb.from_(table)
		.select(
			table.customer,
			*(
				(Count(table.name) if field is None else Sum(table[field])).as_(measure)
				for measure, field in sales.measures.items()
			),
		)
		.where(table.docstatus == 1)
		.groupby(table.customer)
	)
	if from_date:
		query = query.where(table[sales.day][from_date:to_date])
	query = of_company(query, table, company)
	if isinstance(customers, QueryBuilder | Names):  # a segment's customers (a subquery), or many names
		query = query.where(table.customer.isin(customers))
	elif customers is not None:
		query = query.where(table.customer.isin(customers or [""]))
	return query


def of_company(query, table, company: str | list[str] | None):
	"""`query` narrowed to the documents of a company, or of several (the companies a user may read)."""
	if isinstance(company, list | tuple):
		return query.where(table.company.isin(company or [""]))
	return query.where(table.company == company) if company else query


def sales_sql(doctype: str) -> tuple[str, dict]:
	"""The same measures as SQL over a `src` alias, for the rollup's rebuild: (day, {measure: aggregate})."""
	sales = SALES[doctype]
	return f"src.{sales.day}", {
		measure: "count(*)" if field is None else f"sum(src.{field})"
		for measure, field in sales.measures.items()
	}


def customer_measures(
	from_date, to_date, company: str | None = None, customers: QueryBuilder | list[str] | Names | None = None
):
	"""Derived tables, one row per customer: revenue, previous revenue, orders and order value, interactions.

	`customers` (names, or a subquery of them) restricts every table to those customers: each then
	reads their documents only, by the customer column's index, instead of every customer's."""
	if isinstance(customers, list | tuple):
		customers = Names(customers)
	interaction = frappe.qb.DocType("Sales Interaction")
	prev_from, prev_to = previous_period(from_date, to_date)

	interactions = (
		frappe.qb.from_(interaction)
		.select(interaction.customer, Count(interaction.name).as_("interactions"))
		.where(within_days(interaction.interaction_date, from_date, to_date))
		.groupby(interaction.customer)
	)
	ticket = frappe.qb.DocType("Service Ticket")
	tickets = (
		frappe.qb.from_(ticket)
		.select(
			ticket.customer,
			Sum(Case().when(ticket.status.notin(RESOLVED_STATUSES), 1).else_(0)).as_("open_tickets"),
			Sum(
				Case().when(within_days(ticket.rated_on, from_date, to_date), ticket.rating * 5).else_(0)
			).as_("rating_sum"),
			Sum(Case().when(within_days(ticket.rated_on, from_date, to_date), 1).else_(0)).as_("ratings"),
		)
		.groupby(ticket.customer)
	)
	visit = frappe.qb.DocType("Field Visit")
	completed = within_days(visit.actual_end, from_date, to_date) & visit.promise_status.isin(
		["On Time", "Late"]
	)
	visits = (
		frappe.qb.from_(visit)
		.select(
			visit.customer,
			Sum(Case().when(completed, 1).else_(0)).as_("installations_promised"),
			Sum(Case().when(completed & (visit.promise_status == "On Time"), 1).else_(0)).as_(
				"installations_on_time"
			),
		)
		.where(visit.docstatus == 1)
		.groupby(visit.customer)
	)
	if customers is not None:
		interactions = interactions.where(interaction.customer.isin(customers))
		tickets = tickets.where(ticket.customer.isin(customers))
		visits = visits.where(visit.customer.isin(customers))
	return (
		sales_query("Sales Invoice", from_date, to_date, company, customers).as_("rev"),
		sales_query("Sales Invoice", prev_from, prev_to, company, customers).as_("prev"),
		sales_query("Sales Order", from_date, to_date, company, customers).as_("ord"),
		interactions.as_("act"),
		tickets.as_("tkt"),
		visits.as_("vis"),
	)


def segment_criterion(filters, c, address):
	"""The filters' segment (age band, city, customer group, territory) as a criterion on the Customer
	and Address tables, or None when they name none. A value is compared with the column itself (equal
	to comparing it with the column's value or "", as the values are never empty), which its index reads."""
	columns = {
		"age_band": c.bizlink_age_band,
		"city": address.city,
		"customer_group": c.customer_group,
		"territory": c.territory,
	}
	criterion = None
	for key, column in columns.items():
		if filters.get(key):
			term = column == filters.get(key)
			criterion = term if criterion is None else criterion & term
	return criterion


def segment_customers(filters):
	"""The enabled customers of the filters' segment, as a subquery of their names; None when the filters
	name no segment (every customer)."""
	query, c, address = customers_by_market_address()
	criterion = segment_criterion(filters, c, address)
	if criterion is None:
		return None
	return query.select(c.name).where(c.disabled == 0).where(criterion)


def first_customers(filters, limit: int) -> list[str]:
	"""The first `limit` enabled customers of the filters' segment by amount invoiced in the period
	(the most first, then by name), as a segment's drill-down lists them: each customer's invoices of
	the period read from the index (customer, posting date), so that the segment's other figures are
	then read for those customers only."""
	query, c, address = customers_by_market_address()
	invoice = frappe.qb.DocType("Sales Invoice")
	sales = SALES["Sales Invoice"]
	revenue = (
		frappe.qb.from_(invoice)
		.select(Sum(invoice[sales.measures["revenue"]]))
		.where(invoice.customer == c.name)
		.where(invoice.docstatus == 1)
		.where(invoice[sales.day][filters.from_date : filters.to_date])
	)
	revenue = of_company(revenue, invoice, filters.company)
	query = (
		query.select(c.name)
		.where(c.disabled == 0)
		.orderby(IfNull(revenue, 0), order=frappe.qb.desc)
		.orderby(c.name)
		.limit(limit)
	)
	criterion = segment_criterion(filters, c, address)
	if criterion is not None:
		query = query.where(criterion)
	return [row[0] for row in run_aggregate(query)]


def base_query(filters, customers: list[str] | None = None):
	"""Customers (enabled) with their segment attributes and measures; filters narrow the segment, and
	`customers` (names) to those customers of it."""
	query, c, address = customers_by_market_address()
	rev, prev, ord_, act, tkt, vis = customer_measures(
		filters.from_date,
		filters.to_date,
		filters.company,
		segment_customers(filters) if customers is None else customers,
	)
	query = (
		query.left_join(rev)
		.on(rev.customer == c.name)
		.left_join(prev)
		.on(prev.customer == c.name)
		.left_join(ord_)
		.on(ord_.customer == c.name)
		.left_join(act)
		.on(act.customer == c.name)
		.left_join(tkt)
		.on(tkt.customer == c.name)
		.left_join(vis)
		.on(vis.customer == c.name)
		.where(c.disabled == 0)
	)
	fields = {
		"age_band": IfNull(c.bizlink_age_band, ""),
		"city": IfNull(address.city, ""),
		"customer_group": c.customer_group,
		"territory": c.territory,
	}
	criterion = segment_criterion(filters, c, address)
	if criterion is not None:
		query = query.where(criterion)
	if customers is not None:
		query = query.where(c.name.isin(Names(customers)))
	measures = {
		"revenue": IfNull(rev.revenue, 0),
		"previous_revenue": IfNull(prev.revenue, 0),
		"orders": IfNull(ord_.orders, 0),
		"order_value": IfNull(ord_.order_value, 0),
		"interactions": IfNull(act.interactions, 0),
		"open_tickets": IfNull(tkt.open_tickets, 0),
		"rating_sum": IfNull(tkt.rating_sum, 0),
		"ratings": IfNull(tkt.ratings, 0),
		"installations_promised": IfNull(vis.installations_promised, 0),
		"installations_on_time": IfNull(vis.installations_on_time, 0),
	}
	return query, c, fields, measures
