"""Health and data freshness. Both are open (no key): they tell an operator what is served, not the data itself."""

from __future__ import annotations

import json
from datetime import date

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from api.deps import SnapshotReader, snapshot_reader
from api.routers.models import UtcDateTime

router = APIRouter(tags=["status"])


@router.get("/healthz", summary="Liveness: the API process answers")
def healthz() -> dict:
    return {"status": "ok"}


class SourceFreshness(BaseModel):
    source: str
    n_rows: int | None = None
    latest_event_utc: UtcDateTime | None = None
    latest_week_start: date | None = Field(None, description="Monday of the latest week with an event")
    latest_load_utc: UtcDateTime | None = None


class CheckSummary(BaseModel):
    evaluated: int
    passed: int
    failed: list[str] = Field(description="asset_key:check_name of every failed check")


class Status(BaseModel):
    snapshot_id: str
    built_at: UtcDateTime
    git_commit: str | None
    tables: dict[str, int]
    sources: list[SourceFreshness] = Field(default_factory=list, description="latest week per source")
    checks: CheckSummary | None = Field(None, description="asset checks of the run that built the snapshot")


def _table_exists(reader: SnapshotReader, name: str) -> bool:
    return bool(reader.rows("select 1 from duckdb_tables() where table_name = ?", [name]))


@router.get("/api/v1/status", response_model=Status, summary="Which snapshot is served and what it holds")
def status(reader: SnapshotReader = Depends(snapshot_reader)) -> Status:
    row = reader.rows("select * from snapshot")[0]
    sources = (
        [SourceFreshness(**r) for r in reader.rows("select * from source_freshness order by source")]
        if _table_exists(reader, "source_freshness")
        else []
    )
    checks = None
    if _table_exists(reader, "run_checks"):
        results = reader.rows("select asset_key, check_name, passed from run_checks order by asset_key, check_name")
        checks = CheckSummary(
            evaluated=len(results),
            passed=sum(r["passed"] for r in results),
            failed=[f"{r['asset_key']}:{r['check_name']}" for r in results if not r["passed"]],
        )
    return Status(
        snapshot_id=row["snapshot_id"],
        built_at=row["built_at"],
        git_commit=row["git_commit"],
        tables=json.loads(row["tables"]),
        sources=sources,
        checks=checks,
    )
