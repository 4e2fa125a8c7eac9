"""The weekly area mart."""

from __future__ import annotations

import re
from datetime import date

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel

from api.deps import SnapshotReader, snapshot_reader

router = APIRouter(prefix="/api/v1", tags=["weekly"])

_ISO_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


def parse_iso_week(value: str) -> date:
    """'2026-W47' → Monday of that ISO week; a clear 422 for anything else (e.g. week 60)."""
    match = _ISO_WEEK.match(value)
    if not match:
        raise HTTPException(status_code=422, detail=f"week must look like 2026-W47, got {value!r}")
    year, week = int(match[1]), int(match[2])
    try:
        return date.fromisocalendar(year, week, 1)
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=f"{value} is not a week of {year}") from exc


class AreaWeek(BaseModel):
    area_id: str
    area_name: str
    week_start: date
    iso_year: int
    iso_week: int
    n_est_reports: int
    population: int | None
    est_rate_per_1000: float | None


class WeeklyAreas(BaseModel):
    week: str
    week_start: date
    snapshot_id: str
    areas: list[AreaWeek]


@router.get("/weeks", response_model=list[str], summary="ISO weeks available in the weekly area mart")
def weeks(reader: SnapshotReader = Depends(snapshot_reader)) -> list[str]:
    rows = reader.rows("select distinct iso_year, iso_week from fct_area_week order by 1 desc, 2 desc")
    return [f"{r['iso_year']}-W{r['iso_week']:02d}" for r in rows]


@router.get("/weekly-areas", response_model=WeeklyAreas, summary="One week across all areas")
def weekly_areas(
    week: str | None = Query(None, description="ISO week such as 2026-W47; default the latest week"),
    reader: SnapshotReader = Depends(snapshot_reader),
) -> WeeklyAreas:
    if week is None:
        latest = reader.rows("select max(week_start) as week_start from fct_area_week")[0]["week_start"]
        if latest is None:
            raise HTTPException(status_code=404, detail="the weekly area mart is empty")
        week_start = latest
    else:
        week_start = parse_iso_week(week)
    rows = reader.rows(
        "select * from fct_area_week where week_start = ? order by n_est_reports desc, area_id", [week_start]
    )
    if not rows:
        raise HTTPException(status_code=404, detail=f"no data for week {week or week_start}")
    iso = week_start.isocalendar()
    return WeeklyAreas(
        week=f"{iso.year}-W{iso.week:02d}", week_start=week_start, snapshot_id=reader.snapshot_id,
        areas=[AreaWeek(**r) for r in rows],
    )
