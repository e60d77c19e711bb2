"""A technician's day in route order: nearest neighbour, then 2-opt, on straight-line distance.

No road network nor routing service can be assumed, so distances are great-circle (haversine) and the
travel time is that distance at BizLink Settings' average speed. The dispatcher sees the proposal
(order, travel, start and end of each job) and accepts it; accepting books each job again at its
proposed time, through the same rules as a drag on the board.
"""

import itertools
import math

import frappe
from frappe import _
from frappe.utils import add_to_date, flt, get_datetime, getdate, now_datetime

from bizlink.exceptions import BadScheduleInputError, SchedulePastError
from bizlink.field_service.dispatch import book, get_technicians, open_bookings_of, read_datetime
from bizlink.field_service.installation import NOT_STARTED_STATUSES

EARTH_KM = 6371.0
DEFAULT_SPEED_KMH = 40.0


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
	lat1, lon1, lat2, lon2 = (math.radians(x) for x in (*a, *b))
	h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
	return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(h)))


def order_stops(points: list[tuple[float, float]], start: tuple[float, float] | None = None) -> list[int]:
	"""The order (indices into `points`) that makes the path through them short: from `start` (or the
	first point) to the nearest unvisited point each time, then 2-opt (reverse a stretch while that
	shortens the path). The path is open: the day ends at the last stop."""
	n = len(points)
	if n < 3 and start is None:
		return list(range(n))
	nodes = ([start] if start is not None else []) + list(points)
	offset = 1 if start is not None else 0
	dist = [[distance_km(a, b) for b in nodes] for a in nodes]
	path = [0]
	left = set(range(1, len(nodes)))
	while left:
		here = path[-1]
		nearest = min(left, key=lambda j: (dist[here][j], j))
		path.append(nearest)
		left.remove(nearest)
	improved = True
	while improved:
		improved = False
		for i in range(1, len(path) - 1):
			for k in range(i + 1, len(path)):
				a, b = path[i - 1], path[i]
				c = path[k]
				d = path[k + 1] if k + 1 < len(path) else None
				before = dist[a][b] + (dist[c][d] if d is not None else 0)
				after = dist[a][c] + (dist[b][d] if d is not None else 0)
				if after < before - 1e-9:
					path[i : k + 1] = reversed(path[i : k + 1])
					improved = True
	return [j - offset for j in path if j >= offset]


def path_km(points: list[tuple[float, float]], order: list[int], start=None) -> float:
	stops = ([start] if start is not None else []) + [points[i] for i in order]
	return sum(distance_km(a, b) for a, b in itertools.pairwise(stops))


def propose_day(user: str, day) -> dict:
	"""`user`'s jobs of `day` not begun yet, in route order, each with its travel from the previous stop
	and the start and end it would have (back to back after travel, from the day's start, or after the
	jobs already begun, which keep their place)."""
	day = getdate(day)
	technicians = get_technicians([user])
	work_start = technicians[0].work_start if technicians else "08:00:00"
	booked = open_bookings_of(user, day)
	jobs = [job for job in booked if job.status in NOT_STARTED_STATUSES]
	begun = [job for job in booked if job.status not in NOT_STARTED_STATUSES]
	located = [job for job in jobs if job.latitude or job.longitude]
	unlocated = [job for job in jobs if not (job.latitude or job.longitude)]
	settings = frappe.get_cached_doc("BizLink Settings")
	speed = flt(settings.get("average_speed_kmh")) or DEFAULT_SPEED_KMH
	depot = (
		(flt(settings.depot_latitude), flt(settings.depot_longitude))
		if settings.get("depot_latitude") or settings.get("depot_longitude")
		else None
	)
	points = [(flt(job.latitude), flt(job.longitude)) for job in located]
	last_begun = max(begun, key=lambda job: get_datetime(job.scheduled_end)) if begun else None
	here = (
		(flt(last_begun.latitude), flt(last_begun.longitude))
		if last_begun and (last_begun.latitude or last_begun.longitude)
		else depot
	)
	order = order_stops(points, here)
	clock = max(
		get_datetime(f"{day} {work_start}"),
		min((get_datetime(job.scheduled_start) for job in jobs), default=get_datetime(f"{day} {work_start}")),
		*(get_datetime(job.scheduled_end) for job in begun),
	)
	stops = []
	for job in [located[i] for i in order] + unlocated:
		point = (flt(job.latitude), flt(job.longitude)) if job in located else None
		km = distance_km(here, point) if here and point else 0.0
		minutes = math.ceil(km / speed * 60) if km else 0
		length = get_datetime(job.scheduled_end) - get_datetime(job.scheduled_start)
		start = add_to_date(clock, minutes=minutes)
		stops.append(
			{
				"name": job.name,
				"customer_name": job.customer_name,
				"km": round(km, 1),
				"travel_minutes": minutes,
				"start": str(start),
				"end": str(start + length),
				"was_start": str(job.scheduled_start),
				"latitude": job.latitude,
				"longitude": job.longitude,
			}
		)
		clock, here = start + length, point or here
	return {"user": user, "day": str(day), "speed_kmh": speed, "stops": stops}


def accept_day(user: str, day, stops: list[dict]) -> list[dict]:
	"""Book `user`'s jobs of `day` at the proposed times, in the proposed order, all or none."""
	# the day's jobs not begun, and the length each keeps
	lengths = {
		job.name: get_datetime(job.scheduled_end) - get_datetime(job.scheduled_start)
		for job in open_bookings_of(user, day)
		if job.status in NOT_STARTED_STATUSES
	}
	if not isinstance(stops, list) or not all(
		isinstance(stop, dict) and stop.get("name") and stop.get("start") for stop in stops
	):
		frappe.throw(
			_("Send the proposal's stops as they came (each with its job and start)."),
			title=_("Not a Route"),
			exc=BadScheduleInputError,
		)
	proposal = [frappe._dict(stop, start=read_datetime(stop["start"])) for stop in stops]
	if {stop.name for stop in proposal} != set(lengths):
		frappe.throw(
			_("The day's jobs changed since the route was proposed: propose it again."),
			title=_("Route Out of Date"),
			exc=frappe.TimestampMismatchError,
		)
	if any(get_datetime(stop.start) < now_datetime() for stop in proposal):
		frappe.throw(
			_("The proposed route starts in the past: propose it again."),
			title=_("In the Past"),
			exc=SchedulePastError,
		)
	# taken off the day first (a later stop may take an earlier one's time), then booked in order
	crews = {name: crew_of(name) for name in lengths}
	for name in lengths:
		frappe.db.set_value(
			"Field Visit", name, {"scheduled_start": None, "scheduled_end": None}, update_modified=False
		)
	return [
		book(
			stop.name,
			crews[stop.name],
			stop.start,
			reason=frappe.db.get_value("Field Visit", stop.name, "skill_reason"),
			length=lengths[stop.name],
			route=(position, int(stop.get("travel_minutes") or 0)),
		)
		for position, stop in enumerate(proposal, 1)
	]


def crew_of(visit: str) -> list[str]:
	"""The visit's crew, lead first."""
	crew = frappe.qb.DocType("Field Visit Technician")
	return (
		frappe.qb.from_(crew)
		.select(crew.user)
		.where(crew.parenttype == "Field Visit")
		.where(crew.parent == visit)
		.orderby(crew.is_lead, order=frappe.qb.desc)
		.orderby(crew.idx)
		.run(pluck=True)
	)
