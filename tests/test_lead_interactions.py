"""Sales Interactions with a Lead or Prospect before it is a customer, and the customer made from it
taking them over."""

import frappe
import pytest
from frappe.client import get_value, insert
from frappe.utils import add_days, add_to_date, now_datetime, random_string, today

from bizlink.devtools.factories import get_leaf, make_customer, make_user
from bizlink.exceptions import MissingInteractionPartyError
from bizlink.sales_crm.doctype.sales_interaction.follow_up import get_overdue_follow_ups

SI = "Sales Interaction"


def make_lead(first_name: str = "Ana", last_name: str = "García", **fields):
	return frappe.get_doc(
		{
			"doctype": "Lead",
			"first_name": first_name,
			"last_name": last_name,
			"company_name": f"Reformas {random_string(6)} S.L.",
			**fields,
		}
	).insert(ignore_permissions=True)


def make_prospect(*leads: str):
	return frappe.get_doc(
		{
			"doctype": "Prospect",
			"company_name": f"Climatización {random_string(6)} S.A.",
			"leads": [{"lead": lead} for lead in leads],
		}
	).insert(ignore_permissions=True)


def customer_from_lead(lead: str, **fields):
	"""What Lead → Create → Customer makes and saves (ERPNext's own mapping)."""
	from erpnext.crm.doctype.lead.lead import make_customer as map_customer

	customer = map_customer(lead)
	customer.customer_group = customer.customer_group or get_leaf("Customer Group")
	customer.territory = customer.territory or get_leaf("Territory")
	customer.update(fields)
	return customer.insert()


def make_interaction_without_customer(**fields):
	return frappe.get_doc(
		{"doctype": SI, "interaction_type": "Call", "subject": "Primera llamada", **fields}
	).insert()


def log_for(party_type: str, party: str, **fields):
	return make_interaction_without_customer(party_type=party_type, party=party, **fields)


@pytest.fixture
def sales_user():
	return make_user(roles=["Sales User"]).name


def test_sales_user_logs_an_interaction_with_a_lead_over_the_api(sales_user):
	"""POST /api/method/frappe.client.insert, as the quick entry opened from an Opportunity sends it."""
	lead = make_lead()
	frappe.set_user(sales_user)
	saved = insert(
		{
			"doctype": SI,
			"party_type": "Lead",
			"party": lead.name,
			"interaction_type": "Visit",
			"subject": "Visita a la obra",
		}
	)
	frappe.set_user("Administrator")
	assert frappe.db.get_value(SI, saved["name"], ["customer", "party_type", "party", "owner"]) == (
		None,
		"Lead",
		lead.name,
		sales_user,
	)


@pytest.mark.parametrize(
	"fields",
	[{}, {"party_type": "Lead"}, {"party_type": "Prospect", "party": None}],
	ids=["nothing", "lead type without lead", "prospect type without prospect"],
)
def test_interaction_with_neither_customer_nor_lead_is_refused(fields):
	before = frappe.db.count(SI)
	with pytest.raises(MissingInteractionPartyError, match="Choose the customer of this interaction"):
		make_interaction_without_customer(**fields)
	assert frappe.db.count(SI) == before


def test_follow_up_of_a_lead_names_the_lead(outgoing_email):
	lead = make_lead("Lucía", "Martín")
	interaction = log_for(
		"Lead",
		lead.name,
		interaction_date=add_to_date(now_datetime(), days=-3),
		next_action="Enviar presupuesto",
		next_action_date=add_days(today(), -1),
	)
	assert frappe.db.get_value("ToDo", interaction.todo, "description") == "Lucía Martín: Enviar presupuesto"
	assert frappe.db.get_value("Event", interaction.event, "subject") == (
		"Follow up Lucía Martín: Enviar presupuesto"
	)
	overdue = [row for row in get_overdue_follow_ups() if row.name == interaction.name]
	assert [row.customer_name for row in overdue] == ["Lucía Martín"]  # the digest's "Customer" column


