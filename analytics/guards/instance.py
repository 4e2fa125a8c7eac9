"""A day's problem as the solvers see it: candidate places, visit nodes (place × time block) with prizes, travel.

Nodes follow analytics-methods §4.2: the shift is cut into blocks as long as the minimum revisit gap, and each
candidate place gets one optional node per block. A node's prize is the expected harm its visit covers (the 120
minutes after it ends, inside the shift), for an arrival in the middle of its window. Because a place has at most
one node per block, and nodes of neighbouring blocks are kept ``min_revisit_gap`` apart by an explicit constraint,
revisits respect the gap; a cap on active nodes per place gives the maximum number of visits.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from analytics.guards.model import COVERAGE_MIN, Location, Place, PlanningError, Problem


@dataclass(frozen=True)
class Stop:
    """A visit the timing code can place: at a point, arriving within [lo, hi], worth ``prize``."""

    place_id: str
    point: int  # index into Instance.points
    lo: int
    hi: int
    prize: float
    node: int = -1  # index into Instance.nodes (-1: a stop the naive baseline made up)


@dataclass
class Instance:
    problem: Problem
    candidates: tuple[Place, ...]
    points: tuple[Location, ...]  # unit starts, then unit ends, then the candidate places
    travel: np.ndarray  # whole minutes between points
    nodes: tuple[Stop, ...]

    @property
    def n_units(self) -> int:
        return len(self.problem.units)

    def start_point(self, unit: int) -> int:
        return unit

    def end_point(self, unit: int) -> int:
        return self.n_units + unit

    @cached_property
    def place_point(self) -> dict[str, int]:
        return {p.place_id: 2 * self.n_units + i for i, p in enumerate(self.candidates)}

    @cached_property
    def nodes_by_place(self) -> dict[str, list[int]]:
        grouped: dict[str, list[int]] = {}
        for i, node in enumerate(self.nodes):
            grouped.setdefault(node.place_id, []).append(i)
        return grouped

    @cached_property
    def gap_pairs(self) -> tuple[tuple[int, int], ...]:
        """Node pairs (earlier block, later block) of one place whose windows alone do not keep the revisit gap."""
        gap = self.problem.params.min_revisit_gap_min
        pairs = []
        for ids in self.nodes_by_place.values():
            for a in ids:
                for b in ids:
                    if self.nodes[a].lo < self.nodes[b].lo and self.nodes[b].lo - self.nodes[a].hi < gap:
                        pairs.append((a, b))
        return tuple(pairs)

    def objective(self, routes: list[list[Stop]], prizes: np.ndarray | None = None) -> float:
        """Σ prizes of the visited nodes − λ · travel minutes (harm units)."""
        prize = sum((prizes[s.node] if prizes is not None else s.prize) for r in routes for s in r)
        return float(prize - self.problem.params.travel_cost_per_min * self.travel_minutes(routes))

    def travel_minutes(self, routes: list[list[Stop]]) -> int:
        total = 0
        for unit, route in enumerate(routes):
            points = [self.start_point(unit), *(s.point for s in route), self.end_point(unit)]
            total += int(sum(self.travel[a, b] for a, b in zip(points, points[1:], strict=False)))
        return total


def in_shift_risk(place: Place, problem: Problem) -> float:
    return place.harm_between(problem.shift_start, problem.shift_end)


def select_candidates(problem: Problem, extra: frozenset[str] = frozenset()) -> tuple[Place, ...]:
    """The day's top-N places by in-shift expected harm, plus every pinned (and extra) place; never an excluded one."""
    known = problem.place_index()
    unknown = sorted((problem.pinned | problem.excluded) - set(known))
    if unknown:
        raise PlanningError(f"unknown place(s): {', '.join(unknown)}")
    eligible = [p for p in problem.places if p.place_id not in problem.excluded]
    ranked = sorted(eligible, key=lambda p: (-in_shift_risk(p, problem), p.place_id))
    chosen = ranked[: problem.params.top_n_candidates]
    ids = {p.place_id for p in chosen}
    chosen += [known[p] for p in sorted(problem.pinned | (extra - problem.excluded)) if p not in ids]
    return tuple(chosen)


def build_instance(problem: Problem, extra_candidates: frozenset[str] = frozenset()) -> Instance:
    params = problem.params
    candidates = select_candidates(problem, extra_candidates)
    units = problem.units
    points = (
        *(u.start for u in units),
        *(u.end for u in units),
        *(Location(p.place_id, p.lat, p.lon) for p in candidates),
    )
    travel = np.asarray(problem.travel_model().minutes(points), dtype=np.int64)
    n_units = len(units)
    shift_start, shift_end, dwell = problem.shift_start, problem.shift_end, params.dwell_min
    check_pinned_reachable(problem, candidates, travel)

    nodes: list[Stop] = []
    for i, place in enumerate(candidates):
        point = 2 * n_units + i
        # The latest arrival that still lets some unit finish the visit and get back in time.
        latest = shift_end - dwell - int(min(travel[point, n_units + u] for u in range(n_units)))
        for block_start in range(shift_start, shift_end, params.block):
            lo = max(block_start, shift_start + int(travel[:n_units, point].min()))
            hi = min(block_start + params.block - 1, latest)
            if lo > hi:
                continue
            middle = (lo + hi) / 2 + dwell
            prize = place.harm_between(middle, min(middle + COVERAGE_MIN, shift_end))
            if prize <= 0 and place.place_id not in problem.pinned:
                continue
            nodes.append(Stop(place.place_id, point, lo, hi, prize, node=len(nodes)))
    return Instance(problem, candidates, points, travel, tuple(nodes))


def check_pinned_reachable(problem: Problem, candidates: tuple[Place, ...], travel: np.ndarray) -> None:
    """Fail early, with the arithmetic, when a pinned place cannot fit in any unit's shift."""
    n_units = len(problem.units)
    shift = problem.shift_end - problem.shift_start
    for i, place in enumerate(candidates):
        if place.place_id not in problem.pinned:
            continue
        point = 2 * n_units + i
        needed, has_break = min(
            (
                int(travel[u, point])
                + problem.params.dwell_min
                + int(travel[point, n_units + u])
                + (unit.break_rule.minutes if unit.break_rule else 0),
                unit.break_rule is not None,
            )
            for u, unit in enumerate(problem.units)
        )
        if needed > shift:
            raise PlanningError(
                f"pinned place {place.place_id} ({place.name}) cannot be reached within the shift: the trip there "
                f"and back{',' if has_break else ' and'} the {problem.params.dwell_min}-minute visit"
                f"{' and the break' if has_break else ''} need {needed} minutes, the shift has {shift}"
            )
