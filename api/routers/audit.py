"""Audit tables for the auditor role: the batch ledger and the quarantine summary (reason codes and row numbers,
never row content) and the check results of the run that built the snapshot."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel

from api.routers.common import CSV_RESPONSES, DEFAULT_PAGE_SIZE, Limit, Mart, Offset, Page, mart_access
from api.routers.models import UtcDateTime

router = APIRouter(prefix="/api/v1/audit", tags=["audit"], responses=CSV_RESPONSES)
Auditor = Annotated[Mart, Depends(mart_access("auditor"))]
Source = Annotated[str | None, Query(pattern=r"^[a-z0-9_]{1,64}$", description="one source, e.g. est_reports")]


class Batch(BaseModel):
    batch_id: str
    batch_seq: int | None = None
    source: str
    source_file: str | None = None
    source_sha256: str | None = None
    file_bytes: int | None = None
    status: str | None = None
    error: str | None = None
    rows_read: int | None = None
    rows_accepted: int | None = None
    rows_quarantined: int | None = None
    rows_superseded: int | None = None
    partition_key: str | None = None
    run_id: str | None = None
    triggered_by: str | None = None
    loaded_at: UtcDateTime | None = None


class QuarantineGroup(BaseModel):
    batch_id: str
    source: str
    source_file: str | None = None
    reason_code: str
    reason: str | None = None
    n_rows: int
    source_rows: list[int] | None = None


class CheckResult(BaseModel):
    run_id: str | None = None
    asset_key: str
    check_name: str
    passed: bool
    severity: str | None = None
    description: str | None = None
    evaluated_at: UtcDateTime | None = None


def _source_filter(source: str | None) -> tuple[str, list]:
    return (" where source = ?", [source]) if source else ("", [])


@router.get("/batches", response_model=Page[Batch], summary="The batch ledger, paged (order: batch_seq, batch_id)")
def batches(mart: Auditor, source: Source = None, limit: Limit = DEFAULT_PAGE_SIZE, offset: Offset = 0) -> Response:
    mart.require_table("audit_batches")
    where, params = _source_filter(source)
    return mart.page(
        Batch, f"from audit_batches{where}", params, "batch_seq, batch_id", limit, offset, name="audit_batches"
    )


@router.get(
    "/quarantine-summary",
    response_model=Page[QuarantineGroup],
    summary="Quarantined rows by batch and reason, paged (order: source, batch_id, reason_code)",
)
def quarantine_summary(
    mart: Auditor, source: Source = None, limit: Limit = DEFAULT_PAGE_SIZE, offset: Offset = 0
) -> Response:
    mart.require_table("audit_quarantine_summary")
    where, params = _source_filter(source)
    return mart.page(
        QuarantineGroup,
        f"from audit_quarantine_summary{where}",
        params,
        "source, batch_id, reason_code",
        limit,
        offset,
        name="audit_quarantine_summary",
    )


@router.get(
    "/checks",
    response_model=Page[CheckResult],
    summary="Asset check results of the run that built the snapshot (order: asset_key, check_name)",
)
def checks(mart: Auditor, limit: Limit = DEFAULT_PAGE_SIZE, offset: Offset = 0) -> Response:
    mart.require_table("run_checks")
    return mart.page(CheckResult, "from run_checks", [], "asset_key, check_name", limit, offset, name="run_checks")
