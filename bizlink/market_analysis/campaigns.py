"""Segment Campaigns: from a market segment to a call list, a visit list or an email, and back to what
the campaign brought.

**Audience.** A campaign's customers are read when its work is made, never typed in:
- *Segment*: the enabled customers its age band, city, customer group and territory describe, exactly
  as Market Segments filters them (each set dimension narrows the segment, an empty one takes any
  value; the city is that of the customer's market address);
- *Look-alikes of Top Customers*: the top customers by amount invoiced of What Top Customers Share
  (its own selection, with the same period, company and segment filters), then the enabled customers
  recorded in the same segment (age band, city, group and territory) as one of them, the top
  customers themselves left out.
A share of them (*Hold Out*, by a hash of campaign and customer, so a customer is always on the same
side) is not contacted: the control group of the lift.

**Rows.** One Segment Campaign Customer per customer of the campaign, unique (campaign, customer) in
the database: making the work again adds only the customers that joined the segment since, and a
customer with two contacts is one row. A row is Planned, Reached or Left Out (and why).

**Channels.** A call or visit list is a planned Sales Interaction per customer, shared among the sales
people in turn (Sales CRM makes them: `sales_interaction/campaign_work.py`). An email is Frappe's own
**Email Group** of one address per customer (the customer's primary contact, else another with an
email), then a draft **Newsletter** to it that a Newsletter Manager sends from its form: Frappe sends
each recipient their own mail with the unsubscribe link, and unsubscribing marks the group's member.
ERPNext's Email Campaign was weighed and not used: it mails a Lead, a Contact or a whole Email Group
as one Communication on a schedule of Email Templates, can only be stopped whole (one unsubscribe
marks the whole campaign Unsubscribed), has no draft to review before sending and is the System
Manager's. Contacts who asked for no mail are left out (and counted): the Contact's *Unsubscribed*,
an Email Unsubscribe of the address (global, or for the contact, the customer, or an earlier
campaign's Email Group or Newsletter) or a member of an earlier campaign's group who unsubscribed.

**Reached.** A planned interaction reaches its customer when it is done: an outcome is recorded on it,
or its follow-up is Done (the ToDo closed), on the interaction's day (no earlier than the campaign's
start, today at the latest); only its own customer's (it cannot move to another customer). An email
reaches its customers when the newsletter is sent (those who unsubscribed since are left out then).
Only an Active campaign's rows change: a Closed campaign's figures stay as they were.

**Attribution.** A campaign customer's submitted Sales Order (of the campaign's company, if it has
one) counts for the campaign when it is dated from the day the campaign reached them to
`attribution_days` later, both days included. Results (`results`): customers, reached, positive
outcomes (outcome category Positive or Won), orders, revenue (net total in the company's currency),
conversion (customers with an order / customers reached), cost per order, and the lift: that
conversion divided by the conversion of the same segments' customers not in the campaign (held out,
or new to the segment) over the campaign's window, from its start to `attribution_days` later.
"""

import hashlib

import frappe
from frappe import _
from frappe.query_builder import Case
from frappe.query_builder.functions import Count, IfNull, Sum
from frappe.utils import add_days, cint, flt, getdate, now, today
from pypika.terms import ExistsCriterion, Function, Interval

from bizlink.bizlink.permissions import readable_customers
from bizlink.bizlink.status_log import set_status
from bizlink.exceptions import (
	CampaignBusyError,
	CampaignIncompleteError,
	EmptySegmentError,
	NoSalesPeopleError,
)
from bizlink.market_analysis.market import customers_by_market_address, normalise, run_aggregate

CAMPAIGN = "Segment Campaign"
ROW = "Segment Campaign Customer"
DIMENSIONS = ("age_band", "city", "customer_group", "territory")
SEGMENT, LOOKALIKES = "Segment", "Look-alikes of Top Customers"
CALLS, VISITS, EMAIL = "Call List", "Visit List", "Email"
PLANNED, REACHED, LEFT_OUT = "Planned", "Reached", "Left Out"
UNSUBSCRIBED, NO_EMAIL, INTERACTION_DELETED = "Unsubscribed", "No Email", "Interaction Deleted"
POSITIVE_CATEGORIES = ("Positive", "Won")
# customers made in the request; a bigger campaign is made on the long queue, with its progress shown
INLINE_LIMIT = 1000
MAX_ATTRIBUTION_DAYS = 3650
MAX_HOLDOUT = 90
ROW_FIELDS = (
	"name",
	"creation",
	"modified",
	"owner",
	"modified_by",
	"campaign",
	"customer",
	"customer_name",
	"contact",
	"email",
	"status",
	"left_out_reason",
	"reached_on",
	"sales_person",
	"sales_interaction",
)


