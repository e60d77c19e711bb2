from bizlink.install import build_segments
from bizlink.setup.custom_fields import setup_custom_fields


def execute():
	setup_custom_fields()  # the customer's segment key, which the rollup needs
	build_segments()
