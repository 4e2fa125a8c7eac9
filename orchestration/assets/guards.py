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
from datetime import date

import dagster as dg
import pandas as pd
import shapely
from shapely.geometry import mapping

from analytics import forecast as fc
from analytics.guards.inputs import depot
from analytics.guards.model import DEPOT_ID, PlanParams
from analytics.guards.week import WeekSettings, plan_week
from ingest.demo.uppsala import PLACES as NAMED_PLACES
from orchestration.assets.ingest import build_ingest_asset
from orchestration.resources import WAREHOUSE_POOL, WarehouseResource
from serving import tables as published

OWNER = "team:analytics"
GROUP = "analytics"
# The guard tables as the registry (serving.tables) names them: a table renamed there fails here at import.
FORECAST_KEY, PLACES_KEY, MAP_AREAS_KEY, PLAN_VISITS_KEY, PLAN_UNITS_KEY, PLAN_METRICS_KEY = GUARD_MART_KEYS = [
    dg.AssetKey(["marts", name])
    for name in published.registered(
        "fct_place_risk_forecast",
        "dim_guard_places",
        "dim_guard_map_areas",
        "fct_guard_plan_visits",
        "fct_guard_plan_units",
        "fct_guard_plan_metrics",
    )
]
assert {key.path[1] for key in GUARD_MART_KEYS} == set(published.names("guard")), "guards.py writes every guard table"
# plan_week's tables → where guard_plans writes them
PLAN_TABLE_OF = {PLAN_VISITS_KEY: "visits", PLAN_UNITS_KEY: "units", PLAN_METRICS_KEY: "metrics"}

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
    # The depot: this run's config, else LAGESBILD_GUARD_DEPOT_LAT/LON, else the centre of the candidate places.
    depot_lat: float | None = None
    depot_lon: float | None = None


def depot_position(config: GuardForecastConfig, settings, places: pd.DataFrame) -> tuple[float, float]:
    """Where the guards start and end: the run's config, else the platform settings, else the candidate places'
    centre (so a municipality without a configured depot still gets plans)."""
    for lat, lon in ((config.depot_lat, config.depot_lon), (settings.guard_depot_lat, settings.guard_depot_lon)):
        if lat is not None and lon is not None:
            return float(lat), float(lon)
    return float(places["lat"].mean()), float(places["lon"].mean())


@dg.multi_asset(
    specs=[
        spec(
            FORECAST_KEY,
            description="Expected harm per place × day of week × hour for the coming week "
            "(blend of the 52-week mean and a 4-week-half-life EWMA; guards' own reports excluded).",
            # int_incidents: the incidents and harm weights the marts count; fct_area_week: publish the forecast
            # only once the week's marts are built from the same incidents.
            deps=[dg.AssetKey(["intermediate", "int_incidents"]), dg.AssetKey(["marts", "fct_area_week"])],
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
        depot_lat, depot_lon = depot_position(config, warehouse.settings(), places)
        depot_row = pd.DataFrame(
            [
                {
                    "place_id": DEPOT_ID,
                    "place_name": "Väktarbas (depå)",
                    "place_kind": "depot",
                    "lat": depot_lat,
                    "lon": depot_lon,
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
    days: int = WeekSettings.days  # how many days of the forecast week to plan, from its Monday
    guards: int = WeekSettings.guards  # 1 or 2 separate guards; 0 = both guards together as one unit
    shift_start: str = WeekSettings.shift_start
    shift_end: str = WeekSettings.shift_end
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
    settings = WeekSettings(
        days=config.days,
        guards=config.guards,
        shift_start=config.shift_start,
        shift_end=config.shift_end,
        shift_by_weekday=dict(config.shift_by_weekday),
    )
    with warehouse.connect() as con:
        places = con.execute(f"select * from {'.'.join(PLACES_KEY.path)}").df()
        risk = con.execute(f"select * from {'.'.join(FORECAST_KEY.path)}").df()
    base = places[places["place_kind"] == "depot"].iloc[0]
    depot_location = depot(float(base["lat"]), float(base["lon"]))
    forecast_places = places[places["place_kind"] != "depot"]
    week_start = pd.Timestamp(places["target_week_start"].iloc[0]).date()
    week = plan_week(forecast_places, risk, depot_location, week_start, settings=settings, params=params)
    for line in week.day_summaries:
        context.log.info(line)
    tables = week.tables()
    with warehouse.connect() as con:
        counts = {key: write_table(con, key, tables[name]) for key, name in PLAN_TABLE_OF.items()}
    summary = week.summary()
    summary = {
        **summary,
        "solver_statuses": dg.MetadataValue.json(summary.get("solver_statuses", {})),
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
            "per_day": dg.MetadataValue.json(week.per_day()),
        },
    )
    yield dg.AssetCheckResult(
        check_name="every_plan_passes_the_checker",
        asset_key=PLAN_VISITS_KEY,
        passed=not week.violations,
        metadata={"violations": dg.MetadataValue.json(week.violations)},
    )
    yield dg.AssetCheckResult(
        check_name="recommended_beats_naive",
        asset_key=PLAN_METRICS_KEY,
        passed=week.recommended_beats_naive(),
        severity=dg.AssetCheckSeverity.WARN,
        metadata=summary,
    )


GUARD_ASSETS = [raw_guard_visits, guard_forecast, guard_plans]
