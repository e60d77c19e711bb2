"""Relevance of the knowledge search on the Spanish labelled set: recall@5 side by side.

2,000 resolved tickets written from 75 heating, solar and air-conditioning problems with varied wording
(`make_tickets`), and 60 requests written anew by customers, each labelled with its problem. A request
is answered when one of the first five tickets a ranking returns resolved the same problem. Rankings:

- today's similar tickets: same item +3, same type +2, same customer group +1 (no words), newest first;
- LIKE on the subject typed (the list view's filter), newest first;
- LIKE on each word typed (4+ letters; the collation ignores case and accents), most words first;
- the Spanish text search alone (subject and description of the request);
- the Spanish text search with the item/type/group evidence (what the ticket form shows).

The corpus is written in the caller's transaction (the search postings are transactional) and rolled
back by `remove`.
`bench --site SITE bizlink-benchmark --only knowledge_relevance` prints the table.
"""

import frappe
from frappe.utils import add_to_date, now_datetime

from bizlink.bizlink.text_search import index_many
from bizlink.devtools.knowledge import load, make_tickets
from bizlink.service.knowledge import TICKETS, search_tickets, ticket_terms

PREFIX = "KB-REL-"
TOP = 5
RANKINGS = {
	"evidence": "Today: same item/type/customer group",
	"like_subject": "LIKE on the subject typed",
	"like_words": "LIKE on each word typed",
	"text": "Spanish text search",
	"text_evidence": "Spanish text search + item/type/group",
}


def item_code(code: str) -> str:
	return f"{PREFIX}{code}"


def seed(n: int = 2000, seed: int = 7) -> dict:
	"""The corpus: its items, ticket types, customer groups, one customer per group and `n` resolved
	tickets with their search postings, uncommitted. Returns what was made."""
	data = load()
	made: dict[str, list[str]] = {"Item": [], "Issue Type": [], "Customer Group": [], "Customer": []}
	item_group = frappe.db.get_value("Item Group", {"is_group": 0}) or "All Item Groups"
	for family in data["families"].values():
		for code in family["items"]:
			if not frappe.db.exists("Item", item_code(code)):
				frappe.get_doc(
					{
						"doctype": "Item",
						"item_code": item_code(code),
						"item_name": code,
						"item_group": item_group,
						"stock_uom": "Nos",
						"is_stock_item": 0,
					}
				).insert(ignore_permissions=True)
				made["Item"].append(item_code(code))
	tickets = make_tickets(n, seed, data)
	for name in {t["ticket_type"] for t in tickets} | {q["ticket_type"] for q in data["queries"]}:
		if not frappe.db.exists("Issue Type", name):
			frappe.get_doc({"doctype": "Issue Type", "name": name}).insert(ignore_permissions=True)
			made["Issue Type"].append(name)
	customers = {}
	for group in {t["customer_group"] for t in tickets} | {q["customer_group"] for q in data["queries"]}:
		if not frappe.db.exists("Customer Group", group):
			frappe.get_doc(
				{
					"doctype": "Customer Group",
					"customer_group_name": group,
					"parent_customer_group": "All Customer Groups",
				}
			).insert(ignore_permissions=True)
			made["Customer Group"].append(group)
		customer = frappe.get_doc(
			{"doctype": "Customer", "customer_name": f"{PREFIX}{group}", "customer_group": group}
		).insert(ignore_permissions=True)
		customers[group] = customer.name
		made["Customer"].append(customer.name)
	start = add_to_date(now_datetime(), days=-400)
	rows = []
	for i, t in enumerate(tickets):
		doc = frappe._dict(
			subject=t["subject"][:140],
			description=f"<p>{t['description']}</p>",
			resolution_details=f"<p>{t['resolution']}</p>",
		)
		when = add_to_date(start, hours=i * 4)
		rows.append(
			(
				f"{PREFIX}{i:05d}",
				when,
				when,
				"Administrator",
				"Administrator",
				doc.subject,
				customers[t["customer_group"]],
				t["customer_group"],
				"Resolved",
				"Phone",
				t["ticket_type"],
				item_code(t["item"]) if t["item"] else None,
				doc.description,
				doc.resolution_details,
				add_to_date(when, hours=3),
				ticket_terms(doc),
			)
		)
	fields = [
		"name", "creation", "modified", "owner", "modified_by", "subject", "customer", "customer_name",
		"status", "channel", "ticket_type", "item", "description", "resolution_details", "resolved_on",
		"search_terms",
	]  # fmt: skip
	frappe.db.bulk_insert("Service Ticket", fields, rows, chunk_size=500)
	index_many(TICKETS, {row[0]: row[15] for row in rows})
	return made


def remove(made: dict | None = None) -> None:
	"""Nothing of the corpus stays: it was never committed."""
	frappe.db.rollback()


