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

# Document Events
# ---------------

doc_events = {
	"Customer": {
		"validate": "bizlink.overrides.customer.validate",
	},
}

# Scheduled Tasks
# ---------------

scheduler_events = {
	"daily_long": [
		"bizlink.overrides.customer.refresh_age_bands",
	],
}
