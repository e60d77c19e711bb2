"""The installed base: what BizLink's installations put at customers' sites.

A serialised unit's record is ERPNext's own Serial No: ERPNext already keeps its item, customer
(set by the delivery), warranty expiry (the delivery date plus the item's warranty period), AMC
expiry and maintenance status there, and Maintenance Schedules, Warranty Claims and stock reports
read it. BizLink adds where it was installed, when and by whom, and the installation visit
(`bizlink_*` fields), written when the installation visit completes and cleared if it is
cancelled. A unit without a serial number is the completed installation visit's item row.
"""

import frappe
from frappe.utils import getdate, today


def crew_names(visit) -> str | None:
	"""The crew as the installed base records them ("Installed By")."""
	return ", ".join(row.technician_name or row.user for row in visit.crew if row.user)[:140] or None


def lead_technician(visit) -> str | None:
	"""The visit's lead technician's user (the first of the crew if none is marked)."""
	return next((row.user for row in visit.crew if row.is_lead), visit.crew[0].user if visit.crew else None)


def lead_employee(visit) -> str | None:
	lead = lead_technician(visit)
	return frappe.db.get_value("Employee", {"user_id": lead}, "name") if lead else None


def installed_serials(visit) -> list[str]:
	from bizlink.field_service.doctype.field_visit.field_visit import split_serials

	return [
		serial
		for row in visit.items
		if row.installed_qty and row.serial_no
		for serial in split_serials(row.serial_no)
	]


def record_installation(visit) -> None:
	"""The serial numbers a completed installation visit installed join the customer's installed base."""
	serials = installed_serials(visit)
	if not serials:
		return
	serial = frappe.qb.DocType("Serial No")
	(
		frappe.qb.update(serial)
		.set(serial.bizlink_site_address, visit.address)
		.set(serial.bizlink_installed_on, getdate(visit.actual_end or today()))
		.set(serial.bizlink_installation_visit, visit.name)
		.set(serial.bizlink_installed_by, crew_names(visit))
		.where(serial.name.isin(serials))
		.run()
	)


def clear_installation(visit, forget_site: bool = False) -> None:
	"""A cancelled visit takes the units it installed out of the installed base again (a replacement
	spare back to the van forgets the site too; an installed unit keeps where it stands)."""
	serial = frappe.qb.DocType("Serial No")
	query = (
		frappe.qb.update(serial)
		.set(serial.bizlink_installed_on, None)
		.set(serial.bizlink_installation_visit, None)
		.set(serial.bizlink_installed_by, None)
		.where(serial.bizlink_installation_visit == visit.name)
	)
	if forget_site:
		query = query.set(serial.bizlink_site_address, None)
	query.run()


# ERPNext's own record of service on the unit -----------------------------------------------------

SERVICE_PERSON = "Field Service"  # the Sales Person a visit is booked under when its technician is none


def service_person(visit) -> str:
	"""The lead technician's Sales Person (through their Employee), else BizLink's Field Service one
	(ERPNext's Maintenance Visit requires a Sales Person on each row)."""
	employee = lead_employee(visit)
	person = (
		frappe.db.get_value("Sales Person", {"employee": employee, "enabled": 1}, "name")
		if employee
		else None
	)
	if person:
		return person
	if not frappe.db.exists("Sales Person", SERVICE_PERSON):
		root = frappe.db.get_value("Sales Person", {"is_group": 1, "parent_sales_person": ("in", ("", None))})
		frappe.get_doc(
			{
				"doctype": "Sales Person",
				"sales_person_name": SERVICE_PERSON,
				"parent_sales_person": root,
				"is_group": 0,
			}
		).insert(ignore_permissions=True)
	return SERVICE_PERSON


def record_service(visit) -> None:
	"""A completed maintenance or repair visit of a unit is also ERPNext's Maintenance Visit (submitted),
	so that whoever looks at the serial number in ERPNext finds its service there."""
	from frappe.utils import get_datetime, strip_html

	if not visit.item_code:
		return
	done = get_datetime(visit.actual_end or frappe.utils.now_datetime())
	work = strip_html(visit.notes or "").strip() or frappe._("Field Visit {0}").format(visit.name)
	record = frappe.get_doc(
		{
			"doctype": "Maintenance Visit",
			"customer": visit.customer,
			"company": visit.company,
			"mntc_date": done.date(),
			"mntc_time": done.strftime("%H:%M:%S"),
			"completion_status": "Fully Completed",
			"maintenance_type": "Scheduled" if visit.visit_type == "Maintenance" else "Breakdown",
			"customer_address": visit.address,
			"contact_person": visit.contact,
			"customer_feedback": visit.signed_by,
			"purposes": [
				{
					"item_code": visit.item_code,
					"serial_no": visit.serial_no,
					"service_person": service_person(visit),
					"work_done": work[:1000],
					"description": frappe._("Field Visit {0}").format(visit.name),
				}
			],
		}
	)
	record.flags.ignore_permissions = True  # the technician completing the visit records it
	record.insert()
	record.submit()
	visit.db_set("maintenance_visit", record.name)


def cancel_service(visit) -> None:
	if (
		visit.maintenance_visit
		and frappe.db.get_value("Maintenance Visit", visit.maintenance_visit, "docstatus") == 1
	):
		record = frappe.get_doc("Maintenance Visit", visit.maintenance_visit)
		record.flags.ignore_permissions = True
		record.cancel()