def problems(n: int = 2000, seed: int = 7) -> dict[str, str]:
	"""Each corpus ticket's problem (the label): the corpus is made again, as deterministically."""
	return {f"{PREFIX}{i:05d}": t["problem"] for i, t in enumerate(make_tickets(n, seed))}


def rank(ranking: str, query: dict) -> list[str]:
	"""The names a ranking returns for a labelled request, best first (corpus tickets only)."""
	typed = f"{query['subject']} {query['description']}"
	item = item_code(query["item"]) if query["item"] else None
	if ranking == "evidence":
		names = todays_similar(
			{"item": item, "ticket_type": query["ticket_type"], "customer_group": query["customer_group"]}, ""
		)
	elif ranking == "like_subject":
		names = frappe.get_all(
			"Service Ticket",
			filters={"status": "Resolved"},
			or_filters={
				"subject": ("like", f"%{query['subject']}%"),
				"description": ("like", f"%{query['subject']}%"),
			},
			order_by="resolved_on desc",
			pluck="name",
			limit=50,
		)
	elif ranking == "like_words":
		names = like_words(typed)
	elif ranking == "text":
		names = [row.name for row in search_tickets(typed, limit=50)]
	else:
		names = [
			row.name
			for row in search_tickets(
				typed,
				item=item,
				ticket_type=query["ticket_type"],
				customer_group=query["customer_group"],
				limit=50,
			)
		]
	return [name for name in names if name.startswith(PREFIX)][:TOP]


def todays_similar(context: dict, exclude: str) -> list[str]:
	"""The similar tickets as the form found them before the text search: every resolved ticket scored
	by the evidence alone (same item +3, same type +2, same customer group +1), newest first."""
	from frappe.query_builder import Case

	def points_if_same(field, value, weight):
		return Case().when(field == value, weight).else_(0) if value else 0

	t = frappe.qb.DocType("Service Ticket")
	c = frappe.qb.DocType("Customer")
	score = (
		points_if_same(t.item, context["item"], 3)
		+ points_if_same(t.ticket_type, context["ticket_type"], 2)
		+ points_if_same(c.customer_group, context["customer_group"], 1)
	)
	return (
		frappe.qb.from_(t)
		.left_join(c)
		.on(c.name == t.customer)
		.select(t.name)
		.where(t.status.isin(("Resolved", "Closed")))
		.where(t.name != exclude)
		.where(score > 0)
		.orderby(score, order=frappe.qb.desc)
		.orderby(t.resolved_on, order=frappe.qb.desc)
		.limit(60)
		.run(pluck=True)
	)


def like_words(typed: str) -> list[str]:
	"""Resolved tickets containing the most of the words typed (4+ letters), by LIKE."""
	from frappe.query_builder import Case
	from frappe.query_builder.functions import Concat_ws

	from bizlink.bizlink.text_search import TOKEN

	words = list(dict.fromkeys(w for w in TOKEN.findall(typed.lower()) if len(w) >= 4))[:30]
	if not words:
		return []
	t = frappe.qb.DocType("Service Ticket")
	text = Concat_ws(" ", t.subject, t.description, t.resolution_details)
	hits = sum((Case().when(text.like(f"%{word}%"), 1).else_(0) for word in words[1:]),
		Case().when(text.like(f"%{words[0]}%"), 1).else_(0))  # fmt: skip
	return (
		frappe.qb.from_(t)
		.select(t.name)
		.where(t.status == "Resolved")
		.where(hits > 0)
		.orderby(hits, order=frappe.qb.desc)
		.orderby(t.resolved_on, order=frappe.qb.desc)
		.limit(50)
		.run(pluck=True)
	)


def evaluate() -> dict:
	"""recall@5 of each ranking on the 60 labelled requests, and the requests each one answered."""
	data = load()
	label = problems()
	result = {}
	for ranking in RANKINGS:
		answered = [
			query["id"]
			for query in data["queries"]
			if any(label.get(name) == query["problem"] for name in rank(ranking, query))
		]
		result[ranking] = {"recall": len(answered) / len(data["queries"]), "answered": answered}
	return result


def knowledge_relevance(report, runs: int) -> None:
	"""Part of `bizlink-benchmark`: the recall@5 table on a corpus seeded and removed around it."""
	made = seed()
	try:
		result = evaluate()
	finally:
		remove(made)
	base = result["evidence"]["recall"]
	for ranking, title in RANKINGS.items():
		recall = result[ranking]["recall"] * 100
		report.add(
			f"recall@5: {title}",
			recall,
			base * 100 if ranking != "evidence" else None,
			">= 2x today's" if ranking.startswith("text") else "",
			recall >= 2 * base * 100 if ranking.startswith("text") else True,
			unit="%",
		)
