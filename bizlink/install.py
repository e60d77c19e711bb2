import click
import frappe
from frappe import _, _lt

from bizlink.bizlink.text_search import drop_tables, ensure_tables
from bizlink.fulfilment.stages import backfill_on_install
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


ROLES = ("Installation Manager", "Installation Technician", "Support Manager")
SUPPORT_ROLES = ("Support Team", "Support Manager")
# what a support agent links a ticket to (ERPNext gives the Support Team role no access to them):
# the customer they read (the ticket form fetches its name; the agent calls them back), the rest
# they may only pick in the ticket's link fields ("select"), without reading the records
SUPPORT_ACCESS = {
	"Customer": "read",
	"Sales Order": "select",
	"Delivery Note": "select",
	"Serial No": "select",
}
# what a technician records on a visit: the parts (an item's name and unit are read with it), the
# van they come from and the serial numbers used or replaced, picked in the part rows
TECHNICIAN_ACCESS = {"Item": "read", "Warehouse": "select", "Serial No": "select"}
LINKED_ACCESS = ((SUPPORT_ROLES, SUPPORT_ACCESS), (("Installation Technician",), TECHNICIAN_ACCESS))

ROLE_PROFILES = {
	# the desk roles each kind of BizLink user needs
	"BizLink Salesperson": ("Sales User",),
	# Newsletter Manager: a campaign's email is a Newsletter the sales manager sends
	"BizLink Sales Manager": ("Sales User", "Sales Manager", "Newsletter Manager"),
	"BizLink Installation Technician": ("Installation Technician",),
	"BizLink Installation Manager": ("Installation Manager", "Sales User"),
	"BizLink Support Agent": ("Support Team",),
	"BizLink Support Manager": ("Support Team", "Support Manager"),
}


def after_install() -> None:
	make_access()
	setup_custom_fields()
	add_indexes()
	make_default_outcomes()
	set_settings_defaults()
	backfill_on_install()
	build_segments()
	show_replaced_portal_entries(False)
	click.secho("Thank you for installing BizLink!", fg="green")


def set_settings_defaults() -> None:
	"""BizLink Settings' defaults for the fields the site has never saved (Frappe fills a Single's
	defaults only in the form)."""
	meta = frappe.get_meta("BizLink Settings")
	singles = frappe.qb.DocType("Singles")
	stored = set(
		frappe.qb.from_(singles)
		.select(singles.field)
		.where(singles.doctype == "BizLink Settings")
		.run(pluck=True)
	)
	for df in meta.fields:
		if df.default and df.fieldname not in stored:
			frappe.db.set_single_value("BizLink Settings", df.fieldname, df.default)


# ERPNext's portal entries that BizLink's replace for a customer, one entry each: Order Progress lists
# the orders (each links its ERPNext page, /orders/<name>, which stays), Service Requests the requests
REPLACED_PORTAL_ROUTES = ("/orders", "/issues")


def show_replaced_portal_entries(show: bool) -> None:
	settings = frappe.get_single("Portal Settings")
	changed = False
	for row in settings.menu:
		if row.route in REPLACED_PORTAL_ROUTES and bool(row.enabled) != show:
			row.enabled = int(show)
			changed = True
	if changed:
		settings.save(ignore_permissions=True)


def build_segments() -> None:
	"""The market segments rollup from the site's history: at once on a small site, queued on a big one."""
	from bizlink.market_analysis.segments import rebuild

	if frappe.db.count("Customer") <= 10_000:
		rebuild()
	else:
		frappe.enqueue(
			"bizlink.market_analysis.segments.rebuild_job",
			queue="long",
			timeout=3600,
			enqueue_after_commit=True,
		)


def make_access() -> None:
	"""Who does what, made in this one place (on install, and once on existing sites by the patch
	v0_2.make_access); each step makes only what is missing, so it may run again at any time: the
	roles BizLink adds, a role profile per kind of user, support roles' access to what a ticket links,
	and the assignment rule that hands out tickets."""
	make_roles()
	grant_support_access()
	make_ticket_assignment_rule()


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


def grant_support_access() -> None:
	"""Let support roles read a ticket's customer and pick its order, delivery and serial, and
	technicians read the parts they record and pick vans and serials (idempotent)."""
	for roles, accesses in LINKED_ACCESS:
		for doctype, access in accesses.items():
			grant(doctype, roles, access)


def grant(doctype: str, roles: tuple, access: str) -> None:
	from frappe.permissions import add_permission

	for role in roles:
		name = frappe.db.get_value(
			"Custom DocPerm", {"parent": doctype, "role": role, "permlevel": 0, "if_owner": 0}
		)
		if not name:
			name = add_permission(doctype, role, ptype="select")
		elif frappe.db.get_value("Custom DocPerm", name, "write"):
			continue  # an administrator gave more: leave it
		# a new Custom DocPerm reads by default
		frappe.db.set_value("Custom DocPerm", name, {"read": int(access == "read"), "select": 1})
	frappe.clear_cache(doctype=doctype)


