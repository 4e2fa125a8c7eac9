"""Guard scheduling (role ``scheduler``): published plans, on-demand recommendations, and recording visits.

Everything is read from the serving snapshot (the forecast and the published plans); an on-demand plan is computed
in the request from that forecast. Recorded visits become landing files (``landing/guard_visits/``) that the next
ingest run loads; the API never writes the warehouse. Request and response shapes follow analytics-methods §7c.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Literal

import duckdb
import pandas as pd
from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from analytics.guards.inputs import break_for_shift, problem_for_day
from analytics.guards.model import DEPOT_ID, BreakRule, Location, PlanningError, PlanParams, Unit
from analytics.guards.planner import plan_day
from analytics.guards.tables import STOCKHOLM, plan_id_for, plan_tables
from analytics.guards.travel import travel_for_mode
from api.auth import Principal, require_roles
from api.deps import SnapshotReader, snapshot_reader
from api.landing_writer import content_hash, read_latest, record_versions, write_record
from ingest.settings import PlatformSettings

router = APIRouter(prefix="/api/v1", tags=["guard scheduling"], dependencies=[Depends(require_roles("scheduler"))])
Reader = Annotated[SnapshotReader, Depends(snapshot_reader)]
Scheduler = Annotated[Principal, Depends(require_roles("scheduler"))]

ID_PATTERN = r"^[A-Za-z0-9_.:-]{1,100}$"
PLANNING_HORIZON_DAYS = 14  # plans may be asked for the forecast week and the week after it
MAX_VISIT = dt.timedelta(hours=6)


def minutes(moment: dt.time) -> int:
    return moment.hour * 60 + moment.minute


# ---------------------------------------------------------------------------------------------------------------
# Requests
# ---------------------------------------------------------------------------------------------------------------


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ShiftSpec(Strict):
    start: dt.time = Field(dt.time(15), description="local time, e.g. 15:00")
    end: dt.time = Field(
        dt.time(23), description="local time, after the start (shifts past midnight are not supported)"
    )

    @model_validator(mode="after")
    def ends_after_it_starts(self) -> ShiftSpec:
        if self.end <= self.start:
            raise ValueError(f"the shift ends ({self.end:%H:%M}) before it starts ({self.start:%H:%M})")
        return self


class BreakSpec(Strict):
    earliest: dt.time = Field(dt.time(18), description="the break starts at or after this local time")
    latest: dt.time = Field(dt.time(20), description="the break ends at or before this local time")
    minutes: int = Field(30, ge=5, le=120)

    @model_validator(mode="after")
    def fits_its_window(self) -> BreakSpec:
        if minutes(self.latest) - minutes(self.earliest) < self.minutes:
            raise ValueError(
                f"a {self.minutes}-minute break does not fit between {self.earliest:%H:%M} and {self.latest:%H:%M}"
            )
        return self


class UnitSpec(Strict):
    id: str = Field(pattern=ID_PATTERN)
    start_place: str = Field(DEPOT_ID, description="where the unit starts: 'depot' or a place id")
    end_place: str = Field(DEPOT_ID, description="where the unit ends: 'depot' or a place id")
    guards: int = Field(1, ge=1, le=2, description="2 = both guards patrol together as this one unit")
    break_: BreakSpec | None = Field(
        None,
        alias="break",
        description=(
            "default (left out): 30 minutes within mid-shift ± 60 minutes, none for shifts of 5 hours or less; "
            "null: no break"
        ),
    )

    def break_rule(self, shift: ShiftSpec) -> BreakRule | None:
        if "break_" not in self.model_fields_set:
            return break_for_shift(minutes(shift.start), minutes(shift.end))
        rule = self.break_
        return BreakRule(minutes(rule.earliest), minutes(rule.latest), rule.minutes) if rule else None


class PlanningParams(Strict):
    dwell_min: int = Field(15, ge=10, le=60, description="minutes at each place (10-16 deters best, Koper 1995)")
    min_revisit_gap_min: int = Field(120, ge=30, le=480)
    max_visits_per_place: int = Field(3, ge=1, le=10)
    top_n_candidates: int = Field(25, ge=1, le=200)
    travel_mode: Literal["drive", "bike", "walk"] = "drive"
    randomize: bool = True
    seed: int | None = Field(None, ge=0, le=2**31 - 1, description="default: the date as a number (20260313)")
    near_optimal_tolerance: float = Field(0.05, ge=0.0, le=0.5)
    n_variants: int = Field(PlanParams.n_variants, ge=1, le=30)
    solver_time_limit_s: float = Field(10.0, ge=0.5, le=30.0)


class RecommendationRequest(Strict):
    date: dt.date
    shift: ShiftSpec = Field(default_factory=ShiftSpec)
    units: list[UnitSpec] = Field(
        default_factory=lambda: [UnitSpec(id="g1"), UnitSpec(id="g2")], min_length=1, max_length=2
    )
    candidate_places: list[str] | None = Field(
        None, max_length=500, description="only these places (default: every forecast place)"
    )
    pinned_places: list[str] = Field(default_factory=list, max_length=20, description="visited at least once")
    excluded_places: list[str] = Field(default_factory=list, max_length=500, description="never visited")
    params: PlanningParams = Field(default_factory=PlanningParams)

    @model_validator(mode="after")
    def consistent(self) -> RecommendationRequest:
        ids = [u.id for u in self.units]
        if len(set(ids)) != len(ids):
            raise ValueError(f"unit ids must be unique, got {ids}")
        if sum(u.guards for u in self.units) > 2:
            raise ValueError("there are two guards: at most two units of one guard, or one unit of two")
        both = sorted(set(self.pinned_places) & set(self.excluded_places))
        if both:
            raise ValueError(f"places both pinned and excluded: {', '.join(both)}")
        for unit in self.units:
            rule = unit.break_
            if rule and (rule.earliest < self.shift.start or rule.latest > self.shift.end):
                raise ValueError(
                    f"unit {unit.id}: the break window {rule.earliest:%H:%M}-{rule.latest:%H:%M} is "
                    f"not inside the shift {self.shift.start:%H:%M}-{self.shift.end:%H:%M}"
                )
        return self


class GuardVisitIn(Strict):
    visit_id: str = Field(pattern=ID_PATTERN, description="the client's id; the same id twice is the same visit")
    date: dt.date = Field(description="local date of the shift")
    unit_id: str = Field(pattern=ID_PATTERN)
    place_id: str = Field(pattern=ID_PATTERN)
    arrived_at: dt.datetime = Field(description="ISO 8601; without an offset it is local (Europe/Stockholm) time")
    departed_at: dt.datetime
    plan_id: str | None = Field(None, pattern=ID_PATTERN)
    source: Literal["app", "gps", "manual"] = "manual"

    @model_validator(mode="after")
    def plausible(self) -> GuardVisitIn:
        self.arrived_at = local_aware(self.arrived_at)
        self.departed_at = local_aware(self.departed_at)
        if self.departed_at <= self.arrived_at:
            raise ValueError("departed_at must be after arrived_at")
        if self.departed_at - self.arrived_at > MAX_VISIT:
            raise ValueError("a visit cannot last longer than six hours")
        if self.arrived_at.astimezone(STOCKHOLM).date() != self.date:
            raise ValueError(f"arrived_at ({self.arrived_at.isoformat()}) is not on {self.date} (local time)")
        if self.arrived_at > dt.datetime.now(dt.UTC) + dt.timedelta(hours=1):
            raise ValueError("arrived_at is in the future")
        return self


def local_aware(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=STOCKHOLM) if moment.tzinfo is None else moment


# ---------------------------------------------------------------------------------------------------------------
# Responses
# ---------------------------------------------------------------------------------------------------------------


class VisitOut(BaseModel):
    place_id: str
    name: str
    area_id: str | None
    lat: float
    lon: float
    arrive: dt.datetime
    depart: dt.datetime
    expected_harm_covered: float
    reason_codes: list[str]


class UnitOut(BaseModel):
    unit_id: str
    guards: int
    start_place: str
    end_place: str
    start_lat: float
    start_lon: float
    end_lat: float
    end_lon: float
    break_start: dt.datetime | None
    break_end: dt.datetime | None
    n_visits: int


class PlanMetricsOut(BaseModel):
    risk_weighted_coverage: float = Field(
        description="share of the day's in-shift forecast harm (all places) within 120 minutes after a visit"
    )
    expected_harm_covered: float
    travel_min: int
    dwell_min: int
    break_min: int
    idle_min: int
    n_visits: int
    n_places: int


class MetricsOut(PlanMetricsOut):
    baseline_greedy_rwc: float
    baseline_naive_topk_rwc: float
    improvement_vs_naive_pct: float | None
    baselines: dict[str, PlanMetricsOut] = Field(
        description="naive_topk (last week's top places in a fixed order) and greedy, on the same forecast"
    )


class GuardSchedule(BaseModel):
    plan_id: str
    date: dt.date
    source: Literal["published", "on_demand"]
    shift_start: dt.datetime
    shift_end: dt.datetime
    schedule: dict[str, list[VisitOut]]
    units: dict[str, UnitOut]
    metrics: MetricsOut
    forecast_model_version: str
    data_cutoff: str
    solver_status: Literal["OPTIMAL", "FEASIBLE", "FALLBACK_GREEDY"]
    seed: int | None
    reproducible: bool = Field(
        description="false when the solver's clock (not its solution count) stopped a "
        "search: the same seed may then give another plan"
    )
    variants_considered: int
    variants_near_best: int
    snapshot_id: str


class PublishedDates(BaseModel):
    dates: list[dt.date]
    target_week_start: dt.date | None
    forecast_model_version: str | None
    data_cutoff: str | None


class PlaceOut(BaseModel):
    place_id: str
    name: str
    kind: str
    area_id: str | None
    lat: float
    lon: float
    forecast_week_harm: float | None
    rank: int | None


class VisitRecorded(BaseModel):
    visit_id: str
    status: Literal["recorded", "unchanged"]
    revision: int
    landing_file: str


def aware(value) -> dt.datetime | None:
    """A local wall-clock timestamp from the tables → an aware Europe/Stockholm datetime."""
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).to_pydatetime().replace(tzinfo=STOCKHOLM)


def schedule_from_tables(
    visits: pd.DataFrame, units: pd.DataFrame, metrics: pd.DataFrame, *, source: str, snapshot_id: str
) -> GuardSchedule:
    """One plan's rows (as ``tables.plan_tables`` writes them) → the response."""
    by_variant = {row["variant"]: row for row in metrics.to_dict(orient="records")}
    head = by_variant["recommended"]

    def variant_metrics(row: dict) -> PlanMetricsOut:
        return PlanMetricsOut(**{name: row[name] for name in PlanMetricsOut.model_fields})

    baselines = {name: variant_metrics(row) for name, row in by_variant.items() if name != "recommended"}
    schedule = {unit_id: [] for unit_id in units["unit_id"]}
    for row in visits.sort_values(["unit_id", "visit_seq"]).to_dict(orient="records"):
        schedule[row["unit_id"]].append(
            VisitOut(
                place_id=row["place_id"],
                name=row["place_name"],
                area_id=row["area_id"],
                lat=row["lat"],
                lon=row["lon"],
                arrive=aware(row["arrive_local"]),
                depart=aware(row["depart_local"]),
                expected_harm_covered=round(float(row["expected_harm_covered"]), 4),
                reason_codes=json.loads(row["reason_codes"]),
            )
        )
    unit_rows = units.to_dict(orient="records")
    improvement = head["improvement_vs_naive_pct"]
    return GuardSchedule(
        plan_id=head["plan_id"],
        date=pd.Timestamp(head["plan_date"]).date(),
        source=source,
        shift_start=aware(unit_rows[0]["shift_start_local"]),
        shift_end=aware(unit_rows[0]["shift_end_local"]),
        schedule=schedule,
        units={
            u["unit_id"]: UnitOut(
                unit_id=u["unit_id"],
                guards=u["guards"],
                start_place=u["start_point_id"],
                end_place=u["end_point_id"],
                start_lat=u["start_lat"],
                start_lon=u["start_lon"],
                end_lat=u["end_lat"],
                end_lon=u["end_lon"],
                break_start=aware(u["break_start_local"]),
                break_end=aware(u["break_end_local"]),
                n_visits=u["n_visits"],
            )
            for u in unit_rows
        },
        metrics=MetricsOut(
            **variant_metrics(head).model_dump(),
            baseline_greedy_rwc=baselines["greedy"].risk_weighted_coverage,
            baseline_naive_topk_rwc=baselines["naive_topk"].risk_weighted_coverage,
            improvement_vs_naive_pct=None if pd.isna(improvement) else float(improvement),
            baselines=baselines,
        ),
        forecast_model_version=head["forecast_model_version"],
        data_cutoff=str(head["data_cutoff"]),
        solver_status=head["solver_status"],
        seed=None if pd.isna(head["seed"]) else int(head["seed"]),
        reproducible=bool(head["reproducible"]),
        variants_considered=int(head["variants_considered"]),
        variants_near_best=int(head["variants_near_best"]),
        snapshot_id=snapshot_id,
    )


