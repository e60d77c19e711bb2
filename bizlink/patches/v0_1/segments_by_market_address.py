"""Market Segments counts a customer's city by its market address (the Primary Address, else the
address linked to it that a user would call its address), not only by the Primary Address: set it on
every customer and rebuild the rollup (which also counts what a follow-up interaction never added)."""

from bizlink.install import build_segments
from bizlink.setup.custom_fields import setup_custom_fields


def execute():
	setup_custom_fields()  # the Market Address field
	build_segments()  # sets every market address, then rebuilds (queued on `long` for a big site)
