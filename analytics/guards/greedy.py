"""Two simple plans: the greedy plan (the solver's fallback and a baseline) and the naive top-k plan (baseline N1).

Greedy: insert, again and again, the visit with the best prize ÷ (added travel + dwell) at its best position in any
unit's route, as long as every constraint still holds; pinned places go in first.

Naive N1 (analytics-methods §4.3): last week's top-k places by observed harm, visited in rank order, round after
round, as a routine without a forecast would; the units share the list alternately.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from analytics.guards.instance import Instance, Stop, in_shift_risk
from analytics.guards.model import PlanningError
from analytics.guards.schedule import Timing, time_bounds, time_route


def arrivals_elsewhere(routes: Sequence[Sequence[Stop]], timings: Sequence[Timing], unit: int) -> dict[str, list[int]]:
    """Arrival times per place on every route but ``unit``'s."""
    times: dict[str, list[int]] = {}
    for u, (route, timing) in enumerate(zip(routes, timings, strict=True)):
        if u != unit:
            for stop, arrive in zip(route, timing.arrivals, strict=True):
                times.setdefault(stop.place_id, []).append(arrive)
    return times


def revisits_ok(inst: Instance, route: Sequence[Stop], timing: Timing, elsewhere: dict[str, list[int]]) -> bool:
    """Max visits per place and the minimum revisit gap hold for the places on ``route`` (against all routes)."""
    params = inst.problem.params
    times: dict[str, list[int]] = {}
    for stop, arrive in zip(route, timing.arrivals, strict=True):
        times.setdefault(stop.place_id, []).append(arrive)
    for place_id, own in times.items():
        arrivals = sorted(own + elsewhere.get(place_id, []))
        if len(arrivals) > params.max_visits_per_place:
            return False
        if any(b - a < params.min_revisit_gap_min for a, b in zip(arrivals, arrivals[1:], strict=False)):
            return False
    return True


def empty_timings(inst: Instance) -> list[Timing]:
    timings = []
    for unit_index, unit in enumerate(inst.problem.units):
        timing = time_route(inst, unit_index, [])
        if timing is None:
            raise PlanningError(
                f"unit {unit.unit_id} cannot leave its start and be back within the shift "
                f"(with its break); check the shift, the break and the start/end places"
            )
        timings.append(timing)
    return timings


def try_insert(
    inst: Instance, route: Sequence[Stop], unit: int, position: int, stop: Stop, elsewhere: dict[str, list[int]]
) -> tuple[list[Stop], Timing] | None:
    """The route with ``stop`` inserted at ``position`` and its timing, or None if a constraint breaks."""
    candidate = [*route[:position], stop, *route[position:]]
    timing = time_route(inst, unit, candidate)
    if timing is None or not revisits_ok(inst, candidate, timing, elsewhere):
        return None
    return candidate, timing


def best_insertion(
    inst: Instance, routes: list[list[Stop]], timings: list[Timing], nodes: Sequence[int], prizes: np.ndarray
) -> tuple[float, int, list[Stop], Timing, int] | None:
    """(score, unit, new route, its timing, node) of the best feasible insertion among ``nodes``."""
    dwell = inst.problem.params.dwell_min
    travel = inst.travel
    elsewhere = [arrivals_elsewhere(routes, timings, u) for u in range(len(routes))]
    bounds = [time_bounds(inst, u, r) for u, r in enumerate(routes)]
    best: tuple[float, int, list[Stop], Timing, int] | None = None
    # prize ÷ dwell bounds the score (added travel ≥ 0), so nodes are tried best bound first and the loop stops early.
    for node in sorted(nodes, key=lambda n: (-prizes[n], n)):
        if best is not None and prizes[node] / dwell <= best[0]:
            break
        stop = inst.nodes[node]
        for unit, route in enumerate(routes):
            points = [inst.start_point(unit), *(s.point for s in route), inst.end_point(unit)]
            earliest, latest = bounds[unit]
            for position in range(len(route) + 1):
                before, after = points[position], points[position + 1]
                ready = earliest[position - 1] + dwell if position else inst.problem.shift_start
                if ready + travel[before, stop.point] > stop.hi:
                    break  # later positions only come later still
                added = travel[before, stop.point] + travel[stop.point, after] - travel[before, after]
                score = prizes[node] / (max(int(added), 0) + dwell)
                if best is not None and score <= best[0]:
                    continue
                # Cheap necessary conditions before the exact timing: the stop's window, then the next stop's.
                arrive = max(stop.lo, ready + int(travel[before, stop.point]))
                arrive_next_by = latest[position] if position < len(route) else inst.problem.shift_end
                if arrive + dwell + travel[stop.point, after] > arrive_next_by:
                    continue
                inserted = try_insert(inst, route, unit, position, stop, elsewhere[unit])
                if inserted is not None:
                    best = (score, unit, *inserted, node)
    return best


