"""Segment Campaigns: making a campaign's work (call list, visit list or email group) and closing it.

Both are the campaign's managers' (write permission on Segment Campaign: Sales Manager, System
Manager); a Sales User works the list through their own Sales Interactions and gets 403 here."""

import frappe
from frappe import _

from bizlink.bizlink.status_log import set_status
from bizlink.exceptions import CampaignBusyError
from bizlink.market_analysis import campaigns
from bizlink.sales_crm.doctype.sales_interaction import campaign_work

CAMPAIGN = campaigns.CAMPAIGN


def writable_campaign(campaign: str):
	frappe.has_permission(CAMPAIGN, "write", throw=True)  # before anything is looked up
	doc = frappe.get_doc(CAMPAIGN, campaign)
	doc.check_permission("write")
	return doc


@frappe.whitelist(methods=["POST"])
def create_work(campaign: str) -> dict:
	"""The campaign's call or visit list (planned interactions) or its email group and draft
	newsletter; again on an active campaign, for the customers that joined its segment since. Up to
	`INLINE_LIMIT` new customers it is made at once; more, on the long queue (status Creating, its
	progress shown on the form; asking again meanwhile is refused)."""
	doc = writable_campaign(campaign)
	check_not_being_made(doc)
	campaigns.check_ready(doc)
	work = campaigns.make_email_group if doc.channel == campaigns.EMAIL else campaign_work.make_call_list
	customers = campaigns.audience(doc)
	if len(customers) - len(campaigns.campaign_customers(doc.name)) <= campaigns.INLINE_LIMIT:
		return {"queued": False, **campaigns.run_work(doc.name, work)}
	job = (
		"bizlink.market_analysis.campaigns.email_job"
		if doc.channel == campaigns.EMAIL
		else "bizlink.sales_crm.doctype.sales_interaction.campaign_work.call_list_job"
	)
	set_status(doc, "Creating")
	frappe.enqueue(
		job,
		queue="long",
		timeout=1800,
		enqueue_after_commit=True,
		job_id=f"segment-campaign::{doc.name}",
		deduplicate=True,
		campaign=doc.name,
	)
	return {"queued": True, "customers": len(customers)}


@frappe.whitelist(methods=["POST"])
def close(campaign: str) -> None:
	"""Close the campaign: its rows change no more (an interaction done later is not counted)."""
	doc = writable_campaign(campaign)
	check_not_being_made(doc)
	set_status(doc, "Closed")
	doc.notify_update()


def check_not_being_made(doc) -> None:
	"""A campaign whose work is being made on the queue takes no other action meanwhile."""
	if doc.status == "Creating":
		frappe.throw(
			_("Campaign {0} is being made: wait until it is done.").format(frappe.bold(doc.name)),
			title=_("Campaign Busy"),
			exc=CampaignBusyError,
		)
