"""Lineage for auditors (role ``auditor``): from any mart number back to the incidents, rows and files it counts.

For one mart row (area × week, area × tertial, H3 cell × week) the response holds the row's counts, every incident
it counts (ids, source, time, category; never free text, points or reporter details), the batches and landing files
they came from (sha256, rows read / accepted / quarantined), the quarantined rows of those batches with their
reasons (never their content), the dbt models on the path with their code checksums, the git commit and the asset
check results of the run that published the snapshot. Everything is read from the serving snapshot
(``lineage_incidents``, ``audit_*``, ``lineage_models``, ``run_checks``); see docs/lineage.md.

Also serves the static dbt docs (``/docs/dbt``) written by the ``serving/dbt_docs`` asset.
"""

from __future__ import annotations

import json
import math
import re
from datetime import date
from typing import Annotated, Any

import h3
import pandas as pd
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse

from api.auth import require_roles
from api.deps import SnapshotReader, snapshot_reader
from api.routers.weekly import parse_iso_week
from serving import tables as published
from serving.lineage import upstream_models

router = APIRouter(prefix="/api/v1/lineage", tags=["lineage"], dependencies=[Depends(require_roles("auditor"))])
docs_router = APIRouter(tags=["lineage"])
Reader = Annotated[SnapshotReader, Depends(snapshot_reader)]

_TERTIAL = re.compile(r"^\d{4}-T[1-3]$")
# The published tables (serving.tables) the lineage endpoints read.
LINEAGE_TABLES = published.registered(
    "lineage_incidents", "lineage_models", "audit_batches", "audit_quarantine_rows", "run_checks"
)
# What each mart counts, as an expression over lineage_incidents (sources never added into one measure except
# n_incidents of the place mart, which counts both).
MART_COUNTS = {
    "fct_area_week": ("n_est_reports", "n_police_crimes"),
    "fct_area_tertial": ("n_est_reports", "n_police_crimes"),
    "fct_place_week": ("n_est_reports", "n_police_crimes"),
}
SOURCE_OF_COUNT = {"n_est_reports": "est_reports", "n_police_crimes": "police_crimes"}
MART_COLUMNS = {
    "fct_area_week": "area_id, area_name, week_start, iso_year, iso_week, n_est_reports, n_police_crimes, "
    "est_severity_sum, harm_sum",
    "fct_area_tertial": "area_id, area_name, tertial_id, n_est_reports, n_police_crimes, n_incidents, "
    "est_severity_sum, harm_sum",
    "fct_place_week": "h3_cell, area_id, week_start, iso_year, iso_week, n_est_reports, n_police_crimes, "
    "n_incidents, est_severity_sum, harm_sum",
}
INCIDENT_COLUMNS = (
    "incident_key, source, incident_id, occurred_at_utc, category_code, weight, weight_kind, "
    "area_id, week_start, tertial_id, h3_cell, batch_id, source_file, source_row"
)
BATCH_COLUMNS = (
    "batch_id, batch_seq, source, source_file, source_sha256, file_bytes, status, rows_read, "
    "rows_accepted, rows_quarantined, rows_superseded, partition_key, run_id, triggered_by, loaded_at"
)


def parse_tertial(value: str) -> str:
    if not _TERTIAL.match(value):
        raise HTTPException(status_code=422, detail=f"tertial must look like 2026-T1 (T1–T3), got {value!r}")
    return value


def parse_h3_cell(value: str) -> str:
    if not h3.is_valid_cell(value):
        raise HTTPException(status_code=422, detail=f"{value!r} is not an H3 cell id")
    return value


def _clean(row: dict) -> dict:
    """JSON-safe values: NaN becomes null."""
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}


def _require_tables(reader: SnapshotReader, mart: str) -> None:
    present = {r["table_name"] for r in reader.rows("select table_name from duckdb_tables()")}
    missing = [t for t in (*LINEAGE_TABLES, mart) if t not in present]
    if missing:
        raise HTTPException(
            status_code=503,
            detail=f"the served snapshot {reader.snapshot_id} lacks "
            f"{', '.join(missing)}; publish a new snapshot (the tertial marts come from the "
            "tertial_refresh job)",
        )


def _in_list(values: list) -> str:
    return "(" + ", ".join("?" for _ in values) + ")" if values else "(null)"


