"""Every mart number traces back to the incidents it counts, and from them to batches, files and rows.

On the marts tests' 30 generated weeks (published as a snapshot): the must-hold check over EVERY row of the weekly
area mart in one query, the same for the tertial and place marts, and spot checks through the HTTP endpoints.
"""

from __future__ import annotations

import hashlib
import json
import re

import duckdb
import pytest

from tests.lineage.conftest import AUDITOR

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("marts_pipeline")]

# What a lineage response may hold about an incident: ids, source, time, category, cell keys, provenance.
INCIDENT_FIELDS = {
    "incident_key",
    "source",
    "incident_id",
    "occurred_at_utc",
    "category_code",
    "weight",
    "weight_kind",
    "area_id",
    "week_start",
    "tertial_id",
    "h3_cell",
    "batch_id",
    "source_file",
    "source_row",
}
PERSONNUMMER = re.compile(r"\b(19|20)?\d{6}[-+]?\d{4}\b")
PHONE = re.compile(r"(\+46|\b0)7\d[\s-]?\d{3}[\s-]?\d{2}[\s-]?\d{2}\b")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


def iso_week(week_start) -> str:
    iso = week_start.isocalendar()
    return f"{iso[0]}-W{iso[1]:02d}"


def test_every_weekly_area_row_equals_its_lineage_count(lineage_snapshot):
    """The must-hold: for EVERY row of fct_area_week, the lineage incidents of that area and week are exactly the
    mart's counts, per source (the mart counts EST reports and police crimes; police events are not counted)."""
    compared = lineage_snapshot.query("""
        with traced as (
            select area_id, week_start,
                   count(*) filter (where source = 'est_reports') as n_est_reports,
                   count(*) filter (where source = 'police_crimes') as n_police_crimes
            from lineage_incidents
            where area_id is not null
            group by all
        )
        select mart.area_id, mart.week_start, mart.n_est_reports, mart.n_police_crimes,
               coalesce(traced.n_est_reports, 0) as traced_est, coalesce(traced.n_police_crimes, 0) as traced_police,
               mart.area_id is null as traced_only
        from fct_area_week as mart
        full join traced using (area_id, week_start)
    """)
    n_rows = lineage_snapshot.query("select count(*) as n from fct_area_week")["n"][0]
    assert len(compared) == n_rows > 30 * 10  # every area in every one of the 30 weeks, no traced-only cell
    mismatched = compared[
        (compared.n_est_reports != compared.traced_est) | (compared.n_police_crimes != compared.traced_police)
    ]
    assert mismatched.empty, mismatched.head(10).to_string()
    assert compared.n_est_reports.sum() > 1000 and compared.n_police_crimes.sum() > 500


def test_tertial_and_place_rows_equal_their_lineage_counts(lineage_snapshot):
    for mart, keys, where in (
        ("fct_area_tertial", "area_id, tertial_id", "area_id is not null"),
        ("fct_place_week", "h3_cell, week_start", "h3_cell is not null"),
    ):
        bad = lineage_snapshot.query(f"""
            with traced as (
                select {keys}, count(*) filter (where source = 'est_reports') as n_est,
                       count(*) filter (where source = 'police_crimes') as n_police
                from lineage_incidents where {where} group by all
            )
            select * from {mart} as mart full join traced using ({keys})
            where coalesce(mart.n_est_reports, -1) <> coalesce(traced.n_est, 0)
               or coalesce(mart.n_police_crimes, -1) <> coalesce(traced.n_police, 0)
        """)
        assert bad.empty, (mart, bad.head().to_string())


