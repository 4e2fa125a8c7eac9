"""The thin slice end to end, through Dagster: demo files → ingest → dbt → mart → snapshot → API → dashboard."""

from __future__ import annotations

import duckdb
import pytest
from fastapi.testclient import TestClient

from tests.conftest import SMALL_DEMO_END, SMALL_DEMO_WEEKS

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("platform")]


@pytest.fixture(scope="module")
def slice_run(tmp_path_factory):
    from ingest.demo.generator import DemoConfig, generate
    from tests.platform import materialize_weeks

    data_dir = tmp_path_factory.mktemp("slice") / "data"
    config = DemoConfig(end_week=SMALL_DEMO_END, weeks=SMALL_DEMO_WEEKS, seed=7)
    summary = generate(config, data_dir / "landing", sources=("areas", "population", "est_reports", "police_crimes"))
    result = materialize_weeks(data_dir, config.first_week, config.end_week)
    return result, data_dir, summary


def test_every_asset_materialised_and_every_check_passed(slice_run):
    result, _, _ = slice_run
    assert result.success
    keys = {
        m.asset_key.to_user_string()
        for m in result.get_asset_materialization_events()
        and [e.event_specific_data.materialization for e in result.get_asset_materialization_events()]
    }
    assert {
        "raw/areas",
        "raw/population",
        "raw/est_reports",
        "staging/stg_est__reports",
        "marts/fct_area_week",
        "serving/snapshot",
    } <= keys
    evaluations = result.get_asset_check_evaluations()
    assert len(evaluations) >= 20, "dbt tests and ingest checks ran as asset checks"
    failed = [e.check_name for e in evaluations if not e.passed]
    assert failed == []


def test_row_counts_reconcile_with_the_generated_files(slice_run):
    _, data_dir, summary = slice_run
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        read, accepted, quarantined = con.execute(
            "select sum(rows_read), sum(rows_accepted), sum(rows_quarantined) from raw.batches "
            "where source = 'est_reports'"
        ).fetchall()[0]
        assert read == summary.est_reports == accepted + quarantined
        assert quarantined == len(summary.planted_faults) > 0
        stored = con.execute("select count(*) from raw.est_reports").fetchall()[0][0]
        assert stored == accepted
        mart_total = con.execute("select sum(n_est_reports) from marts.fct_area_week").fetchall()[0][0]
        staged = con.execute("select count(*) from staging.stg_est__reports").fetchall()[0][0]
        assert mart_total == staged == accepted  # every accepted report counted once, in one area and week
        n_areas = con.execute("select count(*) from staging.stg_geo__areas").fetchall()[0][0]
        n_rows = con.execute("select count(*) from marts.fct_area_week").fetchall()[0][0]
        assert n_rows == n_areas * SMALL_DEMO_WEEKS  # every area in every week, zeros included
    finally:
        con.close()


def test_dbt_materialisations_carry_the_row_count_of_their_table(slice_run):
    result, data_dir, _ = slice_run
    recorded = {}
    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization
        if "dagster/row_count" in materialization.metadata:
            recorded[tuple(materialization.asset_key.path[-2:])] = materialization.metadata["dagster/row_count"].value
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        for schema, table in (
            ("marts", "fct_area_week"),
            ("intermediate", "int_incidents"),
            ("reference", "harm_weights"),
            ("marts", "lineage_incidents"),
        ):
            assert recorded[(schema, table)] == con.execute(f"select count(*) from {schema}.{table}").fetchall()[0][0]
    finally:
        con.close()
    assert ("staging", "stg_est__reports") not in recorded  # views are not counted (counting runs their query)


def test_api_serves_the_published_mart(slice_run, monkeypatch):
    _, data_dir, _ = slice_run
    from api.app import create_app
    from api.settings import ApiSettings

    client = TestClient(create_app(ApiSettings(data_dir=data_dir)))
    status = client.get("/api/v1/status")
    assert status.status_code == 200
    snapshot_id = status.json()["snapshot_id"]
    assert status.headers["X-Snapshot-Id"] == snapshot_id
    assert status.json()["tables"]["fct_area_week"] > 0

    analyst = {"X-API-Key": "demo-analyst-key"}
    weeks = client.get("/api/v1/weeks", headers=analyst).json()
    assert weeks[0] == "2026-W10" and len(weeks) == SMALL_DEMO_WEEKS
    body = client.get("/api/v1/weekly-areas", params={"week": "2026-W10"}, headers=analyst).json()
    con = duckdb.connect(str(data_dir / "serving" / "current.duckdb"), read_only=True)
    expected = dict(
        con.execute("select area_id, n_est_reports from fct_area_week where week_start = date '2026-03-02'").fetchall()
    )
    con.close()
    assert {a["area_id"]: a["n_est_reports"] for a in body["areas"]} == expected
    assert sum(expected.values()) > 100

    assert client.get("/api/v1/weekly-areas", params={"week": "2026-W60"}, headers=analyst).status_code == 422
    assert client.get("/healthz").json() == {"status": "ok"}


def test_dashboard_embeds_plotly_without_cdn(slice_run):
    _, data_dir, _ = slice_run
    from api.app import create_app
    from api.settings import ApiSettings

    client = TestClient(create_app(ApiSettings(data_dir=data_dir)))
    page = client.get("/dashboard/weekly")
    assert page.status_code == 200
    assert '<script src="/static/plotly.min.js">' in page.text
    assert "cdn" not in page.text.lower()
    js = client.get("/static/plotly.min.js")
    assert js.status_code == 200 and len(js.content) > 1_000_000 and b"plotly" in js.content[:2000].lower()
