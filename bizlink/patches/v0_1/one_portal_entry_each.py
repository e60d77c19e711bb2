"""A portal customer sees one entry for their orders and one for their service requests: ERPNext's
Orders and Issues entries, which BizLink's Order Progress and Service Requests replace, are hidden."""

from bizlink.install import show_replaced_portal_entries


def execute():
	show_replaced_portal_entries(False)
