# Copyright (c) 2026, BizLink contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.model.meta import get_field_precision
from frappe.utils import add_to_date, cint, escape_html, flt, get_datetime, getdate, now_datetime, today

from bizlink.bizlink.guard import system_write
from bizlink.bizlink.permissions import may_change_crew
from bizlink.bizlink.queue import after_commit, queue_after_commit
from bizlink.bizlink.status_log import log_status_change, set_status
from bizlink.bizlink.validation import validate_customer_links, validate_input
from bizlink.exceptions import (
	AlreadyInvoicedError,
	CrewChangeNotAllowedError,
	CrewOverlapError,
	EndBeforeStartError,
	InstalledQtyExceedsDeliveredError,
	InvalidStatusTransitionError,
	InvoicedVisitError,
	MissingSignatureError,
	OpenChecklistError,
	OpenJobExistsError,
	OrderNotOpenError,
	SerialAlreadyInstalledError,
	SerialNotOnDeliveryError,
	VisitWithoutCustomerError,
)
from bizlink.field_service.dispatch import check_point, check_working_hours
from bizlink.field_service.installation import (
	OPEN_STATUSES,
	STARTED_STATUSES,
	format_qty,
	get_delivered_serial_nos,
	get_deliveries,
	get_open_job,
	jobs_with_crew,
	jobs_with_items,
	plan_installation,
	update_sales_order_installation,
)
from bizlink.field_service.installed_base import (
	cancel_service,
	clear_installation,
	record_installation,
)
from bizlink.field_service.maintenance import (
	check_plan_active,
	coverage_of,
	customer_contact,
	make_plans,
	on_maintenance_visit_change,
	visit_hours,
)
from bizlink.field_service.parts import (
	book_labour,
	cancel_parts,
	make_invoice,
	set_parts_warehouse,
	validate_parts,
)
from bizlink.field_service.promise import PROMISE_FIELDS, on_job_completed, update_promise
from bizlink.fulfilment.stages import refresh_stage

DEFAULT_DURATION_HOURS = 2


