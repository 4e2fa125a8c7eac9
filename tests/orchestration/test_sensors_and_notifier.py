"""The landing sensor (cursor, grouping, what it materialises) and the notifier."""

from __future__ import annotations

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import dagster as dg
import pytest

from orchestration.notifier import Notifier
from orchestration.resources import WarehouseResource
from orchestration.sensors import landing_sensor


@pytest.fixture()
def data_dir(tmp_path):
    for source, name in [
        ("est_reports", "est_reports_2026-W10.csv"),
        ("est_reports", "est_reports_2026-W11.csv"),
        ("police_crimes", "police_crimes_2026-W11.csv"),
        ("areas", "districts.geojson"),
    ]:
        folder = tmp_path / "landing" / source
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text("placeholder", encoding="utf-8")
    return tmp_path


def evaluate(data_dir: Path, cursor: str | None):
    from orchestration.definitions import defs

    instance = dg.DagsterInstance.ephemeral()
    context = dg.build_sensor_context(
        instance=instance,
        cursor=cursor,
        definitions=defs,
        resources={"warehouse": WarehouseResource(data_dir=str(data_dir))},
    )
    result = landing_sensor(context)
    requests = list(result) if result is not None else []
    return requests, context.cursor


def test_sensor_requests_one_run_per_source_and_week_then_nothing(data_dir):
    requests, cursor = evaluate(data_dir, None)
    by_partition = {(r.tags["lagesbild/files"], r.partition_key) for r in requests}
    assert ("est_reports_2026-W10.csv", "2026-03-02") in by_partition
    assert ("est_reports_2026-W11.csv", "2026-03-09") in by_partition
    assert ("police_crimes_2026-W11.csv", "2026-03-09") in by_partition
    assert len(requests) == 4  # the area layer has no week: it refreshes the latest complete week
    est = next(r for r in requests if r.partition_key == "2026-03-02")
    selected = {k.to_user_string() for k in est.asset_selection}
    assert "raw/est_reports" in selected and "serving/snapshot" in selected
    assert "raw/police_crimes" not in selected and "raw/areas" not in selected  # only what the file affects
    assert "staging/stg_est__reports" in selected and "staging/stg_police__crimes" not in selected

    # The cursor remembers every file: the next tick (or a restarted daemon) requests nothing.
    again, _ = evaluate(data_dir, cursor)
    assert again == []
    assert set(json.loads(cursor)) == {
        "est_reports/est_reports_2026-W10.csv",
        "est_reports/est_reports_2026-W11.csv",
        "police_crimes/police_crimes_2026-W11.csv",
        "areas/districts.geojson",
    }


def test_sensor_picks_up_a_new_file_once(data_dir):
    _, cursor = evaluate(data_dir, None)
    new = data_dir / "landing" / "est_reports" / "est_reports_2026-W12.csv"
    new.write_text("placeholder", encoding="utf-8")
    requests, cursor = evaluate(data_dir, cursor)
    assert [(r.partition_key, r.tags["lagesbild/files"]) for r in requests] == [
        ("2026-03-16", "est_reports_2026-W12.csv")
    ]
    first_key = requests[0].run_key
    # A rewritten file (new content) is a new file; its run key differs, so Dagster will not deduplicate it away.
    new.write_text("corrected placeholder", encoding="utf-8")
    os.utime(new, (new.stat().st_atime, new.stat().st_mtime + 5))
    requests, _ = evaluate(data_dir, cursor)
    assert len(requests) == 1 and requests[0].run_key != first_key


def test_notifier_writes_the_alert_log_by_default(tmp_path):
    notifier = Notifier(log_path=str(tmp_path / "logs" / "alerts.log"))
    delivered = notifier.notify(
        "run_failure", "run of weekly_refresh failed", {"run_id": "abc", "partition": "2026-11-16"}
    )
    assert delivered == ["log"]
    lines = (tmp_path / "logs" / "alerts.log").read_text().splitlines()
    record = json.loads(lines[-1])
    assert record["kind"] == "run_failure" and record["run_id"] == "abc" and record["partition"] == "2026-11-16"


