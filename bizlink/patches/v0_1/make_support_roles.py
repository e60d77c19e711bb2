from bizlink.install import grant_support_access, make_roles


def execute():
	make_roles()
	grant_support_access()
