"""Geometry at ingest, in Python (DuckDB's spatial extension cannot be installed offline).

Coordinates are stored in WGS84 (EPSG:4326); areas and distances are computed in SWEREF 99 TM (EPSG:3006).
Every located row gets the area it falls in and its H3 cell at resolution 9 (edge about 174 m).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import h3
import numpy as np
import pyproj
import shapely
from shapely import STRtree
from shapely.geometry.base import BaseGeometry

H3_RESOLUTION = 9

# Sweden's extent, generous by a few km. Used to tell swapped or mis-projected coordinates from real ones.
SWEDEN_LAT = (55.0, 69.2)
SWEDEN_LON = (10.5, 24.3)
SWEREF_X = (200_000.0, 1_000_000.0)  # easting
SWEREF_Y = (6_100_000.0, 7_700_000.0)  # northing


@lru_cache(maxsize=4)
def _transformer(source: str, target: str) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(source, target, always_xy=True)


def sweref_to_wgs84(x, y) -> tuple[np.ndarray, np.ndarray]:
    """SWEREF 99 TM easting/northing → (lat, lon)."""
    lon, lat = _transformer("EPSG:3006", "EPSG:4326").transform(np.asarray(x, float), np.asarray(y, float))
    return np.asarray(lat), np.asarray(lon)


def wgs84_to_sweref(lat, lon) -> tuple[np.ndarray, np.ndarray]:
    """(lat, lon) → SWEREF 99 TM easting/northing."""
    x, y = _transformer("EPSG:4326", "EPSG:3006").transform(np.asarray(lon, float), np.asarray(lat, float))
    return np.asarray(x), np.asarray(y)


def project_geometry(geom: BaseGeometry, source: str, target: str) -> BaseGeometry:
    transformer = _transformer(source, target)
    return shapely.transform(geom, lambda x, y: transformer.transform(x, y), interleaved=False)


def in_sweden_wgs84(lat, lon) -> np.ndarray:
    lat, lon = np.asarray(lat, float), np.asarray(lon, float)
    return (lat >= SWEDEN_LAT[0]) & (lat <= SWEDEN_LAT[1]) & (lon >= SWEDEN_LON[0]) & (lon <= SWEDEN_LON[1])


def looks_like_sweref(a, b) -> np.ndarray:
    """True where (a, b) is a plausible SWEREF 99 TM pair in either order (metres, not degrees)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    xy = (a >= SWEREF_X[0]) & (a <= SWEREF_X[1]) & (b >= SWEREF_Y[0]) & (b <= SWEREF_Y[1])
    yx = (b >= SWEREF_X[0]) & (b <= SWEREF_X[1]) & (a >= SWEREF_Y[0]) & (a <= SWEREF_Y[1])
    return xy | yx


def h3_cells(lat: Iterable[float], lon: Iterable[float], resolution: int = H3_RESOLUTION) -> list[str | None]:
    lat = np.asarray(lat, dtype=float).tolist()
    lon = np.asarray(lon, dtype=float).tolist()
    return [
        h3.latlng_to_cell(a, o, resolution) if math.isfinite(a) and math.isfinite(o) else None
        for a, o in zip(lat, lon, strict=True)
    ]


@dataclass
class AreaIndex:
    """Point-in-polygon lookup over one area layer (WGS84 polygons)."""

    area_ids: list[str]
    geometries: list[BaseGeometry]
    municipality_codes: list[str | None]

    def __post_init__(self) -> None:
        self._tree = STRtree(self.geometries)
        self._municipality = dict(zip(self.area_ids, self.municipality_codes, strict=True))

    @classmethod
    def from_wkt(cls, rows: Iterable[tuple[str, str, str | None]]) -> AreaIndex:
        rows = list(rows)
        return cls(
            area_ids=[r[0] for r in rows],
            geometries=[shapely.from_wkt(r[1]) for r in rows],
            municipality_codes=[r[2] for r in rows],
        )

    def __len__(self) -> int:
        return len(self.area_ids)

    def assign(self, lat, lon) -> list[str | None]:
        """The area each point falls in (the first by layer order if areas overlap), None when in none."""
        lat, lon = np.asarray(lat, float), np.asarray(lon, float)
        result = np.full(len(lat), None, dtype=object)
        finite = np.isfinite(lat) & np.isfinite(lon)
        if not len(self) or not finite.any():
            return result.tolist()
        candidates = np.flatnonzero(finite)
        point_idx, area_idx = self._tree.query(shapely.points(lon[candidates], lat[candidates]), predicate="within")
        order = np.lexsort((area_idx, point_idx))  # by point, then by layer order
        point_idx, area_idx = point_idx[order], area_idx[order]
        first = np.unique(point_idx, return_index=True)[1]
        ids = np.asarray(self.area_ids, dtype=object)
        result[candidates[point_idx[first]]] = ids[area_idx[first]]
        return result.tolist()

    def municipality_of(self, area_id: str | None) -> str | None:
        return None if area_id is None else self._municipality.get(area_id)
