"""The weekly area mart: one week across areas, one area across weeks, and the mart paged over a week range.

The public role reads public_fct_area_week (small counts suppressed); the others read fct_area_week.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel

from api.routers.common import (
    ALL_ROLES,
    AREA_PATTERN,
    CATEGORY_PATTERN,
    CSV_RESPONSES,
    DEFAULT_PAGE_SIZE,
    AreaFilter,
    FromWeek,
    Limit,
    Mart,
    Offset,
    Page,
    ToWeek,
    iso_week_label,
    mart_access,
    parse_iso_week,
    week_range,
)
from api.routers.models import AreaWeek, PublicAreaWeek

router = APIRouter(prefix="/api/v1", tags=["weekly area mart"], responses=CSV_RESPONSES)
Weekly = Annotated[Mart, Depends(mart_access(*ALL_ROLES))]
Category = Annotated[
    str | None,
    Query(
        description="only area-weeks with at least one EST report of this category "
        "code (e.g. skadegorelse); not for the public role",
        pattern=CATEGORY_PATTERN,
    ),
]
ORDER = "week_start, area_id"


class WeeklyAreas(BaseModel):
    week: str
    week_start: date
    snapshot_id: str
    public: bool
    areas: list[AreaWeek] | list[PublicAreaWeek]


def latest_week(mart: Mart) -> date | None:
    return mart.rows(f"select max(week_start) as w from {mart.table('fct_area_week')}")[0]["w"]


def filters(mart: Mart, first: date, last: date, areas: list[str] | None, category: str | None) -> tuple[str, list]:
    """The FROM/WHERE clause of the weekly mart for a week range, areas and an EST category."""
    sql = f"from {mart.table('fct_area_week')} where week_start between ? and ?"
    params: list = [first, last]
    if areas:
        wanted = mart.known_areas(areas)
        sql += f" and area_id in ({', '.join('?' * len(wanted))})"
        params += wanted
    if category:
        if mart.public:
            raise HTTPException(
                status_code=403,
                detail="the category breakdown is not published for the public "
                "role (counts below the suppression threshold)",
            )
        sql += " and coalesce(cast(json_extract(n_est_by_category, ?) as integer), 0) > 0"
        params.append(f'$."{category}"')
    return sql, params


def model_for(mart: Mart) -> type[BaseModel]:
    return PublicAreaWeek if mart.public else AreaWeek


@router.get("/weeks", response_model=list[str], summary="ISO weeks in the weekly area mart, newest first")
def weeks(mart: Weekly) -> Response:
    rows = mart.rows(f"select distinct week_start from {mart.table('fct_area_week')} order by 1 desc")
    return Response(
        content=json.dumps([iso_week_label(r["week_start"]) for r in rows]),
        media_type="application/json",
        headers=mart.headers(),
    )


@router.get(
    "/weekly-areas",
    response_model=WeeklyAreas,
    summary="One week across all areas (ordered by EST reports, most first, then area id)",
)
def weekly_areas(
    mart: Weekly,
    week: Annotated[
        str | None, Query(description="ISO week such as 2026-W47; default the latest week", max_length=10)
    ] = None,
    area: AreaFilter = None,
    category: Category = None,
) -> Response:
    week_start = parse_iso_week(week) if week else latest_week(mart)
    if week_start is None:
        raise HTTPException(status_code=404, detail="the weekly area mart is empty")
    sql, params = filters(mart, week_start, week_start, area, category)
    rows = mart.rows(f"select * {sql} order by n_est_reports desc nulls last, area_id", params)
    if not rows and not (area or category):
        raise HTTPException(status_code=404, detail=f"no data for week {iso_week_label(week_start)}")
    return mart.respond(
        model_for(mart),
        rows,
        name=f"weekly_areas_{iso_week_label(week_start)}",
        envelope=lambda items: WeeklyAreas(
            week=iso_week_label(week_start),
            week_start=week_start,
            snapshot_id=mart.reader.snapshot_id,
            public=mart.public,
            areas=items,
        ),
    )


@router.get(
    "/area-weeks",
    response_model=Page[AreaWeek] | Page[PublicAreaWeek],
    summary=f"The weekly area mart over a week range, paged (order: {ORDER})",
)
def area_weeks(
    mart: Weekly,
    from_week: FromWeek = None,
    to_week: ToWeek = None,
    area: AreaFilter = None,
    category: Category = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
    offset: Offset = 0,
) -> Response:
    first, last = week_range(from_week, to_week, latest_week(mart))
    sql, params = filters(mart, first, last, area, category)
    return mart.page(model_for(mart), sql, params, ORDER, limit, offset, name="area_weeks")


@router.get(
    "/areas/{area_id}/weeks",
    response_model=Page[AreaWeek] | Page[PublicAreaWeek],
    summary="One area across weeks, paged (order: week_start); default the latest 26 weeks",
)
def one_area_weeks(
    mart: Weekly,
    area_id: Annotated[str, Path(pattern=AREA_PATTERN)],
    from_week: FromWeek = None,
    to_week: ToWeek = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
    offset: Offset = 0,
) -> Response:
    latest = latest_week(mart)
    if from_week is None and latest is not None:
        anchor = parse_iso_week(to_week) if to_week else latest
        from_week = iso_week_label(date.fromordinal(anchor.toordinal() - 25 * 7))
    first, last = week_range(from_week, to_week, latest)
    sql, params = filters(mart, first, last, [area_id], None)
    return mart.page(model_for(mart), sql, params, ORDER, limit, offset, name=f"area_weeks_{area_id}")
