"""The audit log of data changes (role ``auditor``): batches loaded, skipped, failed, quarantined, superseded and
reloaded, each with its run, what triggered it (schedule, sensor or manual) and the operator. Read from the
snapshot's copy of the append-only ``raw.audit_log``, newest first, in pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query

from api.auth import require_roles
from api.deps import SnapshotReader, snapshot_reader
from ingest.ledger import AUDIT_ACTIONS

router = APIRouter(prefix="/api/v1", tags=["lineage"], dependencies=[Depends(require_roles("auditor"))])
Reader = Annotated[SnapshotReader, Depends(snapshot_reader)]

EVENT_COLUMNS = (
    "event_id, event_time, action, source, batch_id, source_file, source_sha256, rows_affected, "
    "run_id, triggered_by, operator, detail"
)


@router.get("/audit-log", summary="The append-only log of data changes, newest first, paged")
def audit_log(
    reader: Reader,
    limit: int = Query(100, ge=1, le=1000, description="events per page"),
    offset: int = Query(0, ge=0, description="events to skip (newest first)"),
    action: str | None = Query(None, description=f"only this action ({', '.join(AUDIT_ACTIONS)})"),
    source: str | None = Query(None, description="only this source, e.g. est_reports"),
    batch_id: str | None = Query(None, description="only this batch"),
    run_id: str | None = Query(None, description="only this Dagster run"),
) -> dict:
    if action is not None and action not in AUDIT_ACTIONS:
        raise HTTPException(status_code=422, detail=f"unknown action {action!r} (known: {', '.join(AUDIT_ACTIONS)})")
    if not reader.rows("select 1 from duckdb_tables() where table_name = 'audit_log'"):
        raise HTTPException(
            status_code=503, detail=f"the served snapshot {reader.snapshot_id} has no audit log; publish a new snapshot"
        )
    filters = {"action": action, "source": source, "batch_id": batch_id, "run_id": run_id}
    clauses = [f"{column} = ?" for column, value in filters.items() if value is not None]
    params = [value for value in filters.values() if value is not None]
    where = " and ".join(clauses) or "true"
    total = reader.rows(f"select count(*) as n from audit_log where {where}", params)[0]["n"]  # noqa: S608
    events = reader.rows(
        f"select {EVENT_COLUMNS} from audit_log where {where} "  # noqa: S608 (fixed column names)
        "order by event_id desc limit ? offset ?",
        [*params, limit, offset],
    )
    return {
        "total": total,
        "limit": limit,
        "offset": offset,
        "next_offset": offset + limit if offset + limit < total else None,
        "events": events,
    }
