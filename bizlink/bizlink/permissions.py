"""Record-level permissions, written once: an Installation Technician sees and changes only the
Field Visits whose crew they are in; Installation and System Managers see all, and sales roles
may read all.

A record rule is judged on the **stored** document, never on the one a request brings: Frappe applies
a request's payload (REST PUT, `frappe.client.save`, `savedocs`, bulk update, a client document sent
to `run_doc_method`) before it checks permission, so a rule that read the incoming crew would let a
technician add themselves to any job and then pass. The crew a technician is judged by is the one in
the database; only a job not yet saved is judged by its own rows.
"""

import frappe

MANAGER_ROLES = {"Installation Manager", "System Manager"}
READER_ROLES = {"Sales User", "Sales Manager", "Support Team", "Support Manager"}
TECHNICIAN_ROLE = "Installation Technician"
JOB = "Field Visit"
CREW = "Field Visit Technician"


def is_crew_restricted(user: str, ptype: str = "read") -> bool:
	if user == "Administrator":
		return False
	roles = set(frappe.get_roles(user))
	if roles & MANAGER_ROLES:
		return False
	if ptype in ("read", "report", "print", "export") and roles & READER_ROLES:
		return False
	return TECHNICIAN_ROLE in roles


def jobs_of(user: str):
	"""The query of the jobs whose stored crew includes `user`."""
	crew = frappe.qb.DocType(CREW)
	return frappe.qb.from_(crew).select(crew.parent).where(crew.parenttype == JOB).where(crew.user == user)


def field_visit_query(user: str | None = None) -> str:
	user = user or frappe.session.user
	if not is_crew_restricted(user):
		return ""
	return f"`tabField Visit`.`name` in ({jobs_of(user).get_sql()})"


def field_visit_child_query(user: str | None = None, doctype: str | None = None) -> str:
	"""Rows of a child table listed on their own (`frappe.client.get_list` with `parent`): only rows
	of parents the user may read (Frappe checks the parent named in the request, not the rows'), and
	of a job only the jobs whose crew a technician is in."""
	user = user or frappe.session.user
	if not doctype or user == "Administrator":
		return ""
	table = f"`tab{doctype}`"
	readable = [dt for dt in parents_of(doctype) if frappe.has_permission(dt, "read", user=user)]
	names = ", ".join(frappe.db.escape(dt) for dt in readable) or "''"
	condition = f"{table}.`parenttype` in ({names})"
	if JOB in readable and is_crew_restricted(user):
		crew_jobs = jobs_of(user).get_sql()
		condition += f" and ({table}.`parenttype` != 'Field Visit' or {table}.`parent` in ({crew_jobs}))"
	return f"({condition})"


def parents_of(child_doctype: str) -> list[str]:
	"""The DocTypes whose table fields hold `child_doctype`."""
	return frappe.get_all(
		"DocField",
		filters={"options": child_doctype, "fieldtype": ("in", ("Table", "Table MultiSelect"))},
		pluck="parent",
		distinct=True,
	)


def stored_crew(name: str | None) -> list[str] | None:
	"""The users of a saved job's crew, as stored; None for a job that is not saved."""
	if not name or not frappe.db.exists(JOB, name):
		return None
	return frappe.get_all(CREW, filters={"parent": name, "parenttype": JOB}, pluck="user")


def field_visit_has_permission(doc, ptype: str | None = None, user: str | None = None) -> bool | None:
	user = user or frappe.session.user
	if not is_crew_restricted(user, ptype or "read"):
		return None  # the role permissions decide
	crew = stored_crew(doc.get("name"))
	if crew is None:  # a job being made: its own rows are all there is
		crew = [row.user for row in doc.get("crew") or []]
	return user in crew


def may_change_crew(user: str | None = None) -> bool:
	"""Who books people onto jobs: the managers, never a technician (who would add themselves)."""
	return not is_crew_restricted(user or frappe.session.user, "write")


def allowed_companies(user: str | None = None) -> list[str] | None:
	"""The companies a user's User Permissions restrict them to; None when they are not restricted."""
	perms = frappe.permissions.get_user_permissions(user or frappe.session.user).get("Company")
	return sorted({perm.doc for perm in perms}) if perms else None


def scope_report_to_companies(filters: dict) -> list[str] | None:
	"""A report reads only the companies its user may read (User Permissions on Company), as
	ERPNext's own reports do. Sets `filters.company` for a user restricted to one company; a user
	restricted to several chooses one. Returns the companies the report may read (None: all)."""
	from bizlink.exceptions import CompanyNotPermittedError

	allowed = allowed_companies()
	if allowed is None:
		return None
	if filters.get("company") and filters["company"] not in allowed:
		frappe.throw(
			frappe._("You may not read the figures of company {0}.").format(frappe.bold(filters["company"])),
			title=frappe._("Not Permitted"),
			exc=CompanyNotPermittedError,
		)
	if not filters.get("company"):
		if len(allowed) > 1:
			frappe.throw(
				frappe._("Choose one of your companies: {0}.").format(", ".join(allowed)),
				title=frappe._("Company Required"),
				exc=CompanyNotPermittedError,
			)
		filters["company"] = allowed[0]
	return [filters["company"]]


def readable_customers(customer_table):
	"""A criterion on `customer_table.name`: the customers the user's User Permissions allow (all
	when they have none on Customer)."""
	return of_readable_customers(customer_table.name)


def of_readable_customers(customer_column):
	"""A criterion on a column holding a customer: the customers the user's User Permissions allow
	(any, and none, when they have none on Customer)."""
	from frappe.permissions import get_user_permissions
	from pypika.terms import EmptyCriterion

	perms = get_user_permissions(frappe.session.user).get("Customer")
	if not perms:
		return EmptyCriterion()  # no condition at all (the query may then use an index alone)
	return customer_column.isin(sorted({perm.doc for perm in perms}))
