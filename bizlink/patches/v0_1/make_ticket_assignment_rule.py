from bizlink.install import make_ticket_assignment_rule


def execute():
	make_ticket_assignment_rule()
