"""Areas (optionally as GeoJSON with their polygons) and the Brå context of a municipality. Both are public
reference data: every role may read them."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field
from shapely import wkt
from shapely.geometry import mapping

from api.routers.common import ALL_ROLES, AREA_PATTERN, CSV_RESPONSES, Mart, mart_access

router = APIRouter(prefix="/api/v1", tags=["areas and context"], responses=CSV_RESPONSES)
Reference = Annotated[Mart, Depends(mart_access(*ALL_ROLES))]

AREAS_SQL = """
    select a.area_id, a.area_name, a.area_type, a.municipality_code, a.area_km2, a.centroid_lat, a.centroid_lon,
           a.approximate, p.population
    from areas a
    left join (select area_id, arg_max(population, week_start) as population from fct_area_week group by area_id) p
        using (area_id)
"""


class Area(BaseModel):
    area_id: str
    area_name: str | None = None
    area_type: str | None = Field(None, description="deso, regso, district, est_area or municipality")
    municipality_code: str | None = None
    area_km2: float | None = None
    centroid_lat: float | None = None
    centroid_lon: float | None = None
    approximate: bool | None = Field(None, description="true when the polygon is an approximation (demo layer)")
    population: int | None = Field(None, description="residents, latest figure in the weekly mart")


class Feature(BaseModel):
    type: Literal["Feature"] = "Feature"
    id: str
    properties: Area
    geometry: dict[str, Any]


class FeatureCollection(BaseModel):
    type: Literal["FeatureCollection"] = "FeatureCollection"
    snapshot_id: str
    features: list[Feature]


class BraIndicator(BaseModel):
    geography_code: str
    geography_level: str = Field(description="municipality | county | national")
    geography_name: str | None = None
    municipality_code: str | None = None
    county_code: str | None = None
    year: int
    indicator: str
    unit_code: str = Field(description="count | per_100k | percent | ci_lower | ci_upper")
    unit: str | None = None
    value: float | None = None
    source_name: str | None = None


@lru_cache(maxsize=4)
def _geometries(snapshot_id: str, rows: tuple[tuple[str, str], ...]) -> dict[str, dict]:
    """WKT → GeoJSON geometry, once per snapshot (the polygons do not change between requests)."""
    return {area_id: mapping(wkt.loads(text)) for area_id, text in rows}


@router.get(
    "/areas",
    response_model=list[Area] | FeatureCollection,
    responses={
        200: {
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/geo+json": {"schema": {"$ref": "#/components/schemas/FeatureCollection"}},
            }
        }
    },
    summary="The areas (order: area_id); geometry=true gives a GeoJSON FeatureCollection (WGS84)",
)
def areas(
    mart: Reference, geometry: Annotated[bool, Query(description="GeoJSON FeatureCollection with the polygons")] = False
) -> Response:
    mart.require_table("areas")
    rows = mart.rows(AREAS_SQL + " order by area_id")
    if not geometry:
        return mart.respond(Area, rows, name="areas")
    shapes = _geometries(
        mart.reader.snapshot_id,
        tuple((r["area_id"], r["geometry_wkt"]) for r in mart.rows("select area_id, geometry_wkt from areas")),
    )
    collection = FeatureCollection(
        snapshot_id=mart.reader.snapshot_id,
        features=[Feature(id=r["area_id"], properties=Area(**r), geometry=shapes[r["area_id"]]) for r in rows],
    )
    response = Response(content=collection.model_dump_json(), media_type="application/geo+json", headers=mart.headers())
    if mart.cache is not None and mart.cache_key is not None:
        mart.cache.put(mart.cache_key, response)
    return response


@router.get("/areas/{area_id}", response_model=Area, summary="One area")
def area(mart: Reference, area_id: Annotated[str, Path(pattern=AREA_PATTERN)]) -> Response:
    mart.require_table("areas")
    rows = mart.rows(AREAS_SQL + " where a.area_id = ?", [area_id])
    if not rows:
        raise HTTPException(status_code=404, detail=f"unknown area {area_id!r}; GET /api/v1/areas lists the areas")
    if mart.fmt == "csv":
        return mart.respond(Area, rows, name=f"area_{area_id}")
    return Response(content=Area(**rows[0]).model_dump_json(), media_type="application/json", headers=mart.headers())


@router.get(
    "/context/bra",
    response_model=list[BraIndicator],
    summary="Brå indicators of a municipality, with its county and the whole country for comparison "
    "(order: year, indicator, unit, geography level). Källa: Brå",
)
def bra_context(
    mart: Reference,
    municipality: Annotated[str, Query(pattern=r"^\d{4}$", description="kommunkod, e.g. 0380 (Uppsala)")],
    year: Annotated[int | None, Query(ge=1950, le=2100, description="one statistics year (default all)")] = None,
) -> Response:
    mart.require_table("bra_indicators")
    county = mart.rows(
        "select any_value(county_code) as c from bra_indicators where geography_code = ?", [municipality]
    )[0]["c"]
    if county is None:
        raise HTTPException(status_code=404, detail=f"no Brå indicators for municipality {municipality}")
    sql = (
        "select * from bra_indicators where (geography_code = ? or (geography_level = 'county' and "
        "geography_code = ?) or geography_level = 'national')"
    )
    params: list = [municipality, county]
    if year is not None:
        sql += " and year = ?"
        params.append(year)
    order = (
        "year, indicator, unit_code, case geography_level when 'municipality' then 0 when 'county' then 1 else 2 end"
    )
    return mart.respond(BraIndicator, mart.rows(f"{sql} order by {order}", params), name=f"bra_{municipality}")
