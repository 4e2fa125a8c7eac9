"""Plan a day: the recommended plan (OR-Tools, randomised among near-best plans) and its two naive baselines.

Steps, all inside the day's time limit:

1. candidates and nodes (``instance``); an unreachable pinned place stops here with a PlanningError;
2. the greedy plan (fallback, baseline, and a starting point) and the naive top-k plan (baseline);
3. OR-Tools on the true prizes, from the greedy plan and from its own first solution; FALLBACK_GREEDY when neither
   finds a plan;
4. unpredictability: K − 1 descents from the best plan with lognormal noise on the prizes (analytics-methods
   §4.2, after Koper and the security-games literature);
5. every candidate plan (the greedy one too) is timed by our scheduler and ranked by the expected harm it really
   covers minus λ · travel; one is drawn at random, seeded per day, among those within the tolerance of the best
   and not below the greedy plan. Same seed, same plan (as long as no search was stopped by the clock).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date

import numpy as np

from analytics.guards.greedy import greedy_routes, naive_topk_routes
from analytics.guards.instance import Instance, Stop, build_instance, in_shift_risk
from analytics.guards.metrics import covered_harm_by_visit, plan_metrics
from analytics.guards.model import COVERAGE_MIN, Plan, Problem, Route, Visit
from analytics.guards.schedule import Timing, time_route
from analytics.guards.solver import SolverOutcome, solve_routing

OPTIMAL, FEASIBLE, FALLBACK_GREEDY = "OPTIMAL", "FEASIBLE", "FALLBACK_GREEDY"
TOP_PLACES_FOR_REASON = 5


def default_seed(day: date) -> int:
    """The day's seed when the coordinator gives none: the date as a number (2025-03-14 → 20250314)."""
    return int(day.strftime("%Y%m%d"))


def latest_break_timing(inst: Instance, unit: int, stops: Sequence[Stop]) -> Timing | None:
    """The timing with the break as late as it fits: as many stops as possible keep their earliest times."""
    if inst.problem.units[unit].break_rule is None:
        return time_route(inst, unit, stops)
    for gap in range(len(stops), -1, -1):
        timing = time_route(inst, unit, stops, gap)
        if timing is not None:
            return timing
    return None


def routes_from_stops(
    inst: Instance, stops: Sequence[Sequence[Stop]], break_gaps: Sequence[int | None] | None = None
) -> tuple[Route, ...] | None:
    """Routes visiting the stops in the given orders, at the earliest times that keep every constraint.

    Each route is timed on its own; where two visits to one place come out closer than the revisit gap, the later
    one's window is raised and the routes are timed again, until nothing moves. Where the break goes can decide
    whether that settles, so three placements are tried in turn: where it lets the route end earliest (as the
    greedy plans were built), as late as it fits, and before the given stops (``break_gaps``, from the solver).
    None when none of them gives times that keep every constraint.
    """
    placements: list[Callable[[int, Sequence[Stop]], Timing | None]] = [
        lambda unit, route: time_route(inst, unit, route),
        lambda unit, route: latest_break_timing(inst, unit, route),
    ]
    if break_gaps is not None:
        placements.append(lambda unit, route: time_route(inst, unit, route, break_gaps[unit]))
    for placement in placements:
        routes = settle_revisit_gaps(inst, stops, placement)
        if routes is not None:
            return routes
    return None


def settle_revisit_gaps(
    inst: Instance, stops: Sequence[Sequence[Stop]], placement: Callable[[int, Sequence[Stop]], Timing | None]
) -> tuple[Route, ...] | None:
    params = inst.problem.params
    raised: dict[int, int] = {}
    for _ in range(len(inst.gap_pairs) + 1):
        current = [[replace(s, lo=max(s.lo, raised.get(s.node, s.lo))) for s in route] for route in stops]
        timings = [placement(u, route) for u, route in enumerate(current)]
        if any(t is None for t in timings):
            return None
        arrival = {
            s.node: a
            for route, t in zip(current, timings, strict=True)
            for s, a in zip(route, t.arrivals, strict=True)
            if s.node >= 0
        }
        pushed = False
        for earlier, later in inst.gap_pairs:
            if (
                earlier in arrival
                and later in arrival
                and arrival[later] - arrival[earlier] < params.min_revisit_gap_min
            ):
                raised[later] = arrival[earlier] + params.min_revisit_gap_min
                pushed = True
        if not pushed:
            return tuple(
                Route(
                    unit.unit_id,
                    unit.start.point_id,
                    unit.end.point_id,
                    tuple(Visit(s.place_id, a, a + params.dwell_min) for s, a in zip(route, t.arrivals, strict=True)),
                    t.break_start,
                    unit.break_rule.minutes if unit.break_rule else 0,
                )
                for unit, route, t in zip(inst.problem.units, current, timings, strict=True)
            )
    return None


