"""Real areas, population and Brå indicators (../shared/data/real): Sweden's 290 municipality boundaries, the
Dalarna DeSO GeoPackage (EPSG:3006) with its population, and Brå's municipal indicators for Dalarna."""

from __future__ import annotations

import shutil

import pytest

from ingest.geo import AreaIndex
from ingest.ledger import LoadContext
from ingest.pipeline import connect_warehouse, load_source
from ingest.settings import PlatformSettings
from tests.conftest import real_data

# Points known to be in Falun: Stora torget, Falu gruva (the mine) and Lugnet; and Borlänge's Sveatorget.
FALUN_POINTS = [(60.6065, 15.6355), (60.5990, 15.6120), (60.6190, 15.6580)]
BORLANGE_POINT = (60.4856, 15.4364)


@pytest.fixture(scope="module")
def dalarna(tmp_path_factory):
    files = {
        "municipalities": real_data("sweden-admin-geo", "swedish_municipalities.geojson"),
        "deso": real_data("dalarna-bra-ntu-deso", "deso_dalarna.gpkg"),
        "population": real_data("dalarna-bra-ntu-deso", "bef_deso.csv"),
        "bra": real_data("dalarna-bra-ntu-deso", "bra_kommunindikatorer.csv"),
    }
    settings = PlatformSettings(data_dir=tmp_path_factory.mktemp("dalarna"))
    settings.ensure_dirs()
    shutil.copy(files["municipalities"], settings.landing("areas"))
    shutil.copy(files["deso"], settings.landing("areas"))
    shutil.copy(files["population"], settings.landing("population"))
    shutil.copy(files["bra"], settings.landing("bra_indicators"))
    con = connect_warehouse(settings)
    loads = {
        source: load_source(source, con, settings, LoadContext(run_id="real"))
        for source in ("areas", "population", "bra_indicators")
    }
    yield con, loads
    con.close()


def test_municipality_boundaries_and_deso_polygons_load(dalarna):
    con, loads = dalarna
    by_file = {r.source_file: r for r in loads["areas"].results}
    municipalities = by_file["swedish_municipalities.geojson"]
    deso = by_file["deso_dalarna.gpkg"]
    assert (municipalities.rows_read, municipalities.rows_accepted, municipalities.rows_quarantined) == (290, 290, 0)
    assert (deso.rows_read, deso.rows_accepted, deso.rows_quarantined) == (175, 175, 0)
    crs = dict(con.execute("select area_type, any_value(source_crs) from raw.areas group by 1").fetchall())
    assert crs == {"municipality": "EPSG:4326", "deso": "EPSG:3006"}
    uppsala = con.execute(
        "select area_name, municipality_code, round(area_km2) from raw.areas where area_id = '0380'"
    ).fetchall()
    assert uppsala[0][:2] == ("Uppsala", "0380") and 2_100 < uppsala[0][2] < 2_300  # about 2 180 km²


def test_deso_count_per_dalarna_municipality(dalarna):
    con, _ = dalarna
    counts = dict(
        con.execute("select municipality_code, count(*) from raw.areas where area_type = 'deso' group by 1").fetchall()
    )
    assert counts == {
        "2021": 4,
        "2023": 6,
        "2026": 6,
        "2029": 10,
        "2031": 6,
        "2034": 5,
        "2039": 5,
        "2061": 8,
        "2062": 12,
        "2080": 37,
        "2081": 27,
        "2082": 8,
        "2083": 10,
        "2084": 13,
        "2085": 18,
    }


def test_deso_population_falun_2024(dalarna):
    con, loads = dalarna
    assert (loads["population"].rows_read, loads["population"].rows_accepted) == (700, 700)
    falun = con.execute(
        "select sum(population), count(*) from raw.population where area_id like '2080%' and year = 2024"
    ).fetchall()[0]
    assert falun == (59_945, 37)
    dalarna_total = dict(con.execute("select year, sum(population) from raw.population group by 1").fetchall())
    assert dalarna_total[2022] == 288_310 and dalarna_total[2024] == 286_546


def test_points_in_falun_land_in_falun_desos(dalarna):
    con, _ = dalarna
    rows = con.execute(
        "select area_id, geometry_wkt, municipality_code from raw.areas where area_type = 'deso'"
    ).fetchall()
    index = AreaIndex.from_wkt(rows)
    lat, lon = zip(*[*FALUN_POINTS, BORLANGE_POINT], strict=True)
    areas = index.assign(list(lat), list(lon))
    assert all(a is not None and a.startswith("2080") for a in areas[:3]), areas
    assert [index.municipality_of(a) for a in areas] == ["2080", "2080", "2080", "2081"]
    municipalities = AreaIndex.from_wkt(
        con.execute(
            "select area_id, geometry_wkt, municipality_code from raw.areas where area_type = 'municipality'"
        ).fetchall()
    )
    assert municipalities.assign(list(lat), list(lon)) == ["2080", "2080", "2080", "2081"]


def test_bra_indicators_for_dalarna(dalarna):
    con, loads = dalarna
    load = loads["bra_indicators"]
    assert (load.rows_read, load.rows_accepted, load.rows_quarantined) == (13_209, 13_209, 0)
    falun = con.execute(
        "select unit_code, value from raw.bra_indicators where geography_code = '2080' and year = 2024 "
        "and indicator = 'Totalt antal anmälda brott'"
    ).fetchall()
    assert dict(falun) == {"count": 4_697.0, "per_100k": 7_833.0}
    levels = dict(con.execute("select geography_level, count(*) from raw.bra_indicators group by 1").fetchall())
    assert levels == {"municipality": 15 * 777, "county": 777, "national": 777}
    county = con.execute(
        "select distinct geography_code from raw.bra_indicators where geography_name = 'Dalarnas län'"
    ).fetchall()
    assert county == [("20",)]
    units = dict(con.execute("select unit_code, count(*) from raw.bra_indicators group by 1").fetchall())
    # "Antal svarande i NTU." has no unit in Brå's file; the indicator names it a count.
    assert units == {"count": 2_193, "per_100k": 2_040, "percent": 2_992, "ci_lower": 2_992, "ci_upper": 2_992}
