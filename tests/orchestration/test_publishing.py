"""Safe publishing: a failed blocking check, a killed run and a busy API never disturb what is being served.

One small platform (five weeks published, a sixth week of files waiting) is built once; each test works on its own
copy of the data folder.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from tests.platform import materialize_weeks, resources_for

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("publishing")]

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """Weeks 1–5 loaded and published; the files of week 6 wait in ``pending/``."""
    from ingest.demo.generator import DemoConfig, generate

    root = tmp_path_factory.mktemp("publishing")
    config = DemoConfig(end_week=pd.Timestamp("2026-03-02").date(), weeks=6, seed=11, scale=0.4)
    generate(config, root / "all", sources=("areas", "population", "est_reports", "police_crimes"))
    data = root / "data"
    last_week = config.end_week
    stamp = f"{last_week.isocalendar().year}-W{last_week.isocalendar().week:02d}"
    for source_dir in (root / "all").iterdir():
        for path in source_dir.iterdir():
            target = (root / "pending" if stamp in path.name else data / "landing") / source_dir.name
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target / path.name)
    result = materialize_weeks(data, config.first_week, last_week - timedelta(weeks=1))
    assert result.success
    return root, data, config


def copy_platform(base, name: str) -> Path:
    root, data, _ = base
    target = root / name
    shutil.copytree(data, target)
    return target


def release_pending_week(base, data: Path) -> None:
    root, _, _ = base
    for source_dir in (root / "pending").iterdir():
        for path in source_dir.iterdir():
            shutil.copy2(path, data / "landing" / source_dir.name / path.name)


def wait_for_group_to_exit(group: int, timeout: float = 30.0) -> None:
    """The killed dbt child releases its warehouse lock only once it has exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)


def served_snapshot_id(data: Path) -> str:
    con = duckdb.connect(str(data / "serving" / "current.duckdb"), read_only=True)
    try:
        return con.execute("select snapshot_id from snapshot").fetchall()[0][0]
    finally:
        con.close()


def mart_tables(data: Path) -> dict[str, pd.DataFrame]:
    """Every mart table, sorted, without run metadata (run ids and load times differ run to run by design)."""
    con = duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
    try:
        names = [
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'marts' order by 1"
            ).fetchall()
        ]
        tables = {}
        for name in names:
            frame = con.execute(f'select * from marts."{name}"').df()
            frame = frame.drop(columns=[c for c in frame.columns if c in ("run_id", "loaded_at", "built_at")])
            tables[name] = frame.sort_values(list(frame.columns)).reset_index(drop=True)
        return tables
    finally:
        con.close()


def test_a_failed_blocking_check_keeps_the_last_good_snapshot(base):
    data = copy_platform(base, "blocking")
    _, _, config = base
    before = served_snapshot_id(data)
    release_pending_week(base, data)
    # Corrupt the ledger: it now claims one more accepted row than the raw table holds for a batch.
    con = duckdb.connect(str(data / "warehouse.duckdb"))
    con.execute(
        "update raw.batches set rows_accepted = rows_accepted + 1 "
        "where batch_id = (select min(batch_id) from raw.batches where source = 'est_reports')"
    )
    con.close()
    result = materialize_weeks(data, config.end_week, config.end_week, raise_on_error=False)
    failed = [e for e in result.get_asset_check_evaluations() if not e.passed]
    assert [(e.asset_key.to_user_string(), e.check_name) for e in failed] == [("raw/est_reports", "reconciles")]
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert "serving/snapshot" not in materialized and "marts/fct_area_week" not in materialized
    assert served_snapshot_id(data) == before


def test_killed_run_keeps_serving_and_the_rerun_matches_an_uninterrupted_run(base):
    _, _, config = base
    killed = copy_platform(base, "killed")
    reference = copy_platform(base, "reference")
    for data in (killed, reference):
        release_pending_week(base, data)
    before = served_snapshot_id(killed)

    # 1. Start the weekly refresh of week 6 in another process and SIGKILL it while dbt is writing the warehouse.
    script = (
        "import sys; from datetime import date; from pathlib import Path;"
        "from tests.platform import materialize_weeks;"
        f"materialize_weeks(Path({str(killed)!r}), date.fromisoformat({config.end_week.isoformat()!r}),"
        f" date.fromisoformat({config.end_week.isoformat()!r}))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAGESBILD_")}
    # A session of its own: dagster-dbt runs dbt as a child process, and a killed run (an OOM kill, a container
    # stop) takes its whole process group down, dbt included.
    process = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    seen = []
    deadline = time.monotonic() + 240
    for line in process.stdout:
        seen.append(line)
        if "Running dbt command" in line or time.monotonic() > deadline:
            break
    time.sleep(1.0)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    wait_for_group_to_exit(process.pid)
    assert any("Running dbt command" in line for line in seen), "".join(seen[-20:])

    # 2. The previous snapshot is still served, intact.
    assert served_snapshot_id(killed) == before

    # 3. The next run completes while the API is queried non-stop; every response comes from one snapshot.
    from api.app import create_app
    from api.settings import ApiSettings

    client = TestClient(create_app(ApiSettings(data_dir=killed)))
    stop = threading.Event()
    responses, errors = [], []

    def query():
        while not stop.is_set():
            try:
                response = client.get("/api/v1/status")
                responses.append(
                    (response.status_code, response.headers.get("X-Snapshot-Id"), response.json().get("snapshot_id"))
                )
            except Exception as exc:  # noqa: BLE001 - any error is a failure of the test
                errors.append(repr(exc))

    reader = threading.Thread(target=query)
    reader.start()
    try:
        result = materialize_weeks(killed, config.end_week, config.end_week)
        assert result.success
        from orchestration.assets.publish import serving_snapshot

        for _ in range(4):  # refresh after refresh: publish again and again while reads go on
            assert dg.materialize([serving_snapshot], resources=resources_for(killed)).success
    finally:
        stop.set()
        reader.join()
    assert errors == []
    assert len(responses) > 20
    assert all(code == 200 for code, _, _ in responses)
    assert all(header == body for _, header, body in responses)  # header and body from the same snapshot
    assert len({header for _, header, _ in responses}) >= 3  # the swaps were seen by the reader

    # 4. Marts equal those of a run that was never interrupted.
    assert materialize_weeks(reference, config.end_week, config.end_week).success
    got, expected = mart_tables(killed), mart_tables(reference)
    assert got.keys() == expected.keys() and got
    for name in expected:
        pd.testing.assert_frame_equal(got[name], expected[name], check_dtype=False, obj=name)
