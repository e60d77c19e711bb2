# Copyright (c) 2026, BizLink contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document
from frappe.query_builder import Interval
from frappe.query_builder.functions import Now


class BizLinkReconciliationLog(Document):
	"""One run of bizlink.reconcile: what it found and put right. Written by the scheduler only."""

	@staticmethod
	def clear_old_logs(days: int = 90):
		"""Frappe's Log Settings clears the rows older than `days`."""
		table = frappe.qb.DocType("BizLink Reconciliation Log")
		frappe.db.delete(table, filters=(table.creation < (Now() - Interval(days=days))))
