"""Frappe's list sidebar count "Assigned To" (`frappe.desk.listview.get_group_by_count` with
`field=assigned_to`, v15) filters the DocType's documents without any permission check: any desk
user could test, one filter at a time, the fields of documents they may not read (a ticket's
description, an interaction's customer) by whether someone is counted. Here the documents are those
the user may list (`frappe.get_list`: read permission, User Permissions, BizLink's record rules);
the other fields go to Frappe's own (which already lists with permissions)."""

import frappe
from frappe.desk.listview import get_group_by_count as frappe_get_group_by_count


@frappe.whitelist()
def get_group_by_count(doctype: str, current_filters: str, field: str) -> list[dict]:
	if field != "assigned_to":
		return frappe_get_group_by_count(doctype, current_filters, field)
	# the SQL of what the user may list, built (and permission-checked) by Frappe's own list query
	listed = frappe.get_list(
		doctype, filters=frappe.parse_json(current_filters), fields=["name"], limit_page_length=0, run=0
	)
	# the subquery is Frappe's own list query (values escaped by it), not text from the request
	return frappe.db.sql(  # nosemgrep
		f"""select todo.allocated_to as name, count(*) as count
		from `tabToDo` todo join `tabUser` user on user.name = todo.allocated_to
		where todo.status != 'Cancelled' and user.user_type = 'System User'
			and todo.reference_type = %s and todo.reference_name in ({listed})
		group by todo.allocated_to order by count desc limit 50""",
		doctype,
		as_dict=True,
	)
