"""Guard scheduling through the platform: Dagster assets → snapshot → API and dashboard; visits back through
landing files into the raw zone."""

from __future__ import annotations

import json
from datetime import date, timedelta

import duckdb
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import ApiSettings
from ingest.ledger import LoadContext
from ingest.pipeline import connect_warehouse, load_source
from ingest.reconcile import reconcile
from ingest.settings import PlatformSettings
from serving import tables as registry

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("guards_platform")]

SCHEDULER = {"X-API-Key": "demo-scheduler-key"}
ANALYST = {"X-API-Key": "demo-analyst-key"}


@pytest.fixture(scope="module")
def client(guard_platform):
    _, data_dir = guard_platform
    return TestClient(create_app(ApiSettings(data_dir=data_dir)))


@pytest.fixture(scope="module")
def published(client):
    dates = client.get("/api/v1/guard-schedules/dates", headers=SCHEDULER).json()
    places = client.get("/api/v1/guard-schedules/places", headers=SCHEDULER).json()
    return dates, places


def test_assets_materialise_publish_and_pass_their_checks(guard_platform):
    result, data_dir = guard_platform
    assert result.success
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks == {"every_plan_passes_the_checker": True, "recommended_beats_naive": True}
    con = duckdb.connect(str(data_dir / "serving" / "current.duckdb"), read_only=True)
    try:
        tables = dict(con.execute("select table_name, estimated_size from duckdb_tables()").fetchall())
        assert set(registry.names("guard")) <= set(tables)
        version, cutoff, week = con.execute(
            "select distinct forecast_model_version, data_cutoff, target_week_start from dim_guard_places"
        ).fetchall()[0]
        assert version.startswith("place-blend-v1(alpha=0.5") and str(cutoff).startswith("2026-03-09")
        assert week == date(2026, 3, 9)
        per_day = con.execute(
            "select plan_date, variant, risk_weighted_coverage, plan_value "
            "from fct_guard_plan_metrics order by plan_date, variant"
        ).fetchall()
        assert [d for d, *_ in per_day] == [date(2026, 3, 9)] * 3 + [date(2026, 3, 10)] * 3
        rwc = {(d, v): r for d, v, r, _ in per_day}
        value = {(d, v): x for d, v, _, x in per_day}
        for day in (date(2026, 3, 9), date(2026, 3, 10)):
            assert rwc[day, "recommended"] > 1.1 * rwc[day, "naive_topk"]
            assert value[day, "recommended"] >= value[day, "greedy"] - 1e-9
        # every unit visits something and every visit carries the forecast's provenance
        assert (
            con.execute(
                "select count(*) from fct_guard_plan_visits where forecast_model_version = ?", [version]
            ).fetchall()[0][0]
            > 20
        )
    finally:
        con.close()


def test_roles_no_key_401_wrong_role_403_scheduler_200(client, published):
    dates, _ = published
    day = dates["dates"][0]
    for method, url, body in (
        ("get", f"/api/v1/guard-schedules?date={day}", None),
        ("get", "/api/v1/guard-schedules/places", None),
        ("post", "/api/v1/guard-schedules/recommendation", {"date": day}),
        ("post", "/api/v1/guard-visits", {}),
    ):
        assert client.request(method, url, json=body).status_code == 401, url
        assert client.request(method, url, json=body, headers={"X-API-Key": "wrong"}).status_code == 401, url
        forbidden = client.request(method, url, json=body, headers=ANALYST)
        assert forbidden.status_code == 403 and "scheduler" in forbidden.json()["detail"], url
    assert client.get(f"/api/v1/guard-schedules?date={day}", headers=SCHEDULER).status_code == 200


def test_published_schedule_has_visits_metrics_and_provenance(client, published):
    dates, _ = published
    body = client.get(f"/api/v1/guard-schedules?date={dates['dates'][0]}", headers=SCHEDULER).json()
    assert body["source"] == "published" and set(body["schedule"]) == {"g1", "g2"}
    visits = body["schedule"]["g1"]
    assert len(visits) >= 8
    assert visits[0]["arrive"].startswith(f"{dates['dates'][0]}T") and visits[0]["arrive"].endswith("+01:00")
    assert all(v["arrive"] < v["depart"] for v in visits)
    assert body["units"]["g1"]["break_start"] is not None
    metrics = body["metrics"]
    assert metrics["risk_weighted_coverage"] > metrics["baseline_naive_topk_rwc"]
    assert metrics["improvement_vs_naive_pct"] > 10
    assert body["forecast_model_version"].startswith("place-blend-v1") and body["data_cutoff"].startswith("2026-03-09")
    missing = client.get("/api/v1/guard-schedules?date=2030-01-01", headers=SCHEDULER)
    assert missing.status_code == 404 and "published dates" in missing.json()["detail"]


