"""The dispatch board's calls (desk page `dispatch-board`): read the board, book and move jobs, and a
technician's day in route order. Installation Managers (and System Managers) only."""

import json

import frappe

from bizlink.bizlink.permissions import may_change_crew
from bizlink.bizlink.retry import on_deadlock
from bizlink.field_service import dispatch, route


def check_dispatcher() -> None:
	"""The board is for who books crews: Installation (and System) Managers, never a technician."""
	if not frappe.has_permission("Field Visit", "write") or not may_change_crew():
		frappe.throw(
			frappe._("Only an Installation Manager can use the dispatch board."),
			title=frappe._("Not Permitted"),
			exc=frappe.PermissionError,
		)


@frappe.whitelist()
def get_board(start: str, days: int = 7, territory: str | None = None) -> dict:
	check_dispatcher()
	result = dispatch.board(start, days, territory)
	settings = frappe.get_cached_doc("BizLink Settings")
	result["tile_url"] = settings.get("map_tile_url") or ""
	return result


@frappe.whitelist(methods=["POST"])
def book(visit: str, technicians: str | list, start: str, reason: str | None = None) -> dict:
	check_dispatcher()
	if isinstance(technicians, str):
		technicians = json.loads(technicians) if technicians.startswith("[") else [technicians]
	# two dispatchers booking jobs at once may deadlock over the crew rows: the loser books again
	return on_deadlock(dispatch.book, visit, technicians, start, reason)


@frappe.whitelist(methods=["POST"])
def unbook(visit: str) -> dict:
	check_dispatcher()
	return on_deadlock(dispatch.unbook, visit)


@frappe.whitelist()
def propose_route(technician: str, day: str) -> dict:
	check_dispatcher()
	return route.propose_day(technician, day)


@frappe.whitelist(methods=["POST"])
def accept_route(technician: str, day: str, stops: str | list) -> list[dict]:
	check_dispatcher()
	if isinstance(stops, str):
		stops = json.loads(stops)
	return route.accept_day(technician, day, stops)


@frappe.whitelist()
def get_map_settings() -> dict:
	"""The map's tile URL (BizLink Settings; empty: no tiles) and the depot (where a map opens when the
	place has no point yet), for who may set a point on an Address or a Field Visit ("Set on Map")."""
	if not (frappe.has_permission("Address", "write") or frappe.has_permission("Field Visit", "write")):
		frappe.throw(frappe._("Not permitted"), frappe.PermissionError)
	settings = frappe.get_cached_doc("BizLink Settings")
	return {
		"tile_url": settings.get("map_tile_url") or "",
		"depot_latitude": settings.get("depot_latitude") or 0,
		"depot_longitude": settings.get("depot_longitude") or 0,
	}
