"""POST/PATCH/GET /api/v1/interventions against a small hand-made snapshot: roles, idempotency, history, 4xx."""

from __future__ import annotations

import json

import duckdb
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import ApiSettings
from serving.snapshot import publish_snapshot

ANALYST = {"X-API-Key": "demo-analyst-key"}
SCHEDULER = {"X-API-Key": "demo-scheduler-key"}
BODY = {
    "intervention_id": "ins-1",
    "intervention_type": "Belysning",
    "organisation": "Uppsala kommun",
    "area_id": "gottsunda",
    "place_ids": ["p_gottsunda_centrum"],
    "start_date": "2026-03-02",
    "end_date": "2026-03-29",
    "decided_week": "2026-W09",
    "reason_code": "alert",
    "reason_ref": "alert:gottsunda:2026-02-23",
    "status": "planerad",
}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("interventions_api") / "data"
    data_dir.mkdir()
    warehouse = data_dir / "warehouse.duckdb"
    con = duckdb.connect(str(warehouse))
    con.execute("create schema marts")
    con.execute(
        "create table marts.fct_area_week as select * from (values ('gottsunda', date '2026-03-02', 4, 2), "
        "('valsatra', date '2026-03-02', 7, 1), ('valsatra', date '2026-03-09', 5, 0)) "
        "t(area_id, week_start, n_est_reports, n_police_crimes)"
    )
    # One intervention loaded from a file drop (published), which the API must respect as well.
    con.execute("""create table marts.fct_interventions as select 'drop-1' as intervention_id, 'recorded' as origin,
        'police_presence' as intervention_type, 'Polisnärvaro' as type_label_sv, 'Polisen' as organisation,
        'valsatra' as area_id, null::varchar as h3_cells, null::varchar as place_ids, date '2026-03-02' as start_date,
        date '2026-03-15' as end_date, null::date as decided_week_start, 'ranking' as reason_code,
        '890880d9367ffff' as target_cells,
        null::varchar as reason_ref, 'active' as status, 1 as revision""")
    con.close()
    publish_snapshot(warehouse=warehouse, target=data_dir / "serving" / "current.duckdb", run_id="t", git_commit=None)
    return TestClient(create_app(ApiSettings(data_dir=data_dir))), data_dir


def test_post_is_idempotent_and_patch_keeps_every_version(client):
    api, data_dir = client
    assert api.post("/api/v1/interventions", json=BODY, headers=SCHEDULER).status_code == 403
    assert api.post("/api/v1/interventions", json=BODY).status_code == 401
    first = api.post("/api/v1/interventions", json=BODY, headers=ANALYST)
    assert first.status_code == 201, first.text
    assert first.json()["intervention"]["intervention_type"] == "lighting_repair"
    assert first.json()["intervention"]["status"] == "planned"
    again = api.post("/api/v1/interventions", json=BODY, headers=ANALYST)
    assert (again.status_code, again.json()["status"], again.json()["revision"]) == (200, "unchanged", 1)
    conflict = api.post("/api/v1/interventions", json={**BODY, "organisation": "Annan"}, headers=ANALYST)
    assert conflict.status_code == 409 and "PATCH" in conflict.json()["detail"]

    patched = api.patch(
        "/api/v1/interventions/ins-1", json={"status": "completed", "end_date": "2026-04-05"}, headers=ANALYST
    )
    assert patched.status_code == 200 and patched.json()["revision"] == 2, patched.text
    same = api.patch("/api/v1/interventions/ins-1", json={"status": "avslutad"}, headers=ANALYST)
    assert same.json()["status"] == "unchanged"
    files = sorted((data_dir / "landing" / "interventions").glob("api_ins-1__r*.json"))
    assert [json.loads(f.read_text())["status"] for f in files] == ["planned", "completed"]
    assert json.loads(files[-1].read_text())["recorded_by"] == "demo analyst"
    assert api.patch("/api/v1/interventions/nope", json={"status": "active"}, headers=ANALYST).status_code == 404


@pytest.mark.parametrize(
    ("change", "status", "words"),
    [
        ({"end_date": "2026-02-01"}, 422, "before start_date"),
        ({"area_id": "atlantis"}, 422, "unknown area"),
        ({"intervention_type": "fyrverkerier"}, 422, "unknown intervention type"),
        ({"h3_cells": ["zzz"]}, 422, "not valid H3"),
        ({"place_ids": ["p_nowhere"]}, 422, "unknown places"),
        ({"area_id": None, "place_ids": []}, 422, "name a target"),
        ({"decided_week": "2026-W60"}, 422, "not an ISO week"),
        ({"unexpected": "free text"}, 422, "extra"),
    ],
)
def test_bad_input_gets_a_clear_4xx(client, change, status, words):
    api, _ = client
    response = api.post("/api/v1/interventions", json={**BODY, "intervention_id": "bad-1", **change}, headers=ANALYST)
    assert response.status_code == status
    assert words.casefold() in response.text.casefold()


def test_overlapping_duplicate_of_a_published_intervention_is_409(client):
    api, _ = client
    body = {
        "intervention_id": "dup-1",
        "intervention_type": "police_presence",
        "organisation": "Polisen",
        "area_id": "valsatra",
        "start_date": "2026-03-10",
        "end_date": "2026-03-20",
    }
    response = api.post("/api/v1/interventions", json=body, headers=ANALYST)
    assert response.status_code == 409 and "drop-1" in response.json()["detail"]
    later = api.post("/api/v1/interventions", json={**body, "start_date": "2026-03-16"}, headers=ANALYST)
    assert later.status_code == 201


def test_list_reads_the_published_mart(client):
    api, _ = client
    rows = api.get("/api/v1/interventions", headers=ANALYST).json()
    assert [(r["intervention_id"], r["status"], r["area_id"]) for r in rows] == [("drop-1", "active", "valsatra")]
    assert api.get("/api/v1/interventions", headers={"X-API-Key": "demo-public-key"}).status_code == 403
    assert api.get("/api/v1/interventions/follow-up", headers=ANALYST).status_code == 503


def test_dashboard_page_and_its_data(client):
    api, _ = client
    page = api.get("/dashboards/interventions")
    assert page.status_code == 200 and '<script src="/static/plotly.min.js">' in page.text
    assert "cdn" not in page.text.casefold()
    for url in ("/api/v1/interventions/follow-up", "/api/v1/interventions/map", "/api/v1/interventions/trend"):
        assert url.split("?")[0] in page.text
    trend = api.get("/api/v1/interventions/trend?area_id=valsatra", headers=ANALYST).json()
    assert trend == [
        {"week_start": "2026-03-02", "n_est_reports": 7, "n_police_crimes": 1},
        {"week_start": "2026-03-09", "n_est_reports": 5, "n_police_crimes": 0},
    ]
    assert api.get("/api/v1/interventions/trend?area_id=nowhere", headers=ANALYST).status_code == 404
    features = api.get("/api/v1/interventions/map", headers=ANALYST).json()["features"]
    assert [
        (f["properties"]["intervention_id"], f["properties"]["h3_cell"], len(f["geometry"]["coordinates"][0]))
        for f in features
    ] == [("drop-1", "890880d9367ffff", 7)]
