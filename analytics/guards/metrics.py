"""How good a plan is, ex ante, on the forecast it was made from (analytics-methods §4.3).

Risk-weighted coverage: RWC = Σ r̂_p(t) · cov_p(t) / Σ r̂_p(t), over every place of the forecast (excluded places
left out) and every minute of the shift, where cov_p(t) = 1 if a visit of at least 10 minutes to p ended within the
120 minutes before t. The numerator is the expected harm covered. Travel, dwell, break and idle minutes add up to
the shift length for each unit.
"""

from __future__ import annotations

from collections.abc import Sequence

from analytics.guards.model import (
    COVERAGE_MIN,
    MIN_COVERING_DWELL_MIN,
    Location,
    PlanMetrics,
    Problem,
    Route,
    Unit,
)


def unit_of(problem: Problem, unit_id: str) -> Unit:
    return next(u for u in problem.units if u.unit_id == unit_id)


def route_legs(problem: Problem, route: Route) -> list[int]:
    """Travel minutes of each leg: start → first visit → … → last visit → end (len(visits) + 1 legs)."""
    unit = unit_of(problem, route.unit_id)
    places = problem.place_index()
    points = [
        unit.start,
        *(Location(v.place_id, places[v.place_id].lat, places[v.place_id].lon) for v in route.visits),
        unit.end,
    ]
    matrix = problem.travel_model().minutes(points)
    return [int(matrix[i, i + 1]) for i in range(len(points) - 1)]


def covered_harm_by_visit(problem: Problem, routes: Sequence[Route]) -> dict[tuple[str, int], float]:
    """(unit_id, visit index) → the expected harm that visit adds to its place's cover (no double counting)."""
    visits = sorted(
        ((v.place_id, v.depart, v.arrive, r.unit_id, i) for r in routes for i, v in enumerate(r.visits)),
    )
    places = problem.place_index()
    covered: dict[tuple[str, int], float] = {}
    reach: dict[str, float] = {}
    for place_id, depart, arrive, unit_id, i in visits:
        start = max(depart, problem.shift_start)
        end = min(depart + COVERAGE_MIN, problem.shift_end)
        if depart - arrive < MIN_COVERING_DWELL_MIN or place_id not in places:
            covered[unit_id, i] = 0.0
            continue
        start = max(start, reach.get(place_id, start))
        covered[unit_id, i] = places[place_id].harm_between(start, end)
        reach[place_id] = max(reach.get(place_id, end), end)
    return covered


def in_shift_harm(problem: Problem) -> float:
    return sum(
        p.harm_between(problem.shift_start, problem.shift_end)
        for p in problem.places
        if p.place_id not in problem.excluded
    )


def plan_metrics(problem: Problem, routes: Sequence[Route]) -> PlanMetrics:
    covered = sum(covered_harm_by_visit(problem, routes).values())
    total = in_shift_harm(problem)
    travel = sum(sum(route_legs(problem, r)) for r in routes)
    dwell = sum(v.depart - v.arrive for r in routes for v in r.visits)
    breaks = sum(r.break_minutes for r in routes if r.break_start is not None)
    shift = (problem.shift_end - problem.shift_start) * len(routes)
    return PlanMetrics(
        risk_weighted_coverage=covered / total if total > 0 else 0.0,
        expected_harm_covered=covered,
        travel_min=travel,
        dwell_min=dwell,
        break_min=breaks,
        idle_min=shift - travel - dwell - breaks,
        n_visits=sum(len(r.visits) for r in routes),
        n_places=len({v.place_id for r in routes for v in r.visits}),
    )