def greedy_routes(inst: Instance, prizes: np.ndarray | None = None) -> list[list[Stop]]:
    """The greedy plan over the instance's nodes. Raises PlanningError when a pinned place cannot be fitted."""
    prizes = np.array([n.prize for n in inst.nodes]) if prizes is None else np.asarray(prizes, float)
    routes: list[list[Stop]] = [[] for _ in inst.problem.units]
    timings = empty_timings(inst)
    used: set[int] = set()

    def insert(choice: tuple[float, int, list[Stop], Timing, int]) -> None:
        _, unit, route, timing, node = choice
        routes[unit] = route
        timings[unit] = timing
        used.add(node)

    problem = inst.problem
    pinned = sorted(problem.pinned, key=lambda p: (-in_shift_risk(problem.place(p), problem), p))
    for place_id in pinned:
        # Pinned visits go in before anything else, ranked by prize alone, so a poor pinned place still fits.
        choice = best_insertion(inst, routes, timings, inst.nodes_by_place.get(place_id, []), prizes + 1.0)
        if choice is None:
            raise PlanningError(
                f"pinned place {place_id} ({problem.place(place_id).name}) cannot be fitted into "
                f"the shift together with the other pinned places and the break"
            )
        insert(choice)
    while True:
        open_nodes = [n for n in range(len(inst.nodes)) if n not in used and prizes[n] > 0]
        choice = best_insertion(inst, routes, timings, open_nodes, prizes)
        if choice is None:
            return routes
        insert(choice)


def naive_topk_routes(inst: Instance) -> list[list[Stop]]:
    """N1: last week's top-k places (pinned first) in a fixed order, round after round, units alternating."""
    problem = inst.problem
    params = problem.params
    by_last_week = sorted(inst.candidates, key=lambda p: (-p.last_week_harm, p.place_id))
    order = [p.place_id for p in by_last_week if p.place_id in problem.pinned]
    order += [p.place_id for p in by_last_week if p.place_id not in problem.pinned][: params.naive_top_k]
    routes: list[list[Stop]] = [[] for _ in problem.units]
    timings = empty_timings(inst)
    latest = problem.shift_end - params.dwell_min
    last_arrival: dict[str, int] = {}
    for unit in range(len(routes)):
        mine = order[unit :: len(routes)]
        added = True
        while added:
            added = False
            for place_id in mine:
                lo = last_arrival.get(place_id, problem.shift_start - params.min_revisit_gap_min)
                stop = Stop(place_id, inst.place_point[place_id], lo + params.min_revisit_gap_min, latest, 0.0)
                inserted = try_insert(
                    inst, routes[unit], unit, len(routes[unit]), stop, arrivals_elsewhere(routes, timings, unit)
                )
                if inserted is not None:
                    routes[unit], timings[unit] = inserted
                    last_arrival[place_id] = timings[unit].arrivals[-1]
                    added = True
    return routes
