import click
import frappe
from frappe import _lt

from bizlink.fulfilment import backfill_on_install
from bizlink.setup.custom_fields import delete_custom_fields, get_custom_fields, setup_custom_fields

DEFAULT_OUTCOMES = (
	# outcome, category; named in the site's language when BizLink is installed
	(_lt("Interested"), "Positive"),
	(_lt("Quote requested"), "Positive"),
	(_lt("Follow-up needed"), "Neutral"),
	(_lt("No answer"), "Neutral"),
	(_lt("Not interested"), "Negative"),
	(_lt("Order won"), "Won"),
	(_lt("Lost on price"), "Lost"),
	(_lt("Lost to competitor"), "Lost"),
)


ROLES = ("Installation Manager", "Installation Technician")

ROLE_PROFILES = {
	# the desk roles each kind of BizLink user needs
	"BizLink Salesperson": ("Sales User",),
	"BizLink Sales Manager": ("Sales User", "Sales Manager"),
	"BizLink Installation Technician": ("Installation Technician",),
	"BizLink Installation Manager": ("Installation Manager", "Sales User"),
}


def after_install() -> None:
	make_roles()
	setup_custom_fields()
	make_default_outcomes()
	backfill_on_install()
	click.secho("Thank you for installing BizLink!", fg="green")


def make_roles() -> None:
	for role in ROLES:
		if not frappe.db.exists("Role", role):
			frappe.get_doc({"doctype": "Role", "role_name": role, "desk_access": 1}).insert(
				ignore_permissions=True
			)
	for profile, roles in ROLE_PROFILES.items():
		if not frappe.db.exists("Role Profile", profile):
			frappe.get_doc(
				{
					"doctype": "Role Profile",
					"role_profile": profile,
					"roles": [{"role": role} for role in roles],
				}
			).insert(ignore_permissions=True)


def make_default_outcomes() -> None:
	for outcome, category in DEFAULT_OUTCOMES:
		outcome = str(outcome)
		if not frappe.db.exists("Sales Interaction Outcome", outcome):
			frappe.get_doc(
				{"doctype": "Sales Interaction Outcome", "outcome_name": outcome, "category": category}
			).insert(ignore_permissions=True)


def after_migrate() -> None:
	"""Keep BizLink's fields on ERPNext's DocTypes as the code describes them (idempotent)."""
	setup_custom_fields()


def before_uninstall() -> None:
	delete_custom_fields(get_custom_fields())
	frappe.clear_cache()
