"""The users and data of the load test, on a site made by `bench bizlink-scale`:

	bench --site SITE execute bizlink.devtools.load.prepare.run --kwargs '{"path": "/tmp/load.json"}'

Makes (once; a second run reuses them and renews their API keys) one desk user per simulated role
(load-sales, load-orders, load-agent, load-manager, load-dispatcher @example.com), technicians with
the installation items' skill, and portal users each linked to a customer of the site; then writes
to `path` what Locust needs: each user's API key and secret, customers to work on, the items
that need installation, the company and its warehouse."""

import json

import frappe
from frappe import _
from frappe.query_builder.functions import Count, Max
from frappe.utils import add_days, date_diff, getdate, random_string

from bizlink.devtools.factories import get_default_company, get_stores, make_user

# who the load test logs in as: role of the mix -> (user, roles)
DESK_USERS = {
	"sales": ("load-sales@example.com", ["Sales User"]),
	"orders": ("load-orders@example.com", ["Sales User", "Stock User"]),
	"agent": ("load-agent@example.com", ["Support Team"]),
	"manager": ("load-manager@example.com", ["Sales Manager", "Installation Manager", "Accounts User"]),
	"dispatcher": ("load-dispatcher@example.com", ["Installation Manager"]),
}
LOAD_USERS_LIKE = "load-%@example.com"


