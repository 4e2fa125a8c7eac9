"""Guard scheduling: next week's place risk forecast and the recommended patrol plans, published with the marts.

* ``raw/guard_visits``: visits recorded through the API (landing files), loaded like any other source.
* ``guard_forecast``: the place × day-of-week × hour risk forecast (marts.fct_place_risk_forecast), the candidate
  places with their forecast and the depot (marts.dim_guard_places), and the area outlines the plan map draws
  (marts.dim_guard_map_areas).
* ``guard_plans``: for every day of the forecast week, the recommended plan for both guards with the metrics of the
  naive baselines (marts.fct_guard_plan_visits, _units, _metrics). Checks: every plan passes the constraint checker
  (blocking: a bad plan is never published), and the recommended plans cover more risk than the naive top-k plans.

The computations are plain Python in ``analytics``; this module only reads and writes the warehouse.
"""

import json
from datetime import date, timedelta

import dagster as dg
import pandas as pd
import shapely
from shapely.geometry import mapping

from analytics import forecast as fc
from analytics.guards import demo
from analytics.guards.checker import check_plan
from analytics.guards.inputs import break_for_shift, default_units, depot, minutes_of, problem_for_day
from analytics.guards.model import DEPOT_ID, PlanParams
from analytics.guards.planner import plan_day
from analytics.guards.tables import plan_id_for, plan_tables
from ingest.demo.uppsala import PLACES as NAMED_PLACES
from orchestration.assets.ingest import build_ingest_asset
from orchestration.resources import WAREHOUSE_POOL, WarehouseResource

OWNER = "team:analytics"
GROUP = "analytics"
FORECAST_KEY = dg.AssetKey(["marts", "fct_place_risk_forecast"])
PLACES_KEY = dg.AssetKey(["marts", "dim_guard_places"])
MAP_AREAS_KEY = dg.AssetKey(["marts", "dim_guard_map_areas"])
PLAN_VISITS_KEY = dg.AssetKey(["marts", "fct_guard_plan_visits"])
PLAN_UNITS_KEY = dg.AssetKey(["marts", "fct_guard_plan_units"])
PLAN_METRICS_KEY = dg.AssetKey(["marts", "fct_guard_plan_metrics"])
GUARD_MART_KEYS = [FORECAST_KEY, PLACES_KEY, MAP_AREAS_KEY, PLAN_VISITS_KEY, PLAN_UNITS_KEY, PLAN_METRICS_KEY]

raw_guard_visits = build_ingest_asset(
    "guard_visits",
    "Guard visits as actually done (place, arrival, departure), recorded through "
    "POST /api/v1/guard-visits as landing files; the evidence for evaluating plans later.",
)


def spec(key: dg.AssetKey, description: str, deps=()) -> dg.AssetSpec:
    return dg.AssetSpec(
        key, description=description, deps=deps, group_name=GROUP, owners=[OWNER], kinds={"python", "duckdb"}
    )


def write_table(con, key: dg.AssetKey, frame: pd.DataFrame) -> int:
    schema, name = key.path
    con.execute(f"create schema if not exists {schema}")
    con.register("_frame", frame)
    try:
        con.execute(f"create or replace table {schema}.{name} as select * from _frame")
    finally:
        con.unregister("_frame")
    return len(frame)


class GuardForecastConfig(dg.Config):
    alpha: float = fc.ForecastParams.alpha
    max_places: int = fc.ForecastParams.max_places
    depot_lat: float = demo.demo_depot()[0]
    depot_lon: float = demo.demo_depot()[1]


