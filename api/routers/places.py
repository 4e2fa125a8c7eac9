"""The weekly place (H3 cell) mart: counts and the Getis-Ord Gi* hot-spot statistics. Public role:
public_fct_place_week (small counts suppressed, no area id)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from api.routers.common import (
    ALL_ROLES,
    CSV_RESPONSES,
    DEFAULT_PAGE_SIZE,
    AreaFilter,
    FromWeek,
    Limit,
    Mart,
    Offset,
    Page,
    ToWeek,
    mart_access,
    week_range,
)
from api.routers.models import PlaceWeek, PublicPlaceWeek

router = APIRouter(prefix="/api/v1", tags=["place mart (hot spots)"], responses=CSV_RESPONSES)
Places = Annotated[Mart, Depends(mart_access(*ALL_ROLES))]
ORDER = "week_start, n_incidents_8w desc nulls last, h3_cell"


@router.get(
    "/place-weeks",
    response_model=Page[PlaceWeek] | Page[PublicPlaceWeek],
    summary=f"H3 cells per week with hot-spot statistics, paged (order: {ORDER})",
)
def place_weeks(
    mart: Places,
    from_week: FromWeek = None,
    to_week: ToWeek = None,
    area: AreaFilter = None,
    hot_only: Annotated[bool, Query(description="only cells that are hot spots (Gi*, 8-week window)")] = False,
    limit: Limit = DEFAULT_PAGE_SIZE,
    offset: Offset = 0,
) -> Response:
    table = mart.table("fct_place_week")
    latest = mart.rows(f"select max(week_start) as w from {table}")[0]["w"]
    first, last = week_range(from_week, to_week, latest)
    sql = f"from {table} p where week_start between ? and ?"
    params: list = [first, last]
    if area:
        areas = mart.known_areas(area)
        # The public variant (H3 resolution 8) carries no area id: a cell is in an area when one of its resolution-9
        # children is, by the full mart (an attribute of the cell, not a count).
        cells = (
            "p.h3_cell in (select h3_parent_r8 from fct_place_week where area_id in ({}))"
            if mart.public
            else "p.area_id in ({})"
        )
        sql += " and " + cells.format(", ".join("?" * len(areas)))
        params += areas
    if hot_only:
        sql += " and p.has_hot_spot" if mart.public else " and p.is_hot_spot"
    return mart.page(
        PublicPlaceWeek if mart.public else PlaceWeek, sql, params, ORDER, limit, offset, name="place_weeks"
    )