# ---------------------------------------------------------------------------------------------------------------
# Reading the snapshot
# ---------------------------------------------------------------------------------------------------------------


def frame(reader: SnapshotReader, sql: str, params: list | None = None) -> pd.DataFrame:
    return reader.con.execute(sql, params or []).df()


def published_places(reader: SnapshotReader) -> pd.DataFrame:
    try:
        places = frame(reader, "select * from dim_guard_places")
    except duckdb.CatalogException as exc:  # the snapshot predates guard scheduling
        raise HTTPException(
            status_code=503, detail="no guard forecast is published yet; run the weekly refresh"
        ) from exc
    if places[places["place_kind"] != "depot"].empty:
        raise HTTPException(status_code=503, detail="the published forecast has no places (no incidents yet)")
    return places


def ensure_known(places: pd.DataFrame, what: str, ids) -> None:
    unknown = sorted(set(ids) - set(places["place_id"]))
    if unknown:
        raise HTTPException(
            status_code=422,
            detail=(
                f"unknown {what}: {', '.join(unknown)}; the known places are listed at GET /api/v1/guard-schedules/places"
            ),
        )


def location(places: pd.DataFrame, place_id: str) -> Location:
    row = places[places["place_id"] == place_id].iloc[0]
    return Location(place_id, float(row["lat"]), float(row["lon"]))


