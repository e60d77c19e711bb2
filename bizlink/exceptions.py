"""BizLink's own exception classes, so that callers and tests can tell each refusal apart."""

import frappe


class InvalidDateOfBirthError(frappe.ValidationError):
	pass


class DisabledCustomerError(frappe.ValidationError):
	pass


class InvalidPartyTypeError(frappe.ValidationError):
	pass


class InvalidDurationError(frappe.ValidationError):
	pass


class FutureOutcomeError(frappe.ValidationError):
	pass


class InvalidNextActionDateError(frappe.ValidationError):
	pass


class ContactNotOfCustomerError(frappe.ValidationError):
	pass


class ReferenceCustomerMismatchError(frappe.ValidationError):
	pass


class EndBeforeStartError(frappe.ValidationError):
	pass


class CrewOverlapError(frappe.ValidationError):
	pass


class MissingSignatureError(frappe.ValidationError):
	pass


class OpenChecklistError(frappe.ValidationError):
	pass


class InstalledQtyExceedsDeliveredError(frappe.ValidationError):
	pass


class SerialNotOnDeliveryError(frappe.ValidationError):
	pass


class OrderNotOpenError(frappe.ValidationError):
	pass


class InvalidStatusTransitionError(frappe.ValidationError):
	pass


class InstallationInProgressError(frappe.ValidationError):
	pass


class SerialOfAnotherCustomerError(frappe.ValidationError):
	pass


class MissingResolutionError(frappe.ValidationError):
	pass


class InvalidRatingError(frappe.ValidationError):
	pass


class InvalidFeedbackLinkError(frappe.ValidationError):
	pass


class FeedbackLinkExpiredError(frappe.ValidationError):
	pass


class MissingCustomerError(frappe.ValidationError):
	pass


class ReopenWindowError(frappe.ValidationError):
	pass


class InvalidDateError(frappe.ValidationError):
	pass


class InvalidNumberError(frappe.ValidationError):
	pass


class CancelledReferenceError(frappe.ValidationError):
	pass


class InvalidSettingError(frappe.ValidationError):
	pass


class NothingToInstallError(frappe.ValidationError):
	pass


class CrewChangeNotAllowedError(frappe.PermissionError):
	"""A technician changing the crew of a job (only managers book people)."""


class PortalSerialError(frappe.ValidationError):
	"""A portal customer naming a serial number that is not among their own products."""


class CompanyNotPermittedError(frappe.PermissionError):
	"""A report asked for a company outside the user's User Permissions."""


class ChildRowAloneError(frappe.PermissionError):
	"""A child row saved or deleted on its own instead of through its parent."""


class TextTooLongError(frappe.ValidationError):
	"""A text field over BizLink's limit (bizlink.bizlink.validation.MAX_TEXT)."""


class MixedCurrencyError(frappe.ValidationError):
	"""Amounts of companies with different currencies asked to be added up."""


class MissingInteractionPartyError(frappe.ValidationError):
	"""A Sales Interaction with neither a customer nor a Lead or Prospect."""


class QtyBelowInstalledError(frappe.ValidationError):
	"""An order's item lowered or removed below what its Field Visit already installed."""


class SerialAlreadyInstalledError(frappe.ValidationError):
	"""A serial number entered on a job that another, completed job already installed."""


class OpenJobExistsError(frappe.ValidationError):
	"""A second open Field Visit for an order that has one (it plans everything still to install)."""


class VisitWithoutCustomerError(frappe.ValidationError):
	"""A maintenance or repair visit with neither a customer, a serial number nor a ticket."""


class TicketAlreadyResolvedError(frappe.ValidationError):
	"""A repair visit asked for a ticket that is resolved or closed."""


class MaintenanceIntervalError(frappe.ValidationError):
	"""A maintenance plan (or an item) with an interval of zero or fewer months."""


class DuplicatePlanError(frappe.ValidationError):
	"""A second active maintenance plan for a serial number that has one."""


class PlanNotActiveError(frappe.ValidationError):
	"""A maintenance visit made or scheduled for a cancelled maintenance plan."""


class PartsNotInVanError(frappe.ValidationError):
	"""A part used on a visit that its van (warehouse) does not hold, or holds fewer of."""


class PartSerialError(frappe.ValidationError):
	"""A serialised spare used without one serial number per unit."""


class ForeignSerialError(frappe.ValidationError):
	"""A part said to replace a serial number that is not among the customer's units."""


class AlreadyInvoicedError(frappe.ValidationError):
	"""A visit invoiced a second time while its invoice stands."""


class InvoicedVisitError(frappe.ValidationError):
	"""A completed visit cancelled while its submitted Sales Invoice stands."""


class SchedulePastError(frappe.ValidationError):
	"""A job booked (dragged on the dispatch board, or its day's route accepted) to start in the past."""