def test_area_week_endpoint_lists_the_counted_incidents_their_files_and_rows(lineage_snapshot, client):
    """Spot checks through HTTP: the busiest, a quiet and an empty area-week."""
    rows = lineage_snapshot.query("""
        (select area_id, week_start, n_est_reports, n_police_crimes from fct_area_week
         order by n_est_reports + n_police_crimes desc, area_id limit 3)
        union all
        (select area_id, week_start, n_est_reports, n_police_crimes from fct_area_week
         where n_est_reports + n_police_crimes = 1 order by week_start, area_id limit 1)
        union all
        (select area_id, week_start, n_est_reports, n_police_crimes from fct_area_week
         where n_est_reports + n_police_crimes = 0 order by week_start, area_id limit 1)
    """)
    assert len(rows) == 5
    landing = lineage_snapshot.marts.data_dir / "landing"
    for row in rows.itertuples():
        response = client.get(f"/api/v1/lineage/area-week/{row.area_id}/{iso_week(row.week_start)}", headers=AUDITOR)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["counts"]["n_est_reports"] == {
            "mart": row.n_est_reports,
            "lineage": row.n_est_reports,
            "matches": True,
        }
        assert body["counts"]["n_police_crimes"]["lineage"] == row.n_police_crimes
        assert body["n_incidents"] == len(body["incidents"]) == row.n_est_reports + row.n_police_crimes
        for incident in body["incidents"]:
            assert set(incident) == INCIDENT_FIELDS
            assert incident["area_id"] == row.area_id
        # Every counted incident's batch is listed, with the sha256 of the file as it lies in the landing folder.
        assert {b["batch_id"] for b in body["batches"]} == {i["batch_id"] for i in body["incidents"]}
        for batch in body["batches"]:
            content = (landing / batch["source"] / batch["source_file"]).read_bytes()
            assert batch["source_sha256"] == hashlib.sha256(content).hexdigest()
            assert batch["rows_read"] == batch["rows_accepted"] + batch["rows_quarantined"]
        assert body["git_commit"] and body["snapshot"]["git_commit"] == body["git_commit"]
        names = [m["name"] for m in body["models"]]
        assert names[0] == "fct_area_week"
        assert {
            "int_area_week",
            "int_incidents",
            "stg_est__reports",
            "stg_police__crimes",
            "raw.est_reports",
            "raw.batches",
        } <= set(names)
        assert body["checks"]["n_checks"] == 1 and body["checks"]["all_passed"]


def test_source_row_points_at_the_incident_in_its_file(lineage_snapshot, client):
    """Read the file the endpoint names with the source's own reader: the row it names is the incident's record."""
    from ingest.sources.base import rename_by_alias
    from ingest.sources.est_reports import ALIASES, EstReportsSource

    row = lineage_snapshot.query("select area_id, week_start from fct_area_week order by n_est_reports desc limit 1")
    body = client.get(
        f"/api/v1/lineage/area-week/{row.area_id[0]}/{iso_week(row.week_start[0])}", headers=AUDITOR
    ).json()
    checked = 0
    for incident in [i for i in body["incidents"] if i["source"] == "est_reports"][:5]:
        path = lineage_snapshot.marts.data_dir / "landing" / "est_reports" / incident["source_file"]
        frame = rename_by_alias(EstReportsSource(area_index=None).read(path), ALIASES)
        record = frame[frame["source_row"] == incident["source_row"]]
        assert record["report_id"].tolist() == [incident["incident_id"]]
        checked += 1
    assert checked == 5


def test_quarantined_rows_of_the_batches_are_reported_with_reasons(lineage_snapshot, client):
    """A batch with rejected rows: the lineage of a cell it feeds lists every one of them, reason and row number,
    never their content."""
    cell = lineage_snapshot.query("""
        select l.area_id, l.week_start, l.batch_id, b.rows_quarantined
        from lineage_incidents l join audit_batches b using (batch_id)
        where b.rows_quarantined > 0 and l.area_id is not null
        order by b.rows_quarantined desc, l.week_start, l.area_id limit 1
    """)
    assert len(cell) == 1, "the generated data plants faults that are quarantined"
    body = client.get(
        f"/api/v1/lineage/area-week/{cell.area_id[0]}/{iso_week(cell.week_start[0])}", headers=AUDITOR
    ).json()
    rows = [q for q in body["quarantined_rows"] if q["batch_id"] == cell.batch_id[0]]
    assert len(rows) == cell.rows_quarantined[0]
    expected = lineage_snapshot.query(
        "select source_row, reason_code from audit_quarantine_rows where batch_id = ? order by source_row",
        [cell.batch_id[0]],
    )
    assert [(q["source_row"], q["reason_code"]) for q in rows] == list(expected.itertuples(index=False, name=None))
    for q in rows:
        assert set(q) == {"batch_id", "source", "source_file", "source_row", "reason_code", "reason", "all_reasons"}
        assert q["reason_code"] in q["all_reasons"] and q["reason"]