# ---------------------------------------------------------------------------------------------------------------
# Endpoints
# ---------------------------------------------------------------------------------------------------------------


@router.post(
    "/guard-schedules/recommendation",
    response_model=GuardSchedule,
    summary="An on-demand plan for one day with the coordinator's constraints",
)
def recommend(body: RecommendationRequest, reader: Reader) -> GuardSchedule:
    places = published_places(reader)
    week_start = pd.Timestamp(places["target_week_start"].iloc[0]).date()
    last_day = week_start + dt.timedelta(days=PLANNING_HORIZON_DAYS - 1)
    if not week_start <= body.date <= last_day:
        raise HTTPException(
            status_code=422,
            detail=(
                f"the published forecast covers {week_start} to {last_day} (data up to {places['data_cutoff'].iloc[0]});"
                f" {body.date} is outside it"
            ),
        )
    visitable = places[places["place_kind"] != "depot"]
    ensure_known(visitable, "pinned places", body.pinned_places)
    ensure_known(visitable, "excluded places", body.excluded_places)
    ensure_known(visitable, "candidate places", body.candidate_places or [])
    ensure_known(places, "unit start or end places", [p for u in body.units for p in (u.start_place, u.end_place)])
    risk = frame(
        reader,
        "select place_id, day_of_week, hour, expected_harm from fct_place_risk_forecast where day_of_week = ?",
        [body.date.weekday()],
    )
    units = tuple(
        Unit(
            u.id,
            location(places, u.start_place),
            location(places, u.end_place),
            u.break_rule(body.shift),
            guards=u.guards,
        )
        for u in body.units
    )
    p = body.params
    params = PlanParams(
        dwell_min=p.dwell_min,
        min_revisit_gap_min=p.min_revisit_gap_min,
        max_visits_per_place=p.max_visits_per_place,
        top_n_candidates=p.top_n_candidates,
        randomize=p.randomize,
        near_optimal_tolerance=p.near_optimal_tolerance,
        n_variants=p.n_variants,
        solver_time_limit_s=p.solver_time_limit_s,
    )
    problem = problem_for_day(
        visitable,
        risk,
        body.date,
        units,
        shift=(minutes(body.shift.start), minutes(body.shift.end)),
        pinned=frozenset(body.pinned_places),
        excluded=frozenset(body.excluded_places),
        params=params,
        travel=travel_for_mode(p.travel_mode),
        candidate_places=frozenset(body.candidate_places) if body.candidate_places is not None else None,
    )
    try:
        plan = plan_day(problem, seed=p.seed)
    except PlanningError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    tables = plan_tables(plan, plan_id_for(body.date, plan.seed, prefix="od"))
    return schedule_from_tables(
        tables["visits"], tables["units"], tables["metrics"], source="on_demand", snapshot_id=reader.snapshot_id
    )


