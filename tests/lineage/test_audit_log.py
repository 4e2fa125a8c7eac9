"""The audit log of data changes: every load, skip, failure, quarantine, supersession and reload is appended with
its run, trigger and operator; nothing ever rewrites it; the API serves it to auditors in pages."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from ingest.ledger import LoadContext
from ingest.loader import load_file
from ingest.pipeline import build_source
from tests.ingest.test_est_reports_loader import HEADER, warehouse, write  # noqa: F401 (fixture reused)
from tests.lineage.conftest import AUDITOR

REPO = Path(__file__).resolve().parents[2]
ROWS = [
    "A1,2026-03-02 18:30,2026-03-02 19:00,Securitas,vaktare,Skadegörelse,Klotter,59.8586,17.6389,Stora torget,Klotter",
    "A2,2026-03-03 21:10,2026-03-03 21:30,Uppsalahem,bostadsbolag,Fyrverkerier,,59.8085,17.6075,Gottsunda,Smällar",
]


def audit_rows(con) -> list[tuple]:
    return con.execute("select * from raw.audit_log order by event_id").fetchall()


def test_a_reload_appends_and_never_rewrites(warehouse, tmp_path, monkeypatch):  # noqa: F811
    con, settings = warehouse
    monkeypatch.setenv("LAGESBILD_OPERATOR", "anna.auditor")
    export = write(tmp_path / "export.csv", [HEADER, *ROWS])
    spec = build_source("est_reports", con, settings)

    # 1. The validator crashes on this file (a loader bug): the load fails and says so in the log.
    def crash(*_args):
        raise RuntimeError("bug")

    monkeypatch.setattr(spec, "validate", crash)
    scheduled = LoadContext(run_id="run-1", triggered_by="schedule:weekly_refresh_schedule")
    assert load_file(con, spec, export, scheduled).status == "failed"
    before = audit_rows(con)

    # 2. Fixed, the same file is loaded again by hand: a reload, appended after everything that was there.
    monkeypatch.undo()
    monkeypatch.setenv("LAGESBILD_OPERATOR", "anna.auditor")
    spec = build_source("est_reports", con, settings)
    result = load_file(con, spec, export, LoadContext(run_id="run-2"))
    assert (result.status, result.rows_accepted, result.rows_quarantined) == ("loaded", 1, 1)
    # 3. And a third time: nothing changes but the log, which records the skip.
    assert load_file(con, spec, export, LoadContext(run_id="run-3")).status == "skipped_duplicate"

    after = audit_rows(con)
    assert after[: len(before)] == before  # earlier events untouched
    columns = [d[0] for d in con.execute("select * from raw.audit_log limit 0").description]
    new = [dict(zip(columns, row, strict=True)) for row in after[len(before) :]]
    assert [(e["action"], e["run_id"]) for e in new] == [
        ("loaded", "run-2"),
        ("reloaded", "run-2"),
        ("quarantined", "run-2"),
        ("skipped_duplicate", "run-3"),
    ]
    assert {(e["triggered_by"], e["operator"]) for e in new} == {("manual", "anna.auditor")}
    failed = dict(zip(columns, before[-1], strict=True))
    assert (failed["action"], failed["run_id"], failed["triggered_by"]) == (
        "failed",
        "run-1",
        "schedule:weekly_refresh_schedule",
    )
    assert [row[0] for row in after] == sorted(row[0] for row in after)  # event ids only grow
    # The ledger holds the batch once, now loaded; the failure survives only in the append-only log.
    assert con.execute("select status, run_id from raw.batches where batch_id = ?", [result.batch_id]).fetchall() == [
        ("loaded", "run-2")
    ]


def test_no_code_updates_or_deletes_the_audit_log():
    """Append-only by construction: no statement anywhere rewrites raw.audit_log (ledger.audit only inserts)."""
    rewrite = re.compile(
        r"(update|delete\s+from|truncate|drop\s+table|insert\s+or\s+replace\s+into|alter\s+table)"
        r"\s+(if\s+exists\s+)?(\w+\.)?audit_log\b(?!\s+add\s+column)",
        re.IGNORECASE,
    )
    offenders = []
    for folder in ("ingest", "orchestration", "api", "dbt_project/models", "dbt_project/macros"):
        for path in (REPO / folder).rglob("*"):
            if path.suffix in {".py", ".sql"} and rewrite.search(path.read_text(encoding="utf-8")):
                offenders.append(str(path.relative_to(REPO)))
    assert offenders == []
    inserts = [p for p in (REPO / "ingest").rglob("*.py") if "into raw.audit_log" in p.read_text(encoding="utf-8")]
    assert [p.name for p in inserts] == ["ledger.py"]


def test_trigger_comes_from_the_run_tags(monkeypatch):
    from orchestration.assets.ingest import triggered_by

    def context(tags):
        return SimpleNamespace(run=SimpleNamespace(tags=tags))

    assert triggered_by(context({"dagster/schedule_name": "weekly"})) == "schedule:weekly"
    assert triggered_by(context({"dagster/sensor_name": "landing_files"})) == "sensor:landing_files"
    assert triggered_by(context({})) == "manual"
    monkeypatch.delenv("LAGESBILD_OPERATOR", raising=False)
    assert LoadContext().operator  # the OS user when nothing is configured
    monkeypatch.setenv("LAGESBILD_OPERATOR", "ops-team")
    assert LoadContext().operator == "ops-team"


@pytest.mark.slow
@pytest.mark.xdist_group("marts_pipeline")
def test_audit_log_endpoint_pages_newest_first(lineage_snapshot, client):
    total = int(lineage_snapshot.query("select count(*) as n from audit_log")["n"][0])
    first = client.get("/api/v1/audit-log", params={"limit": 5}, headers=AUDITOR).json()
    second = client.get("/api/v1/audit-log", params={"limit": 5, "offset": 5}, headers=AUDITOR).json()
    assert first["total"] == total > 10 and first["next_offset"] == 5
    ids = [e["event_id"] for e in first["events"] + second["events"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 10
    assert {"run_id", "triggered_by", "operator", "action", "batch_id", "source_file"} <= set(first["events"][0])
    loaded = client.get("/api/v1/audit-log", params={"action": "quarantined", "limit": 1000}, headers=AUDITOR).json()
    assert loaded["total"] == len(loaded["events"]) > 0 and {e["action"] for e in loaded["events"]} == {"quarantined"}
    assert client.get("/api/v1/audit-log", params={"action": "edited"}, headers=AUDITOR).status_code == 422
    assert client.get("/api/v1/audit-log", headers={"X-API-Key": "demo-analyst-key"}).status_code == 403
