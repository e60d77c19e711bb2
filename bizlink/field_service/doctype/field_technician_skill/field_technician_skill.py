# Copyright (c) 2026, BizLink contributors
# For license information, please see license.txt

from bizlink.bizlink.guard import ChildRow


class FieldTechnicianSkill(ChildRow):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		item_group: DF.Link
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
	# end: auto-generated types

	pass
