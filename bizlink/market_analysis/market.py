"""Market analysis: customers by age band, city, customer group and territory, with their sales and
sales activity in a period, and what the best customers have in common.

Every figure is a SQL aggregate: each measure is summed per customer once, in a derived table, and
the segments are grouped over those (no per-customer Python loop)."""

import frappe
from frappe.query_builder import Case
from frappe.query_builder.functions import Count, IfNull, Sum
from frappe.utils import add_days, date_diff, getdate

DIMENSIONS = {
	# filter value: (column, label)
	"Age Band": ("age_band", "Age Band"),
	"City": ("city", "City"),
	"Customer Group": ("customer_group", "Customer Group"),
	"Territory": ("territory", "Territory"),
}


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


def previous_period(from_date, to_date) -> tuple:
	days = date_diff(to_date, from_date) + 1
	return add_days(from_date, -days), add_days(from_date, -1)


def within_days(moment, from_date, to_date):
	"""A datetime on one of the days from_date..to_date: from the first midnight up to, not including,
	the midnight after the last day (which belongs to the next day, as the rollup counts it)."""
	return (moment >= getdate(from_date)) & (moment < add_days(getdate(to_date), 1))


def customer_measures(from_date, to_date, company: str | None = None):
	"""Derived tables, one row per customer: revenue, previous revenue, orders and order value, interactions."""
	invoice = frappe.qb.DocType("Sales Invoice")
	order = frappe.qb.DocType("Sales Order")
	interaction = frappe.qb.DocType("Sales Interaction")
	prev_from, prev_to = previous_period(from_date, to_date)

	def revenue(start, end, alias):
		query = (
			frappe.qb.from_(invoice)
			.select(invoice.customer, Sum(invoice.base_net_total).as_("amount"))
			.where(invoice.docstatus == 1)
			.where(invoice.posting_date[start:end])
			.groupby(invoice.customer)
		)
		if company:
			query = query.where(invoice.company == company)
		return query.as_(alias)

	orders = (
		frappe.qb.from_(order)
		.select(order.customer, Count(order.name).as_("orders"), Sum(order.base_net_total).as_("order_value"))
		.where(order.docstatus == 1)
		.where(order.transaction_date[from_date:to_date])
		.groupby(order.customer)
	)
	if company:
		orders = orders.where(order.company == company)
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
			Sum(Case().when(ticket.status.notin(("Resolved", "Closed")), 1).else_(0)).as_("open_tickets"),
			Sum(
				Case().when(within_days(ticket.rated_on, from_date, to_date), ticket.rating * 5).else_(0)
			).as_("rating_sum"),
			Sum(Case().when(within_days(ticket.rated_on, from_date, to_date), 1).else_(0)).as_("ratings"),
		)
		.groupby(ticket.customer)
	)
	return (
		revenue(from_date, to_date, "rev"),
		revenue(prev_from, prev_to, "prev"),
		orders.as_("ord"),
		interactions.as_("act"),
		tickets.as_("tkt"),
	)


def base_query(filters):
	"""Customers (enabled) with their segment attributes and measures; filters narrow the segment."""
	c = frappe.qb.DocType("Customer")
	address = frappe.qb.DocType("Address")
	rev, prev, ord_, act, tkt = customer_measures(filters.from_date, filters.to_date, filters.company)
	query = (
		frappe.qb.from_(c)
		.left_join(address)
		.on(address.name == c.bizlink_market_address)
		.left_join(rev)
		.on(rev.customer == c.name)
		.left_join(prev)
		.on(prev.customer == c.name)
		.left_join(ord_)
		.on(ord_.customer == c.name)
		.left_join(act)
		.on(act.customer == c.name)
		.left_join(tkt)
		.on(tkt.customer == c.name)
		.where(c.disabled == 0)
	)
	fields = {
		"age_band": IfNull(c.bizlink_age_band, ""),
		"city": IfNull(address.city, ""),
		"customer_group": c.customer_group,
		"territory": c.territory,
	}
	for key, term in fields.items():
		if filters.get(key):
			query = query.where(term == filters.get(key))
	measures = {
		"revenue": IfNull(rev.amount, 0),
		"previous_revenue": IfNull(prev.amount, 0),
		"orders": IfNull(ord_.orders, 0),
		"order_value": IfNull(ord_.order_value, 0),
		"interactions": IfNull(act.interactions, 0),
		"open_tickets": IfNull(tkt.open_tickets, 0),
		"rating_sum": IfNull(tkt.rating_sum, 0),
		"ratings": IfNull(tkt.ratings, 0),
	}
	return query, c, fields, measures