class FieldVisit(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from bizlink.bizlink.doctype.bizlink_status_log.bizlink_status_log import BizLinkStatusLog
		from bizlink.field_service.doctype.field_visit_checklist_item.field_visit_checklist_item import (
			FieldVisitChecklistItem,
		)
		from bizlink.field_service.doctype.field_visit_item.field_visit_item import (
			FieldVisitItem,
		)
		from bizlink.field_service.doctype.field_visit_technician.field_visit_technician import (
			FieldVisitTechnician,
		)

		actual_end: DF.Datetime | None
		actual_start: DF.Datetime | None
		address: DF.Link | None
		address_display: DF.SmallText | None
		amended_from: DF.Link | None
		cancelled_with_order: DF.Check
		checklist: DF.Table[FieldVisitChecklistItem]
		checklist_template: DF.Link | None
		company: DF.Link | None
		contact: DF.Link | None
		contact_email: DF.Data | None
		contact_phone: DF.Data | None
		crew: DF.Table[FieldVisitTechnician]
		customer: DF.Link | None
		customer_name: DF.Data | None
		installation_note: DF.Link | None
		items: DF.Table[FieldVisitItem]
		naming_series: DF.Literal["FV-.YYYY.-"]
		notes: DF.TextEditor | None
		photo: DF.AttachImage | None
		sales_order: DF.Link
		scheduled_end: DF.Datetime | None
		scheduled_start: DF.Datetime | None
		signed_by: DF.Data | None
		signed_on: DF.Datetime | None
		status: DF.Literal["To Schedule", "Scheduled", "In Progress", "On Hold", "Completed", "Cancelled"]
		status_log: DF.Table[BizLinkStatusLog]
	# end: auto-generated types

	@property
	def is_installation(self) -> bool:
		return (self.visit_type or "Installation") == "Installation"

	def check_if_latest(self):
		# a booking locks its crew before Frappe locks this visit's row: two saves booking one technician
		# then queue in that order, and the first's overlap read never waits on the second's visit row
		# (which the other order would deadlock on)
		if self.scheduled_start and self.crew and self.docstatus == 0:
			lock_crew(self)
		super().check_if_latest()

	def validate(self):
		validate_input(self)
		if self.maintenance_plan:
			check_plan_active(self)
		self.validate_not_cancelled()
		if self.is_installation:
			self.validate_order()
			self.validate_one_open_job()
		else:
			self.validate_unit()
		validate_customer_links(self)
		self.set_contact_details()
		self.set_location()
		self.validate_schedule()
		self.validate_crew()
		if self.docstatus == 0:
			self.check_booking()
		if not self.is_installation:
			set_parts_warehouse(self)
		if self.is_installation:
			self.set_delivery_details()
			self.validate_items()
		self.set_checklist()
		if self.docstatus == 1:
			self.validate_completion()
		self.set_status()
		self.warn_undelivered()
		log_status_change(self)

	def after_insert(self):
		if self.is_installation and self.sales_order:
			update_promise(self.sales_order)  # the order's promise on the new job
			self.update(frappe.db.get_value(self.doctype, self.name, PROMISE_FIELDS, as_dict=True))

	def on_update(self):
		if self.status == "Scheduled" and not self.appointment_status:
			after_commit("bizlink.field_service.appointment.notify_appointment", visit=self.name)

	def on_submit(self):
		if not self.is_installation:
			book_labour(self)
			# ERPNext's documents of the visit (Material Issue, Maintenance Visit, draft invoice) are made
			# on the short queue once the completion commits: whether the van holds the parts was
			# checked above, with nothing written when it does not
			queue_after_commit("bizlink.field_service.parts.book_service", visit=self.name)
		if self.visit_type == "Maintenance":
			on_maintenance_visit_change(self)
		if self.is_installation:
			self.make_installation_note()
			record_installation(self)
			make_plans(self)
			on_job_completed(self)
			self.plan_the_rest()
			update_sales_order_installation(self.sales_order)
			refresh_stage(self.sales_order, self.doctype, self.name)
		# the customer's link to rate the visit, mailed once the completion commits
		after_commit("bizlink.field_service.ratings.request_rating", visit=self.name)

	def before_cancel(self):
		if self.sales_invoice:
			docstatus = frappe.db.get_value("Sales Invoice", self.sales_invoice, "docstatus")
			if docstatus == 1:
				frappe.throw(
					_("Cancel Sales Invoice {0} first: it bills this visit.").format(
						frappe.bold(self.sales_invoice)
					),
					title=_("Visit Invoiced"),
					exc=InvoicedVisitError,
				)
			if docstatus == 0:
				frappe.delete_doc("Sales Invoice", self.sales_invoice, ignore_permissions=True, force=True)

	def on_cancel(self):
		set_status(self, "Cancelled")
		if not self.is_installation:
			cancel_service(self)
			cancel_parts(self)
		if self.visit_type == "Maintenance":
			on_maintenance_visit_change(self)
		if self.is_installation:
			self.cancel_installation_note()
			clear_installation(self)
			self.plan_the_rest()
			update_promise(self.sales_order)
			update_sales_order_installation(self.sales_order)
			refresh_stage(self.sales_order, self.doctype, self.name)

	def plan_the_rest(self):
		"""What the order still needs installed (all of it was not, or this job is cancelled) goes on
		its open job, made in To Schedule when there is none."""
		order = frappe.get_doc("Sales Order", self.sales_order)
		if order.docstatus == 1:
			before = get_open_job(order.name)
			job = plan_installation(order)
			if job and job != before:
				self.add_comment("Info", _("The rest to install is on Field Visit {0}").format(job))

	# Actions on site ---------------------------------------------------------------------------

	@frappe.whitelist()
	def start(self):
		self.check_transition(("Scheduled",), "In Progress")
		with system_write(self, "status", "actual_start"):
			self.actual_start = now_datetime()
			self.status = "In Progress"
			self.save()

	@frappe.whitelist(methods=["POST"])
	def make_invoice(self) -> str | None:
		"""Draft the visit's Sales Invoice again (its first was cancelled): for who may make invoices."""
		self.check_permission("read")
		frappe.has_permission("Sales Invoice", "create", throw=True)
		if self.docstatus != 1 or not self.billable:
			frappe.throw(
				_("Only a completed, billable visit is invoiced."),
				title=_("Not Billable"),
				exc=AlreadyInvoicedError,
			)
		return make_invoice(self)

	@frappe.whitelist()
	def hold(self):
		self.check_transition(("In Progress",), "On Hold")
		with system_write(self, "status"):
			self.status = "On Hold"
			self.save()

	@frappe.whitelist()
	def resume(self):
		self.check_transition(("On Hold",), "In Progress")
		with system_write(self, "status"):
			self.status = "In Progress"
			self.save()

	def check_transition(self, allowed_from: tuple, to: str):
		# a whitelisted document method needs only read permission through `run_doc_method`
		self.check_permission("write")
		# judged on the stored job: a client document sent with the call may say anything
		stored = frappe.db.get_value(self.doctype, self.name, ["docstatus", "status"], as_dict=True)
		if not stored or stored.docstatus != 0 or stored.status not in allowed_from:
			frappe.throw(
				_("A field visit that is {0} cannot move to {1}.").format(
					frappe.bold(_(self.status)), frappe.bold(_(to))
				),
				title=_("Invalid Status Change"),
				exc=InvalidStatusTransitionError,
			)

	# Validation --------------------------------------------------------------------------------

	def validate_not_cancelled(self):
		before = self.get_doc_before_save()
		if before and before.status == "Cancelled" and self.docstatus == 0:
			frappe.throw(
				_("Field Visit {0} was cancelled and cannot be changed.").format(frappe.bold(self.name)),
				title=_("Cancelled Job"),
				exc=InvalidStatusTransitionError,
			)

	def validate_order(self):
		"""A job is made or scheduled only for a submitted Sales Order that is still open."""
		if not (
			self.is_new()
			or self.has_value_changed("scheduled_start")
			or self.has_value_changed("scheduled_end")
		):
			return
		docstatus, status = frappe.db.get_value("Sales Order", self.sales_order, ["docstatus", "status"]) or (
			None,
			None,
		)
		if docstatus != 1 or status in ("Closed", "Cancelled"):
			frappe.throw(
				_("Sales Order {0} is {1}: its installation cannot be scheduled.").format(
					frappe.bold(self.sales_order),
					frappe.bold(_(status or "Draft") if docstatus != 2 else _("Cancelled")),
				),
				title=_("Order Not Open"),
				exc=OrderNotOpenError,
			)

	def validate_one_open_job(self):
		"""An order has one open job, asking for all it still needs installed (see
		bizlink.field_service.installation.plan_installation): a second would plan the same units twice."""
		if not self.is_new() or self.docstatus != 0:
			return
		other = get_open_job(self.sales_order)
		if other:
			frappe.throw(
				_(
					"Sales Order {0} already has Field Visit {1} for what is still to install: plan on it."
				).format(frappe.bold(self.sales_order), frappe.bold(other)),
				title=_("Open Job Exists"),
				exc=OpenJobExistsError,
			)
		if not self.items and self.sales_order:
			from bizlink.field_service.installation import get_installation_items

			self.set("items", get_installation_items(frappe.get_doc("Sales Order", self.sales_order)))
		if not self.checklist_template and self.items:
			# a job made by hand checks what one made from the order would (the items' checklist)
			from bizlink.field_service.installation import get_checklist_template

			self.checklist_template = get_checklist_template(
				[{"item_code": row.item_code} for row in self.items]
			)

	def check_booking(self):
		"""A new slot or another crew: the crew's working hours hold; a new slot is told to the
		customer again."""
		before = self.get_doc_before_save()
		moved = self.moved_since(before) if before else bool(self.scheduled_start)
		recrewed = bool(before) and sorted(r.user for r in self.crew) != sorted(r.user for r in before.crew)
		if moved or recrewed:
			check_working_hours(self)
		if moved:
			self.appointment_status = self.appointment_note = None

	def moved_since(self, before) -> bool:
		"""Whether the booked start or end differs from `before`'s."""
		return any(
			str(get_datetime(self.get(f)) if self.get(f) else "")
			!= str(get_datetime(before.get(f)) if before.get(f) else "")
			for f in ("scheduled_start", "scheduled_end")
		)

	def set_location(self):
		"""Where the job is: the site address's point when the job has none or its address changed."""
		before = self.get_doc_before_save()
		address_changed = before and before.address != self.address
		if self.address and (address_changed or not (self.latitude or self.longitude)):
			point = frappe.db.get_value(
				"Address", self.address, ["bizlink_latitude", "bizlink_longitude"], as_dict=True
			)
			if point and (point.bizlink_latitude or point.bizlink_longitude):
				self.latitude, self.longitude = point.bizlink_latitude, point.bizlink_longitude
		check_point(self.latitude, self.longitude)

	def set_contact_details(self):
		if (not self.address or not self.contact) and self.sales_order:
			order = frappe.db.get_value(
				"Sales Order",
				self.sales_order,
				["shipping_address_name", "customer_address", "contact_person"],
				as_dict=True,
			)
			self.address = self.address or order.shipping_address_name or order.customer_address
			self.contact = self.contact or order.contact_person
		if not self.contact and self.customer:  # an order made without one: the customer's own
			self.contact = customer_contact(self.customer)
		if self.address and (self.is_new() or self.has_value_changed("address")):
			from frappe.contacts.doctype.address.address import render_address

			# a job BizLink makes (the rest of an installation, as whoever completed the first part)
			# shows its order's address; a user choosing one must be able to read it
			self.address_display = render_address(
				self.address, check_permissions=not self.flags.ignore_permissions
			)
		if self.contact:
			self.contact_phone, self.contact_email = frappe.db.get_value(
				"Contact", self.contact, ["mobile_no", "email_id"]
			) or (None, None)

	def validate_unit(self):
		"""A maintenance or repair visit is for one of the customer's installed units (or, with no serial
		number, for the customer's site): the customer comes from the unit or the ticket (a unit of
		another customer is refused with the other links, by validate_customer_links)."""
		if self.service_ticket:
			ticket = frappe.db.get_value(
				"Service Ticket", self.service_ticket, ["customer", "serial_no", "contact"], as_dict=True
			)
			if ticket:
				self.customer = self.customer or ticket.customer
				self.serial_no = self.serial_no or ticket.serial_no
				self.contact = self.contact or ticket.contact
		if self.serial_no:
			unit = frappe.db.get_value(
				"Serial No", self.serial_no, ["item_code", "customer", "bizlink_site_address"], as_dict=True
			)
			if unit:  # else Frappe's link validation names the missing serial number
				self.item_code = unit.item_code
				self.customer = self.customer or unit.customer
				self.address = self.address or unit.bizlink_site_address
		if not self.customer:
			frappe.throw(
				_("A {0} visit needs a customer, a serial number or a Service Ticket.").format(
					_(self.visit_type)
				),
				title=_("Missing Customer"),
				exc=VisitWithoutCustomerError,
			)
		if not self.company:
			from erpnext import get_default_company

			self.company = get_default_company()
		if not self.address:
			from frappe.contacts.doctype.address.address import get_default_address

			self.address = get_default_address("Customer", self.customer)
		self.customer_name = frappe.db.get_value("Customer", self.customer, "customer_name")
		self.coverage, self.covered_until, covered = coverage_of(
			self.serial_no, self.scheduled_start or self.due_date
		)
		self.billable = int(not covered)

	def validate_schedule(self):
		if self.scheduled_start and not self.scheduled_end:
			hours = (
				sum(
					flt(frappe.get_cached_value("Item", row.item_code, "bizlink_installation_hours"))
					* flt(row.qty)
					for row in self.items
				)
				if self.is_installation
				else visit_hours(self)
			)
			self.scheduled_end = add_to_date(self.scheduled_start, hours=hours or DEFAULT_DURATION_HOURS)
		if self.scheduled_end and not self.scheduled_start:
			self.scheduled_end = None
		if self.scheduled_start and get_datetime(self.scheduled_end) <= get_datetime(self.scheduled_start):
			frappe.throw(
				_("The scheduled end {0} is not after the scheduled start {1}.").format(
					frappe.bold(frappe.format(self.scheduled_end, "Datetime")),
					frappe.bold(frappe.format(self.scheduled_start, "Datetime")),
				),
				title=_("End Before Start"),
				exc=EndBeforeStartError,
			)

	def validate_crew(self):
		self.validate_crew_change()
		seen = set()
		for row in list(self.crew):
			if row.user in seen:
				self.remove(row)
			seen.add(row.user)
		if self.crew and not any(row.is_lead for row in self.crew):
			self.crew[0].is_lead = 1
		lead = next(row for row in self.crew if row.is_lead) if self.crew else None
		for row in self.crew:  # one lead technician: the first marked
			row.is_lead = int(row is lead)
		if self.scheduled_start and self.crew and self.docstatus == 0:
			self.check_crew_overlap()

	def validate_crew_change(self):
		"""Managers book the crew; a technician changing it would take over (or hand off) a job."""
		if may_change_crew():
			return
		before = self.get_doc_before_save()
		stored = sorted((row.user, cint(row.is_lead)) for row in (before.crew if before else []))
		if before and self.moved_since(before):
			frappe.throw(
				_("Only an Installation Manager can change when Field Visit {0} is booked.").format(
					frappe.bold(self.name)
				),
				title=_("Not Permitted"),
				exc=CrewChangeNotAllowedError,
			)
		if sorted((row.user, cint(row.is_lead)) for row in self.crew) != stored:
			frappe.throw(
				_("Only an Installation Manager can change the crew of Field Visit {0}.").format(
					frappe.bold(self.name)
				),
				title=_("Not Permitted"),
				exc=CrewChangeNotAllowedError,
			)

		# nor what is to be installed (the item rows: item and quantity; the technician records what
		# was installed) or checked (the template and its mandatory checks, as worded); the system
		# following an Update Items on the order is not a user changing them
		if self.flags.items_from_order:
			return

		def items(doc):
			return sorted((r.name, r.item_code, flt(r.qty), r.so_detail) for r in doc.items)

		kept = {(r.name, r.description) for r in self.checklist}
		removed = [
			r
			for r in (before.checklist if before else [])
			if r.mandatory and (r.name, r.description) not in kept
		]
		items_changed = before and items(self) != items(before)
		if (before and self.checklist_template != before.checklist_template) or removed or items_changed:
			frappe.throw(
				_(
					"Only an Installation Manager can change the items or checklist of Field Visit {0}."
				).format(frappe.bold(self.name)),
				title=_("Not Permitted"),
				exc=CrewChangeNotAllowedError,
			)

	def check_crew_overlap(self):
		clash = find_crew_clash(self)
		if clash:
			frappe.throw(
				_("{0} is already booked on Field Visit {1} from {2} to {3}.").format(
					frappe.bold(escape_html(clash.technician_name or clash.user)),
					frappe.bold(clash.name),
					frappe.format(clash.scheduled_start, "Datetime"),
					frappe.format(clash.scheduled_end, "Datetime"),
				),
				title=_("Technician Double-booked"),
				exc=CrewOverlapError,
			)

	def set_delivery_details(self):
		"""What each row's order row has delivered on all its submitted Delivery Notes: the quantity
		(in stock units, the job's one UOM), the latest of them as the row's Delivery Note, and the
		serial numbers of the deliveries made since the row was last saved (on a new row only if
		none were typed)."""
		self.flags.deliveries = deliveries = get_deliveries(row.so_detail for row in self.items)
		stock_uoms = get_stock_uoms(row.so_detail for row in self.items)
		before = self.get_doc_before_save()
		saved_on = {row.name: row.modified for row in before.items} if before else {}
		for row in self.items:
			row.uom = stock_uoms.get(row.so_detail) or frappe.get_cached_value(
				"Item", row.item_code, "stock_uom"
			)
			delivered = deliveries.get(row.so_detail) or []
			row.delivered_qty = sum(delivery.delivered for delivery in delivered)
			latest = delivered[-1] if delivered else frappe._dict()
			row.delivery_note, row.dn_detail = latest.parent, latest.name
			if not frappe.get_cached_value("Item", row.item_code, "has_serial_no"):
				continue
			since = saved_on.get(row.name)
			serials = split_serials(row.serial_no)
			done = self.installed_serials(row.so_detail)
			if since or not serials:
				for delivery in delivered:
					if not since or get_datetime(delivery.modified) > get_datetime(since):
						serials += [
							s for s in delivered_serials(delivery) if s not in serials and s not in done
						]
				row.serial_no = "\n".join(serials) or None

	def installed_serials(self, so_detail: str | None) -> dict[str, str]:
		"""The serial numbers of the order row that other, completed jobs installed: {serial: job}."""
		if not so_detail:
			return {}
		cache = self.flags.setdefault("installed_serials", {})
		if so_detail not in cache:
			query, job, item = jobs_with_items()
			rows = (
				query.select(job.name, item.serial_no)
				.where(item.so_detail == so_detail)
				.where(job.docstatus == 1)
				.where(job.name != (self.name or ""))
				.run(as_dict=True)
			)
			cache[so_detail] = {serial: row.name for row in rows for serial in split_serials(row.serial_no)}
		return cache[so_detail]

	def validate_items(self):
		"""An installed quantity is at most what the row's deliveries brought and no Installation Note
		installed yet; a serial number must be on one of them, and not installed already."""
		deliveries = self.flags.deliveries
		if deliveries is None:
			deliveries = get_deliveries(row.so_detail for row in self.items)
		for row in self.items:
			if flt(row.installed_qty) <= 0 and not row.serial_no:
				continue
			delivered = deliveries.get(row.so_detail) or []
			if not delivered:
				if flt(row.installed_qty) > 0:
					self.throw_not_delivered(row, 0)
				continue
			precision = row.precision("installed_qty")
			available = flt(sum(d.available for d in delivered), precision)
			if flt(row.installed_qty, precision) > available:
				self.throw_not_delivered(row, available)
			if row.serial_no:
				done = self.installed_serials(row.so_detail)
				again = [s for s in split_serials(row.serial_no) if s in done]
				if again:
					frappe.throw(
						_("Serial No {0} is already installed (Field Visit {1}).").format(
							frappe.bold(", ".join(again)), frappe.bold(done[again[0]])
						),
						title=_("Already Installed"),
						exc=SerialAlreadyInstalledError,
					)
				on_delivery = {s for d in delivered for s in delivered_serials(d)}
				foreign = [s for s in split_serials(row.serial_no) if s not in on_delivery]
				if foreign:
					frappe.throw(
						_("Serial No {0} is not on Delivery Note {1} for item {2}.").format(
							frappe.bold(", ".join(foreign)),
							frappe.bold(", ".join(dict.fromkeys(d.parent for d in delivered))),
							frappe.bold(row.item_code),
						),
						title=_("Serial Not Delivered"),
						exc=SerialNotOnDeliveryError,
					)
			if self.docstatus == 1 and flt(row.installed_qty) > 0:
				_parts, short = allocate(row, delivered)
				if flt(short, precision) > 0:
					self.throw_not_delivered(row, flt(row.installed_qty) - short)

	def throw_not_delivered(self, row, available: float):
		frappe.throw(
			_(
				"Row {0}: {1} units of {2} can be installed, not {3}: the rest is not delivered or already installed."
			).format(
				row.idx,
				format_qty(available, row.uom),
				frappe.bold(row.item_code),
				format_qty(row.installed_qty, row.uom),
			),
			title=_("More Than Delivered"),
			exc=InstalledQtyExceedsDeliveredError,
		)

	def set_checklist(self):
		if not self.checklist_template:
			return
		if self.checklist and not self.has_value_changed("checklist_template"):
			return
		self.set("checklist", [])
		for check in frappe.get_doc("Checklist Template", self.checklist_template).items:
			self.append("checklist", {"description": check.description, "mandatory": check.mandatory})

	def validate_completion(self):
		before = self.get_doc_before_save()
		if not before or before.status not in STARTED_STATUSES:
			frappe.throw(
				_("Start the visit before completing it."),
				title=_("Invalid Status Change"),
				exc=InvalidStatusTransitionError,
			)
		# the template's mandatory checks, whatever rows the job has left, and the job's own
		done = {row.description for row in self.checklist if row.done}
		required = [row.description for row in self.checklist if row.mandatory]
		if self.checklist_template:
			required += frappe.get_all(
				"Checklist Template Item",
				filters={
					"parent": self.checklist_template,
					"parenttype": "Checklist Template",
					"mandatory": 1,
				},
				pluck="description",
				order_by="idx",
			)
		open_checks = [check for check in dict.fromkeys(required) if check not in done]
		if open_checks:
			frappe.throw(
				_("These mandatory checks are not done: {0}").format(
					frappe.bold(escape_html(", ".join(open_checks)))
				),
				title=_("Checklist Not Complete"),
				exc=OpenChecklistError,
			)
		if not self.signature or not (self.signed_by or "").strip():
			frappe.throw(
				_("The customer's signature and the signer's name are needed to complete the installation.")
				if self.is_installation
				else _("The customer's signature and the signer's name are needed to complete the visit."),
				title=_("Signature Missing"),
				exc=MissingSignatureError,
			)
		if not self.is_installation:
			validate_parts(self)
		if self.is_installation and not any(flt(row.installed_qty) > 0 for row in self.items):
			frappe.throw(
				_("Enter the installed quantity of at least one item."),
				title=_("Nothing Installed"),
				exc=InstalledQtyExceedsDeliveredError,
			)
		for row in self.items:
			if row.serial_no and frappe.get_cached_value("Item", row.item_code, "has_serial_no"):
				serials = split_serials(row.serial_no)
				if len(serials) != cint(row.installed_qty):
					frappe.throw(
						_("Row {0}: {1} serial numbers for {2} installed units of {3}.").format(
							row.idx, len(serials), flt(row.installed_qty), frappe.bold(row.item_code)
						),
						title=_("Serial Numbers"),
						exc=SerialNotOnDeliveryError,
					)
		self.signed_on = self.signed_on or now_datetime()
		self.actual_end = now_datetime()

	def undelivered(self) -> list[str]:
		"""What the job is to install and is not delivered yet: "Caldera: 0 of 2 delivered"."""
		return [
			_("{0}: {1} of {2} delivered").format(
				row.item_name or row.item_code,
				format_qty(row.delivered_qty, row.uom),
				format_qty(row.qty, row.uom),
			)
			for row in self.items
			if flt(row.delivered_qty) < flt(row.qty)
		]

	def warn_undelivered(self):
		"""The dispatcher booking the job, or the technician starting it, is told what has not been
		delivered: the job cannot be completed beyond what was delivered."""
		before = self.get_doc_before_save()
		if self.status not in ("Scheduled", "In Progress") or (before and before.status == self.status):
			return
		if missing := self.undelivered():
			frappe.msgprint(
				_(
					"Not delivered yet: {0}. The installation can only be completed for what has been delivered."
				).format("; ".join(missing)),
				title=_("Goods Not Delivered"),
				indicator="orange",
			)

	def set_status(self):
		if self.docstatus == 1:
			self.status = "Completed"
		elif self.status in (*STARTED_STATUSES, "Cancelled"):
			return
		elif self.scheduled_start and self.crew:
			self.status = "Scheduled"
		else:
			self.status = "To Schedule"

	# ERPNext roll-up ---------------------------------------------------------------------------

	def make_installation_note(self):
		"""ERPNext's Installation Note of what was installed: a row per Delivery Note row the installed
		units came from (ERPNext checks each against one delivery row), in that row's UOM, with the
		serial numbers it delivered."""
		customer = frappe.db.get_value("Customer", self.customer, ["territory"], as_dict=True)
		deliveries = get_deliveries(row.so_detail for row in self.items)
		precision = get_field_precision(frappe.get_meta("Installation Note Item").get_field("qty"))
		items = []
		for row in self.items:
			if flt(row.installed_qty) <= 0:
				continue
			for delivery, stock_qty, serials in allocate(row, deliveries.get(row.so_detail) or [])[0]:
				items.append(
					{
						"item_code": row.item_code,
						"qty": flt(stock_qty / delivery.conversion_factor, precision),
						"serial_no": "\n".join(serials) or None,
						"prevdoc_doctype": "Delivery Note",
						"prevdoc_docname": delivery.parent,
						"prevdoc_detail_docname": delivery.name,
					}
				)
		note = frappe.get_doc(
			{
				"doctype": "Installation Note",
				"customer": self.customer,
				"customer_address": self.address,
				"contact_person": self.contact,
				"territory": customer.territory,
				"company": self.company,
				"inst_date": getdate(self.actual_end or today()),
				"remarks": _("Field Visit {0}").format(self.name),
				"items": items,
			}
		)
		note.flags.ignore_permissions = True
		note.insert()
		note.submit()
		self.db_set("installation_note", note.name)

	def cancel_installation_note(self):
		if (
			self.installation_note
			and frappe.db.get_value("Installation Note", self.installation_note, "docstatus") == 1
		):
			note = frappe.get_doc("Installation Note", self.installation_note)
			note.flags.ignore_permissions = True
			note.flags.ignore_links = True
			note.cancel()


def find_crew_clash(job) -> frappe._dict | None:
	"""Another open job booking one of `job`'s crew at an overlapping time, read so that it holds.

	The crew's User rows are locked first (`lock_crew`), so two saves booking the same technician run
	one after the other; the overlap is then read with a locking read, which sees what the other save
	committed (a plain read would see the transaction's older snapshot) and keeps it until this one
	commits.
	"""
	users = lock_crew(job)
	if not users or not job.scheduled_start or not job.scheduled_end:
		return None
	query, ij, crew = jobs_with_crew()
	clash = (
		query.select(ij.name, crew.user, crew.technician_name, ij.scheduled_start, ij.scheduled_end)
		.where(crew.user.isin(users))
		.where(ij.name != (job.name or ""))
		.where(ij.docstatus < 2)
		.where(ij.status.isin(OPEN_STATUSES))
		.where(ij.scheduled_start < job.scheduled_end)
		.where(ij.scheduled_end > job.scheduled_start)
		.limit(1)
		.for_update()
		.run(as_dict=True)
	)
	return clash[0] if clash else None


def lock_crew(job) -> list[str]:
	"""Lock the User rows of `job`'s crew (in name order), and return their names."""
	users = sorted({row.user for row in job.crew if row.user})
	if users:
		user = frappe.qb.DocType("User")
		frappe.qb.from_(user).select(user.name).where(user.name.isin(users)).for_update().run()
	return users


def delivered_serials(delivery) -> list[str]:
	"""The serial numbers a delivery row (from `get_deliveries`) delivered, read once."""
	if delivery.serials is None:
		delivery.serials = get_delivered_serial_nos(delivery.name)
	return delivery.serials


def allocate(row, deliveries: list) -> tuple[list[tuple], float]:
	"""Split a job row's installed stock units over the delivery rows they came from: each serial
	number with the row that delivered it, the rest oldest delivery first, each row at most what it
	has still to install. Returns [(delivery, stock qty, serials)] and the quantity left over."""
	serials = split_serials(row.serial_no)
	by_delivery = {delivery.name: [] for delivery in deliveries}
	for serial in serials:
		delivery = next((d for d in deliveries if serial in delivered_serials(d)), None)
		if delivery:
			by_delivery[delivery.name].append(serial)
	left = max(flt(row.installed_qty) - sum(len(s) for s in by_delivery.values()), 0)
	parts, short = [], 0.0
	for delivery in deliveries:
		own = len(by_delivery[delivery.name])
		short += max(own - delivery.available, 0)
		take = flt(min(left, max(delivery.available - own, 0)), 9)
		left = flt(left - take, 9)
		if own or take > 0:
			parts.append((delivery, own + take, by_delivery[delivery.name]))
	return parts, short + left


def get_stock_uoms(so_details) -> dict[str, str]:
	"""The stock UOM of each order row: the unit the job's quantities are in."""
	so_details = sorted({name for name in so_details if name})
	if not so_details:
		return {}
	order_item = frappe.qb.DocType("Sales Order Item")
	return dict(
		frappe.qb.from_(order_item)
		.select(order_item.name, order_item.stock_uom)
		.where(order_item.name.isin(so_details))
		.run()
	)


def split_serials(serial_no: str | None) -> list[str]:
	return [s.strip() for s in (serial_no or "").replace(",", "\n").split("\n") if s.strip()]


def on_doctype_update():
	frappe.db.add_index("Field Visit", ["scheduled_start", "scheduled_end"])
	# the daily promise check reads the jobs whose warning or due date has come, by state
	frappe.db.add_index("Field Visit", ["promise_status", "warn_on"])
	frappe.db.add_index("Field Visit", ["promise_status", "promised_date"])