def revoke_support_access() -> None:
	"""Remove the permissions `grant_support_access` added (not ones an administrator
	widened); where what is left is just Frappe's copy of the standard permissions, drop the copy too."""
	from frappe.permissions import reset_perms

	for doctype, roles, access in (
		(doctype, roles, access) for roles, accesses in LINKED_ACCESS for doctype, access in accesses.items()
	):
		for role in roles:
			frappe.db.delete(
				"Custom DocPerm",
				{
					"parent": doctype,
					"role": role,
					"permlevel": 0,
					"select": 1,
					"read": int(access == "read"),
					"write": 0,
					"create": 0,
				},
			)
		if permission_rows("Custom DocPerm", doctype) == permission_rows("DocPerm", doctype):
			reset_perms(doctype)
		frappe.clear_cache(doctype=doctype)


def permission_rows(doctype: str, parent: str) -> list[tuple]:
	from frappe.permissions import rights

	fields = ["role", "permlevel", "if_owner", *rights]
	return sorted(tuple(row) for row in frappe.get_all(doctype, {"parent": parent}, fields, as_list=True))


TICKET_ASSIGNMENT_RULE = "Service Tickets (load balancing)"
# stored in English; each agent's To Do carries it in their language (overrides.notification)
TICKET_ASSIGNMENT_DESCRIPTION = "Open service tickets are assigned to the agent with the fewest open ones."


def make_ticket_assignment_rule() -> str:
	"""Frappe's Assignment Rule for Service Ticket: open tickets go to the least loaded agent.

	It starts with the enabled users who have the Support Team role; with none it is made disabled,
	for the administrator to add agents and enable it."""
	if not frappe.db.exists("Assignment Rule", TICKET_ASSIGNMENT_RULE):
		agents = get_support_agents()
		frappe.get_doc(
			{
				"doctype": "Assignment Rule",
				"name": TICKET_ASSIGNMENT_RULE,
				"document_type": "Service Ticket",
				"description": TICKET_ASSIGNMENT_DESCRIPTION,
				"rule": "Load Balancing",
				"priority": 1,
				"assign_condition": 'status == "Open"',
				"close_condition": 'status == "Closed"',
				"assignment_days": [
					{"day": day}
					for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
				],
				"users": [{"user": user} for user in agents],
				"disabled": 0 if agents else 1,
			}
		).insert(ignore_permissions=True)
	return TICKET_ASSIGNMENT_RULE


def get_support_agents() -> list[str]:
	has_role = frappe.qb.DocType("Has Role")
	user = frappe.qb.DocType("User")
	return (
		frappe.qb.from_(has_role)
		.join(user)
		.on(user.name == has_role.parent)
		.select(user.name)
		.distinct()
		.where(has_role.role == "Support Team")
		.where(has_role.parenttype == "User")
		.where(user.enabled == 1)
		.where(user.name.notin(("Administrator", "Guest")))
		.run(pluck=True)
	)


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
	add_indexes()
	ensure_tables()  # the knowledge search's postings (also made when Service Ticket syncs)


# indexes BizLink reads ERPNext's tables by (a customer's installed units, on the portal and in the
# Installed Base): added on install and migrate, dropped on uninstall
INDEXES = {
	"Serial No": {
		"bizlink_customer": ("customer",),
		# a city's units newest first, read from the index alone
		"bizlink_site_units": (
			"bizlink_site_address",
			"bizlink_installed_on",
			"bizlink_replaced_by",
			"bizlink_installation_visit",
		),
	},
	# an order's stage reads the trips and shipments that carry its Delivery Notes (In Transit)
	"Delivery Stop": {"bizlink_delivery_note": ("delivery_note",)},
	"Shipment Delivery Note": {"bizlink_delivery_note": ("delivery_note",)},
	# a segment's customers (a campaign's audience and its comparison group); a city's enabled customers,
	# by their market address, from the index alone (the Market Segments drill-down)
	"Customer": {
		"bizlink_market_segment": ("bizlink_market_segment",),
		"bizlink_market_customers": ("bizlink_market_address", "disabled"),
	},
}


def add_indexes() -> None:
	for doctype, indexes in INDEXES.items():
		for name, columns in indexes.items():
			frappe.db.add_index(doctype, list(columns), name)


def drop_indexes() -> None:
	for doctype, indexes in INDEXES.items():
		for name in indexes:
			if frappe.db.has_index(f"tab{doctype}", name):
				frappe.db.sql_ddl(f"alter table `tab{doctype}` drop index `{name}`")  # nosemgrep


def before_uninstall() -> None:
	delete_custom_fields(get_custom_fields())
	drop_indexes()
	drop_tables()
	show_replaced_portal_entries(True)
	revoke_support_access()
	# what refers to BizLink's own DocTypes, which the uninstall drops
	for doctype, filters in (
		("Assignment Rule", {"document_type": ("in", ("Service Ticket", "Field Visit"))}),
		("Service Level Agreement", {"document_type": "Service Ticket"}),
	):
		for name in frappe.get_all(doctype, filters=filters, pluck="name"):
			frappe.delete_doc(doctype, name, force=True, ignore_permissions=True)
	frappe.db.delete("Custom Field", {"dt": "Service Ticket"})
	frappe.clear_cache()
