"""Reproducibility: re-running a past week's refresh from the same source files gives byte-identical mart rows
(run metadata aside). On a copy of the marts tests' 30 built weeks: ingest the same landing files again (every
file is recognised by its sha256 and skipped, the raw zone is untouched) and rebuild that week's window with dbt as
the weekly dbt asset does, then compare every mart table exactly."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from tests.orchestration.test_publishing import mart_tables

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("marts_pipeline")]

REPO = Path(__file__).resolve().parents[2]
PAST_WEEK = datetime(2026, 5, 11)  # week 20 of the 30 built weeks


def test_rerunning_a_past_week_reproduces_the_marts_exactly(lineage_snapshot, tmp_path):
    from ingest.ledger import LoadContext
    from ingest.pipeline import connect_warehouse, load_source
    from ingest.settings import PlatformSettings
    from orchestration.partitions import dbt_window

    data = tmp_path / "data"
    shutil.copytree(lineage_snapshot.marts.data_dir, data)
    before = mart_tables(data)

    settings = PlatformSettings(data_dir=data)
    con = connect_warehouse(settings)
    try:
        raw_before = con.execute("select count(*), max(batch_seq) from raw.batches").fetchall()
        for source in ("areas", "population", "est_reports", "police_crimes", "police_events", "bra_indicators"):
            load = load_source(source, con, settings, LoadContext(run_id="rerun"))
            assert load.results and {r.status for r in load.results} == {"skipped_duplicate"}, source
        assert con.execute("select count(*), max(batch_seq) from raw.batches").fetchall() == raw_before
    finally:
        con.close()

    window = dbt_window(PAST_WEEK, PAST_WEEK + timedelta(weeks=1))
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            "run",
            "--exclude",
            "tag:tertial",
            "--vars",
            json.dumps(window, sort_keys=True),
            "--profiles-dir",
            ".",
            "--target-path",
            str(tmp_path / "target"),
            "--log-path",
            str(tmp_path / "logs"),
        ],
        cwd=REPO / "dbt_project",
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "DBT_DUCKDB_PATH": str(settings.warehouse), "DO_NOT_TRACK": "1"},
    )
    assert result.returncode == 0, result.stdout[-4000:]
    assert "fct_area_week" in result.stdout  # the incremental weekly marts were rebuilt for the window

    after = mart_tables(data)
    assert after.keys() == before.keys() and {"fct_area_week", "fct_place_week", "lineage_incidents"} <= set(after)
    rebuilt = after["fct_area_week"]
    assert (pd.to_datetime(rebuilt["week_start"]) == PAST_WEEK).sum() > 0
    for name in before:
        pd.testing.assert_frame_equal(after[name], before[name], check_exact=True, obj=name)
