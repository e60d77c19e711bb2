# Copyright (c) 2026, BizLink contributors
# For license information, please see license.txt

from bizlink.bizlink.guard import ChildRow


class FieldVisitTechnician(ChildRow):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		employee: DF.Link | None
		is_lead: DF.Check
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		technician_name: DF.Data | None
		user: DF.Link
	# end: auto-generated types
	pass
