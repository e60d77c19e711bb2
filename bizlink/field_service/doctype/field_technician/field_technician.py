# Copyright (c) 2026, BizLink contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import get_time

from bizlink.exceptions import EndBeforeStartError


class FieldTechnician(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from bizlink.field_service.doctype.field_technician_skill.field_technician_skill import (
			FieldTechnicianSkill,
		)

		employee: DF.Link | None
		enabled: DF.Check
		holiday_list: DF.Link | None
		skills: DF.TableMultiSelect[FieldTechnicianSkill]
		technician_name: DF.Data | None
		territory: DF.Link | None
		user: DF.Link
		work_end: DF.Time
		work_start: DF.Time
	# end: auto-generated types

	def validate(self):
		if get_time(self.work_end) <= get_time(self.work_start):
			frappe.throw(
				_("The working day must end after it starts ({0} to {1}).").format(
					str(self.work_start)[:5], str(self.work_end)[:5]
				),
				title=_("End Before Start"),
				exc=EndBeforeStartError,
			)
		seen = set()
		for row in list(self.skills):
			if row.item_group in seen:
				self.remove(row)
			seen.add(row.item_group)
