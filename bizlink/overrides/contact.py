"""Contact doc_events: a customer's contact invited as a website user gets the customer's portal.

ERPNext v15 shows a portal user the documents of the customers whose *Portal Users* table names them;
a Contact with a user, linked to the customer, is not enough. So when a Contact links a Website User
(Contact → Invite as User, or the user field) to customers, that user is added to each customer's
Portal Users and given the Customer role the portal pages need. Never for System Users (desk staff
who happen to be a contact), never removed automatically, and only by someone who may edit the
customer's Portal Users (see `may_give_portal`): a Contact may be created by any user (role All, if
owner), who must not give themselves or anyone else another customer's portal by linking a contact to
it; and only when the save links them (user set or customer link added), so that staff editing a
contact someone else linked grant nothing by the way.
"""

import frappe
from frappe import _

PORTAL_ROLE = "Customer"


def on_update(doc, method=None) -> None:
	user = doc.get("user")
	if not user or user in ("Administrator", "Guest"):
		return
	customers = newly_linked_customers(doc)
	if not customers:
		return
	if frappe.db.get_value("User", user, "user_type") != "Website User":
		return  # desk staff: their access comes from their roles, never from being a contact
	for customer in customers:
		give_portal_access(customer, user)


def newly_linked_customers(doc) -> list[str]:
	"""The customers this save links the contact's user to: all its customers when the user was just
	set (or the contact is new), else only the customers linked in this save. A save that changes
	neither (an unrelated edit by staff) grants nothing."""
	customers = [link.link_name for link in doc.links or [] if link.link_doctype == "Customer"]
	before = doc.get_doc_before_save()
	if before is None or before.get("user") != doc.user:
		return list(dict.fromkeys(customers))
	had = {link.link_name for link in before.links or [] if link.link_doctype == "Customer"}
	return list(dict.fromkeys(c for c in customers if c not in had))


def may_give_portal(customer: str) -> bool:
	"""Who may edit the customer's Portal Users: whoever may edit the customer, and a System Manager
	(who manages users and roles anyway)."""
	return frappe.has_permission("Customer", "write", doc=customer) or "System Manager" in frappe.get_roles()


def give_portal_access(customer: str, user: str) -> None:
	if frappe.db.exists("Portal User", {"parenttype": "Customer", "parent": customer, "user": user}):
		return
	if not may_give_portal(customer):
		frappe.msgprint(
			_(
				"{0} was not given the portal of customer {1}: someone who may edit the customer adds them to its Portal Users."
			).format(frappe.bold(user), frappe.bold(customer)),
			alert=True,
		)
		return
	add_portal_role(user)
	doc = frappe.get_doc("Customer", customer)
	doc.append("portal_users", {"user": user})
	doc.save(ignore_permissions=True)  # checked above: the user may edit this customer
	frappe.msgprint(
		_("{0} can now see the orders and service requests of {1} on the portal.").format(
			frappe.bold(user), frappe.bold(customer)
		),
		alert=True,
	)


def add_portal_role(user: str) -> None:
	"""The role the portal menu items (orders, service requests) need: a website role, no desk access.

	Added as a row of the user's roles, not by saving the User: a User save re-saves the user's Contact
	(Frappe's `create_contact`), which is the very document being saved here, and the person saving it
	would be told it was modified after they opened it."""
	if frappe.db.exists("Has Role", {"parenttype": "User", "parent": user, "role": PORTAL_ROLE}):
		return
	account = frappe.get_doc("User", user)
	account.append("roles", {"role": PORTAL_ROLE}).db_insert()
	# a User form open elsewhere is told it changed (saving it would drop the new row)
	frappe.db.set_value("User", user, "modified_by", frappe.session.user)
	frappe.clear_cache(user=user)