@router.get("/guard-schedules", response_model=GuardSchedule, summary="The published recommended plan of a day")
def published_schedule(
    date: Annotated[dt.date, Query(description="local date, e.g. 2026-03-13")], reader: Reader
) -> GuardSchedule:
    published_places(reader)
    metrics = frame(reader, "select * from fct_guard_plan_metrics where plan_date = ?", [date])
    if metrics.empty:
        dates = frame(reader, "select distinct plan_date from fct_guard_plan_metrics order by 1")["plan_date"]
        listed = ", ".join(str(pd.Timestamp(d).date()) for d in dates) or "none"
        raise HTTPException(status_code=404, detail=f"no published plan for {date}; published dates: {listed}")
    visits = frame(reader, "select * from fct_guard_plan_visits where plan_date = ?", [date])
    units = frame(reader, "select * from fct_guard_plan_units where plan_date = ?", [date])
    return schedule_from_tables(visits, units, metrics, source="published", snapshot_id=reader.snapshot_id)


@router.get("/guard-schedules/dates", response_model=PublishedDates, summary="Days with a published plan")
def published_dates(reader: Reader) -> PublishedDates:
    places = published_places(reader)
    dates = frame(reader, "select distinct plan_date from fct_guard_plan_metrics order by 1")["plan_date"]
    first = places.iloc[0]
    return PublishedDates(
        dates=[pd.Timestamp(d).date() for d in dates],
        target_week_start=pd.Timestamp(first["target_week_start"]).date(),
        forecast_model_version=first["forecast_model_version"],
        data_cutoff=str(first["data_cutoff"]),
    )