def trace(reader: SnapshotReader, mart: str, keys: dict[str, Any], label: str, unknown: tuple[str, Any]) -> dict:
    """The lineage of the row of ``mart`` with ``keys`` (404 naming the row, or the unknown key, if absent)."""
    _require_tables(reader, mart)
    where = " and ".join(f"{column} = ?" for column in keys)
    params = list(keys.values())
    rows = reader.rows(f"select {MART_COLUMNS[mart]} from {mart} where {where}", params)  # noqa: S608 (constants)
    if not rows:
        column, value = unknown
        known = reader.rows(f"select 1 from {mart} where {column} = ? limit 1", [value])  # noqa: S608
        detail = f"no row of {mart} for {label}" if known else f"{column} {value!r} does not occur in {mart}"
        raise HTTPException(status_code=404, detail=detail)
    mart_row = _clean(rows[0])

    incidents = [
        _clean(r)
        for r in reader.rows(
            f"select {INCIDENT_COLUMNS} from lineage_incidents where {where} "  # noqa: S608 (constants)
            "order by occurred_at_utc, incident_key",
            params,
        )
    ]
    lineage_counts = {
        count: sum(i["source"] == SOURCE_OF_COUNT[count] for i in incidents) for count in MART_COUNTS[mart]
    }
    counts = {
        count: {
            "mart": mart_row[count],
            "lineage": lineage_counts[count],
            "matches": mart_row[count] == lineage_counts[count],
        }
        for count in MART_COUNTS[mart]
    }

    batch_ids = sorted({i["batch_id"] for i in incidents})
    per_batch = pd.Series([i["batch_id"] for i in incidents], dtype=object).value_counts().to_dict()
    batches = [
        _clean({**r, "incidents_counted_here": int(per_batch.get(r["batch_id"], 0))})
        for r in reader.rows(
            f"select {BATCH_COLUMNS} from audit_batches where batch_id in {_in_list(batch_ids)} "  # noqa: S608
            "order by batch_seq",
            batch_ids,
        )
    ]
    quarantined = [
        _clean(r)
        for r in reader.rows(
            "select batch_id, source, source_file, source_row, reason_code, reason, all_reasons "
            f"from audit_quarantine_rows where batch_id in {_in_list(batch_ids)} "  # noqa: S608
            "order by batch_id, source_row",
            batch_ids,
        )
    ]
    for row in quarantined:
        row["all_reasons"] = json.loads(row["all_reasons"])

    graph = pd.DataFrame(reader.rows("select * from lineage_models"))
    models = [
        {k: m[k] for k in ("name", "resource_type", "schema", "file_path", "checksum")}
        for m in (upstream_models(graph, mart) if not graph.empty else [])
    ]
    asset_keys = {f"{m['schema']}/{m['name']}" for m in models} | {"raw/" + s for s in SOURCE_OF_COUNT.values()}
    snapshot = reader.rows("select snapshot_id, built_at, run_id, git_commit from snapshot")[0]
    checks = [
        _clean(r)
        for r in reader.rows(
            "select asset_key, check_name, passed, severity, description, evaluated_at from run_checks "
            "order by asset_key, check_name"
        )
    ]
    path_checks = [c for c in checks if c["asset_key"] in asset_keys or c["asset_key"] == f"marts/{mart}"]

    return {
        "mart": mart,
        "key": {k: (v.isoformat() if isinstance(v, date) else v) for k, v in keys.items()},
        "label": label,
        "row": mart_row,
        "counts": counts,
        "n_incidents": len(incidents),
        "incidents": incidents,
        "batches": batches,
        "quarantined_rows": quarantined,
        "models": models,
        "git_commit": snapshot["git_commit"] or "unknown",
        "snapshot": snapshot,
        "checks": {
            "run_id": snapshot["run_id"],
            "all_passed": all(c["passed"] for c in checks),
            "n_checks": len(checks),
            "failed": [c for c in checks if not c["passed"]],
            "on_path": path_checks,
        },
    }


@router.get("/area-week/{area_id}/{week}", summary="Lineage of one row of the weekly area mart")
def area_week(area_id: str, week: str, reader: Reader) -> dict:
    week_start = parse_iso_week(week)
    return trace(
        reader,
        "fct_area_week",
        {"area_id": area_id, "week_start": week_start},
        f"area {area_id} in week {week}",
        ("area_id", area_id),
    )


@router.get("/area-tertial/{area_id}/{tertial}", summary="Lineage of one row of the tertial area mart")
def area_tertial(area_id: str, tertial: str, reader: Reader) -> dict:
    tertial_id = parse_tertial(tertial)
    return trace(
        reader,
        "fct_area_tertial",
        {"area_id": area_id, "tertial_id": tertial_id},
        f"area {area_id} in tertial {tertial}",
        ("area_id", area_id),
    )


@router.get("/place-week/{h3_cell}/{week}", summary="Lineage of one row of the weekly place mart (H3 cell)")
def place_week(h3_cell: str, week: str, reader: Reader) -> dict:
    cell = parse_h3_cell(h3_cell)
    week_start = parse_iso_week(week)
    return trace(
        reader,
        "fct_place_week",
        {"h3_cell": cell, "week_start": week_start},
        f"cell {cell} in week {week}",
        ("h3_cell", cell),
    )


@docs_router.get("/docs/dbt", include_in_schema=False)
def dbt_docs(request: Request) -> FileResponse:
    """The self-contained dbt docs page (`dbt docs generate --static`), written next to the snapshot."""
    page = request.app.state.settings.snapshot_path.parent / "dbt_docs" / "static_index.html"
    if not page.exists():
        raise HTTPException(status_code=404, detail="dbt docs have not been generated yet (asset serving/dbt_docs)")
    return FileResponse(page, media_type="text/html")
