# Copyright (c) 2026, BizLink contributors
# For license information, please see license.txt

"""A ticket an article solved: linked by the agent who marked "this solved it" on the ticket."""

from bizlink.bizlink.guard import ChildRow


class KnowledgeArticleTicket(ChildRow):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		linked_by: DF.Link | None
		linked_on: DF.Datetime | None
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		ticket: DF.Link
	# end: auto-generated types

	pass
