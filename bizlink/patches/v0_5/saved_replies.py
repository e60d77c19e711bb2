"""Email Template's fields for saved replies (the language a reply is written in)."""

from bizlink.setup.custom_fields import setup_custom_fields


def execute():
	setup_custom_fields()  # after_migrate makes them again, idempotently
