"""An independent check of every constraint of a plan. It shares no code with the solvers except the travel model.

``check_plan`` returns the list of violations (empty: the plan is valid). It checks: one route per unit, starting
and ending at the unit's start and end points; every visit inside the shift, at least ``dwell`` long, in time
order, at a known place that is not excluded; enough time for every leg's travel (and the break, in the leg that
holds it), including back to the end point by shift end; the break inside its window, not during a visit; at most
N visits per place and the minimum revisit gap between any two visits to a place (across units); every pinned
place visited.
"""

from __future__ import annotations

from analytics.guards.metrics import route_legs
from analytics.guards.model import Plan, Problem, Route, Unit


def check_plan(plan: Plan) -> list[str]:
    problem = plan.problem
    violations: list[str] = []
    unit_ids = [r.unit_id for r in plan.routes]
    expected = [u.unit_id for u in problem.units]
    if sorted(unit_ids) != sorted(expected):
        return [f"routes are for units {unit_ids}, the problem has units {expected}"]
    places = problem.place_index()
    for route in plan.routes:
        unit = next(u for u in problem.units if u.unit_id == route.unit_id)
        unknown = [v.place_id for v in route.visits if v.place_id not in places]
        if unknown:
            violations.append(f"{route.unit_id}: unknown places {unknown}")
            continue
        violations += check_route(problem, unit, route)

    arrivals: dict[str, list[int]] = {}
    for route in plan.routes:
        for visit in route.visits:
            arrivals.setdefault(visit.place_id, []).append(visit.arrive)
    params = problem.params
    for place_id, times in sorted(arrivals.items()):
        times.sort()
        if len(times) > params.max_visits_per_place:
            violations.append(f"{place_id}: {len(times)} visits, at most {params.max_visits_per_place} allowed")
        for a, b in zip(times, times[1:], strict=False):
            if b - a < params.min_revisit_gap_min:
                violations.append(
                    f"{place_id}: visits at {a} and {b} are {b - a} min apart, "
                    f"the minimum revisit gap is {params.min_revisit_gap_min}"
                )
        if place_id in problem.excluded:
            violations.append(f"{place_id}: excluded but visited")
    for place_id in sorted(problem.pinned - set(arrivals)):
        violations.append(f"{place_id}: pinned but not visited")
    return violations


def check_route(problem: Problem, unit: Unit, route: Route) -> list[str]:
    name = route.unit_id
    dwell = problem.params.dwell_min
    shift_start, shift_end = problem.shift_start, problem.shift_end
    violations = []
    for visit in route.visits:
        if visit.arrive < shift_start or visit.depart > shift_end:
            violations.append(
                f"{name}: visit to {visit.place_id} {visit.arrive}-{visit.depart} outside the shift "
                f"{shift_start}-{shift_end}"
            )
        if visit.depart - visit.arrive < dwell:
            violations.append(
                f"{name}: visit to {visit.place_id} lasts {visit.depart - visit.arrive} min, dwell is {dwell}"
            )

    # Leg k runs from the previous stop's departure (shift start at the start point) to the next arrival (shift
    # end at the end point: the unit must be back by then).
    if (route.start_point_id, route.end_point_id) != (unit.start.point_id, unit.end.point_id):
        violations.append(
            f"{name}: runs {route.start_point_id} → {route.end_point_id}, the unit starts at "
            f"{unit.start.point_id} and ends at {unit.end.point_id}"
        )
    legs = route_legs(problem, route)
    departs = [shift_start, *(v.depart for v in route.visits)]
    arrives = [*(v.arrive for v in route.visits), shift_end]
    rule = unit.break_rule
    break_leg = None
    if rule is None and route.break_start is not None:
        violations.append(f"{name}: has a break but the unit has no break rule")
    if rule is not None:
        start = route.break_start
        if start is None:
            violations.append(f"{name}: no break")
        else:
            end = start + rule.minutes
            if route.break_minutes < rule.minutes:
                violations.append(f"{name}: break of {route.break_minutes} min, {rule.minutes} required")
            if start < rule.earliest or end > rule.latest:
                violations.append(f"{name}: break {start}-{end} outside its window {rule.earliest}-{rule.latest}")
            holding = [k for k in range(len(legs)) if departs[k] <= start and end <= arrives[k]]
            if not holding:
                violations.append(f"{name}: break {start}-{end} overlaps a visit")
            else:
                break_leg = holding[0]
    for k, leg in enumerate(legs):
        needed = leg + (rule.minutes if k == break_leg and rule is not None else 0)
        if arrives[k] - departs[k] < needed:
            where = "the end point" if k == len(legs) - 1 else route.visits[k].place_id
            violations.append(
                f"{name}: {arrives[k] - departs[k]} min to reach {where}, needs {needed} "
                f"(travel {leg}{' + break' if k == break_leg else ''})"
            )
    return violations
