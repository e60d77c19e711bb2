from bizlink.install import make_default_outcomes


def execute():
	make_default_outcomes()