def test_notifier_posts_to_a_webhook_when_configured(tmp_path, monkeypatch):
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("LAGESBILD_ALERT_WEBHOOK_URL", f"http://127.0.0.1:{server.server_port}/hook")
        notifier = Notifier.from_environment(str(tmp_path))
        assert notifier.notify("check_failure", "check reconciles failed", {"asset": "raw/est_reports"}) == [
            "webhook",
            "log",
        ]
    finally:
        server.shutdown()
    assert "check reconciles failed" in received[0]["text"]
    assert (tmp_path / "logs" / "alerts.log").exists()


def test_unreachable_webhook_is_logged_not_raised(tmp_path):
    notifier = Notifier(log_path=str(tmp_path / "alerts.log"), webhook_url="http://127.0.0.1:9/unreachable")
    assert notifier.notify("run_failure", "x", {}) == ["log"]
    assert "delivery_problems" in json.loads((tmp_path / "alerts.log").read_text())


def test_run_failure_sensor_notifies(tmp_path):
    from orchestration.sensors import notify_run_failure

    @dg.op
    def explode():
        raise RuntimeError("boom")

    @dg.job
    def failing():
        explode()

    instance = dg.DagsterInstance.ephemeral()
    result = failing.execute_in_process(instance=instance, raise_on_error=False)
    failure = next(e for e in result.all_events if e.event_type_value == "PIPELINE_FAILURE")
    context = dg.build_run_status_sensor_context(
        sensor_name="notify_run_failure",
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        dagster_event=failure,
        resources={"notifier": Notifier(log_path=str(tmp_path / "alerts.log"))},
    ).for_run_failure()
    notify_run_failure(context)
    record = json.loads((tmp_path / "alerts.log").read_text().splitlines()[-1])
    assert record["kind"] == "run_failure" and record["job"] == "failing" and record["run_id"] == result.run_id


def test_every_landing_source_requests_a_selection_the_job_can_run():
    """The sensor's selection for a source must be a valid subset of weekly_refresh: a multi-asset that cannot
    run in part (the guard forecast and plans) is taken whole (`make demo`'s sensor failed on this)."""
    from ingest.settings import SOURCES
    from orchestration.definitions import defs
    from orchestration.sensors import affected_assets

    graph = defs.resolve_asset_graph()
    job = defs.resolve_job_def("weekly_refresh")
    job_keys = {node.key for node in job.asset_layer.asset_graph.asset_nodes if node.is_executable}
    checked = 0
    for source in SOURCES:
        key = dg.AssetKey(["raw", source])
        if not graph.has(key):
            continue
        selection = affected_assets(graph, key, job_keys)
        assert key in selection
        job.get_subset(asset_selection=selection)  # raises DagsterInvalidSubsetError when a multi-asset is split
        checked += 1
    assert checked >= 4


def test_files_already_loaded_are_remembered_without_a_run(data_dir):
    """After `make refresh` the daemon's first tick must not queue a run for every week again; a corrected file
    with the same name (new content) still triggers one."""
    import duckdb

    from ingest import ledger
    from ingest.loader import file_sha256

    loaded = data_dir / "landing" / "est_reports" / "est_reports_2026-W10.csv"
    (loaded.parent / "est_reports_2026-W11.csv").write_text("another week", encoding="utf-8")  # other content
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"))
    ledger.ensure_ledger(con)
    con.execute(
        """insert into raw.batches (batch_id, batch_seq, source, source_file, source_path, source_sha256,
                   status, rows_read, rows_accepted, rows_quarantined, loaded_at)
                   values ('est_reports:x', 1, 'est_reports', ?, ?, ?, 'loaded', 1, 1, 0, now())""",
        [loaded.name, str(loaded), file_sha256(loaded)],
    )
    con.close()
    requests, cursor = evaluate(data_dir, None)
    files = {r.tags["lagesbild/files"] for r in requests}
    assert "est_reports_2026-W10.csv" not in files and "est_reports_2026-W11.csv" in files
    assert "est_reports/est_reports_2026-W10.csv" in json.loads(cursor)  # remembered

    loaded.write_text("corrected content", encoding="utf-8")
    again, _ = evaluate(data_dir, cursor)
    assert [r.tags["lagesbild/files"] for r in again] == ["est_reports_2026-W10.csv"]
