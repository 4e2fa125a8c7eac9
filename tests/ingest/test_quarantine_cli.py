"""The quarantine workflow: list the rejected rows with their reasons, fix the source file, drop the corrected file
into the landing folder and reload; the corrected rows load and the ledger keeps both batches."""

from __future__ import annotations

import json

import pytest
from rich.console import Console

from ingest import quarantine
from ingest.ledger import LoadContext
from ingest.pipeline import load_source
from tests.ingest.conftest import make_warehouse, write_lines

HEADER = "Rapport-ID,Händelsetid,Inrapporterad,Kategori,Latitud,Longitud,Beskrivning"


@pytest.fixture()
def workflow(tmp_path, monkeypatch):
    con, settings = make_warehouse(tmp_path / "data")
    monkeypatch.setenv("LAGESBILD_DATA_DIR", str(settings.root))
    landing = settings.landing("est_reports")
    write_lines(
        landing / "est_2026-W10.csv",
        [
            HEADER,
            "Q-1,2026-03-02 18:30,2026-03-02 19:00,Skadegörelse,59.8589,17.6385,Klotter",
            "Q-2,2026-03-02 18:31,2026-03-02 19:00,Fyrverkerier,59.8589,17.6385,Smällar, ring 070-123 45 67",
            "Q-3,2026-03-02 18:32,2026-03-02 19:00,Nedskräpning,17.6385,59.8589,Skräp",
        ],
    )
    first = load_source("est_reports", con, settings, LoadContext(run_id="run-1"))
    con.close()
    return settings, first


def run_cli(*args) -> str:
    console = Console(record=True, width=250)
    assert quarantine.main(list(args), console=console) == 0
    return console.export_text()


def test_list_summary_and_show_name_the_rows_and_reasons(workflow):
    settings, first = workflow
    assert first.rows_quarantined == 2
    listed = run_cli("list", "--source", "est_reports")
    assert "unknown_category" in listed and "swapped_lat_lon" in listed
    assert "Q-2" in listed and "Q-3" in listed and "Q-1" not in listed
    assert "070-123" not in listed, "list shows no raw content"
    summary = run_cli("summary")
    assert "est_2026-W10.csv" in summary and "unknown_category: 1" in summary
    shown = run_cli("show", "--source", "est_reports", "--row", "2")
    assert "RESTRICTED" in shown and "Fyrverkerier" in shown and "Q-3" not in shown


def test_corrected_file_reloads_and_the_ledger_keeps_both_batches(workflow):
    settings, first = workflow
    import duckdb

    # The data engineer fixes the export at its source and drops it into the same landing folder.
    write_lines(
        settings.landing("est_reports") / "est_2026-W10_rättad.csv",
        [
            HEADER,
            "Q-1,2026-03-02 18:30,2026-03-02 19:00,Skadegörelse,59.8589,17.6385,Klotter",
            "Q-2,2026-03-02 18:31,2026-03-02 19:00,Annat otrygghetsskapande eller ordningsstörande,59.8589,17.6385,Smällar",
            "Q-3,2026-03-02 18:32,2026-03-02 19:00,Nedskräpning,59.8589,17.6385,Skräp",
        ],
    )
    con = duckdb.connect(str(settings.warehouse))
    second = load_source("est_reports", con, settings, LoadContext(run_id="run-2"))
    con.close()
    loaded = [r for r in second.results if r.status == "loaded"]
    assert [(r.source_file, r.rows_accepted, r.rows_quarantined, r.rows_superseded) for r in loaded] == [
        ("est_2026-W10_rättad.csv", 3, 0, 1)
    ]
    assert [r.status for r in second.results if r.source_file == "est_2026-W10.csv"] == ["skipped_duplicate"]

    con = duckdb.connect(str(settings.warehouse), read_only=True)
    batches = con.execute(
        "select source_file, rows_read, rows_accepted, rows_quarantined, run_id from raw.batches "
        "where source = 'est_reports' order by batch_seq"
    ).fetchall()
    rows = quarantine.quarantined_rows(con, source="est_reports")
    con.close()
    assert batches == [("est_2026-W10.csv", 3, 1, 2, "run-1"), ("est_2026-W10_rättad.csv", 3, 3, 0, "run-2")]
    assert rows[["record_id", "reason_code", "resolved"]].values.tolist() == [
        ["Q-2", "unknown_category", True],
        ["Q-3", "swapped_lat_lon", True],
    ]
    assert json.loads(rows.loc[0, "raw_content"])["Kategori"] == "Fyrverkerier", "the rejection stays on record"
    assert "yes" in run_cli("list")
