"""Request dependencies: a read-only cursor on the current snapshot, and its id for the response headers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import duckdb
from fastapi import HTTPException, Request, Response

from serving.snapshot import SnapshotMissingError, SnapshotPool


@dataclass
class SnapshotReader:
    con: duckdb.DuckDBPyConnection
    snapshot_id: str
    built_at: datetime | None = None

    def rows(self, sql: str, params: list | None = None) -> list[dict]:
        cursor = self.con.execute(sql, params or [])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def snapshot_reader(request: Request, response: Response) -> Iterator[SnapshotReader]:
    """Read the current snapshot for the duration of one request; every response names the snapshot it came from."""
    pool: SnapshotPool = request.app.state.snapshots
    try:
        with pool.cursor() as snapshot:
            response.headers["X-Snapshot-Id"] = snapshot.snapshot_id
            yield SnapshotReader(snapshot.con, snapshot.snapshot_id, snapshot.built_at)
    except SnapshotMissingError as exc:
        raise HTTPException(status_code=503, detail=str(exc)) from exc
