"""BizLink documents in the Connections of ERPNext's forms."""

from frappe import _


def add_transactions(data: dict, label: str, items: list[str], fieldname: str | None = None) -> dict:
	if fieldname:
		data.setdefault("non_standard_fieldnames", {})
		for item in items:
			data["non_standard_fieldnames"][item] = fieldname
	for group in data.setdefault("transactions", []):
		if group.get("label") == label:
			group["items"] = list(dict.fromkeys([*group["items"], *items]))
			return data
	data["transactions"].append({"label": label, "items": items})
	return data


def get_customer_dashboard(data: dict) -> dict:
	# Customer's connections are found through each document's `customer` field
	return add_transactions(data, _("BizLink"), ["Sales Interaction", "Service Ticket", "Installation Job"])


def get_sales_order_dashboard(data: dict) -> dict:
	return add_transactions(
		data, _("BizLink"), ["Sales Interaction", "Service Ticket", "Installation Job"], "sales_order"
	)


def get_serial_no_dashboard(data: dict) -> dict:
	return add_transactions(data, _("BizLink"), ["Service Ticket"], "serial_no")


def get_opportunity_dashboard(data: dict) -> dict:
	return add_transactions(data, _("BizLink"), ["Sales Interaction"], "opportunity")


def get_quotation_dashboard(data: dict) -> dict:
	return add_transactions(data, _("BizLink"), ["Sales Interaction"], "quotation")