@router.get(
    "/guard-schedules/places",
    response_model=list[PlaceOut],
    summary="The places plans can use (forecast rank order) and the depot",
)
def places_list(reader: Reader) -> list[PlaceOut]:
    places = published_places(reader).sort_values(["rank", "place_id"], na_position="last")
    return [
        PlaceOut(
            place_id=r["place_id"],
            name=r["place_name"],
            kind=r["place_kind"],
            area_id=None if pd.isna(r["area_id"]) else r["area_id"],
            lat=r["lat"],
            lon=r["lon"],
            forecast_week_harm=None if pd.isna(r["forecast_week_harm"]) else round(r["forecast_week_harm"], 4),
            rank=None if pd.isna(r["rank"]) else int(r["rank"]),
        )
        for r in places.to_dict(orient="records")
    ]


@router.get("/guard-schedules/map", summary="Area outlines (GeoJSON) to draw plans on")
def area_map(reader: Reader) -> dict:
    published_places(reader)
    areas = frame(reader, "select area_id, area_name, geometry_geojson from dim_guard_map_areas order by area_id")
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"area_id": a["area_id"], "area_name": a["area_name"]},
                "geometry": json.loads(a["geometry_geojson"]),
            }
            for a in areas.to_dict(orient="records")
        ],
    }


@router.post(
    "/guard-visits",
    response_model=VisitRecorded,
    status_code=201,
    responses={
        200: {"description": "the same visit was already recorded (nothing changed)"},
        409: {"description": "the visit id was already recorded with different content"},
    },
    summary="Record a visit as it was actually done (idempotent on visit_id)",
)
def record_visit(
    body: GuardVisitIn, request: Request, response: Response, principal: Scheduler, reader: Reader
) -> VisitRecorded:
    places = published_places(reader)
    ensure_known(places[places["place_kind"] != "depot"], "place", [body.place_id])
    visit = body.model_dump(mode="json")
    visit["visit_date"] = visit.pop("date")
    folder = PlatformSettings(data_dir=request.app.state.settings.data_dir).landing("guard_visits")
    earlier = read_latest(folder, body.visit_id)
    if earlier is not None:
        if content_hash({k: earlier.get(k) for k in visit}) != content_hash(visit):
            raise HTTPException(
                status_code=409,
                detail=(
                    f"visit {body.visit_id} was already recorded with different content; a recorded visit is not "
                    f"changed: send it with a new visit_id"
                ),
            )
        response.status_code = 200
        return VisitRecorded(
            visit_id=body.visit_id,
            status="unchanged",
            revision=int(earlier["revision"]),
            landing_file=record_versions(folder, body.visit_id)[-1].name,
        )
    written = write_record(folder, body.visit_id, {**visit, "recorded_by": principal.name})
    return VisitRecorded(
        visit_id=body.visit_id, status="recorded", revision=written.revision, landing_file=written.path.name
    )
