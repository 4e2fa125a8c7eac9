"""Fixtures of the lineage tests: the marts tests' shared build (30 generated weeks, loaded by the real loaders and
built by dbt once per test session) published as a serving snapshot exactly as the publish asset does, and an API
client over it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from tests.marts.conftest import BuiltMarts, built_marts  # noqa: F401 (the session's shared build, reused)

AUDITOR = {"X-API-Key": "demo-auditor-key"}


@dataclass(frozen=True)
class LineageSnapshot:
    marts: BuiltMarts
    path: Path

    def query(self, sql: str, params: list | None = None) -> pd.DataFrame:
        con = duckdb.connect(str(self.path), read_only=True)
        try:
            return con.execute(sql, params or []).df()
        finally:
            con.close()


@pytest.fixture(scope="session")
def lineage_snapshot(built_marts, tmp_path_factory) -> LineageSnapshot:  # noqa: F811
    from orchestration.assets.publish import BATCHES_QUERY, QUARANTINE_SUMMARY_QUERY, git_commit
    from orchestration.project import dbt_project
    from serving.lineage import AUDIT_LOG_QUERY, AUDIT_QUARANTINE_ROWS_QUERY, dbt_model_graph
    from serving.snapshot import publish_snapshot

    target = tmp_path_factory.mktemp("lineage") / "serving" / "current.duckdb"
    # No Dagster run built these marts (the marts fixture runs dbt directly), so the check results are one row
    # standing for the run's evaluations; the publish asset records the real ones.
    checks = pd.DataFrame(
        [
            {
                "run_id": "tests-marts",
                "asset_key": "marts/fct_area_week",
                "check_name": "gx_suite",
                "passed": True,
                "severity": "ERROR",
                "description": None,
                "evaluated_at": pd.Timestamp("2026-07-28"),
            }
        ]
    )
    publish_snapshot(
        warehouse=built_marts.warehouse,
        target=target,
        run_id="tests-marts",
        git_commit=git_commit() or "unknown",
        extra_queries={
            "audit_batches": BATCHES_QUERY,
            "audit_quarantine_summary": QUARANTINE_SUMMARY_QUERY,
            "audit_quarantine_rows": AUDIT_QUARANTINE_ROWS_QUERY,
            "audit_log": AUDIT_LOG_QUERY,
        },
        extra_frames={"run_checks": checks, "lineage_models": dbt_model_graph(dbt_project.manifest_path)},
    )
    return LineageSnapshot(built_marts, target)


@pytest.fixture(scope="session")
def client(lineage_snapshot) -> TestClient:
    from api.app import create_app
    from api.settings import ApiSettings

    return TestClient(
        create_app(ApiSettings(data_dir=lineage_snapshot.path.parent.parent, serving_path=lineage_snapshot.path))
    )
