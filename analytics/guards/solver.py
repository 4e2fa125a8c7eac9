"""The prize-collecting orienteering problem with time windows, solved with OR-Tools routing (§4.2).

* one vehicle per unit, starting at its start point at shift start and back at its end point by shift end;
* every node (place × block) optional: ``AddDisjunction([node], prize)``, so dropping a node costs its prize;
* arc cost λ · travel minutes; a "Time" dimension carries travel + dwell, with each node's arrival window;
* the break through ``SetBreakIntervalsOfVehicle`` (never during a visit);
* side constraints: nodes of one place in neighbouring blocks at least the revisit gap apart when both are
  visited, at most N visits per place, at least one visit per pinned place;
* guided local search from a given start (the greedy plan), stopped by a solution count (deterministic: the same
  input gives the same plan) or the time limit, whichever comes first; or a plain descent (for the variants).
"""

from __future__ import annotations

from dataclasses import dataclass
from time import perf_counter

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from analytics.guards.instance import Instance, Stop

PRIZE_SCALE = 10_000  # prizes (harm units) → integer penalties


@dataclass(frozen=True)
class SolverOutcome:
    routes: list[list[Stop]]
    arrivals: list[list[int]]
    break_starts: list[int | None]
    optimal: bool
    hit_time_limit: bool  # stopped by the clock, not by the solution count: a rerun may differ


def solve_routing(
    inst: Instance,
    prizes: np.ndarray,
    *,
    time_limit_s: float,
    solution_limit: int,
    initial_routes: list[list[Stop]] | None = None,
    descent_only: bool = False,
) -> SolverOutcome | None:
    """Solve with OR-Tools; None when it finds no solution within the limit.

    ``descent_only``: plain local search down to the nearest local optimum instead of guided local search (the
    randomised variants start from the best plan and only need to settle under their noisy prizes).
    """
    problem = inst.problem
    params = problem.params
    n_units, n_nodes = len(problem.units), len(inst.nodes)
    if time_limit_s <= 0:
        return None
    manager = pywrapcp.RoutingIndexManager(
        2 * n_units + n_nodes, n_units, list(range(n_units)), list(range(n_units, 2 * n_units))
    )
    routing = pywrapcp.RoutingModel(manager)
    solver = routing.solver()

    # Manager node → point: unit starts and ends are their own points, visit nodes sit at their place's point.
    point_of = np.array([*range(2 * n_units), *(node.point for node in inst.nodes)])
    travel = inst.travel[np.ix_(point_of, point_of)]
    dwell = np.array([0] * (2 * n_units) + [params.dwell_min] * n_nodes, dtype=np.int64)
    arc_cost = np.rint(travel * params.travel_cost_per_min * PRIZE_SCALE).astype(np.int64)
    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitMatrix(arc_cost.tolist()))
    transit = routing.RegisterTransitMatrix((travel + dwell[:, None]).tolist())
    shift_start, shift_end = problem.shift_start, problem.shift_end
    routing.AddDimension(transit, shift_end - shift_start, shift_end, False, "Time")
    time = routing.GetDimensionOrDie("Time")

    def index(node: int) -> int:
        return manager.NodeToIndex(2 * n_units + node)

    for node, stop in enumerate(inst.nodes):
        time.CumulVar(index(node)).SetRange(stop.lo, stop.hi)
        routing.AddDisjunction([index(node)], int(round(max(prizes[node], 0.0) * PRIZE_SCALE)))
    for unit_index, unit in enumerate(problem.units):
        time.CumulVar(routing.Start(unit_index)).SetRange(shift_start, shift_start)
        time.CumulVar(routing.End(unit_index)).SetRange(shift_start, shift_end)
        if unit.break_rule is not None:
            rule = unit.break_rule
            interval = solver.FixedDurationIntervalVar(
                rule.earliest, rule.latest_start, rule.minutes, False, f"break {unit.unit_id}"
            )
            time.SetBreakIntervalsOfVehicle([interval], unit_index, dwell.tolist())

    gap = params.min_revisit_gap_min
    for earlier, later in inst.gap_pairs:
        a, b = index(earlier), index(later)
        solver.Add(time.CumulVar(b) - time.CumulVar(a) >= gap * (routing.ActiveVar(a) + routing.ActiveVar(b) - 1))
    for place_id, nodes in inst.nodes_by_place.items():
        active = [routing.ActiveVar(index(n)) for n in nodes]
        if len(nodes) > params.max_visits_per_place:
            solver.Add(solver.Sum(active) <= params.max_visits_per_place)
        if place_id in problem.pinned:
            solver.Add(solver.Sum(active) >= 1)

    search = pywrapcp.DefaultRoutingSearchParameters()
    search.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.LOCAL_CHEAPEST_INSERTION
    metaheuristics = routing_enums_pb2.LocalSearchMetaheuristic
    search.local_search_metaheuristic = (
        metaheuristics.GREEDY_DESCENT if descent_only else metaheuristics.GUIDED_LOCAL_SEARCH
    )
    search.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
    search.solution_limit = solution_limit

    started = perf_counter()
    solution = None
    if initial_routes is not None:
        routing.CloseModelWithParameters(search)
        start = routing.ReadAssignmentFromRoutes([[index(s.node) for s in r] for r in initial_routes], True)
        if start is not None:
            solution = routing.SolveFromAssignmentWithParameters(start, search)
    if solution is None:
        solution = routing.SolveWithParameters(search)
    if solution is None:
        return None

    routes, arrivals, break_starts = [], [], []
    for unit_index in range(n_units):
        route, times = [], []
        position = solution.Value(routing.NextVar(routing.Start(unit_index)))
        while not routing.IsEnd(position):
            route.append(inst.nodes[manager.IndexToNode(position) - 2 * n_units])
            times.append(solution.Min(time.CumulVar(position)))
            position = solution.Value(routing.NextVar(position))
        routes.append(route)
        arrivals.append(times)
        break_starts.append(None)
    intervals = solution.IntervalVarContainer()
    for i in range(intervals.Size()):
        element = intervals.Element(i)
        unit_id = element.Var().Name().removeprefix("break ")
        unit_index = next(u for u, unit in enumerate(problem.units) if unit.unit_id == unit_id)
        break_starts[unit_index] = element.StartMin()
    return SolverOutcome(
        routes,
        arrivals,
        break_starts,
        optimal=routing.status() == routing_enums_pb2.RoutingSearchStatus.ROUTING_OPTIMAL,
        hit_time_limit=perf_counter() - started >= 0.95 * time_limit_s,
    )