class DateDiff(Function):
	"""MariaDB's DATEDIFF(end, start): the days from start to end."""

	def __init__(self, end, start):
		super().__init__("DATEDIFF", end, start)


def default_attribution_days() -> int:
	days = frappe.db.get_single_value("BizLink Settings", "campaign_attribution_days")
	return 60 if days is None else cint(days)


# who the campaign is for ---------------------------------------------------------------------------


def audience(doc) -> list[frappe._dict]:
	"""The campaign's customers now (held-out ones included), by name: {name, customer_name,
	customer_primary_contact, segment}. None at all: `EmptySegmentError`."""
	query, c, address = customers_by_market_address()
	query = (
		query.select(
			c.name,
			c.customer_name,
			c.customer_primary_contact,
			IfNull(c.bizlink_market_segment, "").as_("segment"),
			IfNull(c.bizlink_age_band, "").as_("age_band"),
			IfNull(address.city, "").as_("city"),
			IfNull(c.customer_group, "").as_("customer_group"),
			IfNull(c.territory, "").as_("territory"),
		)
		.where(c.disabled == 0)
		.where(readable_customers(c))
		.orderby(c.name)
	)
	terms = {
		"age_band": IfNull(c.bizlink_age_band, ""),
		"city": IfNull(address.city, ""),
		"customer_group": c.customer_group,
		"territory": c.territory,
	}
	for key in DIMENSIONS:
		if doc.get(key):
			query = query.where(terms[key] == doc.get(key))
	if doc.audience == LOOKALIKES:
		top = top_customers(doc)
		segments = (
			sorted(
				{
					s
					for s in frappe.get_all("Customer", {"name": ("in", top)}, pluck="bizlink_market_segment")
					if s
				}
			)
			if top
			else []
		)
		query = query.where(c.bizlink_market_segment.isin(segments or [""])).where(c.name.notin(top or [""]))
	customers = query.run(as_dict=True)
	if not customers:
		frappe.throw(
			_("No enabled customer is in the segment of campaign {0}: choose another segment.").format(
				frappe.bold(doc.name)
			),
			title=_("Empty Segment"),
			exc=EmptySegmentError,
		)
	return customers


def top_customers(doc) -> list[str]:
	"""What Top Customers Share's selection for the campaign's parameters."""
	from bizlink.market_analysis.report.what_top_customers_share.what_top_customers_share import (
		get_selection,
	)

	filters = normalise(
		{
			"company": doc.company,
			"from_date": doc.top_from_date,
			"to_date": doc.top_to_date,
			"top": doc.top_customers or 10,
			**{key: doc.get(key) for key in DIMENSIONS if doc.get(key)},
		}
	)
	return get_selection(filters)


def is_held_out(campaign: str, customer: str, percent: int) -> bool:
	"""Whether the customer is in the campaign's hold-out: the same answer every time it is asked."""
	if not percent:
		return False
	digest = hashlib.md5(f"{campaign}\x1f{customer}".encode()).hexdigest()
	return int(digest[:8], 16) % 100 < cint(percent)


def campaign_customers(campaign: str) -> set[str]:
	return set(frappe.get_all(ROW, {"campaign": campaign}, pluck="customer"))


# checks ------------------------------------------------------------------------------------------


def check_ready(doc) -> None:
	"""What the campaign's work needs, before anything is written."""
	if doc.status == "Closed":
		frappe.throw(
			_("Campaign {0} is closed.").format(frappe.bold(doc.name)),
			title=_("Campaign Closed"),
			exc=CampaignBusyError,
		)
	if doc.channel == EMAIL:
		if not (doc.email_subject and frappe.utils.strip_html(doc.email_message or "").strip()):
			frappe.throw(
				_("Write the email's subject and message first."),
				title=_("Email Missing"),
				exc=CampaignIncompleteError,
			)
		if doc.newsletter and frappe.db.get_value("Newsletter", doc.newsletter, "email_sent"):
			frappe.throw(
				_("The campaign's newsletter {0} was sent: make a new campaign for more customers.").format(
					frappe.bold(doc.newsletter)
				),
				title=_("Already Sent"),
				exc=CampaignBusyError,
			)
	elif not [row.sales_person for row in doc.sales_people if row.sales_person]:
		frappe.throw(
			_("Add the sales people who will work the list."),
			title=_("No Sales People"),
			exc=NoSalesPeopleError,
		)


