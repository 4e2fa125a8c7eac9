"""The mart endpoints against the snapshot they read: the same rows, stable pages, CSV = JSON, caching, and a clear
4xx for bad input."""

from __future__ import annotations

import csv
import io

import duckdb
import pytest

from tests.api.conftest import key

pytestmark = pytest.mark.xdist_group("marts_pipeline")


def snapshot_rows(served, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(served[0] / "serving" / "current.duckdb"), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_one_week_across_areas_is_the_mart_and_public_is_suppressed(client, served):
    full = client.get("/api/v1/weekly-areas", params={"week": "2026-W22"}, headers=key("analyst"))
    assert full.status_code == 200, full.text
    expected = dict(
        snapshot_rows(served, "select area_id, n_est_reports from fct_area_week where week_start = date '2026-05-25'")
    )
    assert {a["area_id"]: a["n_est_reports"] for a in full.json()["areas"]} == expected
    assert len(expected) == 18 and sum(expected.values()) > 100
    assert full.json()["areas"][0]["n_est_by_category"]  # JSON columns arrive parsed

    public = client.get("/api/v1/weekly-areas", params={"week": "2026-W22"}, headers=key("public")).json()
    assert public["public"] is True and "n_est_by_category" not in public["areas"][0]
    k = snapshot_rows(served, "select max(suppression_k) from public_fct_area_week")[0][0]
    for row in public["areas"]:
        assert row["n_est_reports"] is None or row["n_est_reports"] == 0 or row["n_est_reports"] >= k
        assert (row["n_est_reports"] is None) == row["est_suppressed"]


def test_pages_are_stable_and_complete(client, served):
    params = {"from_week": "2026-W10", "to_week": "2026-W19", "limit": 70}
    seen, offset, pages = [], 0, 0
    while offset is not None:
        body = client.get("/api/v1/area-weeks", params={**params, "offset": offset}, headers=key("analyst")).json()
        seen += [(r["week_start"], r["area_id"], r["n_police_crimes"]) for r in body["items"]]
        offset, pages = body["next_offset"], pages + 1
    expected = snapshot_rows(
        served,
        "select cast(week_start as varchar), area_id, n_police_crimes from fct_area_week "
        "where week_start between date '2026-03-02' and date '2026-05-04' "
        "order by week_start, area_id",
    )
    assert seen == [tuple(r) for r in expected] and len(seen) == 180 and pages == 3
    assert body["total"] == 180


def test_one_area_across_weeks_and_category_filter(client, served):
    body = client.get(
        "/api/v1/areas/stenhagen/weeks", params={"from_week": "2026-W01", "to_week": "2026-W31"}, headers=key("analyst")
    ).json()
    assert [r["iso_week"] for r in body["items"]] == list(range(2, 32))  # the data start on Monday 2026-01-05
    drugs = client.get(
        "/api/v1/area-weeks",
        params={"category": "narkotika", "limit": 500, "from_week": "2026-W01"},
        headers=key("analyst"),
    ).json()
    expected = snapshot_rows(
        served,
        "select count(*) from fct_area_week where "
        "coalesce(cast(json_extract(n_est_by_category, '$.narkotika') as int), 0) > 0",
    )
    assert drugs["total"] == expected[0][0] > 0
    assert all(r["n_est_by_category"]["narkotika"] > 0 for r in drugs["items"])
    assert client.get("/api/v1/area-weeks", params={"category": "narkotika"}, headers=key("public")).status_code == 403


def test_csv_matches_json(client):
    params = {"from_week": "2026-W20", "to_week": "2026-W21", "limit": 500}
    as_json = client.get("/api/v1/area-weeks", params=params, headers=key("analyst")).json()["items"]
    as_csv = client.get("/api/v1/area-weeks", params=params, headers={**key("analyst"), "Accept": "text/csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert len(rows) == len(as_json) == 36
    assert [(r["area_id"], int(r["n_est_reports"])) for r in rows] == [
        (r["area_id"], r["n_est_reports"]) for r in as_json
    ]
    assert as_csv.headers["X-Total-Count"] == "36"
    also = client.get("/api/v1/area-weeks", params={**params, "format": "csv"}, headers=key("analyst"))
    assert also.text == as_csv.text


def test_etag_and_304(client):
    first = client.get("/api/v1/area-tertials", headers=key("analyst"))
    etag = first.headers["ETag"]
    assert first.headers["X-Snapshot-Id"] in etag and first.headers["Last-Modified"].endswith("GMT")
    again = client.get("/api/v1/area-tertials", headers={**key("analyst"), "If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["ETag"] == etag
    public = client.get("/api/v1/area-tertials", headers={**key("public"), "If-None-Match": etag})
    assert public.status_code == 200 and public.headers["ETag"] != etag  # another variant of the same URL


def test_tertial_ranking_carries_its_uncertainty(client, served):
    body = client.get("/api/v1/area-tertials", params={"tertial": "2026-T2"}, headers=key("analyst")).json()
    rows = body["items"]
    assert [r["rank"] for r in rows] == sorted(r["rank"] for r in rows) and len(rows) == 18
    for r in rows:
        assert r["rank_ci90_lo"] <= r["rank_median"] <= r["rank_ci90_hi"] and 0 <= r["p_top5"] <= 1
        assert isinstance(r["reason_codes"], list)
    assert abs(sum(r["p_top5"] for r in rows) - 5) < 1e-6  # five places in the top five, in every draw
    expected = snapshot_rows(
        served, "select area_id from fct_area_tertial where tertial_id = '2026-T2' order by rank limit 3"
    )
    assert [r["area_id"] for r in rows[:3]] == [e[0] for e in expected]


def test_hot_spots_and_areas_and_bra(client, served):
    hot = client.get("/api/v1/place-weeks", params={"hot_only": True, "limit": 500}, headers=key("analyst")).json()
    expected = snapshot_rows(
        served,
        "select count(*) from fct_place_week where is_hot_spot and "
        "week_start = (select max(week_start) from fct_place_week)",
    )[0][0]
    assert hot["total"] == expected > 0 and all(r["is_hot_spot"] for r in hot["items"])

    areas = client.get("/api/v1/areas", params={"geometry": True}, headers=key("public"))
    assert areas.headers["content-type"] == "application/geo+json"
    features = areas.json()["features"]
    assert len(features) == 18 and {f["geometry"]["type"] for f in features} <= {"Polygon", "MultiPolygon"}
    assert client.get("/api/v1/areas/granby", headers=key("public")).json()["area_name"] == "Gränby"

    bra = client.get("/api/v1/context/bra", params={"municipality": "0380"}, headers=key("public")).json()
    assert {r["geography_level"] for r in bra} == {"municipality", "county", "national"}
    assert client.get("/api/v1/context/bra", params={"municipality": "9999"}, headers=key("public")).status_code == 404


@pytest.mark.parametrize(
    ("url", "params", "status", "message"),
    [
        ("/api/v1/weekly-areas", {"week": "2026-W60"}, 422, "not a week of 2026"),
        ("/api/v1/weekly-areas", {"week": "last week"}, 422, "must look like 2026-W47"),
        ("/api/v1/area-weeks", {"from_week": "2016-W01", "to_week": "2026-W01"}, 422, "at most 104"),
        ("/api/v1/area-weeks", {"from_week": "2026-W10", "to_week": "2026-W01"}, 422, "is after"),
        ("/api/v1/area-weeks", {"area": "atlantis"}, 404, "unknown area 'atlantis'"),
        ("/api/v1/areas/atlantis/weeks", {}, 404, "unknown area"),
        ("/api/v1/areas/atlantis", {}, 404, "unknown area"),
        ("/api/v1/area-tertials", {"tertial": "2026-T4"}, 422, "must look like 2026-T1"),
        ("/api/v1/area-weeks", {"limit": 5000}, 422, "less than or equal to 500"),
        ("/api/v1/place-weeks", {"from_week": "2024-W01"}, 422, "at most 104"),
    ],
)
def test_bad_requests_get_a_clear_4xx(client, url, params, status, message):
    response = client.get(url, params=params, headers=key("analyst"))
    assert response.status_code == status and message in response.text, response.text


def test_status_names_the_snapshot_sources_and_checks(client):
    body = client.get("/api/v1/status").json()
    assert {s["source"] for s in body["sources"]} == {"est_reports", "police_crimes", "police_events"}
    assert body["checks"] == {"evaluated": 1, "passed": 1, "failed": []}
    assert body["tables"]["areas"] == 18 and body["tables"]["bra_indicators"] > 0
