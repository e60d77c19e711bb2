# Copyright (c) 2026, BizLink contributors
# For license information, please see license.txt

from frappe.model.document import Document


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

	pass
