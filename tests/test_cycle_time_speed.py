"""Order Fulfilment Cycle Time reads the log in one pass, each stage a partition of its own: the
figures of every stage, against hand-computed percentiles, whatever order the rows were written in."""

import frappe
from frappe.utils import add_days, add_to_date, now_datetime, random_string
from test_fulfilment import make_log

from bizlink.devtools.factories import make_sales_order
from bizlink.fulfilment.report.order_fulfilment_cycle_time.order_fulfilment_cycle_time import execute


def test_each_stage_gets_its_own_count_and_percentiles_in_stage_order():
	group = frappe.get_doc(
		{
			"doctype": "Customer Group",
			"customer_group_name": f"BL {random_string(6)}",
			"parent_customer_group": "All Customer Groups",
		}
	).insert()
	order = make_sales_order().name
	# written latest stage first: the report lists them in the order of the stages all the same
	make_log(order, "Billed", 10 * 24, group.name, days_ago=15)
	make_log(order, "Billed", 20 * 24, group.name, days_ago=60)  # left 40 days ago
	make_log(order, "In Transit", 18, group.name)
	make_log(order, "In Transit", 6, group.name)
	for hours in (72, 24, 48):
		make_log(order, "Ordered", hours, group.name)
	make_log(order, "Ordered", 100, group.name, is_reversal=1)  # a move back: not a stay
	make_log(order, "Ordered", None, group.name)  # not left yet: not a stay

	data = execute({"customer_group": group.name})[1]
	figures = [(row["stage_name"], row["orders"], row["median_days"], row["p90_days"]) for row in data]
	# Ordered 24, 48, 72 h: median 48 h; 90th percentile 48 + 0.8 * 24 = 67.2 h = 2.8 days
	# In Transit 6, 18 h: median 12 h = 0.5 days; 90th percentile 6 + 0.9 * 12 = 16.8 h = 0.7 days
	# Billed 10, 20 days: median 15 days; 90th percentile 10 + 0.9 * 10 = 19 days
	assert figures == [("Ordered", 3, 2, 2.8), ("In Transit", 2, 0.5, 0.7), ("Billed", 2, 15, 19)]

	# the period is the day each stay ended: the Billed stay that ended 40 days ago is outside it
	data = execute({"customer_group": group.name, "from_date": add_days(now_datetime(), -30).date()})[1]
	assert [(row["stage_name"], row["orders"], row["median_days"], row["p90_days"]) for row in data][-1] == (
		"Billed",
		1,
		10,
		10,
	)