def test_customer_made_from_the_lead_takes_its_interactions():
	lead = make_lead("Pablo", "Ruiz")
	call = log_for("Lead", lead.name, interaction_date=add_to_date(now_datetime(), days=-10))
	visit = log_for(
		"Lead",
		lead.name,
		interaction_type="Visit",
		interaction_date=add_to_date(now_datetime(), days=-2),
		next_action="Llamar para cerrar",
		next_action_date=add_days(today(), 4),
	)
	already = make_customer(city=None)
	theirs = log_for("Lead", lead.name, customer=already.name)  # logged on a customer: stays there
	other_lead = log_for("Lead", make_lead().name)

	customer = customer_from_lead(lead.name)

	assert frappe.db.get_value(SI, call.name, "customer") == customer.name
	assert frappe.db.get_value(SI, visit.name, ["customer", "customer_name"]) == (
		customer.name,
		customer.customer_name,
	)
	assert frappe.db.get_value(SI, theirs.name, "customer") == already.name
	assert frappe.db.get_value(SI, other_lead.name, "customer") is None
	# the customer's summary counts them, the follow-up names the customer now
	summary = frappe.db.get_value(
		"Customer",
		customer.name,
		["bizlink_interaction_count", "bizlink_last_interaction", "bizlink_next_follow_up"],
		as_dict=True,
	)
	assert summary.bizlink_interaction_count == 2
	assert str(summary.bizlink_last_interaction) == str(
		frappe.db.get_value(SI, visit.name, "interaction_date")
	)
	assert str(summary.bizlink_next_follow_up) == add_days(today(), 4)
	assert frappe.db.get_value("ToDo", visit.todo, "description") == (
		f"{customer.customer_name}: Llamar para cerrar"
	)
	# and the customer file shows them
	from bizlink.api.customer import get_customer_file

	shown = get_customer_file(customer.name)
	assert {row.name for row in shown["interactions"]["rows"]} == {call.name, visit.name}
	assert [row.name for row in shown["follow_ups"]["rows"]] == [visit.name]


def test_customer_made_from_a_prospect_takes_the_prospects_and_its_leads_interactions():
	member = make_lead()
	prospect = make_prospect(member.name)
	on_prospect = log_for("Prospect", prospect.name)
	on_member = log_for("Lead", member.name)
	customer = make_customer(prospect.company_name, city=None, prospect_name=prospect.name)
	assert frappe.db.get_value(SI, on_prospect.name, "customer") == customer.name
	assert frappe.db.get_value(SI, on_member.name, "customer") == customer.name
	assert frappe.db.get_value("Customer", customer.name, "bizlink_interaction_count") == 2


def test_customer_made_from_an_opportunity_of_a_lead_takes_its_interactions(company):
	from erpnext.crm.doctype.opportunity.opportunity import make_customer as map_customer

	lead = make_lead()
	opportunity = frappe.get_doc(
		{"doctype": "Opportunity", "opportunity_from": "Lead", "party_name": lead.name, "company": company}
	).insert()
	logged = log_for("Lead", lead.name, opportunity=opportunity.name)
	customer = map_customer(opportunity.name)  # Opportunity → Create → Customer
	customer.customer_group = customer.customer_group or get_leaf("Customer Group")
	customer.territory = customer.territory or get_leaf("Territory")
	customer.customer_name = customer.customer_name or lead.company_name
	customer.insert()
	assert (customer.lead_name, customer.opportunity_name) == (lead.name, opportunity.name)
	assert frappe.db.get_value(SI, logged.name, "customer") == customer.name


def test_a_customer_made_disabled_still_takes_the_history():
	lead = make_lead()
	logged = log_for("Lead", lead.name)
	customer = customer_from_lead(lead.name, disabled=1)
	assert frappe.db.get_value(SI, logged.name, "customer") == customer.name


def test_log_interaction_on_an_opportunity_of_a_converted_lead_logs_on_the_customer(sales_user, company):
	"""The form's own calls (bizlink.get_customer_of_party in log_interaction.js), then its insert."""
	lead = make_lead()
	customer = customer_from_lead(lead.name)
	opportunity = frappe.get_doc(
		{"doctype": "Opportunity", "opportunity_from": "Lead", "party_name": lead.name, "company": company}
	).insert()

	frappe.set_user(sales_user)
	found = get_value("Customer", "name", {"lead_name": lead.name, "disabled": 0})
	assert found == {"name": customer.name}
	saved = insert(
		{
			"doctype": SI,
			"customer": found["name"],
			"party_type": "Lead",
			"party": lead.name,
			"opportunity": opportunity.name,
			"interaction_type": "Call",
			"subject": "Seguimiento de la oportunidad",
		}
	)
	# a client that sends only the Lead gets the customer all the same
	only_lead = insert(
		{"doctype": SI, "party_type": "Lead", "party": lead.name, "interaction_type": "Call", "subject": "x"}
	)
	frappe.set_user("Administrator")
	assert saved["customer"] == customer.name
	assert frappe.db.get_value(SI, only_lead["name"], "customer") == customer.name
	assert frappe.db.get_value("Customer", customer.name, "bizlink_interaction_count") == 2


