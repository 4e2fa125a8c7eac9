"""The API tests read a snapshot published from the mart tests' warehouse (built once per session, see
tests/marts/conftest.py), so they add no pipeline run of their own."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from tests.marts.conftest import built_marts  # noqa: F401 - the shared, session-wide build

KEYS = {
    "public": "demo-public-key",
    "analyst": "demo-analyst-key",
    "scheduler": "demo-scheduler-key",
    "auditor": "demo-auditor-key",
}


def publish(warehouse: Path, target: Path) -> None:
    """Publish as the serving/snapshot asset does (same extra tables), with a made-up check result."""
    from orchestration.assets.publish import (
        BATCHES_QUERY,
        QUARANTINE_SUMMARY_QUERY,
        REFERENCE_QUERIES,
        freshness_query,
    )
    from orchestration.project import dbt_project
    from serving.lineage import AUDIT_LOG_QUERY, AUDIT_QUARANTINE_ROWS_QUERY, dbt_model_graph
    from serving.snapshot import publish_snapshot

    checks = pd.DataFrame(
        [
            {
                "run_id": "tests",
                "asset_key": "marts/fct_area_week",
                "check_name": "not_null",
                "passed": True,
                "severity": "ERROR",
                "description": "ok",
                "evaluated_at": pd.Timestamp("2026-07-28 06:00"),
            }
        ]
    )
    publish_snapshot(
        warehouse=warehouse,
        target=target,
        run_id="tests-api",
        git_commit=None,
        extra_queries={
            "source_freshness": freshness_query({"est_reports", "police_crimes", "police_events"}),
            "audit_batches": BATCHES_QUERY,
            "audit_quarantine_summary": QUARANTINE_SUMMARY_QUERY,
            "audit_quarantine_rows": AUDIT_QUARANTINE_ROWS_QUERY,
            "audit_log": AUDIT_LOG_QUERY,
            **{table: query for table, query in REFERENCE_QUERIES.values()},
        },
        extra_frames={"run_checks": checks, "lineage_models": dbt_model_graph(dbt_project.manifest_path)},
    )


@pytest.fixture(scope="session")
def served(built_marts, tmp_path_factory):  # noqa: F811
    """(data_dir, app) over a snapshot of the planted-effects marts (30 weeks to 2026-W31, two tertials)."""
    from api.app import create_app
    from api.settings import ApiSettings

    data_dir = tmp_path_factory.mktemp("api") / "data"
    publish(built_marts.warehouse, data_dir / "serving" / "current.duckdb")
    return data_dir, create_app(ApiSettings(data_dir=data_dir))


@pytest.fixture(scope="session")
def client(served) -> TestClient:
    return TestClient(served[1])


def key(role: str) -> dict[str, str]:
    return {"X-API-Key": KEYS[role]}
