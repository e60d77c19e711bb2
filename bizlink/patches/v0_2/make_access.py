"""Roles, role profiles, support access and the ticket assignment rule, made by the one function that
makes them on install (five v0_1 patches did it piecemeal, two of them running the same function).
It makes only what is missing: a site that ran the old patches is left as it is."""

from bizlink.install import make_access


def execute():
	make_access()
