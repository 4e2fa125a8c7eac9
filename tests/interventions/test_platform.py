"""End to end on generated data: planted interventions (and two guard visits) → ingest → dbt → snapshot → API.

The generator plants a hot spot that an intervention removes, an intervention with no effect, one whose hot spot
moves into the displacement buffer, and one that started too recently (ingest/demo/interventions.py). One dbt
invocation builds only what the follow-up needs, with the data tests of the intervention models."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

REPO = Path(__file__).resolve().parents[2]
END_WEEK = date(2026, 3, 2)
WEEKS = 16
VISITS = [
    {
        "visit_id": f"v{i}",
        "visit_date": day,
        "unit_id": "g1",
        "place_id": "p_resecentrum",
        "arrived_at": f"{day}T18:00:00+01:00",
        "departed_at": f"{day}T18:15:00+01:00",
        "source": "app",
    }
    for i, day in enumerate(("2026-02-06", "2026-02-12"))
]


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    from ingest.demo.generator import DemoConfig, generate
    from ingest.ledger import LoadContext
    from ingest.pipeline import connect_warehouse, load_source
    from ingest.settings import PlatformSettings
    from serving.snapshot import publish_snapshot

    data_dir = tmp_path_factory.mktemp("interventions_platform") / "data"
    config = DemoConfig(
        end_week=END_WEEK, weeks=WEEKS, seed=7, scale=0.3, formats=False, effects=(), planted_interventions=True
    )
    generate(config, data_dir / "landing", sources=("areas", "est_reports", "police_crimes", "interventions"))
    (data_dir / "landing" / "guard_visits").mkdir()
    (data_dir / "landing" / "guard_visits" / "checkins.json").write_text(json.dumps(VISITS), encoding="utf-8")
    settings = PlatformSettings(data_dir=data_dir)
    con = connect_warehouse(settings)
    try:
        loads = {
            source: load_source(source, con, settings, LoadContext(run_id="tests-interventions"))
            for source in ("areas", "est_reports", "police_crimes", "interventions", "guard_visits")
        }
    finally:
        con.close()
    assert not any(load.failed for load in loads.values())
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            "build",
            "--profiles-dir",
            ".",
            "--target-path",
            str(data_dir / "target"),
            "--log-path",
            str(data_dir / "logs"),
            "--indirect-selection",
            "empty",
            # What the follow-up needs, and the data tests of the intervention models only (the upstream models'
            # tests run in the marts and platform tests).
            "--select",
            "+fct_intervention_followup,resource_type:model",
            "+fct_intervention_followup,resource_type:seed",
            "+fct_interventions,resource_type:model",
            "test_type:data,*intervention*",
            "test_type:data,*guards__visits*",
        ],
        cwd=REPO / "dbt_project",
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "DBT_DUCKDB_PATH": str(settings.warehouse), "DO_NOT_TRACK": "1"},
    )
    assert result.returncode == 0, result.stdout[-6000:]
    publish_snapshot(warehouse=settings.warehouse, target=settings.serving, run_id="t", git_commit=None)
    from api.app import create_app
    from api.settings import ApiSettings

    return loads, result.stdout, TestClient(create_app(ApiSettings(data_dir=data_dir)))


def test_follow_up_finds_what_was_planted(platform):
    loads, dbt_log, client = platform
    assert (loads["interventions"].rows_accepted, loads["interventions"].rows_quarantined) == (4, 0)
    assert "fct_intervention_followup" in dbt_log and " ERROR=0 " in dbt_log
    assert "expression_is_true_fct_intervention_followup" in dbt_log  # the mart's own data tests ran

    headers = {"X-API-Key": "demo-analyst-key"}
    listed = {r["intervention_id"]: r for r in client.get("/api/v1/interventions", headers=headers).json()}
    guard = listed["guard:p_resecentrum:2026-02-06"]
    assert (guard["intervention_type"], guard["origin"], guard["area_id"]) == (
        "guard_presence",
        "guard_visits",
        "centrum",
    )
    assert listed["demo-hotspot-removed"]["type_label_sv"] == "Städning/klottersanering"

    response = client.get("/api/v1/interventions/follow-up", headers=headers)
    assert response.status_code == 200
    rows = {r["intervention_id"]: r for r in response.json()["interventions"]}
    removed, nothing, moved = rows["demo-hotspot-removed"], rows["demo-no-effect"], rows["demo-displacement"]

    assert removed["verdict"] == "decrease, likely real"
    assert removed["target_post"] < removed["target_pre"] / 2 and removed["wdd"] < 0
    assert removed["wdd_z"] < -1.96 and removed["wdd_ci_high"] < 0

    assert nothing["verdict"] == "no detectable change"
    assert abs(nothing["wdd_z"]) < 1.96 and nothing["wdd_ci_low"] < 0 < nothing["wdd_ci_high"]

    assert moved["verdict"] == "possible displacement"
    assert moved["buffer_z"] > 1.96 and moved["buffer_post"] > moved["buffer_pre"]
    assert moved["target_z"] < -1.96 and abs(moved["wdd_z"]) < 1.96  # the problem moved; nothing was gained

    assert (removed["start_date"], removed["pre_window_start"]) == ("2026-01-12", "2025-11-17")
    assert rows["demo-too-early"]["verdict"] == "too early" and rows["demo-too-early"]["unit_kind"] == "area"
    assert rows["guard:p_resecentrum:2026-02-06"]["verdict"] == "too early"
    assert all(r["window_weeks"] == 8 for r in rows.values())
    features = client.get("/api/v1/interventions/map", headers=headers).json()["features"]
    assert sum(f["properties"]["intervention_id"] == "demo-hotspot-removed" for f in features) == 7  # cell + ring
