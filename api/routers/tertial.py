"""The tertial area mart: the priority ranking with its uncertainty (rank intervals, P(top 5)), reason codes, funnel
values, rate ratios with confidence intervals and persistence. Public role: public_fct_area_tertial."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import Response

from api.routers.common import (
    CSV_RESPONSES,
    DEFAULT_PAGE_SIZE,
    MART_ROLES,
    AreaFilter,
    Limit,
    Mart,
    Offset,
    Page,
    mart_access,
    parse_tertial,
)
from api.routers.models import AreaTertial, PublicAreaTertial

router = APIRouter(prefix="/api/v1", tags=["tertial area mart"], responses=CSV_RESPONSES)
Tertial = Annotated[Mart, Depends(mart_access(*MART_ROLES))]
ORDER = "tertial_id, rank nulls last, area_id"


@router.get("/tertials", response_model=list[str], summary="Tertials in the tertial area mart, newest first")
def tertials(mart: Tertial) -> Response:
    rows = mart.rows(f"select distinct tertial_id from {mart.table('fct_area_tertial')} order by 1 desc")
    return Response(
        content=json.dumps([r["tertial_id"] for r in rows]), media_type="application/json", headers=mart.headers()
    )


@router.get(
    "/area-tertials",
    response_model=Page[AreaTertial] | Page[PublicAreaTertial],
    summary=f"The priority ranking of one or more tertials, paged (order: {ORDER})",
)
def area_tertials(
    mart: Tertial,
    tertial: Annotated[
        list[str] | None,
        Query(description="tertial ids such as 2026-T1 (repeat for several; default the latest)", max_length=12),
    ] = None,
    area: AreaFilter = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
    offset: Offset = 0,
) -> Response:
    table = mart.table("fct_area_tertial")
    wanted = [parse_tertial(t) for t in tertial or []]
    if not wanted:
        latest = mart.rows(f"select max(tertial_id) as t from {table}")[0]["t"]
        if latest is None:
            raise HTTPException(status_code=404, detail="the tertial area mart is empty")
        wanted = [latest]
    sql = f"from {table} where tertial_id in ({', '.join('?' * len(wanted))})"
    params: list = list(wanted)
    if area:
        areas = mart.known_areas(area)
        sql += f" and area_id in ({', '.join('?' * len(areas))})"
        params += areas
    return mart.page(
        PublicAreaTertial if mart.public else AreaTertial, sql, params, ORDER, limit, offset, name="area_tertials"
    )
