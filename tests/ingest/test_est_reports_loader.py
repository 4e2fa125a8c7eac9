"""The EST report loader on small hand-written exports: good rows load, bad rows are quarantined with a reason."""

from __future__ import annotations

import json

import duckdb
import pytest

from ingest.demo.uppsala import area_layer_geojson
from ingest.ledger import LoadContext
from ingest.loader import load_file
from ingest.pipeline import build_source
from ingest.settings import PlatformSettings

HEADER = (
    "Rapport-ID,Händelsetid,Inrapporterad,Organisation,Roll,Kategori,Underkategori,Latitud,Longitud,Plats,Beskrivning"
)


@pytest.fixture()
def warehouse(tmp_path):
    settings = PlatformSettings(data_dir=tmp_path)
    settings.ensure_dirs()
    layer = settings.landing("areas") / "areas.geojson"
    layer.write_text(json.dumps(area_layer_geojson()), encoding="utf-8")
    con = duckdb.connect(str(settings.warehouse))
    from ingest.ledger import ensure_ledger

    ensure_ledger(con)
    load_file(con, build_source("areas", con, settings), layer, LoadContext(run_id="r0"))
    yield con, settings
    con.close()


def write(path, lines, encoding="utf-8"):
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def test_bad_row_is_quarantined_with_its_reason_and_good_rows_load(warehouse, tmp_path):
    con, settings = warehouse
    export = write(
        tmp_path / "export.csv",
        [
            HEADER,
            "A1,2026-03-02 18:30,2026-03-02 19:00,Securitas,vaktare,Skadegörelse,Klotter,59.8586,17.6389,Stora torget,Klotter på vägg",
            "A2,2026-03-03 21:10,2026-03-03 21:30,Uppsalahem,bostadsbolag,Fyrverkerier,,59.8085,17.6075,Gottsunda centrum,Smällar",
            "A3,2026-03-04 16:00,2026-03-04 16:20,Uppsala kommun,faltassistent,Otrygg plats,Belysning,59.8495,17.5660,Stenhagens centrum,Mörkt",
        ],
    )
    result = load_file(con, build_source("est_reports", con, settings), export, LoadContext(run_id="r1"))
    assert (result.status, result.rows_read, result.rows_accepted, result.rows_quarantined) == ("loaded", 3, 2, 1)
    assert result.reconciles
    reason, row, content = con.execute("select reason_code, source_row, raw_content from raw.quarantine").fetchall()[0]
    assert (reason, row) == ("unknown_category", 2)
    assert json.loads(content)["Kategori"] == "Fyrverkerier"
    areas = dict(con.execute("select report_id, area_id from raw.est_reports").fetchall())
    assert areas == {"A1": "centrum", "A3": "stenhagen"}


def test_same_file_twice_changes_nothing_and_a_reexport_supersedes(warehouse, tmp_path):
    con, settings = warehouse
    spec = build_source("est_reports", con, settings)
    first = write(
        tmp_path / "w1.csv",
        [HEADER, "B1,2026-03-02 18:30,2026-03-02 19:00,Securitas,vaktare,Skadegörelse,Klotter,59.8586,17.6389,,"],
    )
    assert load_file(con, spec, first, LoadContext()).status == "loaded"
    again = load_file(con, spec, first, LoadContext())
    assert again.status == "skipped_duplicate"
    assert con.execute("select count(*) from raw.batches where source = 'est_reports'").fetchall()[0][0] == 1
    corrected = write(
        tmp_path / "w1_corrected.csv",
        [HEADER, "B1,2026-03-02 18:30,2026-03-02 19:00,Securitas,vaktare,Otrygg plats,Belysning,59.8586,17.6389,,"],
    )
    result = load_file(con, spec, corrected, LoadContext())
    assert result.rows_superseded == 1
    actions = [r[0] for r in con.execute("select action from raw.audit_log order by event_id").fetchall()]
    assert actions[-4:] == ["loaded", "skipped_duplicate", "loaded", "superseded"]


def test_semicolon_cp1252_decimal_comma_export(warehouse, tmp_path):
    con, settings = warehouse
    export = write(
        tmp_path / "excel.csv",
        [
            HEADER.replace(",", ";"),
            "C1;2026-03-02 18:30;2026-03-02 19:00;Städservice;lokalvard;Nedskräpning;;59,8586;17,6389;Stora torget;Skräp",
        ],
        encoding="cp1252",
    )
    result = load_file(con, build_source("est_reports", con, settings), export, LoadContext())
    assert (result.rows_accepted, result.rows_quarantined) == (1, 0)
    lat, category = con.execute("select lat, category_code from raw.est_reports").fetchall()[0]
    assert (lat, category) == (59.8586, "nedskrapning")


def test_unparseable_file_fails_alone_with_a_clear_message(warehouse, tmp_path):
    con, settings = warehouse
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    result = load_file(con, build_source("est_reports", con, settings), empty, LoadContext())
    assert result.status == "failed"
    assert "empty.csv" in result.error and "empty" in result.error
    status, error = con.execute("select status, error from raw.batches where source_file = 'empty.csv'").fetchall()[0]
    assert status == "failed" and "empty" in error
