# Copyright (c) 2026, BizLink contributors
# For license information, please see license.txt

from frappe.model.document import Document


class InstallationChecklistTemplate(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from bizlink.field_service.doctype.installation_checklist_template_item.installation_checklist_template_item import (
			InstallationChecklistTemplateItem,
		)

		items: DF.Table[InstallationChecklistTemplateItem]
		template_name: DF.Data
	# end: auto-generated types
	pass
