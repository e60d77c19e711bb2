# Copyright (c) 2026, BizLink contributors
# For license information, please see license.txt

from frappe.model.document import Document


class FieldSyncAction(Document):
	pass