# making the work ---------------------------------------------------------------------------------


def run_work(campaign: str, work) -> dict:
	"""Make (or complete) the campaign's work, in this transaction: `work(doc, customers, progress)`
	writes the rows of the customers not yet in the campaign. Returns the campaign's counts."""
	doc = frappe.get_doc(CAMPAIGN, campaign, for_update=True)
	check_ready(doc)
	customers = audience(doc)
	existing = campaign_customers(doc.name)
	held = [c for c in customers if is_held_out(doc.name, c.name, doc.holdout_percent)]
	fresh = [
		c
		for c in customers
		if c.name not in existing and not is_held_out(doc.name, c.name, doc.holdout_percent)
	]

	def progress(done: int, total: int) -> None:
		if total > INLINE_LIMIT:
			frappe.publish_progress(
				done * 100 / total,
				title=_("Making campaign {0}").format(doc.name),
				doctype=CAMPAIGN,
				docname=doc.name,
				description=_("{0} of {1} customers").format(done, total),
			)

	savepoint = "segment_campaign_work"
	frappe.db.savepoint(savepoint)
	try:
		if fresh:
			work(doc, fresh, progress)
		values = {"held_out": len(held), "creation_error": None}
		if not doc.started_on:
			values["started_on"] = today()
		doc.db_set(values)
		counts = update_counts(doc.name)
		set_status(doc, "Active")
	except Exception:
		frappe.db.rollback(save_point=savepoint)  # nothing of the work stays, whoever called
		raise
	doc.notify_update()
	return {**counts, "added": len(fresh)}


def run_job(campaign: str, work) -> None:
	"""The campaign's work on the long queue: on failure nothing it wrote stays, and the campaign goes
	back to where it was with the error on it."""
	try:
		run_work(campaign, work)
	except Exception as error:
		doc = frappe.get_doc(CAMPAIGN, campaign)
		doc.db_set("creation_error", frappe.utils.strip_html(str(error))[:1000])
		set_status(doc, "Active" if doc.started_on else "Draft")
		doc.notify_update()
		frappe.db.commit()  # nosemgrep (the failure is recorded; what the job wrote was rolled back)
		raise


def email_job(campaign: str) -> None:
	run_job(campaign, make_email_group)


def insert_rows(rows: list[dict]) -> None:
	"""Rows of customers not yet in their campaign (a customer already in it is ignored: the unique
	key on campaign and customer)."""
	stamp, user = now(), frappe.session.user
	base = {"creation": stamp, "modified": stamp, "owner": user, "modified_by": user, "status": PLANNED}
	columns = ", ".join(f"`{field}`" for field in ROW_FIELDS)
	placeholder = "({})".format(", ".join(["%s"] * len(ROW_FIELDS)))
	for start in range(0, len(rows), 1000):
		chunk = [
			{**base, "name": frappe.generate_hash(length=10), **row} for row in rows[start : start + 1000]
		]
		# INSERT IGNORE (no query builder form that is fast for 10,000 rows); every value a parameter
		frappe.db.sql(  # nosemgrep
			f"insert ignore into `tabSegment Campaign Customer` ({columns}) values "
			+ ", ".join([placeholder] * len(chunk)),
			[row.get(field) for row in chunk for field in ROW_FIELDS],
		)


def update_counts(campaign: str) -> dict:
	"""The campaign's counts, from its rows."""
	row = frappe.qb.DocType(ROW)
	counts = (
		frappe.qb.from_(row)
		.select(
			Count(row.name).as_("customers"),
			Sum(Case().when(row.status == LEFT_OUT, 1).else_(0)).as_("left_out"),
			Sum(Case().when(row.left_out_reason == UNSUBSCRIBED, 1).else_(0)).as_("left_out_unsubscribed"),
			Sum(Case().when(row.status == REACHED, 1).else_(0)).as_("reached"),
		)
		.where(row.campaign == campaign)
		.run(as_dict=True)[0]
	)
	counts = {key: cint(value) for key, value in counts.items()}
	frappe.db.set_value(CAMPAIGN, campaign, counts, update_modified=False)
	return counts


