"""Interventions (role ``analyst``): record what the EST group decided, list them, and read their follow-up.

``POST /api/v1/interventions`` and ``PATCH /api/v1/interventions/{id}`` write one landing file per version
(``landing/interventions/``, ``api.landing_writer``) that the next ingest run loads with the usual validation; the
API never writes the warehouse. Input is checked here first, against the published snapshot (areas) and the
recorded versions, so that a bad request gets a clear 4xx instead of a quarantined row later. Lists and follow-up
are read from the published marts ``fct_interventions`` and ``fct_intervention_followup``.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any, Literal

import duckdb
import h3
import pandas as pd
from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.auth import Principal, require_roles
from api.deps import SnapshotReader, snapshot_reader
from api.landing_writer import read_latest, record_versions, write_record
from ingest.demo.uppsala import PLACES
from ingest.settings import PlatformSettings
from ingest.sources.interventions import (
    REASON_CODES,
    STATUS_BY_NAME,
    TYPE_BY_NAME,
    overlapping,
    target_key,
    week_monday,
)

router = APIRouter(prefix="/api/v1", tags=["interventions"], dependencies=[Depends(require_roles("analyst"))])
Reader = Annotated[SnapshotReader, Depends(snapshot_reader)]
Analyst = Annotated[Principal, Depends(require_roles("analyst"))]

ID_PATTERN = r"^[A-Za-z0-9_.:-]{1,100}$"
REF_PATTERN = r"^[A-Za-z0-9_.:/-]{1,200}$"
WEEK_PATTERN = r"^\d{4}-W\d{2}$"
# The stored fields of an intervention (what the landing file holds besides the writer's bookkeeping).
STORED = (
    "intervention_id",
    "intervention_type",
    "organisation",
    "area_id",
    "h3_cells",
    "place_ids",
    "start_date",
    "end_date",
    "decided_week",
    "reason_code",
    "reason_ref",
    "status",
)


class InterventionChange(BaseModel):
    """The fields a PATCH may change (all optional); POST needs the required ones too."""

    model_config = ConfigDict(extra="forbid")

    intervention_type: str | None = Field(
        None,
        description="taxonomy code (guard_presence, police_presence, "
        "cleaning_graffiti, lighting_repair, social_outreach, other) or its "
        "Swedish label",
    )
    organisation: str | None = Field(None, min_length=1, max_length=200, description="responsible organisation")
    area_id: str | None = Field(None, pattern=ID_PATTERN, description="target area (a published area id)")
    h3_cells: list[str] | None = Field(None, max_length=200, description="target H3 cells (resolution 9)")
    place_ids: list[str] | None = Field(None, max_length=50, description="target named places or h3_<cell>")
    start_date: dt.date | None = None
    end_date: dt.date | None = Field(None, description="inclusive; null = open-ended")
    decided_week: str | None = Field(None, pattern=WEEK_PATTERN, description="e.g. 2026-W09")
    reason_code: Literal[REASON_CODES] | None = None  # type: ignore[valid-type]
    reason_ref: str | None = Field(None, pattern=REF_PATTERN, description="the alert or ranking it answers")
    status: str | None = Field(None, description="planned, active, completed, cancelled (or Swedish labels)")

    @field_validator("intervention_type")
    @classmethod
    def known_type(cls, value: str | None) -> str | None:
        if value is not None and value.strip().casefold() not in TYPE_BY_NAME:
            raise ValueError(
                f"unknown intervention type {value!r}; known: {', '.join(sorted(set(TYPE_BY_NAME.values())))}"
            )
        return None if value is None else TYPE_BY_NAME[value.strip().casefold()]

    @field_validator("status")
    @classmethod
    def known_status(cls, value: str | None) -> str | None:
        if value is not None and value.strip().casefold() not in STATUS_BY_NAME:
            raise ValueError(f"unknown status {value!r}; known: planned, active, completed, cancelled")
        return None if value is None else STATUS_BY_NAME[value.strip().casefold()]

    @field_validator("decided_week")
    @classmethod
    def real_week(cls, value: str | None) -> str | None:
        if value is not None and week_monday(value) is None:
            raise ValueError(f"{value} is not an ISO week")
        return value


class InterventionIn(InterventionChange):
    intervention_id: str = Field(pattern=ID_PATTERN, description="the client's id; the same id is the same action")
    intervention_type: str
    organisation: str = Field(min_length=1, max_length=200)
    start_date: dt.date
    reason_code: Literal[REASON_CODES] = "other"  # type: ignore[valid-type]
    status: str = "planned"


class InterventionRecorded(BaseModel):
    intervention_id: str
    status: Literal["recorded", "unchanged"]
    revision: int
    landing_file: str
    intervention: dict[str, Any]


class InterventionOut(BaseModel):
    intervention_id: str
    origin: str
    intervention_type: str
    type_label_sv: str
    organisation: str | None
    area_id: str | None
    h3_cells: list[str]
    place_ids: list[str]
    start_date: dt.date
    end_date: dt.date | None
    decided_week_start: dt.date | None
    reason_code: str
    reason_ref: str | None
    status: str
    revision: int | None


# ---------------------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------------------


def landing_folder(request: Request) -> Path:
    return PlatformSettings(data_dir=request.app.state.settings.data_dir).landing("interventions")


def published(reader: SnapshotReader, table: str) -> pd.DataFrame:
    try:
        return reader.con.execute(f"select * from {table}").df()  # noqa: S608 (table names are constants)
    except duckdb.CatalogException as exc:
        raise HTTPException(status_code=503, detail=f"{table} is not published yet; run the weekly refresh") from exc


def published_area_ids(reader: SnapshotReader) -> set[str]:
    try:
        rows = reader.con.execute("select distinct area_id from fct_area_week").fetchall()
    except duckdb.CatalogException as exc:
        raise HTTPException(status_code=503, detail="no areas are published yet; run the weekly refresh") from exc
    return {r[0] for r in rows}


def stored_form(values: dict) -> dict:
    """The payload as stored: sorted distinct lists, ISO dates, exactly the STORED fields."""
    out = {name: values.get(name) for name in STORED}
    out["h3_cells"] = sorted(set(out["h3_cells"] or []))
    out["place_ids"] = sorted(set(out["place_ids"] or []))
    for name in ("start_date", "end_date"):
        if isinstance(out[name], dt.date):
            out[name] = out[name].isoformat()
    return out


def split(value) -> list[str]:
    return [] if value is None or (isinstance(value, float) and pd.isna(value)) or value == "" else value.split(";")


def from_published(row: dict) -> dict:
    week = row.get("decided_week_start")
    return stored_form(
        {
            **row,
            "h3_cells": split(row.get("h3_cells")),
            "place_ids": split(row.get("place_ids")),
            "start_date": pd.Timestamp(row["start_date"]).date(),
            "end_date": None if pd.isna(row.get("end_date")) else pd.Timestamp(row["end_date"]).date(),
            "decided_week": None
            if week is None or pd.isna(week)
            else "{}-W{:02d}".format(*pd.Timestamp(week).isocalendar()[:2]),
        }
    )


def recorded_interventions(folder: Path, reader: SnapshotReader) -> dict[str, dict]:
    """The latest version of every intervention: published (loaded) ones, overridden by newer API versions."""
    table = published(reader, "fct_interventions")
    latest = {
        row["intervention_id"]: from_published(row)
        for row in table[table["origin"] == "recorded"].to_dict(orient="records")
    }
    if folder.exists():
        for record_id in {p.name.removeprefix("api_").split("__r")[0] for p in folder.glob("api_*__r*.json")}:
            latest[record_id] = stored_form(read_latest(folder, record_id))
    return latest


def check_intervention(item: dict, reader: SnapshotReader, others: dict[str, dict]) -> None:
    """The rules the ingest validator applies, answered now with a clear 4xx."""
    if item["end_date"] and item["end_date"] < item["start_date"]:
        raise HTTPException(
            status_code=422, detail=(f"end_date ({item['end_date']}) is before start_date ({item['start_date']})")
        )
    if not (item["area_id"] or item["h3_cells"] or item["place_ids"]):
        raise HTTPException(status_code=422, detail="name a target: area_id, h3_cells or place_ids")
    if item["area_id"] and item["area_id"] not in published_area_ids(reader):
        raise HTTPException(
            status_code=422,
            detail=(f"unknown area {item['area_id']!r}; the published areas are listed at GET /api/v1/weekly-areas"),
        )
    bad_cells = [c for c in item["h3_cells"] if not h3.is_valid_cell(c)]
    if bad_cells:
        raise HTTPException(status_code=422, detail=f"not valid H3 cells: {', '.join(bad_cells)}")
    known_places = {p.place_id for p in PLACES}
    bad_places = [
        p
        for p in item["place_ids"]
        if p not in known_places and not (p.startswith("h3_") and h3.is_valid_cell(p.removeprefix("h3_")))
    ]
    if bad_places:
        raise HTTPException(status_code=422, detail=f"unknown places: {', '.join(bad_places)}")
    if item["status"] == "cancelled":
        return
    key = target_key(item["area_id"], ";".join(item["h3_cells"]), ";".join(item["place_ids"]))
    start, end = dt.date.fromisoformat(item["start_date"]), _date(item["end_date"])
    for other_id, other in others.items():
        if (
            other_id != item["intervention_id"]
            and other["status"] != "cancelled"
            and other["intervention_type"] == item["intervention_type"]
            and target_key(other["area_id"], ";".join(other["h3_cells"]), ";".join(other["place_ids"])) == key
            and overlapping(start, end, dt.date.fromisoformat(other["start_date"]), _date(other["end_date"]))
        ):
            raise HTTPException(
                status_code=409,
                detail=(
                    f"intervention {other_id} already has the same type and target with overlapping dates "
                    f"({other['start_date']} to {other['end_date'] or 'open'}); change that one instead"
                ),
            )


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def write_version(folder: Path, item: dict, principal: Principal) -> InterventionRecorded:
    written = write_record(folder, item["intervention_id"], {**item, "recorded_by": principal.name})
    return InterventionRecorded(
        intervention_id=item["intervention_id"],
        status="recorded",
        revision=written.revision,
        landing_file=written.path.name,
        intervention=item,
    )


def unchanged(folder: Path, item: dict, reader: SnapshotReader) -> InterventionRecorded:
    versions = record_versions(folder, item["intervention_id"])
    latest = json.loads(versions[-1].read_text(encoding="utf-8")) if versions else {}
    return InterventionRecorded(
        intervention_id=item["intervention_id"],
        status="unchanged",
        revision=int(latest.get("revision", 0)),
        landing_file=versions[-1].name if versions else "(published)",
        intervention=item,
    )


# ---------------------------------------------------------------------------------------------------------------
# Endpoints
# ---------------------------------------------------------------------------------------------------------------


@router.post(
    "/interventions",
    response_model=InterventionRecorded,
    status_code=201,
    responses={
        200: {"description": "the same intervention was already recorded (nothing changed)"},
        409: {
            "description": "the id was recorded with different content (use PATCH), or another "
            "intervention has the same type, target and overlapping dates"
        },
        422: {"description": "bad input: end before start, unknown area, type, cell or place"},
    },
    summary="Record an intervention (idempotent on intervention_id)",
)
def create_intervention(
    body: InterventionIn, request: Request, response: Response, principal: Analyst, reader: Reader
) -> InterventionRecorded:
    folder = landing_folder(request)
    item = stored_form(body.model_dump())
    others = recorded_interventions(folder, reader)
    earlier = others.get(body.intervention_id)
    if earlier is not None:
        if earlier != item:
            raise HTTPException(
                status_code=409,
                detail=(
                    f"intervention {body.intervention_id} was already recorded with different content; change it with "
                    f"PATCH /api/v1/interventions/{body.intervention_id}"
                ),
            )
        response.status_code = 200
        return unchanged(folder, item, reader)
    check_intervention(item, reader, others)
    return write_version(folder, item, principal)


@router.patch(
    "/interventions/{intervention_id}",
    response_model=InterventionRecorded,
    responses={404: {"description": "no such intervention"}},
    summary="Change an intervention (status, dates, target ...); every change is kept as a new version",
)
def change_intervention(
    intervention_id: str, body: InterventionChange, request: Request, principal: Analyst, reader: Reader
) -> InterventionRecorded:
    folder = landing_folder(request)
    others = recorded_interventions(folder, reader)
    current = others.get(intervention_id)
    if current is None:
        raise HTTPException(status_code=404, detail=f"no intervention {intervention_id}; create it with POST")
    changes = body.model_dump(exclude_unset=True)
    item = stored_form({**current, **changes})
    if item == current:
        return unchanged(folder, item, reader)
    check_intervention(item, reader, others)
    return write_version(folder, item, principal)


@router.get(
    "/interventions",
    response_model=list[InterventionOut],
    summary="Published interventions (latest version of each; recorded ones and guard presence from guard visits)",
)
def list_interventions(
    reader: Reader,
    area_id: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
    status: Annotated[str | None, Query()] = None,
    origin: Annotated[Literal["recorded", "guard_visits"] | None, Query()] = None,
) -> list[InterventionOut]:
    table = published(reader, "fct_interventions")
    if area_id:
        table = table[table["area_id"] == area_id]
    if status:
        table = table[table["status"] == STATUS_BY_NAME.get(status.casefold(), status)]
    if origin:
        table = table[table["origin"] == origin]
    return [
        InterventionOut(
            **{
                **{
                    k: (None if isinstance(v, float) and pd.isna(v) else v)
                    for k, v in row.items()
                    if k in InterventionOut.model_fields
                },
                "h3_cells": split(row["h3_cells"]),
                "place_ids": split(row["place_ids"]),
                "start_date": pd.Timestamp(row["start_date"]).date(),
                "end_date": None if pd.isna(row["end_date"]) else pd.Timestamp(row["end_date"]).date(),
                "decided_week_start": None
                if pd.isna(row["decided_week_start"])
                else pd.Timestamp(row["decided_week_start"]).date(),
                "revision": None if pd.isna(row["revision"]) else int(row["revision"]),
            }
        )
        for row in table.sort_values(["start_date", "intervention_id"]).to_dict(orient="records")
    ]


@router.get(
    "/interventions/follow-up",
    summary="Before/after follow-up of every intervention: counts and harm in "
    "the target, the displacement buffer and the comparison areas, the weighted displacement difference "
    "with its z-score and 95 % interval, and a plain-language verdict",
)
def follow_up(reader: Reader, intervention_id: Annotated[str | None, Query(pattern=ID_PATTERN)] = None) -> dict:
    table = published(reader, "fct_intervention_followup")
    if intervention_id:
        table = table[table["intervention_id"] == intervention_id]
        if table.empty:
            raise HTTPException(status_code=404, detail=f"no follow-up for {intervention_id}")
    table = table.sort_values(["start_date", "intervention_id"])
    for name in table.columns[table.dtypes.map(pd.api.types.is_datetime64_any_dtype)]:
        table[name] = table[name].dt.strftime("%Y-%m-%d")  # the table's dates are dates, not instants
    rows = json.loads(table.to_json(orient="records"))
    return {"snapshot_id": reader.snapshot_id, "interventions": rows}


@router.get("/interventions/trend", summary="Weekly incidents of one area (the dashboard's timeline)")
def area_trend(reader: Reader, area_id: Annotated[str, Query(pattern=ID_PATTERN)]) -> list[dict]:
    try:
        rows = reader.rows(
            "select week_start, n_est_reports, n_police_crimes from fct_area_week where area_id = ? "
            "order by week_start",
            [area_id],
        )
    except duckdb.CatalogException as exc:
        raise HTTPException(status_code=503, detail="fct_area_week is not published yet") from exc
    if not rows:
        raise HTTPException(status_code=404, detail=f"no weekly data for area {area_id!r}")
    return [
        {
            "week_start": r["week_start"].isoformat(),
            "n_est_reports": int(r["n_est_reports"]),
            "n_police_crimes": int(r["n_police_crimes"]),
        }
        for r in rows
    ]


@router.get("/interventions/map", summary="Intervention targets as GeoJSON (H3 cells), with the area outlines")
def intervention_map(reader: Reader) -> dict:
    table = published(reader, "fct_interventions")
    features = []
    for row in table.to_dict(orient="records"):
        for cell in split(row["target_cells"]):
            ring = [[lon, lat] for lat, lon in h3.cell_to_boundary(cell)]
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Polygon", "coordinates": [ring + ring[:1]]},
                    "properties": {
                        "kind": "target",
                        "intervention_id": row["intervention_id"],
                        "intervention_type": row["intervention_type"],
                        "h3_cell": cell,
                    },
                }
            )
    try:  # area outlines are published by the guard assets; the map works without them
        areas = reader.rows("select area_id, area_name, geometry_geojson from dim_guard_map_areas order by area_id")
    except duckdb.CatalogException:
        areas = []
    features += [
        {
            "type": "Feature",
            "geometry": json.loads(a["geometry_geojson"]),
            "properties": {"kind": "area", "area_id": a["area_id"], "area_name": a["area_name"]},
        }
        for a in areas
    ]
    return {"type": "FeatureCollection", "features": features}
