"""When each stop of a route happens: the earliest feasible times, with the unit's break placed where it fits.

A route leaves its start point at shift start, waits where a stop's window opens later, and must be back at its end
point by shift end. The break (``minutes`` long, inside [earliest, latest]) is taken between two stops, never during
a visit; travel may be split around it. So between leaving at ``d`` and arriving at the next stop, a leg of ``t``
minutes that holds the break arrives no earlier than ``max(d + t, earliest) + minutes``, and is possible only if
``max(d, earliest) ≤ latest − minutes``.

``time_route`` finds the earliest times by dynamic programming over two states (break taken or not yet), in one
pass over the stops.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from analytics.guards.instance import Instance, Stop
from analytics.guards.model import BreakRule

INF = 10**9


@dataclass(frozen=True)
class Timing:
    arrivals: tuple[int, ...]
    break_start: int | None
    end: int  # back at the end point
    travel: int


def break_leg_arrival(depart: int, travel: int, rule: BreakRule) -> int:
    """The earliest arrival after a leg that also holds the break, or INF when the break no longer fits."""
    if max(depart, rule.earliest) > rule.latest_start:
        return INF
    return max(depart + travel, rule.earliest) + rule.minutes


def break_start_in_leg(depart: int, travel: int, rule: BreakRule) -> int:
    """Where to report the break in a leg that holds it: on arrival near the next stop if it fits, else at once."""
    late = max(depart + travel, rule.earliest)
    return late if late <= rule.latest_start else max(depart, rule.earliest)


def time_route(inst: Instance, unit: int, stops: Sequence[Stop], break_gap: int | None = None) -> Timing | None:
    """Earliest feasible times of the stops in this order for ``unit``, or None if they cannot be kept.

    The break goes where it makes the route end earliest, or before stop ``break_gap`` when given (``len(stops)``:
    after the last stop).
    """
    problem = inst.problem
    rule = problem.units[unit].break_rule
    dwell = problem.params.dwell_min
    travel = inst.travel
    depart_no_break, depart_after_break = problem.shift_start, INF
    early, late, took_break_here = [], [], []  # arrival without / after the break, per stop
    previous = inst.start_point(unit)
    for index, stop in enumerate(stops):
        leg = int(travel[previous, stop.point])
        arrive_no_break = max(stop.lo, depart_no_break + leg) if depart_no_break < INF else INF
        arrive_after, here = INF, False
        if rule is not None:
            carried = max(stop.lo, depart_after_break + leg) if depart_after_break < INF else INF
            allowed = break_gap is None or break_gap == index
            now = INF if depart_no_break >= INF or not allowed else break_leg_arrival(depart_no_break, leg, rule)
            now = max(stop.lo, now) if now < INF else INF
            arrive_after, here = (now, True) if now < carried else (carried, False)
        arrive_no_break = arrive_no_break if arrive_no_break <= stop.hi else INF
        arrive_after = arrive_after if arrive_after <= stop.hi else INF
        if arrive_no_break >= INF and arrive_after >= INF:
            return None
        early.append(arrive_no_break)
        late.append(arrive_after)
        took_break_here.append(here)
        depart_no_break = arrive_no_break + dwell if arrive_no_break < INF else INF
        depart_after_break = arrive_after + dwell if arrive_after < INF else INF
        previous = stop.point

    leg = int(travel[previous, inst.end_point(unit)])
    if rule is None:
        end, break_gap = depart_no_break + leg, None
    else:
        carried = depart_after_break + leg if depart_after_break < INF else INF
        allowed = break_gap is None or break_gap == len(stops)
        now = break_leg_arrival(depart_no_break, leg, rule) if depart_no_break < INF and allowed else INF
        end, break_gap = (now, len(stops)) if now < carried else (carried, None)
    if end > problem.shift_end:
        return None

    if rule is None:
        arrivals = tuple(early)
    else:
        # Walking back from the end through carried arrivals, the break sits before the last stop that took it;
        # the stops before it keep their no-break times.
        if break_gap is None:
            break_gap = max(i for i, here in enumerate(took_break_here) if here)
        arrivals = tuple(early[i] if i < break_gap else late[i] for i in range(len(stops)))
    points = [inst.start_point(unit), *(s.point for s in stops), inst.end_point(unit)]
    total_travel = sum(int(travel[a, b]) for a, b in zip(points, points[1:], strict=False))
    break_start = None
    if rule is not None:
        depart = problem.shift_start if break_gap == 0 else arrivals[break_gap - 1] + dwell
        break_start = break_start_in_leg(depart, int(travel[points[break_gap], points[break_gap + 1]]), rule)
    return Timing(arrivals, break_start, end, total_travel)


def time_bounds(inst: Instance, unit: int, stops: Sequence[Stop]) -> tuple[list[int], list[int]]:
    """Bounds on every stop's arrival that hold however the route is re-timed: the earliest ignoring the break
    (a break only delays), and the latest that still reaches every later window and the end in time."""
    problem = inst.problem
    dwell, travel = problem.params.dwell_min, inst.travel
    earliest, depart, previous = [], problem.shift_start, inst.start_point(unit)
    for stop in stops:
        arrive = max(stop.lo, depart + int(travel[previous, stop.point]))
        earliest.append(arrive)
        depart, previous = arrive + dwell, stop.point
    latest = [0] * len(stops)
    must_leave, following = problem.shift_end, inst.end_point(unit)  # leave a stop by then to stay on time
    for k in range(len(stops) - 1, -1, -1):
        latest[k] = min(stops[k].hi, must_leave - int(travel[stops[k].point, following]) - dwell)
        must_leave, following = latest[k], stops[k].point
    return earliest, latest
