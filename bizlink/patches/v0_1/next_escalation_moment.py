import frappe


def execute():
	"""`escalate_at` becomes the next escalation moment: the target once warned, none once breached."""
	ticket = frappe.qb.DocType("Service Ticket")
	if not frappe.db.has_column("Service Ticket", "sla_resolution_by"):
		return
	frappe.qb.update(ticket).set(ticket.escalate_at, ticket.sla_resolution_by).where(
		ticket.escalation_level == "Warned"
	).run()
	frappe.qb.update(ticket).set(ticket.escalate_at, None).where(ticket.escalation_level == "Breached").run()
	# the index the escalation job reads by comes from the field's search_index (the DocType)
	for index in ("escalation_level_escalate_at_index", "escalation_level_sla_resolution_by_index"):
		if frappe.db.has_index("tabService Ticket", index):
			# the old indexes, no longer read: each costs every ticket write (DDL has no qb form)
			frappe.db.sql_ddl(f"alter table `tabService Ticket` drop index `{index}`")  # nosemgrep