def test_log_interaction_for_a_lead_whose_prospect_is_a_customer(sales_user):
	member = make_lead()
	prospect = make_prospect(member.name)
	customer = make_customer(prospect.company_name, city=None, prospect_name=prospect.name)

	frappe.set_user(sales_user)
	# the form's calls: the lead's prospect, then the customer made from it
	prospect_of_lead = get_value(
		"Prospect Lead", "parent", {"lead": member.name, "parenttype": "Prospect"}, parent="Prospect"
	)
	assert prospect_of_lead == {"parent": prospect.name}
	assert get_value("Customer", "name", {"prospect_name": prospect.name, "disabled": 0}) == {
		"name": customer.name
	}
	saved = insert(
		{
			"doctype": SI,
			"party_type": "Lead",
			"party": member.name,
			"interaction_type": "Call",
			"subject": "x",
		}
	)
	frappe.set_user("Administrator")
	assert saved["customer"] == customer.name


def test_a_customer_the_user_may_not_read_is_not_filled_in(sales_user):
	lead = make_lead()
	hidden = customer_from_lead(lead.name)
	for allowed in (make_customer(city=None), make_customer(city=None)):  # two: neither is a default
		frappe.get_doc(
			{"doctype": "User Permission", "user": sales_user, "allow": "Customer", "for_value": allowed.name}
		).insert(ignore_permissions=True)
	frappe.set_user(sales_user)
	saved = insert(
		{"doctype": SI, "party_type": "Lead", "party": lead.name, "interaction_type": "Call", "subject": "x"}
	)
	frappe.set_user("Administrator")
	assert saved["customer"] is None
	assert frappe.db.get_value("Customer", hidden.name, "bizlink_interaction_count") == 0


def test_market_segments_count_the_interactions_the_customer_took_over():
	from bizlink.market_analysis.report.market_segments.market_segments import segment_figures

	territory = frappe.get_doc(
		{
			"doctype": "Territory",
			"territory_name": f"Lead T {random_string(5)}",
			"parent_territory": "All Territories",
		}
	).insert()
	lead = make_lead()
	for days in (3, 12):
		log_for("Lead", lead.name, interaction_date=add_to_date(now_datetime(), days=-days))
	customer_from_lead(lead.name, territory=territory.name)
	filters = {
		"territory": territory.name,
		"from_date": add_days(today(), -30),
		"to_date": today(),
		"dimensions": ["Territory"],
	}
	from_rollup = segment_figures(filters, True)
	assert from_rollup == segment_figures(filters, False)
	interactions = 5  # (customers, revenue, previous revenue, orders, order value, interactions, ...)
	assert [row[interactions] for row in from_rollup.values()] == [2]


def test_an_interaction_that_no_longer_passes_its_checks_stays_and_the_customer_is_made():
	lead = make_lead()
	contact = frappe.get_doc(
		{
			"doctype": "Contact",
			"first_name": "Eva",
			"links": [{"link_doctype": "Lead", "link_name": lead.name}],
		}
	).insert(ignore_permissions=True)
	stays = log_for("Lead", lead.name, contact=contact.name)
	moves = log_for("Lead", lead.name)
	contact.links = []  # unlinked from the lead since: the interaction's contact is nobody's now
	contact.save(ignore_permissions=True)
	frappe.local.message_log = []

	customer = customer_from_lead(lead.name)

	assert frappe.db.exists("Customer", customer.name)
	assert frappe.db.get_value(SI, moves.name, "customer") == customer.name
	assert frappe.db.get_value(SI, stays.name, ["customer", "party"]) == (None, lead.name)
	assert frappe.db.get_value("Customer", customer.name, "bizlink_interaction_count") == 1
	told = " ".join(str(m) for m in frappe.local.message_log)
	assert f"Sales Interaction <strong>{stays.name}</strong> stays with Lead" in told
