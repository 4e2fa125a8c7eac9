"""The interventions source: taxonomy mapping, quarantine reasons, history and the overlapping-duplicate rule."""

from __future__ import annotations

import json

import pytest

from ingest.ledger import LoadContext
from ingest.pipeline import load_source
from ingest.sources import interventions
from tests.conftest import REPO
from tests.ingest.conftest import make_warehouse

GOOD = {
    "intervention_id": "i-1",
    "intervention_type": "Städning/klottersanering",
    "organisation": "Uppsala kommun",
    "area_id": "gottsunda",
    "start_date": "2026-03-02",
    "end_date": "2026-03-29",
    "decided_week": "2026-W09",
    "reason_code": "alert",
    "reason_ref": "alert:gottsunda:2026-02-23",
    "status": "Pågående",
}


def write(folder, name, records):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")


@pytest.fixture
def warehouse(tmp_path):
    con, settings = make_warehouse(tmp_path / "data")
    yield con, settings
    con.close()


def test_rows_are_accepted_or_quarantined_with_a_reason(warehouse):
    con, settings = warehouse
    bad = [
        {**GOOD, "intervention_id": "i-2", "start_date": "2026-03-10", "end_date": "2026-03-01"},
        {**GOOD, "intervention_id": "i-3", "area_id": "atlantis"},
        {**GOOD, "intervention_id": "i-4", "intervention_type": "fyrverkerier"},
        {**GOOD, "intervention_id": "i-5", "start_date": "2026-03-20", "end_date": "2026-04-10"},  # overlaps i-1
        {**GOOD, "intervention_id": "i-6", "area_id": None},
        {**GOOD, "intervention_id": "i-7", "area_id": None, "h3_cells": ["not-a-cell"]},
        {**GOOD, "intervention_id": "i-8", "status": "kanske"},
    ]
    ok = [
        {
            **GOOD,
            "intervention_id": "i-9",
            "area_id": None,
            "place_ids": ["p_valsatra_centrum"],
            "intervention_type": "guard_presence",
            "status": "planned",
        },
        {**GOOD, "intervention_id": "i-10", "start_date": "2026-04-01", "end_date": None},
    ]  # after i-1: no overlap
    write(settings.landing("interventions"), "week09.json", {"interventions": [GOOD, *bad, *ok]})
    load = load_source("interventions", con, settings, LoadContext(run_id="t"))
    assert (load.rows_read, load.rows_accepted, load.rows_quarantined) == (10, 3, 7)
    reasons = dict(con.execute("select record_id, reason_code from raw.quarantine").fetchall())
    assert reasons == {
        "i-2": "end_before_start",
        "i-3": "unknown_area",
        "i-4": "unknown_type",
        "i-5": "overlapping_duplicate",
        "i-6": "missing_target",
        "i-7": "invalid_h3_cell",
        "i-8": "unknown_status",
    }
    rows = con.execute(
        "select intervention_id, intervention_type, status, decided_week, place_ids "
        "from raw.interventions order by intervention_id"
    ).fetchall()
    assert [r[:3] for r in rows] == [
        ("i-1", "cleaning_graffiti", "active"),
        ("i-10", "cleaning_graffiti", "active"),
        ("i-9", "guard_presence", "planned"),
    ]
    assert str(rows[0][3]) == "2026-02-23" and rows[2][4] == "p_valsatra_centrum"


def test_every_version_is_kept_and_a_new_version_is_not_a_duplicate(warehouse):
    con, settings = warehouse
    folder = settings.landing("interventions")
    write(folder, "a.json", GOOD)
    write(folder, "b.json", {**GOOD, "end_date": "2026-04-12", "status": "completed", "revision": 2})
    # A later file overlapping the loaded i-1 under another id is a duplicate; once i-1 is cancelled it is not.
    write(folder, "c.json", {**GOOD, "intervention_id": "i-x"})
    write(folder, "d.json", [{**GOOD, "status": "cancelled", "revision": 3}, {**GOOD, "intervention_id": "i-y"}])
    loads = [
        load_source("interventions", con, settings, LoadContext(run_id="t"), files=[folder / f])
        for f in ("a.json", "b.json", "c.json", "d.json")
    ]
    assert [(x.rows_accepted, x.rows_quarantined) for x in loads] == [(1, 0), (1, 0), (0, 1), (2, 0)]
    assert loads[1].results[0].rows_superseded == 1
    versions = con.execute(
        "select status from raw.interventions where intervention_id = 'i-1' order by loaded_at, revision"
    ).fetchall()
    assert [v[0] for v in versions] == ["active", "completed", "cancelled"]


def test_a_swedish_csv_export_loads(warehouse):
    con, settings = warehouse
    lines = [
        "Insats-ID;Typ;Ansvarig;Område;Platser;Startdatum;Slutdatum;Beslutsvecka;Skäl;Status",
        "k-1;Polisnärvaro;Polisen;gränby;;2026-03-02;;2026-W09;ranking;Planerad",
        "k-2;Städning;Uppsalahem;granby;p_granby_centrum;2026-03-02;2026-03-08;;hot_spot;Genomförd",
    ]
    path = settings.landing("interventions") / "atgardslista.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode("cp1252"))
    load = load_source("interventions", con, settings, LoadContext(run_id="t"))
    assert (load.rows_accepted, load.rows_quarantined) == (1, 1)
    assert con.execute("select reason_code from raw.quarantine").fetchall() == [("unknown_area",)]  # "gränby"
    assert con.execute("select intervention_type, status, place_ids from raw.interventions").fetchall() == [
        ("cleaning_graffiti", "completed", "p_granby_centrum")
    ]


def test_contract_documents_every_reason_and_header():
    page = (REPO / "docs" / "contracts" / "interventions.md").read_text(encoding="utf-8")
    names = [
        *interventions.REASONS,
        *interventions.TYPES,
        *interventions.REASON_CODES,
        *(n for names in interventions.ALIASES.values() for n in names),
    ]
    assert [name for name in names if f"`{name}`" not in page] == []
    assert "landing/interventions/" in page