@dg.multi_asset(
    specs=[
        spec(
            FORECAST_KEY,
            description="Expected harm per place × day of week × hour for the coming week "
            "(blend of the 52-week mean and a 4-week-half-life EWMA; guards' own reports excluded).",
            deps=[
                dg.AssetKey(["staging", "stg_est__reports"]),
                dg.AssetKey(["staging", "stg_police__crimes"]),
                dg.AssetKey(["reference", "est_categories"]),
                dg.AssetKey(["marts", "fct_area_week"]),
            ],
        ),
        spec(
            PLACES_KEY,
            description="The candidate places (named places and H3 cells) with their weekly "
            "forecast and its components, plus the guards' depot.",
        ),
        spec(
            MAP_AREAS_KEY,
            description="Area outlines as GeoJSON, for drawing plans on a map.",
            deps=[dg.AssetKey(["staging", "stg_geo__areas"])],
        ),
    ],
    pool=WAREHOUSE_POOL,
    backfill_policy=dg.BackfillPolicy.single_run(),  # `make refresh` runs a partition range as one run
)
def guard_forecast(context: dg.AssetExecutionContext, config: GuardForecastConfig, warehouse: WarehouseResource):
    params = fc.ForecastParams(alpha=config.alpha, max_places=config.max_places)
    with warehouse.connect() as con:
        incidents = fc.incidents_from_warehouse(con, recent_weeks=params.long_run_weeks)
        target = None if len(incidents) else fc.next_monday(date.today())
        forecast = fc.forecast_place_risk(incidents, NAMED_PLACES, target_week_start=target, params=params)
        provenance = {
            "forecast_model_version": forecast.version,
            "data_cutoff": forecast.data_cutoff,
            "target_week_start": forecast.target_week_start,
        }
        places = forecast.places.assign(**provenance)
        depot_row = pd.DataFrame(
            [
                {
                    "place_id": DEPOT_ID,
                    "place_name": "Väktarbas (depå)",
                    "place_kind": "depot",
                    "lat": config.depot_lat,
                    "lon": config.depot_lon,
                    **provenance,
                }
            ]
        )
        n_places = write_table(con, PLACES_KEY, pd.concat([places, depot_row], ignore_index=True))
        n_risk = write_table(con, FORECAST_KEY, forecast.risk.assign(**provenance))
        areas = con.execute("select area_id, area_name, geometry_wkt from staging.stg_geo__areas").df()
        areas["geometry_geojson"] = [json.dumps(mapping(shapely.from_wkt(w))) for w in areas.pop("geometry_wkt")]
        n_areas = write_table(con, MAP_AREAS_KEY, areas)
    common = {
        "forecast_model_version": forecast.version,
        "data_cutoff": str(forecast.data_cutoff),
        "target_week_start": str(forecast.target_week_start),
    }
    yield dg.MaterializeResult(
        asset_key=FORECAST_KEY,
        metadata={
            **common,
            "dagster/row_count": n_risk,
            "incidents_used": forecast.n_incidents_used,
            "guard_reports_excluded": forecast.n_guard_reports_excluded,
            "expected_harm_next_week": float(forecast.places["forecast_week_harm"].sum()) if len(places) else 0.0,
        },
    )
    yield dg.MaterializeResult(
        asset_key=PLACES_KEY,
        metadata={
            **common,
            "dagster/row_count": n_places,
            "top_places": dg.MetadataValue.json(
                places.head(10)[["place_id", "place_name", "forecast_week_harm"]].round(3).to_dict(orient="records")
            ),
        },
    )
    yield dg.MaterializeResult(asset_key=MAP_AREAS_KEY, metadata={"dagster/row_count": n_areas})


class GuardPlanConfig(dg.Config):
    solver_time_limit_s: float = 10.0  # per day, both guards
    days: int = 7  # how many days of the forecast week to plan, from its Monday
    guards: int = 2  # 1 or 2 separate guards; 0 = both guards together as one unit
    shift_start: str = "15:00"
    shift_end: str = "23:00"
    # Other shifts on some days, e.g. {"fri": "16:00-23:59", "sat": "16:00-23:59"} (local times, same day).
    shift_by_weekday: dict[str, str] = {}
    dwell_min: int = 15
    top_n_candidates: int = 25
    n_variants: int = PlanParams.n_variants


