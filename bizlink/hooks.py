app_name = "bizlink"
app_title = "BizLink"
app_publisher = "BizLink contributors"
app_description = "CRM and after-sales service on ERPNext's own Customer and Sales Order"
app_email = "dev@bizlink.invalid"
app_license = "mit"

required_apps = ["frappe/erpnext"]

export_python_type_annotations = True

# Installation
# ------------

after_install = "bizlink.install.after_install"
before_uninstall = "bizlink.install.before_uninstall"
after_migrate = "bizlink.install.after_migrate"

# Desk
# ----

doctype_list_js = {
	"Sales Order": "public/js/sales_order_list.js",
}

# on every desk page: an article's rich text, redrawn (Field Visit form, customer file)
app_include_js = ["/assets/bizlink/js/rich_text.js"]

doctype_js = {
	"Customer": ["public/js/log_interaction.js", "public/js/customer.js"],
	"Contact": ["public/js/log_interaction.js", "public/js/contact.js"],
	"Opportunity": ["public/js/log_interaction.js", "public/js/opportunity.js"],
	"Quotation": ["public/js/log_interaction.js", "public/js/quotation.js"],
	"Sales Order": ["public/js/log_interaction.js", "public/js/sales_order.js"],
	"Serial No": ["public/js/serial_no.js"],
	# saved replies in the reply box (Email Template, the customer's language)
	"Service Ticket": ["public/js/saved_replies.js"],
	"Address": ["public/js/address.js"],
}

# Portal
# ------

jinja = {
	"methods": ["bizlink.api.service_ticket.get_feedback_url"],
}

website_route_rules = [
	{"from_route": "/order-progress", "to_route": "order_progress"},
	{"from_route": "/order-progress/<name>", "to_route": "order_progress"},
	{"from_route": "/ticket-feedback", "to_route": "ticket_feedback"},
	{"from_route": "/visit-feedback", "to_route": "visit_feedback"},
	{"from_route": "/service-tickets", "to_route": "service_tickets"},
	{"from_route": "/service-tickets/<name>", "to_route": "service_tickets"},
]

# a portal customer lands on their orders (with a link to their service requests), not on /me
role_home_page = {"Customer": "order-progress"}

standard_portal_menu_items = [
	{
		"title": "Order Progress",
		"route": "/order-progress",
		"reference_doctype": "Sales Order",
		"role": "Customer",
	},
	{
		"title": "Service Requests",
		"route": "/service-tickets",
		"reference_doctype": "Service Ticket",
		"role": "Customer",
	},
]

# BizLink's own Notifications are written in each recipient's language
override_doctype_class = {"Notification": "bizlink.overrides.notification.BizLinkNotification"}

# Permissions
# -----------

permission_query_conditions = {
	"Field Visit": "bizlink.bizlink.permissions.field_visit_query",
	# a job's child rows listed on their own follow their job's rule
	"Field Visit Technician": "bizlink.bizlink.permissions.field_visit_child_query",
	"Field Visit Item": "bizlink.bizlink.permissions.field_visit_child_query",
	"Field Visit Checklist Item": "bizlink.bizlink.permissions.field_visit_child_query",
	"Field Visit Part": "bizlink.bizlink.permissions.field_visit_child_query",
	"BizLink Status Log": "bizlink.bizlink.permissions.field_visit_child_query",
}

has_permission = {
	"Field Visit": "bizlink.bizlink.permissions.field_visit_has_permission",
}

override_whitelisted_methods = {
	# counts of BizLink's DocTypes follow read permission (Frappe's own does not check it)
	"frappe.client.get_count": "bizlink.overrides.client.get_count",
	# the list sidebar's "Assigned To" counts only what the user may list (Frappe's own does not check)
	"frappe.desk.listview.get_group_by_count": "bizlink.overrides.listview.get_group_by_count",
	# BizLink's Group By charts name their groups in the reader's language
	"frappe.desk.doctype.dashboard_chart.dashboard_chart.get": "bizlink.overrides.dashboard.get_chart",
}

