"""The README's "Who can do what" table, row by row, checked against the real site's permissions."""

import frappe
import pytest

from bizlink.devtools.factories import make_user
from bizlink.devtools.lifecycle import BIZLINK_DOCTYPES

# role: {doctype: the actions allowed (r)ead (c)reate (w)rite (d)elete (s)ubmit}; absent doctype: none
TABLE = {
	"Sales User": {
		"Sales Interaction": "rcw",
		"Sales Interaction Outcome": "r",
		"Service Ticket": "rc",
		"Field Visit": "r",
		"Maintenance Plan": "r",
		"Order Stage Log": "r",
		"Segment Activity": "r",
		"Segment Campaign": "r",
		"Segment Campaign Customer": "r",
		"Knowledge Article": "r",
	},
	"Sales Manager": {
		"Sales Interaction": "rcwd",
		"Sales Interaction Outcome": "rcwd",
		"Service Ticket": "rcw",
		"Field Visit": "r",
		"Maintenance Plan": "r",
		"Order Stage Log": "r",
		"Segment Activity": "r",
		"Segment Campaign": "rcwd",
		"Segment Campaign Customer": "r",
		"Visit Rating": "r",  # written only by the customer's link
		"Knowledge Article": "r",
	},
	"Support Team": {
		"Service Ticket": "rcw",
		"Field Visit": "r",
		"Maintenance Plan": "r",
		"Knowledge Article": "rcw",
	},
	"Support Manager": {
		"Service Ticket": "rcwd",
		"Field Visit": "r",
		"Maintenance Plan": "r",
		"Knowledge Article": "rcwd",
		"Knowledge Deflection": "r",  # written only by the portal's requests
	},
	"Installation Technician": {"Field Visit": "rws", "Checklist Template": "r", "Knowledge Article": "r"},
	"Installation Manager": {
		"Field Visit": "rcwds",
		"Checklist Template": "rcwd",
		"Maintenance Plan": "rcwd",
		"Field Technician": "rcwd",
		"Field Sync Action": "r",
		"Visit Rating": "r",
		"Order Stage Log": "r",
		"Knowledge Article": "r",
	},
	"Stock User": {"Order Stage Log": "r"},
	"Customer": {},
}
ACTIONS = {"r": "read", "c": "create", "w": "write", "d": "delete", "s": "submit"}
# every BizLink DocType a role is given rights on (the settings single and the status child table aside)
DOCTYPES = tuple(d for d in BIZLINK_DOCTYPES if d not in ("BizLink Settings", "BizLink Status Log"))
CASES = [
	(role, doctype, action, action in TABLE[role].get(doctype, ""))
	for role in TABLE
	for doctype in DOCTYPES
	for action in ACTIONS
]


@pytest.fixture(scope="module")
def users():
	return {}


@pytest.mark.parametrize(("role", "doctype", "action", "allowed"), CASES)
def test_role_permission(users, role, doctype, action, allowed):
	user = make_user(roles=[role], user_type="Website User" if role == "Customer" else "System User").name
	assert bool(frappe.has_permission(doctype, ACTIONS[action], user=user)) == allowed, (
		f"{role} {'may' if allowed else 'may not'} {ACTIONS[action]} {doctype}"
	)


@pytest.mark.parametrize(
	("role", "report", "allowed"),
	[
		(role, report, role in roles)
		for report, roles in {
			"Market Segments": ("Sales User", "Sales Manager"),
			"Similar Customers": ("Sales User", "Sales Manager"),
			"Order Fulfilment Cycle Time": (
				"Sales User",
				"Sales Manager",
				"Stock User",
				"Installation Manager",
			),
			"Orders Waiting": ("Sales User", "Sales Manager", "Stock User"),
			"Technician Schedule": ("Installation Technician", "Installation Manager"),
			"Installed Base": (
				"Sales User",
				"Sales Manager",
				"Support Team",
				"Support Manager",
				"Installation Manager",
			),
		}.items()
		for role in TABLE
	],
)
def test_report_roles(role, report, allowed):
	roles = {r.role for r in frappe.get_doc("Report", report).roles}
	assert (role in roles) == allowed
