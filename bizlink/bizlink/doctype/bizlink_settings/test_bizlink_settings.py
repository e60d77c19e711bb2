# Copyright (c) 2026, BizLink contributors and Contributors
# See license.txt

# import frappe
from frappe.tests.utils import FrappeTestCase


class TestBizLinkSettings(FrappeTestCase):
	pass
