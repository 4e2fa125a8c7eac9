"""Small, generated guard-planning problems (no warehouse needed) and the demo slice the integration tests share."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from analytics.guards.inputs import DEFAULT_BREAK, depot
from analytics.guards.model import BreakRule, Place, PlanParams, Problem, Unit

DEPOT = depot(59.8594, 17.6455)
DAY = date(2026, 3, 13)  # a Friday
SHORT_BREAK = BreakRule(16 * 60 + 30, 18 * 60, 20)
# Hour-of-day shape of risk (quiet mornings, evening peak), as in the demo generator.
EVENING = np.array(
    [2, 1.5, 1, 0.6, 0.4, 0.4, 0.6, 1, 1.5, 2, 2.2, 2.5, 3, 3.2, 3.5, 4.5, 5.5, 6.5, 7, 7.2, 7, 6, 4.5, 3]
)


def random_places(n: int, seed: int, spread_km: float = 3.0) -> tuple[Place, ...]:
    """n places scattered around the depot, with skewed weekly risk and an evening-peaking day profile."""
    rng = np.random.default_rng(seed)
    places = []
    for i in range(n):
        lat = DEPOT.lat + rng.normal(0, spread_km / 111)
        lon = DEPOT.lon + rng.normal(0, spread_km / 55.6)
        level = rng.lognormal(0, 0.8)
        hourly = level * EVENING / EVENING.sum() * rng.uniform(0.6, 1.4, 24)
        places.append(
            Place(
                f"p{i:02d}", f"Plats {i}", float(lat), float(lon), hourly, last_week_harm=float(rng.poisson(level * 4))
            )
        )
    return tuple(places)


def small_problem(
    n_places: int = 5,
    n_units: int = 1,
    shift: tuple[int, int] = (15 * 60, 19 * 60),
    seed: int = 0,
    break_rule: BreakRule | None = SHORT_BREAK,
    pinned: Iterable[str] = (),
    excluded: Iterable[str] = (),
    **params,
) -> Problem:
    """A few places near the depot and a short shift: small enough for the exact MILP."""
    units = tuple(Unit(f"g{i + 1}", DEPOT, DEPOT, break_rule) for i in range(n_units))
    defaults = dict(solver_time_limit_s=2.0, max_visits_per_place=2, n_variants=4)
    return Problem(
        day=DAY,
        shift_start=shift[0],
        shift_end=shift[1],
        units=units,
        places=random_places(n_places, seed),
        pinned=frozenset(pinned),
        excluded=frozenset(excluded),
        params=PlanParams(**{**defaults, **params}),
    )


def week_problem(places: tuple[Place, ...], **changes) -> Problem:
    """A full default shift (15-23) for two guards over the given places. The clock limit is generous so that the
    solution counts stop the searches even on a busy test machine (they take about a second)."""
    units = tuple(Unit(f"g{i + 1}", DEPOT, DEPOT, DEFAULT_BREAK) for i in range(2))
    problem = Problem(
        day=DAY,
        shift_start=15 * 60,
        shift_end=23 * 60,
        units=units,
        places=places,
        params=PlanParams(solver_time_limit_s=6.0, n_variants=4),
    )
    return replace(problem, **changes)


# ---------------------------------------------------------------------------------------------------------------
# The demo slice: generated incidents → a warehouse holding what dbt would stage → the guard assets → a snapshot
# ---------------------------------------------------------------------------------------------------------------

SLICE_END = date(2026, 3, 2)  # the last week of data (Monday); the forecast is for the week after
SLICE_WEEKS = 12


@pytest.fixture(scope="session")
def demo_slice_incidents():
    from ingest.demo.guards import demo_config, demo_incidents

    return demo_incidents(demo_config(SLICE_END, SLICE_WEEKS, scale=0.6))


def stage_warehouse(path: Path, incidents: pd.DataFrame) -> None:
    """A warehouse with what the guard assets read (int_incidents and the areas), instead of running ingest and
    dbt."""
    from ingest.demo import uppsala

    polygons = uppsala.district_polygons()
    areas = pd.DataFrame(
        [
            {"area_id": d.area_id, "area_name": d.name, "geometry_wkt": polygons[d.area_id].wkt}
            for d in uppsala.all_districts()
        ]
    )
    con = duckdb.connect(str(path))
    try:
        for schema in ("staging", "intermediate", "marts"):
            con.execute(f"create schema {schema}")
        for name, table in (("intermediate.int_incidents", incidents), ("staging.stg_geo__areas", areas)):
            con.register("_t", table)
            con.execute(f"create table {name} as select * from _t")
            con.unregister("_t")
    finally:
        con.close()


@pytest.fixture(scope="session")
def guard_platform(tmp_path_factory, demo_slice_incidents):
    """The guard assets materialised through Dagster on the demo slice, and the snapshot published from them."""
    import dagster as dg

    from orchestration.assets.guards import guard_forecast, guard_plans
    from orchestration.resources import WarehouseResource
    from serving.snapshot import publish_snapshot

    data_dir = tmp_path_factory.mktemp("guards") / "data"
    data_dir.mkdir()
    stage_warehouse(data_dir / "warehouse.duckdb", demo_slice_incidents)
    result = dg.materialize(
        [guard_forecast, guard_plans],
        resources={"warehouse": WarehouseResource(data_dir=str(data_dir))},
        run_config={"ops": {"guard_plans": {"config": {"days": 2, "solver_time_limit_s": 2.0, "n_variants": 3}}}},
        instance=dg.DagsterInstance.ephemeral(),
    )
    publish_snapshot(
        warehouse=data_dir / "warehouse.duckdb",
        target=data_dir / "serving" / "current.duckdb",
        run_id="test",
        git_commit=None,
    )
    return result, data_dir
