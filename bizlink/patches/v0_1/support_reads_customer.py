from bizlink.install import grant_support_access


def execute():
	"""Support roles read the ticket's customer (the form fetches its name), no longer only pick it."""
	grant_support_access()
