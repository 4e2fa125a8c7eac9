"""An approximate area layer and gazetteer for Uppsala, built by this project for the demo.

APPROXIMATE: the district polygons are Voronoi cells around hand-placed district centres, clipped to a rough
outline of the city, and the rest of the municipality is one rural area inside a rough outline of Uppsala kommun.
They are good enough to exercise every part of the platform; they are not Uppsala's official stadsdelar (NYKO).
Populations are rounded approximations of the districts' sizes, not SCB figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyproj
import shapely
from shapely import MultiPoint, Polygon, voronoi_polygons
from shapely.geometry import mapping
from shapely.ops import unary_union

LAYER_NAME = "uppsala_districts_approx"
LAYER_NOTE = (
    "Approximate Uppsala districts built by the Lägesbild project for demonstration (Voronoi cells around "
    "hand-placed district centres). Not official boundaries."
)
MUNICIPALITY_CODE = "0380"
MUNICIPALITY_NAME = "Uppsala"


@dataclass(frozen=True)
class District:
    area_id: str
    name: str
    lat: float
    lon: float
    population: int
    risk: float  # relative baseline intensity of events per resident (the generator's ground truth)


@dataclass(frozen=True)
class Place:
    place_id: str
    name: str
    area_id: str
    lat: float
    lon: float
    weight: float  # relative attraction of events (1 = ordinary)
    setting: str


DISTRICTS: tuple[District, ...] = (
    District("centrum", "Centrum", 59.8586, 17.6389, 7_200, 3.0),
    District("luthagen", "Luthagen", 59.8655, 17.6225, 14_000, 0.8),
    District("svartbacken", "Svartbäcken", 59.8735, 17.6420, 10_500, 0.9),
    District("falhagen", "Fålhagen", 59.8545, 17.6610, 5_600, 1.0),
    District("kvarngardet", "Kvarngärdet", 59.8705, 17.6640, 6_800, 1.3),
    District("granby", "Gränby", 59.8790, 17.6795, 8_300, 1.4),
    District("salabacke", "Salabacke", 59.8640, 17.6870, 4_600, 1.1),
    District("arsta", "Årsta", 59.8610, 17.7080, 9_200, 0.9),
    District("eriksberg", "Eriksberg", 59.8440, 17.6060, 7_600, 0.7),
    District("flogsta", "Flogsta", 59.8515, 17.5880, 6_700, 1.1),
    District("stenhagen", "Stenhagen", 59.8500, 17.5650, 9_100, 1.2),
    District("rosendal", "Rosendal", 59.8400, 17.6300, 6_100, 0.7),
    District("gottsunda", "Gottsunda", 59.8080, 17.6080, 10_600, 1.8),
    District("valsatra", "Valsätra", 59.8160, 17.6300, 4_700, 1.5),
    District("sunnersta", "Sunnersta", 59.7930, 17.6470, 6_000, 0.6),
    District("savja", "Sävja", 59.8180, 17.7010, 7_100, 1.2),
    District("bolanderna", "Boländerna", 59.8480, 17.6720, 350, 1.0),
)

# The rest of the municipality, outside the city districts.
RURAL = District("ovriga_kommunen", "Övriga kommunen", 59.95, 17.75, 62_000, 0.25)

# Named places: the gazetteer the generator scatters events around and police-event summaries are matched against.
PLACES: tuple[Place, ...] = (
    Place("p_resecentrum", "Resecentrum", "centrum", 59.8585, 17.6440, 6.0, "kollektivtrafik"),
    Place("p_stora_torget", "Stora torget", "centrum", 59.8589, 17.6385, 4.0, "torg"),
    Place("p_forumtorget", "Forumtorget", "centrum", 59.8601, 17.6416, 3.0, "torg"),
    Place("p_stadsparken", "Stadsparken", "centrum", 59.8540, 17.6400, 2.0, "park"),
    Place("p_svandammen", "Svandammen", "centrum", 59.8566, 17.6352, 1.5, "park"),
    Place("p_luthagsesplanaden", "Luthagsesplanaden", "luthagen", 59.8640, 17.6260, 1.2, "gata"),
    Place("p_svartbacksgatan", "Svartbäcksgatan", "svartbacken", 59.8700, 17.6440, 1.5, "gata"),
    Place("p_fyrishov", "Fyrishov", "svartbacken", 59.8760, 17.6380, 1.5, "idrottsplats"),
    Place("p_vaksala_torg", "Vaksala torg", "falhagen", 59.8580, 17.6520, 2.5, "torg"),
    Place("p_kvarngardets_centrum", "Kvarngärdets centrum", "kvarngardet", 59.8712, 17.6640, 2.0, "centrum"),
    Place("p_granby_centrum", "Gränby centrum", "granby", 59.8780, 17.6770, 3.0, "köpcentrum"),
    Place("p_granbyparken", "Gränbyparken", "granby", 59.8805, 17.6830, 1.5, "park"),
    Place("p_salabacke_centrum", "Salabacke centrum", "salabacke", 59.8650, 17.6880, 1.5, "centrum"),
    Place("p_arsta_centrum", "Årsta centrum", "arsta", 59.8610, 17.7070, 1.5, "centrum"),
    Place("p_eriksbergs_centrum", "Eriksbergs centrum", "eriksberg", 59.8450, 17.6050, 1.2, "centrum"),
    Place("p_flogsta_centrum", "Flogsta centrum", "flogsta", 59.8520, 17.5890, 2.0, "centrum"),
    Place("p_stenhagens_centrum", "Stenhagens centrum", "stenhagen", 59.8495, 17.5660, 2.0, "centrum"),
    Place("p_stenhagsskolan", "Stenhagsskolan", "stenhagen", 59.8520, 17.5620, 1.0, "skolgård"),
    Place("p_rosendal_torg", "Rosendals torg", "rosendal", 59.8405, 17.6290, 1.0, "torg"),
    Place("p_gottsunda_centrum", "Gottsunda centrum", "gottsunda", 59.8085, 17.6075, 5.0, "köpcentrum"),
    Place("p_gottsundaskolan", "Gottsundaskolan", "gottsunda", 59.8060, 17.6110, 1.5, "skolgård"),
    Place("p_valsatra_centrum", "Valsätra centrum", "valsatra", 59.8160, 17.6290, 2.5, "centrum"),
    Place("p_sunnersta_centrum", "Sunnersta centrum", "sunnersta", 59.7935, 17.6465, 1.0, "centrum"),
    Place("p_savja_centrum", "Sävja centrum", "savja", 59.8185, 17.7000, 2.0, "centrum"),
    Place("p_bolanderna_industri", "Boländernas industriområde", "bolanderna", 59.8480, 17.6710, 1.2, "industri"),
    Place("p_storvreta", "Storvreta centrum", "ovriga_kommunen", 59.9580, 17.7050, 1.0, "centrum"),
    Place("p_bjorklinge", "Björklinge centrum", "ovriga_kommunen", 60.0330, 17.5490, 0.6, "centrum"),
)

# A rough outline of Uppsala kommun (lon, lat), drawn by hand around the municipality. Approximate.
MUNICIPALITY_OUTLINE: tuple[tuple[float, float], ...] = (
    (17.26, 59.87),
    (17.30, 59.95),
    (17.38, 60.03),
    (17.50, 60.10),
    (17.62, 60.15),
    (17.80, 60.14),
    (17.95, 60.08),
    (18.05, 59.98),
    (18.02, 59.88),
    (17.90, 59.78),
    (17.78, 59.72),
    (17.65, 59.70),
    (17.52, 59.72),
    (17.40, 59.76),
    (17.30, 59.80),
    (17.26, 59.87),
)

# How far the city outline reaches beyond the outermost district centres, in metres.
CITY_MARGIN_M = 1_300.0

_TO_SWEREF = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:3006", always_xy=True)
_TO_WGS84 = pyproj.Transformer.from_crs("EPSG:3006", "EPSG:4326", always_xy=True)


def _project(geom, transformer: pyproj.Transformer):
    return shapely.transform(geom, lambda x, y: transformer.transform(x, y), interleaved=False)


def _round_coords(geom, ndigits: int = 6):
    return shapely.transform(geom, lambda xy: np.round(xy, ndigits))


@lru_cache(maxsize=1)
def district_polygons() -> dict[str, Polygon]:
    """Polygons (WGS84) for every district plus the rural remainder, keyed by area_id. Deterministic."""
    municipality = _project(Polygon(MUNICIPALITY_OUTLINE), _TO_SWEREF)
    centres = _project(MultiPoint([(d.lon, d.lat) for d in DISTRICTS]), _TO_SWEREF)
    city = centres.convex_hull.buffer(CITY_MARGIN_M, quad_segs=4).intersection(municipality)
    cells = voronoi_polygons(centres, extend_to=city, ordered=True)
    polygons: dict[str, Polygon] = {}
    for district, cell in zip(DISTRICTS, cells.geoms, strict=True):
        polygons[district.area_id] = cell.intersection(city)
    rural = municipality.difference(unary_union(list(polygons.values())))
    polygons[RURAL.area_id] = rural
    return {area_id: _round_coords(_project(geom, _TO_WGS84)) for area_id, geom in polygons.items()}


def all_districts() -> tuple[District, ...]:
    return DISTRICTS + (RURAL,)


def area_layer_geojson() -> dict:
    """The demo area layer as a GeoJSON FeatureCollection in WGS84 (EPSG:4326)."""
    polygons = district_polygons()
    features = []
    for district in all_districts():
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "area_id": district.area_id,
                    "area_name": district.name,
                    "area_type": "district",
                    "municipality_code": MUNICIPALITY_CODE,
                    "approximate": True,
                },
                "geometry": mapping(polygons[district.area_id]),
            }
        )
    return {
        "type": "FeatureCollection",
        "name": LAYER_NAME,
        "note": LAYER_NOTE,
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4326"}},
        "features": features,
    }