# email -------------------------------------------------------------------------------------------


def make_email_group(doc, customers: list, progress) -> None:
	"""The campaign's Email Group (one address per customer, those who asked for no mail left out and
	counted) and its draft Newsletter."""
	chosen = choose_emails(
		[c.name for c in customers], {c.name: c.customer_primary_contact for c in customers}
	)
	rows = []
	for customer in customers:
		contact, email, reason = chosen.get(customer.name, (None, None, NO_EMAIL))
		rows.append(
			{
				"campaign": doc.name,
				"customer": customer.name,
				"customer_name": customer.customer_name,
				"contact": contact,
				"email": email,
				"status": LEFT_OUT if reason else PLANNED,
				"left_out_reason": reason,
			}
		)
	insert_rows(rows)
	progress(len(rows) // 2, len(rows))
	group = doc.email_group or make_group(doc)
	emails = sorted({row["email"] for row in rows if row["status"] == PLANNED})
	stamp, user = now(), frappe.session.user
	frappe.db.bulk_insert(
		"Email Group Member",
		("name", "creation", "modified", "owner", "modified_by", "email_group", "email", "unsubscribed"),
		[(frappe.generate_hash(length=10), stamp, stamp, user, user, group, email, 0) for email in emails],
		ignore_duplicates=True,  # (email group, email) is unique: two customers may share an address
		chunk_size=2000,
	)
	frappe.get_doc("Email Group", group).update_total_subscribers()
	values = {"email_group": group}
	if not doc.newsletter:
		values["newsletter"] = make_newsletter(doc, group)
	doc.db_set(values)
	progress(len(rows), len(rows))


def make_group(doc) -> str:
	title = f"{doc.name} {doc.title}"[:140]
	return frappe.get_doc({"doctype": "Email Group", "title": title}).insert(ignore_permissions=True).name


def make_newsletter(doc, group: str) -> str:
	from frappe.email.doctype.email_account.email_account import EmailAccount

	account = EmailAccount.find_outgoing(_raise_error=False)
	sender = (account and account.email_id) or frappe.db.get_value("User", frappe.session.user, "email")
	newsletter = frappe.get_doc(
		{
			"doctype": "Newsletter",
			"subject": doc.email_subject,
			"content_type": "Rich Text",
			"message": doc.email_message,
			"sender_email": sender,
			"sender_name": frappe.utils.get_fullname(frappe.session.user),
			"send_unsubscribe_link": 1,
			"email_group": [{"email_group": group}],
		}
	)
	return newsletter.insert(ignore_permissions=True).name


def choose_emails(customers: list[str], primary: dict[str, str | None]) -> dict[str, tuple]:
	"""For each customer, (contact, email, reason left out or None): its primary contact if it has an
	email, else its other contacts with one (marked primary first, then the oldest); the first whose
	address may be mailed, else the first of them with the reason (Unsubscribed)."""
	link, contact = frappe.qb.DocType("Dynamic Link"), frappe.qb.DocType("Contact")
	candidates: dict[str, list] = {}
	for start in range(0, len(customers), 5000):
		chunk = customers[start : start + 5000]
		rows = (
			frappe.qb.from_(link)
			.join(contact)
			.on(contact.name == link.parent)
			.select(link.link_name.as_("customer"), contact.name, contact.email_id, contact.unsubscribed)
			.where(link.parenttype == "Contact")
			.where(link.link_doctype == "Customer")
			.where(link.link_name.isin(chunk))
			.where(IfNull(contact.email_id, "") != "")
			.orderby(link.link_name)
			.orderby(contact.is_primary_contact, order=frappe.qb.desc)
			.orderby(contact.creation)
			.orderby(contact.name)
			.run(as_dict=True)
		)
		for row in rows:
			candidates.setdefault(row.customer, []).append(row)
	for customer, rows in candidates.items():
		first = primary.get(customer)
		rows.sort(key=lambda row: row.name != first)  # stable: the primary contact first
	blocked = unsubscribed_emails(
		{row.email_id.lower() for rows in candidates.values() for row in rows},
		{row.name for rows in candidates.values() for row in rows},
		customers,
	)
	chosen = {}
	for customer, rows in candidates.items():
		allowed = [
			r for r in rows if not r.unsubscribed and r.email_id.lower() not in blocked.get(r.name, set())
		]
		if allowed:
			chosen[customer] = (allowed[0].name, allowed[0].email_id, None)
		else:
			chosen[customer] = (rows[0].name, rows[0].email_id, UNSUBSCRIBED)
	return chosen


def unsubscribed_emails(emails: set[str], contacts: set[str], customers: list[str]) -> dict:
	"""The addresses that asked for no campaign mail, {contact name (or "*" for all): {email}}: an Email
	Unsubscribe that is global, or for the contact, the customer, or a campaign's Email Group or
	Newsletter; a campaign group's member who unsubscribed."""
	if not emails:
		return {}
	unsubscribe = frappe.qb.DocType("Email Unsubscribe")
	campaign = frappe.qb.DocType(CAMPAIGN)
	groups = frappe.qb.from_(campaign).select(campaign.email_group).where(campaign.email_group.isnotnull())
	newsletters = frappe.qb.from_(campaign).select(campaign.newsletter).where(campaign.newsletter.isnotnull())
	blocked: dict[str, set] = {"*": set()}
	email_list = sorted(emails)
	for start in range(0, len(email_list), 5000):
		chunk = email_list[start : start + 5000]
		rows = (
			frappe.qb.from_(unsubscribe)
			.select(unsubscribe.email, unsubscribe.reference_doctype, unsubscribe.reference_name)
			.where(unsubscribe.email.isin(chunk))
			.where(
				(unsubscribe.global_unsubscribe == 1)
				| ((unsubscribe.reference_doctype == "Email Group") & unsubscribe.reference_name.isin(groups))
				| (
					(unsubscribe.reference_doctype == "Newsletter")
					& unsubscribe.reference_name.isin(newsletters)
				)
				| (
					(unsubscribe.reference_doctype == "Contact")
					& unsubscribe.reference_name.isin(list(contacts) or [""])
				)
				| (
					(unsubscribe.reference_doctype == "Customer")
					& unsubscribe.reference_name.isin(customers or [""])
				)
			)
			.run(as_dict=True)
		)
		for row in rows:
			key = row.reference_name if row.reference_doctype == "Contact" else "*"
			blocked.setdefault(key, set()).add(row.email.lower())
		member = frappe.qb.DocType("Email Group Member")
		blocked["*"] |= {
			email.lower()
			for email in frappe.qb.from_(member)
			.select(member.email)
			.where(member.email.isin(chunk))
			.where(member.unsubscribed == 1)
			.where(member.email_group.isin(groups))
			.run(pluck=True)
		}
	return {name: blocked["*"] | blocked.get(name, set()) for name in contacts}


def on_newsletter_update(newsletter, method=None) -> None:
	"""Newsletter doc_event: sent (Frappe's queue_all sets `email_sent` and saves), its campaign's rows
	reach their customers, except those who unsubscribed since the group was made."""
	if not newsletter.email_sent or not newsletter.has_value_changed("email_sent"):
		return
	campaign = frappe.db.get_value(CAMPAIGN, {"newsletter": newsletter.name, "status": "Active"}, "name")
	if not campaign:
		return
	group = frappe.db.get_value(CAMPAIGN, campaign, "email_group")
	member = frappe.qb.DocType("Email Group Member")
	subscribed = set(
		frappe.qb.from_(member)
		.select(member.email)
		.where(member.email_group == group)
		.where(member.unsubscribed == 0)
		.run(pluck=True)
	)
	unsubscribe = frappe.qb.DocType("Email Unsubscribe")
	globally = set(
		frappe.qb.from_(unsubscribe)
		.select(unsubscribe.email)
		.where(unsubscribe.global_unsubscribe == 1)
		.run(pluck=True)
	)
	sent_on = getdate(newsletter.email_sent_at or today())
	updates = {}
	for row in frappe.get_all(ROW, {"campaign": campaign, "status": PLANNED}, ["name", "email"]):
		if row.email in subscribed and row.email not in globally:
			updates[row.name] = {"status": REACHED, "reached_on": sent_on}
		else:
			updates[row.name] = {"status": LEFT_OUT, "left_out_reason": UNSUBSCRIBED}
	frappe.db.bulk_update(ROW, updates, chunk_size=500)
	update_counts(campaign)


# calls and visits: reached ----------------------------------------------------------------------


def interaction_done(interaction) -> None:
	"""A campaign's planned interaction is done (outcome recorded, or follow-up Done): its customer's
	row is Reached on the interaction's day, but no earlier than the campaign's start and no later
	than today.

	The start bounds it rather than a date before it being refused: the interaction's date is the
	sales person's record of when the contact happened (a list may be planned for days before its work
	was made), and what matters to the results is only that the campaign cannot have reached anyone
	before it existed, so no order placed before its start can be attributed to it, whatever the date
	typed. A row is reached only by an interaction of its own customer (the controller refuses moving
	a campaign's interaction to another customer)."""
	if not interaction.get("campaign"):
		return
	if not (interaction.get("outcome") or interaction.get("follow_up_status") == "Done"):
		return
	status, started_on = frappe.db.get_value(CAMPAIGN, interaction.campaign, ["status", "started_on"])
	if status != "Active":
		return
	name = frappe.db.get_value(
		ROW,
		{
			"campaign": interaction.campaign,
			"sales_interaction": interaction.name,
			"customer": interaction.customer,
			"status": PLANNED,
		},
		"name",
		for_update=True,
	)
	if not name:
		return
	on = getdate(interaction.interaction_date or today())
	if started_on:
		on = max(on, getdate(started_on))
	on = min(on, getdate(today()))
	frappe.db.set_value(ROW, name, {"status": REACHED, "reached_on": on})
	update_counts(interaction.campaign)


def interaction_deleted(interaction) -> None:
	"""A campaign's interaction deleted: its row no longer names it; one not yet reached is left out."""
	if not interaction.get("campaign"):
		return
	for row in frappe.get_all(ROW, {"sales_interaction": interaction.name}, ["name", "status", "campaign"]):
		values = {"sales_interaction": None}
		if row.status == PLANNED:
			values.update(status=LEFT_OUT, left_out_reason=INTERACTION_DELETED)
		frappe.db.set_value(ROW, row.name, values)
		update_counts(row.campaign)


# a campaign deleted, a customer merged -----------------------------------------------------------


def on_campaign_trash(doc) -> None:
	"""The campaign's rows go with it; its interactions stay (the customers' history) without it."""
	frappe.db.delete(ROW, {"campaign": doc.name})
	interaction = frappe.qb.DocType("Sales Interaction")
	frappe.qb.update(interaction).set(interaction.campaign, None).where(
		interaction.campaign == doc.name
	).run()


def before_customer_rename(doc, method=None, old=None, new=None, merge=False) -> None:
	"""Merging customers: where both are in one campaign, the survivor keeps its row (Reached if either
	was) and the merged one's goes, so the campaign counts the customer once."""
	if not merge:
		return
	row = frappe.qb.DocType(ROW)
	mine = frappe.get_all(ROW, {"customer": old}, ["name", "campaign", "status", "reached_on"])
	for old_row in mine:
		survivor = frappe.db.get_value(
			ROW, {"customer": new, "campaign": old_row.campaign}, ["name", "status"], as_dict=True
		)
		if not survivor:
			continue
		if old_row.status == REACHED and survivor.status != REACHED:
			frappe.db.set_value(
				ROW,
				survivor.name,
				{"status": REACHED, "reached_on": old_row.reached_on, "left_out_reason": None},
			)
		frappe.qb.from_(row).delete().where(row.name == old_row.name).run()
		update_counts(old_row.campaign)


# results -----------------------------------------------------------------------------------------


def window_end(started_on, days) -> object:
	return add_days(getdate(started_on), cint(days))


def results(campaign: frappe._dict) -> dict:
	"""The figures of one campaign (a dict with name, company, started_on, attribution_days, cost)."""
	row, order = frappe.qb.DocType(ROW), frappe.qb.DocType("Sales Order")
	interaction, customer = frappe.qb.DocType("Sales Interaction"), frappe.qb.DocType("Customer")
	days = cint(campaign.attribution_days)
	counts = (
		frappe.qb.from_(row)
		.select(
			Count(row.name).as_("customers"),
			Sum(Case().when(row.status == LEFT_OUT, 1).else_(0)).as_("left_out"),
			Sum(Case().when(row.status == REACHED, 1).else_(0)).as_("reached"),
		)
		.where(row.campaign == campaign.name)
		.run(as_dict=True)[0]
	)
	positive = (
		frappe.qb.from_(interaction)
		.select(Count(interaction.name))
		.where(interaction.campaign == campaign.name)
		.where(interaction.outcome_category.isin(POSITIVE_CATEGORIES))
		.run()[0][0]
	)
	attributed = (
		frappe.qb.from_(row)
		.join(order)
		.on(order.customer == row.customer)
		.select(
			Count(order.name).as_("orders"),
			Sum(order.base_net_total).as_("revenue"),
			Count(order.customer).distinct().as_("ordering"),
		)
		.where(row.campaign == campaign.name)
		.where(row.status == REACHED)
		.where(order.docstatus == 1)
		.where(order.transaction_date >= row.reached_on)
		.where(order.transaction_date <= row.reached_on + Interval(days=days))
	)
	if campaign.company:
		attributed = attributed.where(order.company == campaign.company)
	attributed = attributed.run(as_dict=True)[0]
	figures = frappe._dict(
		customers=cint(counts.customers),
		left_out=cint(counts.left_out),
		reached=cint(counts.reached),
		positive=cint(positive),
		orders=cint(attributed.orders),
		revenue=flt(attributed.revenue),
		ordering=cint(attributed.ordering),
	)
	figures.conversion = figures.ordering / figures.reached * 100 if figures.reached else None
	cost = flt(campaign.cost)
	figures.cost_per_order = cost / figures.orders if cost and figures.orders else None

	figures.control_customers = figures.control_ordering = 0
	figures.control_conversion = figures.lift = None
	if campaign.started_on:
		start, end = getdate(campaign.started_on), window_end(campaign.started_on, days)
		segments = (
			frappe.qb.from_(row)
			.join(customer)
			.on(customer.name == row.customer)
			.select(customer.bizlink_market_segment)
			.distinct()
			.where(row.campaign == campaign.name)
			.run(pluck=True)
		)
		segments = [s for s in segments if s]
		if segments:
			ordered = (
				frappe.qb.from_(order)
				.select(order.customer)
				.distinct()
				.where(order.docstatus == 1)
				.where(order.transaction_date[start:end])
			)
			if campaign.company:
				ordered = ordered.where(order.company == campaign.company)
			ordered = ordered.as_("ordered")
			in_campaign = frappe.qb.from_(row).select(row.customer).where(row.campaign == campaign.name)
			control = (
				frappe.qb.from_(customer)
				.left_join(ordered)
				.on(ordered.customer == customer.name)
				.select(Count(customer.name).as_("customers"), Count(ordered.customer).as_("ordering"))
				.where(customer.disabled == 0)
				.where(customer.bizlink_market_segment.isin(segments))
				.where(customer.name.notin(in_campaign))
			)
			control = run_aggregate(control, as_dict=True)[0]
			figures.control_customers = cint(control.customers)
			figures.control_ordering = cint(control.ordering)
			if figures.control_customers:
				figures.control_conversion = figures.control_ordering / figures.control_customers * 100
			if figures.control_conversion and figures.conversion is not None:
				figures.lift = figures.conversion / figures.control_conversion
	return figures


def outcomes_by_channel(customers: list[str]) -> list[dict]:
	"""For these customers, by campaign channel: how many a campaign reached and how many of them
	ordered within its window (the attribution rule above), best conversion first."""
	if not customers:
		return []
	row, order, campaign = (
		frappe.qb.DocType(ROW),
		frappe.qb.DocType("Sales Order"),
		frappe.qb.DocType(CAMPAIGN),
	)
	ordered = (
		frappe.qb.from_(order)
		.select(order.name)
		.where(order.customer == row.customer)
		.where(order.docstatus == 1)
		.where(DateDiff(order.transaction_date, row.reached_on)[0 : campaign.attribution_days])
		.where((IfNull(campaign.company, "") == "") | (order.company == campaign.company))
		.limit(1)
	)
	rows = (
		frappe.qb.from_(row)
		.join(campaign)
		.on(campaign.name == row.campaign)
		.select(
			campaign.channel,
			Count(row.name).as_("reached"),
			Sum(Case().when(ExistsCriterion(ordered), 1).else_(0)).as_("ordered"),
			Count(campaign.name).distinct().as_("campaigns"),
		)
		.where(row.customer.isin(customers))
		.where(row.status == REACHED)
		.groupby(campaign.channel)
		.run(as_dict=True)
	)
	for r in rows:
		r.ordered = cint(r.ordered)
		r.conversion = round(r.ordered / r.reached * 100, 1) if r.reached else 0
	return sorted(rows, key=lambda r: (-r.conversion, -r.reached, r.channel))
