"""What a guard-planning problem and a plan are. Times are whole minutes after local midnight of the plan's date."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

import numpy as np

DEPOT_ID = "depot"
# A visit deters for this long after it ends (Koper's residual deterrence), and counts only if it lasted this long.
COVERAGE_MIN = 120
MIN_COVERING_DWELL_MIN = 10


class PlanningError(ValueError):
    """The request cannot be planned as asked (an unreachable pinned place, an unknown place, ...). Say why."""


@dataclass(frozen=True, eq=False)  # compared by identity: it holds an array
class Place:
    """A candidate place and its forecast: expected harm in each hour (0-23) of the plan's date."""

    place_id: str
    name: str
    lat: float
    lon: float
    hourly_risk: np.ndarray  # 24 values: expected harm in each local hour of the day
    area_id: str | None = None
    last_week_harm: float = 0.0  # observed harm last week (the naive top-k baseline ranks by it)
    recent_increase: bool = False  # the recent trend is well above the long-run level (a reason code)

    @cached_property
    def cumulative_risk(self) -> tuple[float, ...]:
        """Expected harm from midnight to each hour boundary (25 values), for integrating over minutes."""
        return (0.0, *np.cumsum(np.asarray(self.hourly_risk, float)).tolist())

    def harm_at(self, minute: float) -> float:
        """Expected harm from midnight to ``minute`` (risk spread evenly within each hour)."""
        hour = min(max(minute / 60.0, 0.0), 24.0)
        whole = min(int(hour), 23)
        low, high = self.cumulative_risk[whole], self.cumulative_risk[whole + 1]
        return low + (high - low) * (hour - whole)

    def harm_between(self, start_min: float, end_min: float) -> float:
        """Expected harm at the place between two times (minutes after midnight)."""
        return self.harm_at(end_min) - self.harm_at(start_min) if end_min > start_min else 0.0


@dataclass(frozen=True)
class Location:
    point_id: str
    lat: float
    lon: float


@dataclass(frozen=True)
class BreakRule:
    """A break of ``minutes`` that starts at or after ``earliest`` and ends at or before ``latest``."""

    earliest: int
    latest: int
    minutes: int

    @property
    def latest_start(self) -> int:
        return self.latest - self.minutes


@dataclass(frozen=True)
class Unit:
    """One patrol unit: a guard, or both guards walking together (``guards=2``)."""

    unit_id: str
    start: Location
    end: Location
    break_rule: BreakRule | None = None
    guards: int = 1


@dataclass(frozen=True)
class PlanParams:
    dwell_min: int = 15
    min_revisit_gap_min: int = 120
    max_visits_per_place: int = 3
    top_n_candidates: int = 25  # the solver sees the day's top-N places by in-shift risk, plus pinned places
    block_min: int | None = None  # length of the time blocks visits are planned in; default the revisit gap
    travel_cost_per_min: float = 0.002  # λ: harm units a minute of travel is worth (a tie-breaker towards short routes)
    randomize: bool = True
    n_variants: int = 5  # K: solves with noisy prizes to randomise among
    noise_sigma: float = 0.15  # lognormal σ of the prize noise
    near_optimal_tolerance: float = 0.05  # pick among variants within this share of the best objective
    solver_time_limit_s: float = 10.0  # for the whole day (every unit, every variant)
    solution_limit: int = 15  # local-search solutions of the main solve: the deterministic budget (same seed,
    variant_solution_limit: int = 10  # same plan) as long as the time limit does not cut a solve short
    naive_top_k: int = 15  # N1 visits last week's top-k places in rank order (enough to fill two shifts)

    @property
    def block(self) -> int:
        return self.block_min or self.min_revisit_gap_min


@dataclass(frozen=True)
class Problem:
    """One day's planning problem for one or two units."""

    day: date
    shift_start: int
    shift_end: int
    units: tuple[Unit, ...]
    places: tuple[Place, ...]  # every place the forecast knows (the metrics' universe), excluded ones removed
    pinned: frozenset[str] = frozenset()
    excluded: frozenset[str] = frozenset()
    params: PlanParams = field(default_factory=PlanParams)
    forecast_version: str = ""
    data_cutoff: str = ""
    travel: object | None = None  # a travel.TravelModel; None = haversine by car

    def travel_model(self):
        from analytics.guards.travel import HaversineTravel

        return self.travel or HaversineTravel()

    def place(self, place_id: str) -> Place:
        return self.place_index()[place_id]

    def place_index(self) -> dict[str, Place]:
        return {p.place_id: p for p in self.places}


@dataclass(frozen=True)
class Visit:
    place_id: str
    arrive: int
    depart: int
    expected_harm_covered: float = 0.0
    reason_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Route:
    unit_id: str
    start_point_id: str  # where the unit starts and ends (normally the depot)
    end_point_id: str
    visits: tuple[Visit, ...]
    break_start: int | None  # None when the unit has no break rule
    break_minutes: int = 0


@dataclass(frozen=True)
class PlanMetrics:
    risk_weighted_coverage: float  # share of the day's in-shift expected harm (all places) under cover
    expected_harm_covered: float
    travel_min: int
    dwell_min: int
    break_min: int
    idle_min: int
    n_visits: int
    n_places: int


@dataclass(frozen=True)
class Plan:
    problem: Problem
    routes: tuple[Route, ...]
    solver_status: str  # OPTIMAL | FEASIBLE | FALLBACK_GREEDY | NAIVE | GREEDY
    seed: int | None = None
    objective: float = 0.0  # Σ prizes − λ·travel, in harm units
    metrics: PlanMetrics | None = None
    baselines: dict[str, Plan] = field(default_factory=dict)  # naive_topk and greedy, on the same forecast
    variants_considered: int = 1
    variants_near_best: int = 1
    solve_seconds: float = 0.0
    reproducible: bool = True  # False when the clock stopped a solve: the same seed may then give another plan

    def route(self, unit_id: str) -> Route:
        return next(r for r in self.routes if r.unit_id == unit_id)