@dg.multi_asset(
    specs=[
        spec(
            PLAN_VISITS_KEY,
            description="Next week's recommended visits per day and guard (place, "
            "arrival, departure, expected harm covered, reasons).",
            deps=[FORECAST_KEY, PLACES_KEY],
        ),
        spec(PLAN_UNITS_KEY, description="Per day and guard: shift, depot and break of the recommended plan."),
        spec(
            PLAN_METRICS_KEY,
            description="Per day: risk-weighted coverage, expected harm covered, travel "
            "and idle minutes of the recommended plan and of the naive top-k and greedy plans, with the "
            "solver status, seed, forecast version and data cutoff.",
        ),
    ],
    check_specs=[
        dg.AssetCheckSpec(
            "every_plan_passes_the_checker",
            asset=PLAN_VISITS_KEY,
            blocking=True,
            description="Shift, dwell, travel, revisit gap, max visits, break and depot hold for every "
            "published plan, recommended and baseline.",
        ),
        dg.AssetCheckSpec(
            "recommended_beats_naive",
            asset=PLAN_METRICS_KEY,
            description="Every day's recommended plan covers more forecast risk than the naive top-k "
            "plan and no less than the greedy plan.",
        ),
    ],
    pool=WAREHOUSE_POOL,
    backfill_policy=dg.BackfillPolicy.single_run(),  # `make refresh` runs a partition range as one run
)
def guard_plans(context: dg.AssetExecutionContext, config: GuardPlanConfig, warehouse: WarehouseResource):
    params = PlanParams(
        solver_time_limit_s=config.solver_time_limit_s,
        dwell_min=config.dwell_min,
        top_n_candidates=config.top_n_candidates,
        n_variants=config.n_variants,
    )
    with warehouse.connect() as con:
        places = con.execute(f"select * from {'.'.join(PLACES_KEY.path)}").df()
        risk = con.execute(f"select * from {'.'.join(FORECAST_KEY.path)}").df()
    base = places[places["place_kind"] == "depot"].iloc[0]
    depot_location = depot(float(base["lat"]), float(base["lon"]))
    forecast_places = places[places["place_kind"] != "depot"]
    week_start = pd.Timestamp(places["target_week_start"].iloc[0]).date()
    tables: dict[str, list[pd.DataFrame]] = {"visits": [], "units": [], "metrics": []}
    violations: dict[str, list[str]] = {}
    seconds: list[float] = []  # in the metadata only: the published tables stay the same run after run
    for offset in range(config.days if len(forecast_places) else 0):
        day = week_start + timedelta(days=offset)
        shift = shift_of(config, day)
        units = default_units(depot_location, config.guards, break_for_shift(*shift))
        problem = problem_for_day(forecast_places, risk, day, units, shift=shift, params=params)
        plan = plan_day(problem)
        seconds.append(plan.solve_seconds)
        context.log.info(
            f"{day}: {plan.solver_status}, RWC {plan.metrics.risk_weighted_coverage:.3f} "
            f"(naive {plan.baselines['naive_topk'].metrics.risk_weighted_coverage:.3f}) "
            f"in {plan.solve_seconds:.1f} s"
        )
        for name, checked in (("recommended", plan), *plan.baselines.items()):
            problems = check_plan(checked)
            if problems:
                violations[f"{day} {name}"] = problems
        for name, frame in plan_tables(plan, plan_id_for(day, plan.seed)).items():
            tables[name].append(frame)
    frames = {name: pd.concat(parts, ignore_index=True) if parts else pd.DataFrame() for name, parts in tables.items()}
    with warehouse.connect() as con:
        counts = {
            key: write_table(con, key, frames[name])
            for key, name in ((PLAN_VISITS_KEY, "visits"), (PLAN_UNITS_KEY, "units"), (PLAN_METRICS_KEY, "metrics"))
        }
    metrics = frames["metrics"]
    summary = {
        **summarise(metrics),
        "max_seconds_per_day": round(max(seconds, default=0.0), 2),
        "time_limit_per_day_s": config.solver_time_limit_s,
    }
    yield dg.MaterializeResult(
        asset_key=PLAN_VISITS_KEY,
        metadata={"dagster/row_count": counts[PLAN_VISITS_KEY], "week_start": str(week_start)},
    )
    yield dg.MaterializeResult(asset_key=PLAN_UNITS_KEY, metadata={"dagster/row_count": counts[PLAN_UNITS_KEY]})
    yield dg.MaterializeResult(
        asset_key=PLAN_METRICS_KEY,
        metadata={
            "dagster/row_count": counts[PLAN_METRICS_KEY],
            **summary,
            "per_day": dg.MetadataValue.json(per_day(metrics)),
        },
    )
    yield dg.AssetCheckResult(
        check_name="every_plan_passes_the_checker",
        asset_key=PLAN_VISITS_KEY,
        passed=not violations,
        metadata={"violations": dg.MetadataValue.json(violations)},
    )
    # Plans are ranked by their value (harm covered − λ · travel), so "no worse than greedy" is on that scale.
    beats = bool(len(metrics)) and all(
        rwc["recommended"] > rwc["naive_topk"] and value["recommended"] >= value["greedy"] - 1e-9
        for rwc, value in zip(per_day(metrics), per_day(metrics, "plan_value"), strict=True)
    )
    yield dg.AssetCheckResult(
        check_name="recommended_beats_naive",
        asset_key=PLAN_METRICS_KEY,
        passed=beats,
        severity=dg.AssetCheckSeverity.WARN,
        metadata=summary,
    )


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def shift_of(config: GuardPlanConfig, day: date) -> tuple[int, int]:
    """The day's shift in minutes after midnight: the weekday's own if configured, else the default."""
    unknown = set(config.shift_by_weekday) - set(WEEKDAYS)
    if unknown:
        raise ValueError(f"shift_by_weekday: unknown days {sorted(unknown)} (use {', '.join(WEEKDAYS)})")
    start, end = config.shift_by_weekday.get(WEEKDAYS[day.weekday()], f"{config.shift_start}-{config.shift_end}").split(
        "-"
    )
    shift = (minutes_of(start), minutes_of(end))
    if shift[1] <= shift[0]:
        raise ValueError(f"the shift on {day} ends before it starts ({start}-{end})")
    return shift


def per_day(metrics: pd.DataFrame, value: str = "risk_weighted_coverage") -> list[dict]:
    if metrics.empty:
        return []
    wide = metrics.pivot_table(index="plan_date", columns="variant", values=value)
    return [{"date": str(day), **{k: round(float(v), 4) for k, v in row.items()}} for day, row in wide.iterrows()]


def summarise(metrics: pd.DataFrame) -> dict:
    if metrics.empty:
        return {"days_planned": 0}
    mean = metrics.groupby("variant")["risk_weighted_coverage"].mean()
    recommended = metrics[metrics["variant"] == "recommended"]
    return {
        "days_planned": int(len(recommended)),
        **{f"mean_rwc_{variant}": float(round(mean.get(variant, 0.0), 4)) for variant in mean.index},
        "solver_statuses": dg.MetadataValue.json(recommended["solver_status"].value_counts().to_dict()),
        "all_reproducible": bool(recommended["reproducible"].all()),
    }


GUARD_ASSETS = [raw_guard_visits, guard_forecast, guard_plans]