override_doctype_dashboards = {
	"Customer": "bizlink.overrides.dashboard.get_customer_dashboard",
	"Sales Order": "bizlink.overrides.dashboard.get_sales_order_dashboard",
	"Opportunity": "bizlink.overrides.dashboard.get_opportunity_dashboard",
	"Quotation": "bizlink.overrides.dashboard.get_quotation_dashboard",
	"Serial No": "bizlink.overrides.dashboard.get_serial_no_dashboard",
}

# Document Events
# ---------------

STAGE = "bizlink.fulfilment.stages.on_document_change"  # documents that move an order between stages
LEG = "bizlink.field_service.promise.on_leg_change"  # a trip or shipment: the promise from arrival

SEGMENTS = (
	"bizlink.market_analysis.segments"  # the market segments rollup, kept in the documents' transaction
)
HOLD = "bizlink.bizlink.guard.hold_system_fields"  # fields only the system writes, whatever a request brings
# a deleted document BizLink links to: its stage logs go, BizLink's records keep their history unlinked
DELETED = "bizlink.deletion.on_trash"
FOLLOW_UP = "bizlink.sales_crm.doctype.sales_interaction.follow_up"  # a Sales Interaction's ToDo and Event
doc_events = {
	# every BizLink DocType, and BizLink's fields on ERPNext's: a DocType or field added later is held too
	"*": {"before_validate": HOLD, "before_update_after_submit": HOLD},
	# an item's maintenance interval is a plan's (1 to 120 months, or none)
	"Item": {"validate": "bizlink.field_service.maintenance.validate_item"},
	# installation targets: at least a working day each, one per pair of groups; changed: the open
	# installation jobs' promises follow
	"BizLink Settings": {
		"validate": "bizlink.field_service.promise.validate_settings",
		"on_update": "bizlink.field_service.promise.on_settings_update",
	},
	"Customer": {
		"validate": "bizlink.overrides.customer.validate",
		"after_insert": "bizlink.overrides.customer.after_insert",
		"on_change": f"{SEGMENTS}.on_customer_change",
		"on_trash": f"{SEGMENTS}.on_customer_trash",
		"before_rename": [
			f"{SEGMENTS}.before_customer_rename",
			"bizlink.market_analysis.campaigns.before_customer_rename",  # a customer once per campaign
		],
		"after_rename": f"{SEGMENTS}.after_customer_rename",
	},
	"Address": {
		"validate": "bizlink.field_service.dispatch.validate_address_point",
		"on_update": "bizlink.field_service.dispatch.on_address_point_change",
		"on_change": f"{SEGMENTS}.on_address_change",
		"after_delete": f"{SEGMENTS}.on_address_delete",
		"after_rename": f"{SEGMENTS}.on_address_rename",
	},
	"Contact": {"on_update": "bizlink.overrides.contact.on_update"},
	"Sales Order": {
		"onload": "bizlink.api.fulfilment.set_timeline_onload",
		"on_submit": [
			"bizlink.field_service.installation.on_sales_order_submit",
			f"{SEGMENTS}.on_sales",
		],
		"before_cancel": "bizlink.field_service.installation.before_sales_order_cancel",
		"on_update_after_submit": [
			"bizlink.field_service.installation.on_sales_order_update_after_submit",
			f"{SEGMENTS}.on_sales_order_update",
		],
		"on_cancel": [
			"bizlink.field_service.installation.on_sales_order_cancel",
			STAGE,
			f"{SEGMENTS}.on_sales",
		],
		"on_trash": DELETED,
	},
	"Sales Interaction": {
		"before_save": f"{SEGMENTS}.before_save",
		"before_change": f"{SEGMENTS}.before_change",
		"on_change": f"{SEGMENTS}.on_change",
		"on_trash": f"{SEGMENTS}.on_trash",
	},
	"Service Ticket": {
		"before_save": f"{SEGMENTS}.before_save",
		"before_change": f"{SEGMENTS}.before_change",
		"on_change": f"{SEGMENTS}.on_change",
		"on_trash": f"{SEGMENTS}.on_trash",
	},
	# a repair visit completed resolves its ticket (Service follows Field Service, which knows no ticket)
	"Field Visit": {
		"on_submit": "bizlink.service.visits.on_visit_submit",
		"on_cancel": "bizlink.service.visits.on_visit_cancel",
		# a completed visit's promise kept or not, and its rating, in its customer's market segment
		"before_save": f"{SEGMENTS}.before_save",
		"before_submit": f"{SEGMENTS}.before_save",
		"before_cancel": f"{SEGMENTS}.before_save",
		"before_change": f"{SEGMENTS}.before_change",
		"on_change": f"{SEGMENTS}.on_change",
	},
	"Work Order": {"on_submit": STAGE, "on_cancel": STAGE, "on_trash": DELETED},
	"Stock Entry": {"on_submit": STAGE, "on_cancel": STAGE, "on_trash": DELETED},
	"Delivery Note": {
		"on_submit": [STAGE, "bizlink.field_service.installation.on_delivery_note_change"],
		"on_cancel": [STAGE, "bizlink.field_service.installation.on_delivery_note_change"],
		"on_trash": DELETED,
	},
	"Sales Invoice": {
		"on_submit": [STAGE, f"{SEGMENTS}.on_sales"],
		"on_cancel": [STAGE, f"{SEGMENTS}.on_sales", "bizlink.field_service.parts.on_invoice_cancel"],
		"on_trash": DELETED,
	},
	"Payment Entry": {"on_submit": STAGE, "on_cancel": STAGE, "on_trash": DELETED},
	# the order's goods on the road (In Transit): a trip leaves on submit, arrives as its stops are
	# visited; a shipment's booking and tracking come by db_set, which runs on_change only
	# (then the installation promised from delivery counts from the arrival)
	"Delivery Trip": {
		"on_submit": [STAGE, LEG],
		"on_update_after_submit": [STAGE, LEG],
		"on_cancel": [STAGE, LEG],
		"on_trash": DELETED,
	},
	"Shipment": {"on_change": [STAGE, LEG], "on_trash": DELETED},
	"Quotation": {"on_trash": DELETED},
	"Opportunity": {"on_trash": DELETED},
	"Installation Note": {"on_trash": DELETED},
	"Maintenance Visit": {"on_trash": DELETED},
	"Customer Group": {"after_rename": f"{SEGMENTS}.on_dimension_rename"},
	"Territory": {"after_rename": f"{SEGMENTS}.on_dimension_rename"},
	"Company": {"after_rename": f"{SEGMENTS}.on_company_rename"},
	"ToDo": {
		"before_insert": "bizlink.overrides.notification.todo_in_assignees_language",
		"on_update": f"{FOLLOW_UP}.on_todo_update",
		"on_trash": f"{FOLLOW_UP}.on_todo_trash",
	},
	"Event": {"on_trash": f"{FOLLOW_UP}.on_event_trash"},
	# a Segment Campaign's newsletter sent: its customers reached
	"Newsletter": {"on_update": "bizlink.market_analysis.campaigns.on_newsletter_update"},
}

# Scheduled Tasks
# ---------------

scheduler_events = {
	"cron": {
		"*/5 * * * *": ["bizlink.service.escalation.escalate_tickets"],
	},
	"daily": [
		"bizlink.sales_crm.doctype.sales_interaction.follow_up.send_overdue_digest",
		"bizlink.field_service.maintenance.create_due_visits",
		"bizlink.field_service.maintenance.send_overdue_digest",
		"bizlink.field_service.promise.check_promises",
	],
	"hourly_long": ["bizlink.reconcile.repair_orders", "bizlink.service.knowledge.reindex_recent"],
	"daily_long": [
		"bizlink.overrides.customer.refresh_age_bands",
		"bizlink.reconcile.repair_all",
	],
}

# the reconciliation's log, cleared like Frappe's own logs (Log Settings)
default_log_clearing_doctypes = {"BizLink Reconciliation Log": 90}