def run(
	path: str, portal_users: int = 20, technicians: int = 20, customers: int = 2000, sla: bool = False
) -> dict:
	"""`sla`: give Service Ticket and Issue the same agreement (every day, 4 h response, 24 h
	resolution), so that both mixes run ERPNext's SLA engine and the escalation moments are checked."""
	if not frappe.conf.developer_mode:  # as bizlink-scale and bizlink-demo: it writes users to the site
		frappe.throw(_("The load test's users are made on a development site only (developer_mode)."))
	frappe.set_user("Administrator")
	# a hundred users at once: Frappe's limit of 60 new users an hour is for sign-ups (not `in_import`,
	# which also leaves out the defaults: the users would be made disabled)
	frappe.local.conf.throttle_user_limit = 10_000
	if sla:
		for doctype in ("Service Ticket", "Issue"):
			ensure_sla(doctype)
	company = get_default_company()
	items = frappe.get_all(
		"Item",
		filters={"bizlink_requires_installation": 1, "disabled": 0, "is_sales_item": 1, "has_variants": 0},
		fields=["name", "item_group"],
		order_by="name",
		limit=5,
	)
	if not items:
		frappe.throw(_("No item needs installation on this site: run `bench bizlink-scale` first."))
	users = {role: credentials(*DESK_USERS[role]) for role in DESK_USERS}
	techs = [make_load_technician(n, {item.item_group for item in items}) for n in range(technicians)]
	customer_names = frappe.get_all(
		"Customer", filters={"disabled": 0}, pluck="name", order_by="name", limit=customers
	)
	portal_users = min(portal_users, len(customer_names) // 2)  # a small site keeps half for the desk
	portal = [portal_credentials(n, customer_names[n]) for n in range(portal_users)]
	c, a = frappe.qb.DocType("Customer"), frappe.qb.DocType("Address")
	cities = (  # the five cities with the most customers: the managers' drill-downs
		frappe.qb.from_(c)
		.join(a)
		.on(a.name == c.bizlink_market_address)
		.select(a.city)
		.where(a.city.isnotnull())
		.groupby(a.city)
		.orderby(Count(c.name), order=frappe.qb.desc)
		.limit(5)
		.run(pluck=True)
	)
	config = {
		"site": frappe.local.site,
		# the dispatchers book from the day after the last booking of an earlier run
		"book_from_day": book_from_day(techs),
		"company": company,
		"warehouse": get_stores(company),
		"items": [item.name for item in items],
		"customers": customer_names[portal_users:],
		"cities": cities,
		"users": users,
		"technicians": techs,
		"portal": portal,
	}
	frappe.db.commit()  # nosemgrep (a devtools command: the users must exist for the HTTP requests)
	with open(path, "w") as f:
		json.dump(config, f, indent=1)
	return {"users": len(users), "technicians": len(techs), "portal": len(portal), "path": path}


def credentials(email: str, roles: list[str], **fields) -> dict:
	"""The user (made once: a User save queues jobs, which a second run need not wait for) and a new
	API secret (Frappe keeps only its hash, so each run makes one)."""
	from frappe.utils.password import set_encrypted_password

	if not frappe.db.exists("User", email):
		# a picture of their own, or Frappe asks Gravatar for one (from the queue, over the network)
		make_user(email, roles, user_image="/assets/frappe/images/frappe-framework-logo.svg", **fields)
	key = frappe.db.get_value("User", email, "api_key") or random_string(15)
	secret = random_string(15)
	frappe.db.set_value("User", email, "api_key", key, update_modified=False)
	set_encrypted_password("User", email, secret, "api_secret")
	return {"user": email, "key": key, "secret": secret}


def make_load_technician(n: int, skills: set[str]) -> str:
	email = f"load-tech-{n}@example.com"
	if not frappe.db.exists("User", email):
		make_user(
			email, ["Installation Technician"], user_image="/assets/frappe/images/frappe-framework-logo.svg"
		)
	if not frappe.db.exists("Field Technician", {"user": email}):
		frappe.get_doc(
			{
				"doctype": "Field Technician",
				"user": email,
				"work_start": "00:00",
				"work_end": "23:59",
				"skills": [{"item_group": group} for group in sorted(skills)],
			}
		).insert(ignore_permissions=True)
	return email


def portal_credentials(n: int, customer: str) -> dict:
	email = f"load-portal-{n}@example.com"
	result = credentials(email, ["Customer"], user_type="Website User")
	doc = frappe.get_doc("Customer", customer)
	if email not in {row.user for row in doc.get("portal_users", [])}:
		doc.append("portal_users", {"user": email})
		doc.save(ignore_permissions=True)
	return {**result, "customer": customer}


def ensure_sla(doctype: str) -> None:
	frappe.db.set_single_value("Support Settings", "track_service_level_agreement", 1)
	if frappe.db.exists("Service Level Agreement", {"document_type": doctype, "enabled": 1}):
		return
	if not frappe.db.exists("Issue Priority", "Medium"):
		frappe.get_doc({"doctype": "Issue Priority", "name": "Medium"}).insert()
	year = getdate().year
	holidays = f"Load {year}"
	if not frappe.db.exists("Holiday List", holidays):
		frappe.get_doc(
			{
				"doctype": "Holiday List",
				"holiday_list_name": holidays,
				"from_date": f"{year - 1}-01-01",
				"to_date": f"{year + 1}-12-31",
			}
		).insert()
	days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
	frappe.get_doc(
		{
			"doctype": "Service Level Agreement",
			"service_level": f"Load {doctype}",
			"document_type": doctype,
			"default_service_level_agreement": 1,
			"holiday_list": holidays,
			"apply_sla_for_resolution": 1,
			"priorities": [
				{
					"priority": "Medium",
					"response_time": 4 * 3600,
					"resolution_time": 24 * 3600,
					"default_priority": 1,
				}
			],
			"support_and_resolution": [
				{"workday": d, "start_time": "00:00:00", "end_time": "23:59:59"} for d in days
			],
			"sla_fulfilled_on": [{"status": "Resolved"}, {"status": "Closed"}],
			"enabled": 1,
			"start_date": add_days(getdate(), -1),
		}
	).insert()


def book_from_day(technicians: list[str]) -> int:
	"""Days from today to the day after the load technicians' last booking (at least 30)."""
	visit, crew = frappe.qb.DocType("Field Visit"), frappe.qb.DocType("Field Visit Technician")
	last = (
		frappe.qb.from_(visit)
		.join(crew)
		.on(crew.parent == visit.name)
		.select(Max(visit.scheduled_end))
		.where(crew.user.isin(technicians or [""]))
		.run()[0][0]
	)
	return max(30, (date_diff(last, getdate()) + 2) if last else 30)
