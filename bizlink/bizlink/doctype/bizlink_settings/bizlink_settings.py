# Copyright (c) 2026, BizLink contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from bizlink.exceptions import InvalidSettingError


class BizLinkSettings(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		escalation_fraction: DF.Percent
		reopen_window_days: DF.Int
		support_manager: DF.Link | None
	# end: auto-generated types

	def validate(self):
		if self.escalation_fraction is not None and not 1 <= self.escalation_fraction <= 99:
			frappe.throw(
				_("Warn the assignee between 1 % and 99 % of the resolution time, not at {0} %.").format(
					self.escalation_fraction
				),
				title=_("Invalid Setting"),
				exc=InvalidSettingError,
			)
		if self.reopen_window_days is not None and self.reopen_window_days < 0:
			frappe.throw(
				_("The reopen window cannot be negative ({0} days).").format(self.reopen_window_days),
				title=_("Invalid Setting"),
				exc=InvalidSettingError,
			)
		if self.support_manager and frappe.db.get_value("User", self.support_manager, "enabled") == 0:
			frappe.throw(
				_("User {0} is disabled: escalated tickets would go to no one.").format(
					frappe.bold(self.support_manager)
				),
				title=_("Invalid Setting"),
				exc=InvalidSettingError,
			)
