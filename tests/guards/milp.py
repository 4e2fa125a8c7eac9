"""The exact optimum of a small guard-planning instance, as a MILP (PuLP + HiGHS): the yardstick for OR-Tools.

Same model as the routing solver (``analytics.guards.solver``): per unit an arc-flow route from its
start to its end point through optional visit nodes, big-M arrival times inside each node's window, the break
before or after each visit (never during one) and inside its window, the leg that holds it long enough for travel +
break, the revisit gap between nodes of one place, at most N visits per place, pinned places at least once. Objective:
Σ prizes of visited nodes − λ · travel minutes. Lives in the tests only: the product never solves MILPs.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulp

from analytics.guards.instance import Instance


@dataclass(frozen=True)
class MilpResult:
    status: str
    objective: float
    visited: frozenset[int]  # node indices
    routes: tuple[tuple[int, ...], ...]  # node indices per unit, in visiting order
    arrivals: dict[int, float]  # node → arrival minute, for the visited nodes


def solve_milp(inst: Instance, time_limit_s: float = 60.0) -> MilpResult:
    problem = inst.problem
    params = problem.params
    shift_start, shift_end = problem.shift_start, problem.shift_end
    dwell, gap = params.dwell_min, params.min_revisit_gap_min
    nodes = range(len(inst.nodes))
    longest_break = max((u.break_rule.minutes for u in problem.units if u.break_rule), default=0)
    model = pulp.LpProblem("guard_plan", pulp.LpMaximize)
    arrive = {v: pulp.LpVariable(f"T_{v}", inst.nodes[v].lo, inst.nodes[v].hi) for v in nodes}
    visited_by: dict[tuple[int, int], pulp.LpVariable] = {}
    travel_terms = []
    unit_arcs = []
    for u, unit in enumerate(problem.units):
        start, end = ("s", u), ("e", u)
        end_time = pulp.LpVariable(f"end_{u}", shift_start, shift_end)
        point = {start: inst.start_point(u), end: inst.end_point(u), **{v: inst.nodes[v].point for v in nodes}}
        time_of = {start: shift_start, end: end_time, **arrive}
        earliest = {start: shift_start, end: shift_start, **{v: inst.nodes[v].lo for v in nodes}}
        latest = {start: shift_start, end: shift_end, **{v: inst.nodes[v].hi for v in nodes}}
        # Arcs the windows allow at all (leaving i as early as possible must still reach j in its window).
        arcs = {}
        for i in [start, *nodes]:
            for j in [*nodes, end]:
                leave = earliest[i] + (0 if i == start else dwell)
                if i != j and leave + int(inst.travel[point[i], point[j]]) <= latest[j]:
                    arcs[i, j] = pulp.LpVariable(f"x_{u}_{i}_{j}".replace(" ", "").replace("'", ""), cat="Binary")
        unit_arcs.append((start, end, arcs))
        for v in nodes:
            visited_by[u, v] = pulp.LpVariable(f"y_{u}_{v}", cat="Binary")
            model += pulp.lpSum(x for (i, j), x in arcs.items() if j == v) == visited_by[u, v]
            model += pulp.lpSum(x for (i, j), x in arcs.items() if i == v) == visited_by[u, v]
        model += pulp.lpSum(x for (i, j), x in arcs.items() if i == start) == 1
        model += pulp.lpSum(x for (i, j), x in arcs.items() if j == end) == 1

        # The break: after[v] = 1 when the unit's break comes after its visit to v (before it otherwise). The leg
        # from a stop before the break to one after it holds the break, so it needs travel + break minutes.
        rule = unit.break_rule
        after = {start: 1, end: 0}
        if rule is not None:
            break_start = pulp.LpVariable(f"b_{u}", rule.earliest, rule.latest_start)
            for v in nodes:
                after[v] = pulp.LpVariable(f"w_{u}_{v}", cat="Binary")
                # Big-Ms as small as the windows allow keep the relaxation tight (and HiGHS fast).
                m_after = inst.nodes[v].hi + dwell - rule.earliest
                m_before = rule.latest - inst.nodes[v].lo
                model += break_start >= arrive[v] + dwell - m_after * (2 - after[v] - visited_by[u, v])
                model += break_start + rule.minutes <= arrive[v] + m_before * (after[v] + 1 - visited_by[u, v])
            model += end_time >= break_start + rule.minutes
        for (i, j), x in arcs.items():
            leg = int(inst.travel[point[i], point[j]])
            travel_terms.append(leg * x)
            holds_break = rule.minutes * (after[i] - after[j]) if rule is not None else 0
            leave = (0 if i == start else dwell) + leg
            m_arc = latest[i] + leave + longest_break - earliest[j]
            model += time_of[j] >= time_of[i] + leave + holds_break - m_arc * (1 - x)

    visited = {v: pulp.lpSum(visited_by[u, v] for u in range(len(problem.units))) for v in nodes}
    for v in nodes:
        model += visited[v] <= 1
    for earlier, later in inst.gap_pairs:
        model += arrive[later] - arrive[earlier] >= gap * (visited[earlier] + visited[later] - 1)
    for place_id, place_nodes in inst.nodes_by_place.items():
        model += pulp.lpSum(visited[v] for v in place_nodes) <= params.max_visits_per_place
        if place_id in problem.pinned:
            model += pulp.lpSum(visited[v] for v in place_nodes) >= 1
    model += pulp.lpSum(inst.nodes[v].prize * visited[v] for v in nodes) - params.travel_cost_per_min * pulp.lpSum(
        travel_terms
    )
    model.solve(pulp.HiGHS(msg=False, timeLimit=time_limit_s))
    status = "Optimal" if model.sol_status == pulp.LpSolutionOptimal else pulp.LpStatus[model.status]
    if model.sol_status != pulp.LpSolutionOptimal and model.status == pulp.LpStatusOptimal:
        status = "TimeLimit"
    chosen = frozenset(v for v in nodes if (pulp.value(visited[v]) or 0) > 0.5)
    routes = []
    for start, end, arcs in unit_arcs:
        successor = {i: j for (i, j), x in arcs.items() if (pulp.value(x) or 0) > 0.5}
        route, here = [], successor.get(start)
        while here is not None and here != end:
            route.append(here)
            here = successor.get(here)
        routes.append(tuple(route))
    arrivals = {v: float(pulp.value(arrive[v])) for v in chosen}
    return MilpResult(status, float(pulp.value(model.objective) or 0.0), chosen, tuple(routes), arrivals)
