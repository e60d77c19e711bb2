import click
import frappe

from bizlink.setup.custom_fields import delete_custom_fields, get_custom_fields, setup_custom_fields


def after_install() -> None:
	setup_custom_fields()
	click.secho("Thank you for installing BizLink!", fg="green")


def after_migrate() -> None:
	"""Keep BizLink's fields on ERPNext's DocTypes as the code describes them (idempotent)."""
	setup_custom_fields()


def before_uninstall() -> None:
	delete_custom_fields(get_custom_fields())
	frappe.clear_cache()
