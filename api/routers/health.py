"""Health and data freshness."""

from __future__ import annotations

import json
from datetime import datetime

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from api.deps import SnapshotReader, snapshot_reader

router = APIRouter(tags=["status"])


@router.get("/healthz", summary="Liveness: the API process answers")
def healthz() -> dict:
    return {"status": "ok"}


class Status(BaseModel):
    snapshot_id: str
    built_at: datetime
    git_commit: str | None
    tables: dict[str, int]


@router.get("/api/v1/status", response_model=Status, summary="Which snapshot is served and what it holds")
def status(reader: SnapshotReader = Depends(snapshot_reader)) -> Status:
    row = reader.rows("select * from snapshot")[0]
    return Status(snapshot_id=row["snapshot_id"], built_at=row["built_at"], git_commit=row["git_commit"],
                  tables=json.loads(row["tables"]))
