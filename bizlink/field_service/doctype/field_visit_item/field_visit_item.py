# Copyright (c) 2026, BizLink contributors
# For license information, please see license.txt

from bizlink.bizlink.guard import ChildRow


class FieldVisitItem(ChildRow):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		delivered_qty: DF.Float
		delivery_note: DF.Link | None
		dn_detail: DF.Data | None
		installed_qty: DF.Float
		item_code: DF.Link
		item_name: DF.Data | None
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		qty: DF.Float
		serial_no: DF.SmallText | None
		so_detail: DF.Data | None
		uom: DF.Link | None
	# end: auto-generated types
	pass
