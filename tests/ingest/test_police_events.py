"""Police open events on small hand-written API responses: revisions (kept, not duplicated, ordered by fetch
time), where the municipality and the area come from, and what is kept, flagged or quarantined."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from ingest.ledger import LoadContext
from ingest.loader import load_file
from ingest.pipeline import build_source, current_gazetteer
from ingest.sources.police_events import Gazetteer, GazetteerEntry, fetched_at_from_name, landing_file_name
from tests.ingest.conftest import make_warehouse


def event(
    event_id=500001,
    *,
    type_="Misshandel",
    location="Uppsala",
    summary="Man misshandlad.",
    name=None,
    datetime_="2026-03-06 9:15:02 +01:00",
    gps="59.858564,17.638927",
):
    return {
        "id": event_id,
        "datetime": datetime_,
        "name": name or f"06 mars 08.50, {type_}, {location}",
        "summary": summary,
        "url": f"/aktuellt/handelser/2026/mars/6/{event_id}/",
        "type": type_,
        "location": {"name": location, "gps": gps},
    }


@pytest.fixture()
def warehouse(tmp_path):
    con, settings = make_warehouse(tmp_path / "data")
    yield con, settings
    con.close()


def land(settings, name: str, events: list[dict]):
    path = settings.landing("police_events") / name
    path.write_text(json.dumps(events, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def load(con, settings, path):
    return load_file(con, build_source("police_events", con, settings), path, LoadContext(run_id="t"))


def latest(con) -> dict[int, tuple[str, str]]:
    """The latest revision per event, the way staging picks it (fetch time, then load order)."""
    rows = con.execute(
        """
        select d.event_id, e.event_type, e.summary from raw.police_event_deliveries d
        join raw.batches b using (batch_id) join raw.police_events e using (event_id, content_hash)
        qualify row_number() over (partition by d.event_id order by d.fetched_at desc, b.batch_seq desc) = 1
        """
    ).fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}


def test_fetch_time_comes_from_the_file_name():
    assert fetched_at_from_name("polisen_events_2024-06-15T114400Z.json") == datetime(2024, 6, 15, 11, 44)
    assert fetched_at_from_name("api_snapshot_2023-06-15T1239Z.json") == datetime(2023, 6, 15, 12, 39)
    assert fetched_at_from_name("polisen_events_20240615T114405Z.json") == datetime(2024, 6, 15, 11, 44, 5)
    assert fetched_at_from_name("uppsala_lan_events_2022-09_2024-12.json") is None
    assert landing_file_name(datetime(2024, 6, 15, 11, 44)) == "polisen_events_2024-06-15T114400Z.json"


def test_every_revision_is_kept_once_and_the_latest_fetch_wins(warehouse):
    con, settings = warehouse
    first = event(summary="Man misshandlad.")
    edited = event(type_="Misshandel, grov", summary="Man allvarligt skadad.")
    other = event(500002, type_="Brand", summary="Brand i soprum.")
    # Loaded out of order: the later fetch first. The fetch time in the name, not the load order, decides.
    later = load(con, settings, land(settings, "polisen_events_2026-03-07T060000Z.json", [edited, other]))
    earlier = load(con, settings, land(settings, "polisen_events_2026-03-06T120000Z.json", [first, other]))
    again = load(con, settings, land(settings, "polisen_events_2026-03-08T060000Z.json", [other, edited]))
    assert [r.rows_read for r in (later, earlier, again)] == [2, 2, 2]
    assert all(r.reconciles for r in (later, earlier, again))
    revisions = con.execute("select event_id, count(*) from raw.police_events group by 1 order by 1").fetchall()
    assert revisions == [(500001, 2), (500002, 1)], "identical re-deliveries add no revision"
    deliveries = con.execute("select count(*) from raw.police_event_deliveries").fetchall()[0][0]
    assert deliveries == 6, "every delivery is recorded"
    assert earlier.rows_superseded == 1 and again.rows_superseded == 0
    assert latest(con)[500001] == ("Misshandel, grov", "Man allvarligt skadad.")


def test_without_a_fetch_time_the_load_order_decides(warehouse):
    con, settings = warehouse
    load(con, settings, land(settings, "saved_a.json", [event(summary="Första versionen.")]))
    load(con, settings, land(settings, "saved_b.json", [event(summary="Andra versionen.")]))
    assert latest(con)[500001][1] == "Andra versionen."
    assert {r[0] for r in con.execute("select fetched_at_from from raw.police_events").fetchall()} == {"load_time"}


def test_municipality_from_location_or_title_and_county_level_events_are_kept(warehouse):
    con, settings = warehouse
    events = [
        event(500010, location="Knivsta"),
        event(500011, location="Uppsala län", name="06 mars 02.10, Brand, Tierp", type_="Brand"),
        event(
            500012,
            location="Uppsala län",
            name="06 mars 06.30, Sammanfattning natt, Uppsala län",
            type_="Sammanfattning natt",
            summary="Lugn natt.",
        ),
        event(500013, location="Upplands väsby"),  # the police's spelling of Upplands Väsby
        event(500014, location="Stockholms län", name="06 mars 02.10, Brand, Tierp", type_="Brand"),
    ]
    result = load(con, settings, land(settings, "polisen_events_2026-03-06T120000Z.json", events))
    assert (result.rows_accepted, result.rows_quarantined) == (5, 0)
    rows = {
        r[0]: r[1:]
        for r in con.execute(
            "select event_id, municipality_code, county_code, location_level, match_method, is_summary "
            "from raw.police_events"
        ).fetchall()
    }
    assert rows[500010] == ("0330", "03", "municipality", "location_name", False)
    assert rows[500011] == ("0360", "03", "county", "name_last_part", False)
    assert rows[500012] == (None, "03", "county", "county_only", True)
    assert rows[500013] == ("0114", "01", "municipality", "location_name", False)
    # Tierp is not in Stockholms län: the title is not trusted over the location, the event stays county-level.
    assert rows[500014] == (None, "01", "county", "county_only", False)


def test_area_only_where_the_gazetteer_matches(warehouse):
    con, settings = warehouse
    events = [
        event(500020, summary="Bråk vid Gottsunda centrum, en person skadad."),  # a demo place name
        event(500021, summary="Inbrott i en lägenhet i Gränby."),  # a district (area) name
        event(500022, summary="Stöld i centrum."),  # lower case: the word, not the district Centrum
        event(500023, summary="Bråk i Gottsunda och i Sävja."),  # two areas: no guess
        event(500024, location="Knivsta", summary="Bråk vid Gottsunda centrum."),  # not in Uppsala: no area
        event(500025, summary="Bilbrand vid Stenhagens centrum, även brand i Stenhagen."),  # one area, two names
    ]
    load(con, settings, land(settings, "polisen_events_2026-03-06T120000Z.json", events))
    rows = {
        r[0]: r[1:]
        for r in con.execute(
            "select event_id, area_id, area_match_method, area_match_name from raw.police_events"
        ).fetchall()
    }
    assert rows[500020] == ("gottsunda", "gazetteer_place_name", "Gottsunda centrum")
    assert rows[500021] == ("granby", "gazetteer_area_name", "Gränby")
    assert rows[500022] == (None, "none", None)
    assert rows[500023] == (None, "none", None)
    assert rows[500024] == (None, "none", None)
    assert rows[500025] == ("stenhagen", "gazetteer_place_name", "Stenhagens centrum")
    assert con.execute("select count(*) from raw.police_events where centroid_lat is null").fetchall()[0][0] == 0


def test_gazetteer_prefers_the_longest_name_and_ignores_places_outside_the_layer(warehouse):
    con, settings = warehouse
    # A municipality layer loaded next to the districts must not make "..., Uppsala" titles ambiguous.
    municipality = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"id": "0380", "kom_namn": "Uppsala"},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[17.3, 59.7], [18.0, 59.7], [18.0, 60.1], [17.3, 60.1], [17.3, 59.7]]],
                },
            }
        ],
    }
    path = settings.landing("areas") / "kommuner.geojson"
    path.write_text(json.dumps(municipality), encoding="utf-8")
    load_file(con, build_source("areas", con, settings), path, LoadContext())
    gazetteer = current_gazetteer(con)
    assert gazetteer.match("Rån i Gottsunda, Uppsala", "0380") == ("gottsunda", "gazetteer_area_name", "Gottsunda")
    assert gazetteer.match("Rån vid Gottsunda centrum", "0380") == (
        "gottsunda",
        "gazetteer_place_name",
        "Gottsunda centrum",
    )
    assert gazetteer.match("Rån vid Gottsunda centrum", "0381") == (None, "none", None)
    lonely = Gazetteer([GazetteerEntry("Resecentrum", "centrum", "0380", "place")])
    assert lonely.match("Stöld vid resecentrumets entré", "0380") == (None, "none", None), "whole words only"


def test_titles_give_the_incident_time_across_the_new_year(warehouse):
    con, settings = warehouse
    events = [
        event(500030, name="31 december 23.50, Brand, Uppsala", datetime_="2026-01-01 0:40:16 +01:00"),
        event(500031, name="06 mars 08.50, Brand, Uppsala", datetime_="2026-03-06 9:15:02 +01:00"),
    ]
    load(con, settings, land(settings, "polisen_events_2026-03-06T120000Z.json", events))
    rows = dict(con.execute("select event_id, occurred_at from raw.police_events").fetchall())
    assert rows[500030] == datetime(2025, 12, 31, 22, 50)  # 23:50 Stockholm time = 22:50 UTC, the year before
    assert rows[500031] == datetime(2026, 3, 6, 7, 50)
