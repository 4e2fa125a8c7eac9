"""Small, generated guard-planning problems (no warehouse needed) and the demo slice the integration tests share."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date

import numpy as np

from orchestration.analytics.guards.inputs import DEFAULT_BREAK, depot
from orchestration.analytics.guards.model import BreakRule, Place, PlanParams, Problem, Unit

DEPOT = depot(59.8594, 17.6455)
DAY = date(2026, 3, 13)  # a Friday
SHORT_BREAK = BreakRule(16 * 60 + 30, 18 * 60, 20)
# Hour-of-day shape of risk (quiet mornings, evening peak), as in the demo generator.
EVENING = np.array([2, 1.5, 1, .6, .4, .4, .6, 1, 1.5, 2, 2.2, 2.5, 3, 3.2, 3.5, 4.5, 5.5, 6.5, 7, 7.2, 7, 6, 4.5, 3])


def random_places(n: int, seed: int, spread_km: float = 3.0) -> tuple[Place, ...]:
    """n places scattered around the depot, with skewed weekly risk and an evening-peaking day profile."""
    rng = np.random.default_rng(seed)
    places = []
    for i in range(n):
        lat = DEPOT.lat + rng.normal(0, spread_km / 111)
        lon = DEPOT.lon + rng.normal(0, spread_km / 55.6)
        level = rng.lognormal(0, 0.8)
        hourly = level * EVENING / EVENING.sum() * rng.uniform(0.6, 1.4, 24)
        places.append(Place(f"p{i:02d}", f"Plats {i}", float(lat), float(lon), hourly,
                            last_week_harm=float(rng.poisson(level * 4))))
    return tuple(places)


def small_problem(n_places: int = 5, n_units: int = 1, shift: tuple[int, int] = (15 * 60, 19 * 60), seed: int = 0,
                  break_rule: BreakRule | None = SHORT_BREAK, pinned: Iterable[str] = (),
                  excluded: Iterable[str] = (), **params) -> Problem:
    """A few places near the depot and a short shift: small enough for the exact MILP."""
    units = tuple(Unit(f"g{i + 1}", DEPOT, DEPOT, break_rule) for i in range(n_units))
    defaults = dict(solver_time_limit_s=2.0, max_visits_per_place=2, n_variants=4)
    return Problem(day=DAY, shift_start=shift[0], shift_end=shift[1], units=units,
                   places=random_places(n_places, seed), pinned=frozenset(pinned), excluded=frozenset(excluded),
                   params=PlanParams(**{**defaults, **params}))


def week_problem(places: tuple[Place, ...], **changes) -> Problem:
    """A full default shift (15-23) for two guards over the given places."""
    units = tuple(Unit(f"g{i + 1}", DEPOT, DEPOT, DEFAULT_BREAK) for i in range(2))
    problem = Problem(day=DAY, shift_start=15 * 60, shift_end=23 * 60,
                      units=units, places=places, params=PlanParams(solver_time_limit_s=2.0, n_variants=4))
    return replace(problem, **changes)