class OutsideWorkingHoursError(frappe.ValidationError):
	"""A job booked for a technician outside their working hours or on their day off."""


class SkillMismatchError(frappe.ValidationError):
	"""A job booked for a technician without the skill (item group) it needs, and no reason given."""


class NotATechnicianError(frappe.ValidationError):
	"""A job booked from the dispatch board for someone who is not an enabled Field Technician."""


class JobNotMovableError(frappe.ValidationError):
	"""A started, completed or cancelled job dragged on the dispatch board."""


class SyncRefusedError(frappe.ValidationError):
	"""A phone's action on a job whose crew its user is not in (refused, and logged)."""


class SyncReplayError(frappe.ValidationError):
	"""A phone's action whose client id is malformed or was already used for another action."""


class SyncConflictError(frappe.ValidationError):
	"""A phone's action on a job changed since the phone read it (moved, cancelled, completed)."""


class PhotoTooLargeError(frappe.ValidationError):
	"""A photo from a phone larger than BizLink Settings allow."""


class AppointmentLinkError(frappe.ValidationError):
	"""An appointment link that is tampered with, expired, or for a slot since moved."""


class AppointmentLinkUsedError(frappe.ValidationError):
	"""An appointment link answered a second time."""


class InvalidPointError(frappe.ValidationError):
	"""A latitude beyond ±90 or a longitude beyond ±180 on an address or a job."""


class SyncDataError(frappe.ValidationError):
	"""A phone's action whose data cannot be used: a signature or photo that is not an image, an
	unknown action, or a list of actions that is not a list."""


class BadScheduleInputError(frappe.ValidationError):
	"""A booking's start, or a route's stops, that cannot be read (not a date and time, not stops)."""


class InstallationTargetError(frappe.ValidationError):
	"""An installation target of fewer than 1 working day, two targets for the same groups, or a warning
	outside 1 to 99 % of the promised time."""


class VisitRatingLinkError(frappe.ValidationError):
	"""A visit's rating link whose visit, expiry or token was changed (not signed by the site)."""


class VisitRatingLinkExpiredError(frappe.ValidationError):
	"""A visit's rating link used after it expired."""


class VisitAlreadyRatedError(frappe.ValidationError):
	"""A visit's rating link used again: a visit is rated once."""


class VisitNotRateableError(frappe.ValidationError):
	"""A rating of a visit that is not completed (cancelled since, or never completed)."""


class InvalidVisitRatingError(frappe.ValidationError):
	"""A visit's rating that is not 1 to 5 stars, or a comment over its limit."""


class VisitRatingsNotPermittedError(frappe.PermissionError):
	"""Visit ratings asked for by someone who may not read them (a technician, a salesperson)."""


class EmptySegmentError(frappe.ValidationError):
	"""A Segment Campaign's work asked for a segment (or look-alikes) without a single customer."""


class NoSalesPeopleError(frappe.ValidationError):
	"""A call or visit list asked for with no sales person to share the customers among."""


class CampaignBusyError(frappe.ValidationError):
	"""A Segment Campaign's work asked for again while it is being made, or for a closed campaign."""


class CampaignLockedError(frappe.ValidationError):
	"""A Segment Campaign's channel, audience or segment changed after its work was made."""


class CampaignIncompleteError(frappe.ValidationError):
	"""A Segment Campaign's work asked for without what it needs (an email's subject and message), or a
	figure of the campaign out of its range (attribution days, hold-out share, top customers)."""


class CampaignInteractionCustomerError(frappe.ValidationError):
	"""A Segment Campaign's planned interaction moved to another customer than the one it was planned
	for."""


class NegativeCampaignCostError(frappe.ValidationError):
	"""A Segment Campaign's cost below zero."""


# Knowledge (#23) ------------------------------------------------------------------------------


class ArticleReviewError(frappe.ValidationError):
	"""A Knowledge Article moved to a status its reader may not give it (published by someone who is
	not a Support Manager, sent for review twice), or a published article changed by an agent."""


class ArticleSourceError(frappe.ValidationError):
	"""A Knowledge Article asked for from a ticket that is not resolved or has no resolution."""


class ArticleNotPublicError(frappe.ValidationError):
	"""A customer (or guest) asked for an article that is not published and public."""


class DeflectionError(frappe.ValidationError):
	"""A portal request's deflection attempt that is not the customer's own, already closed, or unknown."""


class SavedReplyError(frappe.ValidationError):
	"""A saved reply asked for a document it does not answer, or one its reader may not read."""


class ArticleItemGroupError(frappe.ValidationError):
	"""A Knowledge Article's item group that is not its item's group or one of the groups above it."""


class InvalidCursorError(frappe.ValidationError):
	"""A page marker (cursor) of the customer file's timeline that is not a (date and time, name) pair."""
