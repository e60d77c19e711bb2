"""Technicians read the parts they record and pick the vans and serial numbers of their visits."""

from bizlink.install import grant_support_access


def execute():
	grant_support_access()