def test_no_personal_data_or_free_text_in_lineage_responses(lineage_snapshot, client):
    """Responses never carry names, personnummer, phone numbers, e-mail, points or free text: none of the raw
    zone's free-text values and no quarantined raw content appear in them."""
    rows = lineage_snapshot.query(
        "select area_id, week_start from fct_area_week order by n_est_reports + n_police_crimes desc limit 3"
    )
    texts = [
        client.get(f"/api/v1/lineage/area-week/{r.area_id}/{iso_week(r.week_start)}", headers=AUDITOR).text
        for r in rows.itertuples()
    ]
    con = duckdb.connect(str(lineage_snapshot.marts.warehouse), read_only=True)
    try:
        free_text = {
            v
            for (v,) in con.execute(
                "select distinct place_name from staging.stg_est__reports where length(place_name) > 6"
            ).fetchall()
        }
        raw_content = [json.loads(v) for (v,) in con.execute("select raw_content from raw.quarantine").fetchall()]
        reporters = {
            v
            for (v,) in con.execute(
                "select distinct reporter_org from staging.stg_est__reports where reporter_org is not null"
            ).fetchall()
        }
    finally:
        con.close()
    assert free_text and raw_content
    leaked_content = {
        v
        for record in raw_content
        for v in record.values()
        if isinstance(v, str) and len(v) > 12 and not v.startswith("EST-") and "-" not in v[:8]
    }
    for text in texts:
        body = json.loads(text)
        assert body["incidents"]
        assert not PERSONNUMMER.search(text) and not PHONE.search(text) and not EMAIL.search(text)
        data = json.dumps({k: body[k] for k in ("row", "incidents", "batches", "quarantined_rows")})
        for key in ("lat", "lon", "place_name", "description", "reporter_org", "raw_content", "title", "summary"):
            assert f'"{key}"' not in data
        assert not [v for v in free_text | reporters if v in text]
        assert not [v for v in leaked_content if v in text]


def test_tertial_and_place_endpoints(lineage_snapshot, client):
    tertial = lineage_snapshot.query(
        "select area_id, tertial_id, n_est_reports, n_police_crimes "
        "from fct_area_tertial order by n_incidents desc limit 1"
    )
    body = client.get(
        f"/api/v1/lineage/area-tertial/{tertial.area_id[0]}/{tertial.tertial_id[0]}", headers=AUDITOR
    ).json()
    assert body["n_incidents"] == tertial.n_est_reports[0] + tertial.n_police_crimes[0] > 50
    assert all(c["matches"] for c in body["counts"].values())
    assert {i["tertial_id"] for i in body["incidents"]} == {tertial.tertial_id[0]}

    place = lineage_snapshot.query(
        "select h3_cell, week_start, n_incidents from fct_place_week order by n_incidents desc, h3_cell limit 1"
    )
    body = client.get(
        f"/api/v1/lineage/place-week/{place.h3_cell[0]}/{iso_week(place.week_start[0])}", headers=AUDITOR
    ).json()
    assert body["n_incidents"] == place.n_incidents[0] >= 2
    assert {i["h3_cell"] for i in body["incidents"]} == {place.h3_cell[0]}
    assert body["models"][0]["name"] == "fct_place_week" and "int_place_counts" in [m["name"] for m in body["models"]]


def test_roles_and_bad_requests_get_clear_answers(lineage_snapshot, client):
    row = lineage_snapshot.query("select area_id, week_start from fct_area_week limit 1")
    area, week = row.area_id[0], iso_week(row.week_start[0])
    url = f"/api/v1/lineage/area-week/{area}/{week}"
    assert client.get(url).status_code == 401
    for role in ("public", "analyst", "scheduler"):
        response = client.get(url, headers={"X-API-Key": f"demo-{role}-key"})
        assert response.status_code == 403 and "auditor" in response.json()["detail"]
    cases = {
        f"/api/v1/lineage/area-week/{area}/2026-W60": (422, "not a week"),
        f"/api/v1/lineage/area-week/{area}/2026-47": (422, "2026-W47"),
        f"/api/v1/lineage/area-week/no_such_area/{week}": (404, "does not occur"),
        f"/api/v1/lineage/area-week/{area}/2019-W02": (404, "no row of fct_area_week"),
        f"/api/v1/lineage/area-tertial/{area}/2026-T4": (422, "2026-T1"),
        f"/api/v1/lineage/place-week/not-a-cell/{week}": (422, "H3"),
        f"/api/v1/lineage/place-week/8928308280fffff/{week}": (404, "does not occur"),
    }
    for path, (status, message) in cases.items():
        response = client.get(path, headers=AUDITOR)
        assert response.status_code == status, (path, response.text)
        assert message in response.json()["detail"], (path, response.text)
