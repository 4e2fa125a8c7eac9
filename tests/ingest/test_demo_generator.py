"""The demo generator writes every source, deterministically (same seed → byte-identical files), and what it
writes loads: police events with revisions and night summaries, a corrected EST re-export and Brå indicators."""

from __future__ import annotations

import json
from datetime import date

import pytest

from ingest.demo.generator import DemoConfig, generate
from ingest.ledger import LoadContext
from ingest.pipeline import connect_warehouse, load_source
from ingest.settings import PlatformSettings

CONFIG = DemoConfig(end_week=date(2026, 3, 2), weeks=4, seed=11, scale=0.4)


def files_of(landing):
    return {str(p.relative_to(landing)): p.read_bytes() for p in sorted(landing.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    summary = generate(CONFIG, root / "a" / "landing")
    return root, summary


def test_same_seed_gives_byte_identical_files_and_another_seed_does_not(demo, tmp_path):
    root, _ = demo
    generate(CONFIG, tmp_path / "b" / "landing")
    first, second = files_of(root / "a" / "landing"), files_of(tmp_path / "b" / "landing")
    assert first.keys() == second.keys()
    assert [name for name in first if first[name] != second[name]] == []
    kinds = {name.split("/")[0] for name in first}
    assert kinds == {"areas", "population", "est_reports", "police_crimes", "police_events", "bra_indicators"}
    assert any(name.endswith(".xlsx") for name in first) or any(name.endswith(".json") for name in first)

    other = generate(
        DemoConfig(end_week=CONFIG.end_week, weeks=CONFIG.weeks, seed=12, scale=CONFIG.scale),
        tmp_path / "c" / "landing",
        sources=("police_events",),
    )
    changed = files_of(tmp_path / "c" / "landing")
    assert other.police_events > 0
    assert any(changed[name] != first[name] for name in changed)


def test_police_event_files_look_like_api_responses_with_revisions(demo):
    root, summary = demo
    folder = root / "a" / "landing" / "police_events"
    names = sorted(p.name for p in folder.iterdir())
    assert len(names) == 2 * CONFIG.weeks and all(n.startswith("polisen_events_") for n in names)
    versions: dict[int, set[str]] = {}
    types = set()
    for path in folder.iterdir():
        events = json.loads(path.read_text(encoding="utf-8"))
        for e in events:
            assert list(e) == ["id", "datetime", "name", "summary", "url", "type", "location"]
            assert list(e["location"]) == ["name", "gps"]
            versions.setdefault(e["id"], set()).add(json.dumps(e, sort_keys=True))
            types.add(e["type"])
    assert summary.police_events == len(versions)
    assert summary.police_event_revisions == sum(len(v) for v in versions.values())
    assert summary.police_event_deliveries > summary.police_event_revisions, "events are re-delivered"
    assert any(len(v) > 1 for v in versions.values()), "some events are edited in a later file"
    assert "Sammanfattning natt" in types


def test_corrected_reexport_keeps_the_ids_and_changes_a_few_categories(demo):
    root, summary = demo
    folder = root / "a" / "landing" / "est_reports"
    corrected = [p for p in folder.iterdir() if p.stem.endswith("_korrigerad")]
    assert len(corrected) == 1 and len(summary.corrections) == 5
    assert {c["file"] for c in summary.corrections} == {corrected[0].name}
    assert all(c["before"] != c["after"] for c in summary.corrections)


def test_everything_the_demo_writes_loads_and_reconciles(demo):
    root, summary = demo
    settings = PlatformSettings(data_dir=root / "a")
    settings.ensure_dirs()
    con = connect_warehouse(settings)
    try:
        loads = {
            s: load_source(s, con, settings, LoadContext(run_id="demo"))
            for s in ("areas", "population", "est_reports", "police_crimes", "police_events", "bra_indicators")
        }
        events = con.execute("select count(distinct event_id), count(*) from raw.police_events").fetchall()[0]
        summaries = con.execute("select count(*) from raw.police_events where is_summary").fetchall()[0][0]
        placed = con.execute("select count(*) from raw.police_events where area_id is not null").fetchall()[0][0]
        superseded = con.execute(
            "select rows_superseded from raw.batches where source_file like '%_korrigerad%'"
        ).fetchall()
    finally:
        con.close()
    assert all(not load.failed for load in loads.values())
    assert loads["est_reports"].rows_read == summary.est_reports
    assert loads["est_reports"].rows_quarantined == len(summary.planted_faults)
    assert loads["police_events"].rows_read == summary.police_event_deliveries
    assert loads["police_events"].rows_quarantined == 0
    assert events == (summary.police_events, summary.police_event_revisions)
    assert summaries >= 1 and placed > 0
    assert loads["bra_indicators"].rows_accepted == summary.bra_indicators > 0
    assert superseded and superseded[0][0] > 0, "the corrected re-export supersedes the first export"
