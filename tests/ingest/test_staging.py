"""Through staging (dbt): police event revisions (real and synthetic), a corrected EST re-export and a revised
Brå file supersede what came before; and the real police events files with their real figures
(PROVENANCE.md of ../shared/data/real/polisen-events)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import real_data

pytestmark = pytest.mark.xdist_group("ingest_staged")

FIRST_SEEN = "polisen_events_2023-01-01T000000Z_first_seen_versions.json"
COUNTY_FILE = "uppsala_lan_events_2022-09_2024-12.json"
NATIONAL_FILE = "national_events_2024-01-01_2024-12-31.json"


def query(staged, sql, params=()):
    con = staged.connect()
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def results_by_file(staged, source):
    return {r.source_file: r for r in staged.loads[source].results}


def test_synthetic_police_revision_latest_fetch_wins_in_staging(staged):
    rows = query(
        staged,
        "select event_type, n_revisions, n_deliveries, area_id, area_match_method, is_summary "
        "from staging.stg_police__events where event_id = 9200001",
    )
    # The edited version came in the later fetch (loaded first); staging shows it and counts both versions.
    assert rows == [("Misshandel, grov", 2, 2, "gottsunda", "gazetteer_place_name", False)]


def test_corrected_reexport_supersedes_through_staging(staged):
    loads = results_by_file(staged, "est_reports")
    assert loads["est_fix_2026-W10_korrigerad.csv"].rows_superseded == 2
    raw = query(staged, "select count(*) from raw.est_reports where report_id like 'FIX-%'")[0][0]
    assert raw == 4, "the raw zone keeps both exports"
    rows = dict(
        query(staged, "select report_id, category_code from staging.stg_est__reports where report_id like 'FIX-%'")
    )
    assert rows == {"FIX-001": "otrygg_plats", "FIX-002": "nedskrapning"}
    files = {
        r[0] for r in query(staged, "select source_file from staging.stg_est__reports where report_id like 'FIX-%'")
    }
    assert files == {"est_fix_2026-W10_korrigerad.csv"}


def test_revised_bra_file_supersedes_in_staging(staged):
    rows = query(
        staged,
        "select indicator, value, geography_code, geography_level, unit_code, source_file "
        "from staging.stg_bra__indicators order by indicator",
    )
    assert rows == [
        ("Narkotikabrott", 2100.0, "0380", "municipality", "count", "bra_uppsala_2024.csv"),
        ("Skadegörelsebrott", 3550.0, "0380", "municipality", "count", "bra_uppsala_2024_reviderad.csv"),
    ]


def test_real_police_files_all_load_and_reconcile(staged):
    real_data("polisen-events")
    assert staged.real_police
    loads = results_by_file(staged, "police_events")
    expected_rows = {
        FIRST_SEEN: 56,
        COUNTY_FILE: 1_143,
        NATIONAL_FILE: 24_606,
        "api_snapshot_2023-06-15T1239Z.json": 500,
        "api_snapshot_2024-06-15T1144Z.json": 500,
    }
    for name, rows in expected_rows.items():
        result = loads[name]
        assert result.status == "loaded", result.error
        assert result.rows_read == rows
        assert result.rows_read == result.rows_accepted + result.rows_quarantined
        assert result.rows_quarantined == 0, "the real API data is clean: every event is placed or county-level"
    delivered = query(staged, "select count(*) from raw.police_event_deliveries where event_id < 9000000")[0][0]
    assert delivered == sum(expected_rows.values())
    events = query(staged, "select count(*) from staging.stg_police__events where event_id < 9000000")[0][0]
    assert events == 25_580, "distinct real events over all five files"


def test_real_county_file_counts_per_municipality(staged):
    real_data("polisen-events")
    rows = query(
        staged,
        f"""
        select e.location_name, e.municipality_code, e.match_method, count(*)
        from raw.police_event_deliveries d join raw.police_events e using (event_id, content_hash)
        where d.source_file = '{COUNTY_FILE}' group by all""",
    )
    counts = {name: (code, method, n) for name, code, method, n in rows}
    assert counts == {
        "Uppsala": ("0380", "location_name", 721),
        "Enköping": ("0381", "location_name", 131),
        "Håbo": ("0305", "location_name", 57),
        "Tierp": ("0360", "location_name", 56),
        "Uppsala län": (None, "county_only", 48),
        "Östhammar": ("0382", "location_name", 44),
        "Knivsta": ("0330", "location_name", 40),
        "Heby": ("0331", "location_name", 32),
        "Älvkarleby": ("0319", "location_name", 14),
    }


def test_real_national_file_every_event_placed_or_county_level(staged):
    real_data("polisen-events")
    rows = query(
        staged,
        f"""
        select e.match_method, count(*), count(distinct e.municipality_code), sum(e.is_summary::int)
        from raw.police_event_deliveries d join raw.police_events e using (event_id, content_hash)
        where d.source_file = '{NATIONAL_FILE}' group by all order by 1""",
    )
    # 290 municipalities (the police's "Upplands väsby", "Dals-ed" ... spellings included); a quarter of the
    # events are county-level, almost all of them night summaries, which are kept and flagged.
    assert rows == [("county_only", 6_344, 0, 4_280), ("location_name", 18_262, 290, 7)]
    stockholm, malmo = (
        query(
            staged,
            f"""
        select count(*) from raw.police_event_deliveries d join raw.police_events e using (event_id, content_hash)
        where d.source_file = '{NATIONAL_FILE}' and e.municipality_code = ?""",
            [code],
        )[0][0]
        for code in ("0180", "1280")
    )
    assert (stockholm, malmo) == (1_098, 833)


def test_real_edited_events_latest_revision_wins(staged):
    real_data("polisen-events")
    first_seen = json.loads(
        real_data("polisen-events", "uppsala_lan_events_2022-09_2024-12_first_seen_versions.json").read_text(
            encoding="utf-8"
        )
    )
    final = {e["id"]: e for e in json.loads(real_data("polisen-events", COUNTY_FILE).read_text(encoding="utf-8"))}
    ids = [e["id"] for e in first_seen]
    rows = query(
        staged,
        f"""
        select s.event_id, s.event_type, s.n_revisions, s.content_hash = d.content_hash
        from staging.stg_police__events s
        join raw.police_event_deliveries d on d.event_id = s.event_id and d.source_file = '{COUNTY_FILE}'
        where s.event_id in ({", ".join(map(str, ids))})""",
    )
    assert len(rows) == 56
    assert all(n >= 2 and is_final for _, _, n, is_final in rows), "the later fetch's version is staged"
    assert {event_id: event_type for event_id, event_type, _, _ in rows} == {i: final[i]["type"] for i in ids}
    assert dict((r[0], r[1]) for r in rows)[427015] == "Mord/dråp, försök"  # first seen as "Misshandel"
    retyped = sum(1 for e in first_seen if e["type"] != final[e["id"]]["type"])
    assert retyped == 9
    # Besides the 56, three national events were re-delivered changed between the June 2024 snapshot and the
    # year file: 59 events have more than one revision.
    assert (
        query(staged, "select count(*) from staging.stg_police__events where n_revisions > 1 and event_id < 9000000")[
            0
        ][0]
        == 59
    )


def test_real_events_located_only_by_municipality_and_gazetteer(staged):
    real_data("polisen-events")
    # Real Uppsala summaries that name a district of the demo layer ("Gottsunda", "Gränby", ...) get that area;
    # nothing is ever placed at a point: the only coordinates are the API's municipality/county centroids.
    rows = dict(
        query(
            staged,
            "select area_match_method, count(*) from staging.stg_police__events where event_id < 9000000 group by 1",
        )
    )
    assert (rows["gazetteer_area_name"], rows["gazetteer_place_name"]) == (59, 2)
    centroid = query(
        staged,
        "select distinct centroid_lat, centroid_lon from staging.stg_police__events "
        "where municipality_code = '0380' and event_id < 9000000",
    )
    assert centroid == [(59.858564, 17.638927)]
