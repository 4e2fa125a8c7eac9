"""Fixtures of the mart tests: a small generated municipality with planted effects, ingested and built by dbt once
per test session (worker) into a temporary warehouse."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "dbt_project" / "seeds"

# 30 weeks from Monday 2026-01-05 to Monday 2026-07-27 at half the demo's volume. Planted: an emerging problem at
# Stenhagens centrum from week 21 (×7 for gatherings, vandalism, disorder and drugs, both sources), and +80 % for
# everything in Gränby from the start of tertial 2026-T2.
PIPELINE_END = date(2026, 7, 27)
PIPELINE_WEEKS = 30
STENHAGEN_START = date(2026, 5, 25)
GRANBY_START = date(2026, 5, 1)


@dataclass(frozen=True)
class BuiltMarts:
    data_dir: Path
    warehouse: Path
    dbt_seconds: float

    def query(self, sql: str, params: list | None = None) -> pd.DataFrame:
        con = duckdb.connect(str(self.warehouse), read_only=True)
        try:
            return con.execute(sql, params or []).df()
        finally:
            con.close()


def planted_effects():
    from ingest.demo.generator import Effect

    return (
        Effect(
            "stenhagen_emerging",
            "A gathering and vandalism problem emerges at Stenhagens centrum",
            "p_stenhagens_centrum",
            STENHAGEN_START,
            None,
            7.0,
            ("samling_personer", "skadegorelse", "ordningsstorning", "narkotika"),
        ),
        Effect(
            "granby_increase", "Everything in Gränby rises by 80 % from a tertial on", "granby", GRANBY_START, None, 1.8
        ),
    )


@pytest.fixture(scope="session")
def built_marts(tmp_path_factory) -> BuiltMarts:
    """Built once per test session even across pytest-xdist workers: the first worker builds under a lock in the
    session's shared temporary folder, the others wait and read the same warehouse (read-only). (xdist_group marks
    do not keep tests on one worker with pytest 9, whose nodeids xdist 3.8 can no longer suffix.)"""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base  # xdist: .../pytest-N/popen-gwX
    root = shared / "marts_pipeline"
    with open(shared / "marts_pipeline.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not (root / "built").exists():
                seconds = _build(root)
                (root / "built").write_text(f"{seconds:.1f}")
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return BuiltMarts(root / "data", root / "data" / "warehouse.duckdb", float((root / "built").read_text()))


def _build(root: Path) -> float:
    from ingest.demo.generator import DemoConfig, generate
    from ingest.ledger import LoadContext
    from ingest.pipeline import connect_warehouse, load_source
    from ingest.settings import PlatformSettings

    data_dir = root / "data"
    config = DemoConfig(
        end_week=PIPELINE_END, weeks=PIPELINE_WEEKS, seed=11, scale=0.5, formats=False, effects=planted_effects()
    )
    generate(config, data_dir / "landing")
    settings = PlatformSettings(data_dir=data_dir)
    con = connect_warehouse(settings)
    try:
        for source in ("areas", "population", "est_reports", "police_crimes", "police_events", "bra_indicators"):
            load = load_source(source, con, settings, LoadContext(run_id="tests-marts"))
            assert not load.failed, [r.error for r in load.failed]
    finally:
        con.close()

    # A separate process (dbt's thread pool and adapter state stay out of the test workers), with its own target and
    # log paths: the shared dbt_project/target holds the manifest other tests load. The dbt data tests are left to
    # the platform slice test and `make refresh`, which build the same models from the same generator; the unit
    # tests run here.
    started = time.perf_counter()
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            "build",
            "--profiles-dir",
            ".",
            "--target-path",
            str(root / "target"),
            "--log-path",
            str(root / "logs"),
            "--exclude",
            "test_type:data",
        ],
        cwd=REPO / "dbt_project",
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "DBT_DUCKDB_PATH": str(settings.warehouse), "DO_NOT_TRACK": "1"},
    )
    seconds = time.perf_counter() - started
    assert result.returncode == 0, result.stdout[-6000:]
    print(f"dbt build of the planted-effects data: {seconds:.1f} s")
    return seconds