def test_on_demand_recommendation_with_constraints(client, published):
    dates, places = published
    named = [p for p in places if p["kind"] == "named"]
    pinned, excluded = named[-1]["place_id"], named[0]["place_id"]  # the weakest named place; the strongest
    response = client.post(
        "/api/v1/guard-schedules/recommendation",
        headers=SCHEDULER,
        json={
            "date": dates["dates"][0],
            "shift": {"start": "16:00", "end": "22:00"},
            "units": [{"id": "team", "guards": 2, "break": {"earliest": "18:00", "latest": "20:00", "minutes": 30}}],
            "pinned_places": [pinned],
            "excluded_places": [excluded],
            "params": {"solver_time_limit_s": 5, "n_variants": 3, "seed": 42},
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    visited = [v["place_id"] for v in body["schedule"]["team"]]
    assert pinned in visited and excluded not in visited
    assert body["source"] == "on_demand" and body["seed"] == 42 and body["units"]["team"]["guards"] == 2
    assert all(
        v["arrive"] >= body["shift_start"] and v["depart"] <= body["shift_end"] for v in body["schedule"]["team"]
    )
    assert body["solver_status"] in {"OPTIMAL", "FEASIBLE"}
    assert "pinned" in next(v for v in body["schedule"]["team"] if v["place_id"] == pinned)["reason_codes"]


def test_bad_requests_get_a_4xx_with_the_reason(client, published):
    dates, places = published
    day = dates["dates"][0]

    def post(**body):
        return client.post(
            "/api/v1/guard-schedules/recommendation",
            headers=SCHEDULER,
            json={"date": day, "params": {"solver_time_limit_s": 1, "n_variants": 1}, **body},
        )

    backwards = post(shift={"start": "22:00", "end": "15:00"})
    assert backwards.status_code == 422 and "ends (15:00) before it starts (22:00)" in backwards.text
    unknown = post(pinned_places=["p_atlantis"])
    assert unknown.status_code == 422 and "unknown pinned places: p_atlantis" in unknown.json()["detail"]
    far = max(
        (p for p in places if p["kind"] != "depot"), key=lambda p: abs(p["lat"] - 59.8594) + abs(p["lon"] - 17.6455) / 2
    )
    unreachable = post(
        pinned_places=[far["place_id"]], shift={"start": "15:00", "end": "15:25"}, units=[{"id": "g1", "break": None}]
    )
    assert unreachable.status_code == 422
    assert "cannot be reached within the shift" in unreachable.json()["detail"]
    outside = post(date="2031-06-01")
    assert outside.status_code == 422 and "published forecast covers" in outside.json()["detail"]
    assert post(units=[{"id": "g1", "guards": 2}, {"id": "g2"}]).status_code == 422
    assert post(params={"dwell_min": 2}).status_code == 422
    assert post(surprise=True).status_code == 422
    assert client.get("/api/v1/guard-schedules?date=13/03/2026", headers=SCHEDULER).status_code == 422


def test_visits_are_validated_idempotent_and_reach_the_raw_zone(client, published, guard_platform):
    _, data_dir = guard_platform
    dates, places = published
    place = next(p["place_id"] for p in places if p["kind"] == "named")
    day = date.fromisoformat(dates["dates"][0]) - timedelta(days=7)  # a shift that has happened
    visit = {
        "visit_id": "v-0001",
        "date": day.isoformat(),
        "unit_id": "g1",
        "place_id": place,
        "arrived_at": f"{day}T17:05:00",
        "departed_at": f"{day}T17:21:00",
        "source": "app",
    }
    first = client.post("/api/v1/guard-visits", headers=SCHEDULER, json=visit)
    assert first.status_code == 201 and first.json()["status"] == "recorded"
    again = client.post("/api/v1/guard-visits", headers=SCHEDULER, json=visit)
    assert again.status_code == 200 and again.json() == {**first.json(), "status": "unchanged"}
    changed = client.post("/api/v1/guard-visits", headers=SCHEDULER, json={**visit, "departed_at": f"{day}T17:30:00"})
    assert changed.status_code == 409 and "different content" in changed.json()["detail"]
    bad = client.post(
        "/api/v1/guard-visits", headers=SCHEDULER, json={**visit, "visit_id": "v-2", "departed_at": f"{day}T16:00:00"}
    )
    assert bad.status_code == 422 and "departed_at must be after arrived_at" in bad.text
    unknown = client.post(
        "/api/v1/guard-visits", headers=SCHEDULER, json={**visit, "visit_id": "v-3", "place_id": "p_nowhere"}
    )
    assert unknown.status_code == 422 and "unknown place" in unknown.json()["detail"]

    settings = PlatformSettings(data_dir=data_dir)
    landing = list(settings.landing("guard_visits").glob("*.json"))
    assert [p.name for p in landing] == [first.json()["landing_file"]]
    with connect_warehouse(settings) as con:
        load = load_source("guard_visits", con, settings, LoadContext(run_id="test", triggered_by="test"))
        assert (load.rows_read, load.rows_accepted, load.rows_quarantined) == (1, 1, 0)
        assert reconcile(con, "guard_visits", "raw.guard_visits").ok
        row = con.execute(
            "select visit_id, visit_date, place_id, arrived_at, source, recorded_by from raw.guard_visits"
        ).fetchall()
    assert row == [("v-0001", day, place, row[0][3], "app", "demo scheduler")]
    assert row[0][3].hour == 16  # 17:05 in Stockholm (UTC+1) is stored as 16:05 UTC


def test_the_plan_page_is_served_with_the_key_handling_and_local_plotly(client):
    page = client.get("/dashboard/guards")
    assert page.status_code == 200
    html = page.text
    assert '<script src="/static/plotly.min.js"></script>' in html
    assert "X-API-Key" in html and "localStorage" in html and "URLSearchParams" in html
    for endpoint in ("/api/v1/guard-schedules/dates", "/api/v1/guard-schedules/map", "/api/v1/guard-schedules?date="):
        assert endpoint in html
    assert "cdn" not in html.lower() and "tile" not in html.lower()
    assert client.get("/api/v1/guard-schedules/map", headers=SCHEDULER).json()["features"][0]["geometry"]["type"] in {
        "Polygon",
        "MultiPolygon",
    }


def test_guard_visit_files_are_validated_with_reasons(tmp_path):
    from ingest.sources.guard_visits import GuardVisitsSource

    good = {
        "visit_id": "a",
        "visit_date": "2026-03-02",
        "unit_id": "g1",
        "place_id": "p_x",
        "arrived_at": "2026-03-02T17:00:00+01:00",
        "departed_at": "2026-03-02T17:15:00+01:00",
    }
    path = tmp_path / "visits.json"
    path.write_text(
        json.dumps(
            {
                "visits": [
                    good,
                    {**good, "visit_id": "b", "departed_at": "2026-03-02T16:00:00+01:00"},
                    {**good, "visit_id": "c", "place_id": ""},
                    {**good, "visit_id": "d", "source": "rumour"},
                    {**good, "visit_id": "e", "arrived_at": "igår"},
                    {**good, "visit_id": "a"},
                ]
            }
        ),
        encoding="utf-8",
    )
    source = GuardVisitsSource()
    raw = source.read(path)
    accepted, rejections = source.validate(raw, LoadContext(run_id="t", triggered_by="t"))
    assert len(raw) == len(accepted) + len(rejections) == 6
    assert accepted["visit_id"].tolist() == ["a"]
    assert [r.reason_code for r in rejections] == [
        "window_ends_before_start",
        "missing_place",
        "unknown_source",
        "invalid_timestamp",
        "duplicate_id_in_file",
    ]


def test_no_visits_yet_loads_and_reconciles(tmp_path):
    """A fresh warehouse with an empty landing folder, as the ingest asset meets it before the first visit."""
    from ingest.loader import ensure_source_table
    from ingest.pipeline import build_source

    settings = PlatformSettings(data_dir=tmp_path / "data")
    settings.ensure_dirs()
    with connect_warehouse(settings) as con:
        ensure_source_table(con, build_source("guard_visits", con, settings))
        load = load_source("guard_visits", con, settings, LoadContext(run_id="t", triggered_by="t"))
        assert load.results == () and reconcile(con, "guard_visits", "raw.guard_visits").ok
        assert con.execute("select count(*) from raw.guard_visits").fetchall() == [(0,)]


def test_the_visit_contract_documents_every_reason():
    from ingest.sources import guard_visits
    from tests.conftest import REPO

    page = (REPO / "docs" / "contracts" / "guard_visits.md").read_text(encoding="utf-8")
    assert [code for code in guard_visits.REASONS if f"`{code}`" not in page] == []
    assert "landing/guard_visits/" in page