def solver_break_gaps(outcome: SolverOutcome) -> list[int | None]:
    """Before which stop OR-Tools put each unit's break (the first stop it reaches after the break starts)."""
    return [
        None if start is None else sum(a <= start for a in arrivals)
        for arrivals, start in zip(outcome.arrivals, outcome.break_starts, strict=True)
    ]


def plan_value(problem: Problem, routes: tuple[Route, ...]) -> float:
    """Expected harm covered − λ · travel minutes: what the plans are ranked by."""
    covered = plan_metrics(problem, routes)
    return covered.expected_harm_covered - problem.params.travel_cost_per_min * covered.travel_min


def signature(routes: Sequence[Sequence[Stop]]) -> tuple:
    return tuple(tuple(s.node for s in r) for r in routes)


def annotate(problem: Problem, routes: tuple[Route, ...]) -> tuple[Route, ...]:
    """Each visit's expected harm covered and its reason codes."""
    covered = covered_harm_by_visit(problem, routes)
    places = problem.place_index()
    ranked = sorted(problem.places, key=lambda p: (-in_shift_risk(p, problem), p.place_id))
    top = {p.place_id for p in ranked[:TOP_PLACES_FOR_REASON]}
    annotated = []
    for route in routes:
        visits = []
        for i, visit in enumerate(route.visits):
            place = places[visit.place_id]
            reasons = []
            if visit.place_id in problem.pinned:
                reasons.append("pinned")
            if visit.place_id in top:
                reasons.append("high_forecast_risk")
            if place.recent_increase:
                reasons.append("recent_increase")
            in_shift = np.asarray(place.hourly_risk, float).copy()
            in_shift[: problem.shift_start // 60] = 0
            in_shift[(problem.shift_end + 59) // 60 :] = 0
            peak = int(np.argmax(in_shift)) * 60
            if visit.depart <= peak + 59 and peak < visit.depart + COVERAGE_MIN:
                reasons.append("covers_peak_hour")
            visits.append(replace(visit, expected_harm_covered=covered[route.unit_id, i], reason_codes=tuple(reasons)))
        annotated.append(replace(route, visits=tuple(visits)))
    return tuple(annotated)


def finish(
    problem: Problem, routes: tuple[Route, ...], status: str, seed: int | None, objective: float = 0.0, **extra
) -> Plan:
    routes = annotate(problem, routes)
    return Plan(problem, routes, status, seed, objective, plan_metrics(problem, routes), **extra)


def plan_baselines(problem: Problem, inst: Instance, greedy: list[list[Stop]]) -> dict[str, Plan]:
    """The naive top-k plan (N1) and the greedy plan, as plans of their own (checked like any other)."""
    by_last_week = [
        p.place_id
        for p in sorted(problem.places, key=lambda p: (-p.last_week_harm, p.place_id))
        if p.place_id not in problem.excluded
    ]
    naive_problem = replace(problem, params=replace(problem.params, top_n_candidates=0))
    naive_inst = build_instance(naive_problem, frozenset(by_last_week[: problem.params.naive_top_k]))
    naive_routes = routes_from_stops(naive_inst, naive_topk_routes(naive_inst))
    greedy_routes_timed = routes_from_stops(inst, greedy)
    return {
        "naive_topk": finish(problem, naive_routes, "NAIVE", None),
        "greedy": finish(problem, greedy_routes_timed, "GREEDY", None, inst.objective(greedy)),
    }


Solve = Callable[..., SolverOutcome | None]
Solved = tuple[SolverOutcome, tuple[Route, ...]]  # what OR-Tools returned, and the routes timed from it
# Part of the day's time limit kept back for what follows the solves (timing, metrics) and OR-Tools' overshoot.
RESERVE_SHARE, RESERVE_S = 0.08, 0.2


def solve_and_time(
    inst: Instance,
    prizes: np.ndarray,
    *,
    solve: Solve,
    time_limit_s: float,
    solution_limit: int,
    start: list[list[Stop]] | None,
    descent_only: bool = False,
) -> tuple[SolverOutcome | None, tuple[Route, ...] | None]:
    """One solve and the timed routes of its plan (None for either when there is none)."""
    outcome = solve(
        inst,
        prizes,
        time_limit_s=time_limit_s,
        solution_limit=solution_limit,
        initial_routes=start,
        descent_only=descent_only,
    )
    if outcome is None:
        return None, None
    return outcome, routes_from_stops(inst, outcome.routes, solver_break_gaps(outcome))


def solve_from_starts(
    inst: Instance,
    prizes: np.ndarray,
    greedy: list[list[Stop]],
    *,
    solve: Solve,
    time_limit_s: float,
    solution_limit: int,
) -> list[Solved]:
    """Guided local search twice: from the greedy plan and from OR-Tools' own first solution (cheapest
    insertion). Neither start wins everywhere; together they reach the exact optimum on small instances."""
    ends = time.perf_counter() + time_limit_s
    solved = []
    for k, start in enumerate((greedy, None)):
        outcome, routes = solve_and_time(
            inst,
            prizes,
            solve=solve,
            time_limit_s=(ends - time.perf_counter()) / (2 - k),
            solution_limit=solution_limit,
            start=start,
        )
        if routes is not None:
            solved.append((outcome, routes))
    return solved


def plan_day(problem: Problem, *, seed: int | None = None, solve: Solve = solve_routing) -> Plan:
    """The recommended plan for one day, with the naive baselines' plans on the same forecast."""
    started = time.perf_counter()
    params = problem.params
    deadline = started + params.solver_time_limit_s * (1 - RESERVE_SHARE) - RESERVE_S
    seed = default_seed(problem.day) if seed is None else seed
    rng = np.random.default_rng(seed)

    inst = build_instance(problem)
    greedy = greedy_routes(inst)
    baselines = plan_baselines(problem, inst, greedy)
    prizes = np.array([n.prize for n in inst.nodes])
    variants = max(1, params.n_variants if params.randomize else 1)

    solved = solve_from_starts(
        inst,
        prizes,
        greedy,
        solve=solve,
        solution_limit=params.solution_limit,
        time_limit_s=(deadline - time.perf_counter()) * (1.0 if variants == 1 else 0.6),
    )
    if not solved:
        # The solver found nothing in time (or nothing we could time): the greedy plan, said so in the status.
        return finish(
            problem,
            baselines["greedy"].routes,
            FALLBACK_GREEDY,
            seed,
            inst.objective(greedy),
            baselines=baselines,
            solve_seconds=time.perf_counter() - started,
            reproducible=False,
        )
    reproducible = not any(outcome.hit_time_limit for outcome, _ in solved)
    best = max(solved, key=lambda entry: inst.objective(entry[0].routes))[0]

    # Unpredictability: settle the best plan under noisy prizes, K − 1 times.
    found = {signature(outcome.routes): (outcome, routes) for outcome, routes in solved}
    for k in range(variants - 1):
        noisy = prizes * rng.lognormal(0.0, params.noise_sigma, size=len(prizes))
        outcome, routes = solve_and_time(
            inst,
            noisy,
            solve=solve,
            start=best.routes,
            descent_only=True,
            time_limit_s=(deadline - time.perf_counter()) / (variants - 1 - k),
            solution_limit=params.variant_solution_limit,
        )
        reproducible &= outcome is not None and not outcome.hit_time_limit
        if routes is not None:
            found.setdefault(signature(outcome.routes), (outcome, routes))

    # Plans are compared on what they really cover (the metric), not on the solver's block prizes, so the greedy
    # plan the search started from competes too; a candidate must be within the tolerance of the best and never
    # below the greedy plan.
    greedy_plan = baselines["greedy"].routes
    found.setdefault(
        signature(greedy),
        (
            SolverOutcome(
                greedy,
                [[v.arrive for v in r.visits] for r in greedy_plan],
                [r.break_start for r in greedy_plan],
                False,
                False,
            ),
            greedy_plan,
        ),
    )
    scored = [(plan_value(problem, found[key][1]), *found[key]) for key in sorted(found)]
    best_value = max(entry[0] for entry in scored)
    floor = max(best_value - params.near_optimal_tolerance * abs(best_value), plan_value(problem, greedy_plan))
    near = [entry for entry in scored if entry[0] >= floor]
    if not params.randomize:
        near = [max(scored, key=lambda entry: entry[0])]
    _, chosen, routes = near[int(rng.integers(len(near)))] if len(near) > 1 else near[0]
    status = OPTIMAL if chosen.optimal else FEASIBLE
    return finish(
        problem,
        routes,
        status,
        seed,
        inst.objective(chosen.routes),
        baselines=baselines,
        variants_considered=len(found),
        variants_near_best=len(near),
        solve_seconds=time.perf_counter() - started,
        reproducible=reproducible,
    )
