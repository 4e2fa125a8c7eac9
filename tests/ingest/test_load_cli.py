"""Loading with progress: ``load_source`` reports every file as it is done, and ``python -m ingest.load`` loads the
landing folders (areas first), then prints what each source's load did and whether its rows add up."""

from __future__ import annotations

import json

import duckdb
from rich.console import Console

from ingest import load
from ingest.demo.uppsala import area_layer_geojson
from ingest.ledger import LoadContext
from ingest.pipeline import LOAD_ORDER, load_source
from ingest.settings import SOURCES, PlatformSettings
from tests.ingest.conftest import make_warehouse, write_lines

HEADER = "Rapport-ID,Händelsetid,Inrapporterad,Kategori,Latitud,Longitud,Beskrivning"
GOOD = [
    HEADER,
    "L-1,2026-03-02 18:30,2026-03-02 19:00,Skadegörelse,59.8589,17.6385,Klotter",
    "L-2,2026-03-02 18:31,2026-03-02 19:00,Nedskräpning,59.8589,17.6385,Skräp",
    "L-3,2026-03-02 18:32,2026-03-02 19:00,Vattenskada,59.8589,17.6385,Okänd kategori",
]


def test_the_callback_gets_each_file_once_with_its_result(tmp_path):
    con, settings = make_warehouse(tmp_path / "data")
    landing = settings.landing("est_reports")
    write_lines(landing / "est_2026-W10.csv", GOOD)
    write_lines(landing / "est_2026-W10_kopia.csv", GOOD)  # the same content again: skipped
    (landing / "est_2026-W11.xlsx").write_text("not a workbook", encoding="utf-8")  # fails alone

    seen = []
    loaded = load_source("est_reports", con, settings, LoadContext(run_id="t"), on_file=seen.append)
    con.close()

    assert seen == list(loaded.results)
    assert [(r.source_file, r.status, r.rows_read) for r in seen] == [
        ("est_2026-W10.csv", "loaded", 3),
        ("est_2026-W10_kopia.csv", "skipped_duplicate", 0),
        ("est_2026-W11.xlsx", "failed", 0),
    ]


def run_cli(*args: str) -> tuple[int, str]:
    console = Console(record=True, width=250)
    code = load.main(list(args), console=console)
    return code, console.export_text()


def summary_row(out: str, source: str) -> list[str]:
    """The cells of a source's row in the summary table, after the source name."""
    table = out[out.index("Per source:") :]
    line = next(line for line in table.splitlines() if line.split()[:1] == [source])
    return line.split()[1:]


def test_the_cli_loads_areas_first_and_reports_each_source(tmp_path):
    data = tmp_path / "data"
    settings = PlatformSettings(data_dir=data)
    write_lines(settings.landing("est_reports") / "est_2026-W10.csv", GOOD)
    settings.landing("areas").mkdir(parents=True, exist_ok=True)
    (settings.landing("areas") / "districts.geojson").write_text(json.dumps(area_layer_geojson()), encoding="utf-8")

    # Named in the wrong order: the reports are still placed in areas, because areas load first.
    code, out = run_cli("--source", "est_reports", "--source", "areas", "--data-dir", str(data))

    assert code == 0, out
    progress_bars = [line.split()[0] for line in out[: out.index("Per source:")].splitlines() if line.strip()]
    assert progress_bars == ["areas", "est_reports"]
    # files loaded, skipped, failed; rows read, accepted, quarantined; adds up
    assert summary_row(out, "est_reports") == ["1", "0", "0", "3", "2", "1", "yes"]
    assert summary_row(out, "areas")[:4] == ["1", "0", "0", str(len(area_layer_geojson()["features"]))]
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        placed = con.execute("select count(*) from raw.est_reports where area_id is not null").fetchall()[0][0]
        runs = con.execute("select distinct run_id, triggered_by from raw.batches").fetchall()
    finally:
        con.close()
    assert placed == 2
    assert len(runs) == 1 and runs[0][0].startswith("ingest.load-") and runs[0][1] == "manual"

    # A second run: the loaded file is skipped, a broken one fails alone and makes the exit code 1.
    (settings.landing("est_reports") / "est_2026-W11.xlsx").write_bytes(b"PK\x03\x04 truncated")
    code, out = run_cli("--source", "est_reports", "--data-dir", str(data))
    assert code == 1
    assert not out.startswith("areas")
    assert summary_row(out, "est_reports") == ["0", "1", "1", "0", "0", "0", "yes"]
    assert "Files that could not be read" in out and "est_2026-W11.xlsx: a damaged or truncated XLSX" in out


def test_the_load_order_covers_every_source_after_what_its_asset_depends_on():
    from orchestration.assets.guards import GUARD_ASSETS
    from orchestration.assets.ingest import INGEST_ASSETS
    from orchestration.assets.interventions import INTERVENTION_ASSETS

    assert sorted(LOAD_ORDER) == sorted(SOURCES)
    for asset in [*INGEST_ASSETS, *INTERVENTION_ASSETS, *GUARD_ASSETS]:
        for key, deps in asset.asset_deps.items():
            if key.path[0] != "raw" or key.path[1] not in LOAD_ORDER:
                continue
            for dep in deps:
                assert LOAD_ORDER.index(dep.path[1]) < LOAD_ORDER.index(key.path[1]), (key, dep)
