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
