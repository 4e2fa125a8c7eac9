"""Area layers (DeSO, RegSO, districts, EST areas, municipalities) from GeoJSON or GeoPackage → ``raw.areas``.

Accepts EPSG:4326 or EPSG:3006 (declared in the file, or recognised from the coordinates' magnitude). Geometry is
stored as WGS84 WKT; area in km² is computed in SWEREF 99 TM. Contract: ``docs/contracts/areas.md``.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from ingest import geo
from ingest.ledger import LoadContext, Rejection
from ingest.parsing import clean_text, parse_bool
from ingest.sources.base import LINEAGE_DDL, UnreadableFileError, decode_text

ALIASES = {
    "area_id": ("area_id", "deso", "desokod", "regsokod", "regso_kod", "omrade_id", "områdeskod", "kod", "code", "id"),
    "area_name": ("area_name", "name", "namn", "områdesnamn", "regsonamn", "regso", "kom_namn", "stadsdel"),
    "area_type": ("area_type", "typ", "type", "layer_type"),
    "municipality_code": ("municipality_code", "kommun", "kommunkod", "kom_kod", "kommun_kod", "kn_kod"),
}

REASONS = {
    "missing_id": "the feature has no area id",
    "duplicate_id_in_file": "the same area id appears more than once in this file; the first is kept",
    "missing_geometry": "the feature has no geometry",
    "invalid_geometry": "the geometry cannot be read",
    "not_a_polygon": "the geometry is not a polygon or multipolygon",
    "outside_sweden": "the geometry is not in Sweden (wrong coordinate system?)",
}

RAW_DDL = f"""
create table if not exists raw.areas (
    area_id           varchar not null,
    area_name         varchar not null,
    area_type         varchar not null,      -- deso | regso | district | est_area | municipality | ...
    layer_name        varchar not null,
    municipality_code varchar,
    geometry_wkt      varchar not null,      -- WGS84 (EPSG:4326)
    area_km2          double not null,       -- computed in SWEREF 99 TM
    centroid_lat      double not null,
    centroid_lon      double not null,
    source_crs        varchar not null,      -- EPSG:4326 | EPSG:3006 as read
    geometry_repaired boolean not null,      -- an invalid ring was repaired with make_valid
    approximate       boolean,{LINEAGE_DDL}
);
"""

_DESO = re.compile(r"^\d{4}[ABC]\d{4}$")
_REGSO = re.compile(r"^\d{4}R\d{3}$")
_MUNICIPALITY = re.compile(r"^\d{4}$")


def _gpkg_geometry(blob: bytes) -> BaseGeometry | None:
    """Decode a GeoPackage geometry blob (header + WKB)."""
    if blob is None or len(blob) < 8 or blob[:2] != b"GP":
        return None
    flags = blob[3]
    envelope_size = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}.get((flags >> 1) & 0x07)
    if envelope_size is None:
        return None
    return shapely.from_wkb(blob[8 + envelope_size :])


def _crs_from_geojson(payload: dict) -> str | None:
    name = ((payload.get("crs") or {}).get("properties") or {}).get("name", "")
    if "3006" in name:
        return "EPSG:3006"
    if "4326" in name or "CRS84" in name:
        return "EPSG:4326"
    return None


def _guess_crs(geom: BaseGeometry) -> str:
    minx, miny, maxx, maxy = geom.bounds
    return "EPSG:3006" if max(abs(minx), abs(maxy)) > 1_000 else "EPSG:4326"


@dataclass
class AreasSource:
    name: str = "areas"
    raw_table: str = "raw.areas"
    ddl: str = RAW_DDL
    id_column: str | None = "area_id"
    file_patterns: tuple[str, ...] = field(default=("*.geojson", "*.json", "*.gpkg"))

    def read(self, path: Path) -> pd.DataFrame:
        suffix = path.suffix.casefold()
        if suffix == ".gpkg":
            return self._read_gpkg(path)
        if suffix in {".geojson", ".json"}:
            return self._read_geojson(path)
        raise UnreadableFileError(f"unsupported file type {path.suffix!r} (expected .geojson or .gpkg)")

    def _read_geojson(self, path: Path) -> pd.DataFrame:
        try:
            payload = json.loads(decode_text(path.read_bytes(), path))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise UnreadableFileError(f"not valid GeoJSON ({exc})") from exc
        if not isinstance(payload, dict) or payload.get("type") != "FeatureCollection":
            raise UnreadableFileError("expected a GeoJSON FeatureCollection")
        declared = _crs_from_geojson(payload)
        layer = payload.get("name") or path.stem
        records = []
        for index, feature in enumerate(payload.get("features") or [], start=1):
            props = (feature or {}).get("properties") or {}
            records.append(
                {
                    **{k: (None if v is None else str(v)) for k, v in props.items()},
                    "__geometry__": json.dumps((feature or {}).get("geometry")),
                    "__crs__": declared,
                    "__layer__": layer,
                    "source_row": index,
                }
            )
        return pd.DataFrame.from_records(records) if records else pd.DataFrame(columns=["source_row"])

    def _read_gpkg(self, path: Path) -> pd.DataFrame:
        try:
            con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            layers = con.execute(
                "select c.table_name, g.column_name, g.srs_id from gpkg_contents c "
                "join gpkg_geometry_columns g on g.table_name = c.table_name where c.data_type = 'features'"
            ).fetchall()
        except sqlite3.DatabaseError as exc:
            raise UnreadableFileError(f"not a readable GeoPackage ({exc})") from exc
        if not layers:
            raise UnreadableFileError("the GeoPackage has no feature layer")
        table, geom_column, srs_id = layers[0]
        cursor = con.execute(f'select * from "{table}"')  # noqa: S608 (name read from gpkg_contents)
        names = [d[0] for d in cursor.description]
        records = []
        for index, row in enumerate(cursor.fetchall(), start=1):
            values = dict(zip(names, row, strict=True))
            blob = values.pop(geom_column)
            geom = _gpkg_geometry(blob)
            records.append(
                {
                    **{k: (None if v is None else str(v)) for k, v in values.items()},
                    "__geometry__": json.dumps(shapely.geometry.mapping(geom)) if geom is not None else None,
                    "__crs__": f"EPSG:{srs_id}" if srs_id in (3006, 4326) else None,
                    "__layer__": table,
                    "source_row": index,
                }
            )
        con.close()
        return pd.DataFrame.from_records(records) if records else pd.DataFrame(columns=["source_row"])

    def validate(self, raw: pd.DataFrame, ctx: LoadContext) -> tuple[pd.DataFrame, list[Rejection]]:
        raw = raw.reset_index(drop=True)
        lookup = {alias.casefold(): canonical for canonical, names in ALIASES.items() for alias in names}
        accepted, rejections, seen = [], [], set()
        for _, row in raw.iterrows():
            props = {k: v for k, v in row.items() if not str(k).startswith("__") and k != "source_row"}
            canonical: dict[str, str | None] = {}
            for key, value in props.items():
                target = lookup.get(str(key).casefold())
                if target and canonical.get(target) is None:
                    canonical[target] = clean_text(value)
            area_id = canonical.get("area_id")
            reasons: list[str] = []
            if area_id is None:
                reasons.append("missing_id")
            elif area_id in seen:
                reasons.append("duplicate_id_in_file")
            geom, repaired, crs = None, False, None
            geometry_json = row.get("__geometry__")
            if geometry_json in (None, "null") or (isinstance(geometry_json, float)):
                reasons.append("missing_geometry")
            else:
                try:
                    geom = shape(json.loads(geometry_json))
                except (ValueError, TypeError, AttributeError, KeyError, shapely.errors.GEOSException):
                    reasons.append("invalid_geometry")
            if geom is not None:
                if geom.is_empty:
                    reasons.append("missing_geometry")
                elif geom.geom_type not in ("Polygon", "MultiPolygon"):
                    reasons.append("not_a_polygon")
                else:
                    if not geom.is_valid:
                        geom, repaired = shapely.make_valid(geom), True
                        polygons = [
                            g for g in getattr(geom, "geoms", [geom]) if g.geom_type in ("Polygon", "MultiPolygon")
                        ]
                        geom = shapely.union_all(polygons)
                    crs = row.get("__crs__") if isinstance(row.get("__crs__"), str) else _guess_crs(geom)
                    wgs = geom if crs == "EPSG:4326" else geo.project_geometry(geom, crs, "EPSG:4326")
                    centroid = wgs.centroid
                    if not geo.in_sweden_wgs84(centroid.y, centroid.x):
                        reasons.append("outside_sweden")
            if reasons:
                rejections.append(
                    Rejection(
                        int(row["source_row"]),
                        reasons[0],
                        REASONS[reasons[0]],
                        {**props, "geometry": (geometry_json or "")[:2000]},
                        area_id,
                        tuple(reasons),
                    )
                )
                continue
            seen.add(area_id)
            sweref = geom if crs == "EPSG:3006" else geo.project_geometry(geom, crs, "EPSG:3006")
            area_type = canonical.get("area_type") or (
                "deso"
                if _DESO.match(area_id)
                else "regso"
                if _REGSO.match(area_id)
                else "municipality"
                if _MUNICIPALITY.match(area_id)
                else "district"
            )
            municipality = canonical.get("municipality_code") or (
                area_id[:4] if area_type in ("deso", "regso", "municipality") else None
            )
            accepted.append(
                {
                    "area_id": area_id,
                    "area_name": canonical.get("area_name") or area_id,
                    "area_type": area_type,
                    "layer_name": str(row.get("__layer__") or "areas"),
                    "municipality_code": municipality,
                    "geometry_wkt": shapely.to_wkt(wgs, rounding_precision=6),
                    "area_km2": round(sweref.area / 1e6, 4),
                    "centroid_lat": round(centroid.y, 6),
                    "centroid_lon": round(centroid.x, 6),
                    "source_crs": crs,
                    "geometry_repaired": repaired,
                    "approximate": parse_bool(props.get("approximate")),
                    "source_row": int(row["source_row"]),
                }
            )
        return pd.DataFrame(
            accepted,
            columns=[
                "area_id",
                "area_name",
                "area_type",
                "layer_name",
                "municipality_code",
                "geometry_wkt",
                "area_km2",
                "centroid_lat",
                "centroid_lon",
                "source_crs",
                "geometry_repaired",
                "approximate",
                "source_row",
            ],
        ), rejections
