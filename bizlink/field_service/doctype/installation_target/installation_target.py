# Copyright (c) 2026, BizLink contributors
# For license information, please see license.txt

from bizlink.bizlink.guard import ChildRow


class InstallationTarget(ChildRow):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		counted_from: DF.Literal["Delivery", "Order"]
		customer_group: DF.Link | None
		item_group: DF.Link | None
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		working_days: DF.Int
	# end: auto-generated types

	pass
