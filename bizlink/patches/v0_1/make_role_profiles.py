from bizlink.install import make_roles


def execute():
	make_roles()
