"""The serving snapshot: a DuckDB file holding a copy of the marts, which is all the API ever reads.

Writing: the publish asset copies every table of the warehouse's ``marts`` schema into a new file next to the
current snapshot, then swaps it in with ``os.replace`` (atomic on one filesystem). Readers that already have the
old file open keep reading it; new connections see the new one. The warehouse is never opened by the API.

Reading: each request opens a short-lived read-only connection to the current snapshot.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

SNAPSHOT_TABLE = "snapshot"
SOURCE_SCHEMA = "marts"


@dataclass(frozen=True)
class Snapshot:
    snapshot_id: str
    built_at: datetime
    tables: dict[str, int]


def publish_snapshot(
    *,
    warehouse: Path,
    target: Path,
    run_id: str | None,
    git_commit: str | None,
    extra_queries: dict[str, str] | None = None,
    extra_frames: dict[str, pd.DataFrame] | None = None,
) -> Snapshot:
    """Copy the marts into a new snapshot file and swap it in atomically. Returns what was published.

    ``extra_queries`` are further tables, each a SELECT over the attached warehouse (alias ``warehouse``), e.g. a
    freshness summary of the raw zone; ``extra_frames`` are tables the caller computed (e.g. check results).
    """
    built_at = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    snapshot_id = f"{built_at:%Y%m%dT%H%M%SZ}-{(run_id or 'manual')[:8]}"
    target.parent.mkdir(parents=True, exist_ok=True)
    # A run killed while publishing leaves its temporary file behind; it was never served, so remove it.
    for stale in target.parent.glob(f".{target.name}.*.tmp"):
        stale.unlink(missing_ok=True)
    temporary = target.parent / f".{target.name}.{snapshot_id}.tmp"

    con = duckdb.connect(str(temporary))
    try:
        con.execute(f"attach '{warehouse}' as warehouse (read_only)")
        names = [
            row[0]
            for row in con.execute(
                "select table_name from duckdb_tables() where database_name = 'warehouse' and schema_name = ? "
                "order by table_name",
                [SOURCE_SCHEMA],
            ).fetchall()
        ]
        tables: dict[str, int] = {}
        for name in names:
            con.execute(f'create table "{name}" as select * from warehouse.{SOURCE_SCHEMA}."{name}"')
            tables[name] = con.execute(f'select count(*) from "{name}"').fetchall()[0][0]
        for name, query in (extra_queries or {}).items():
            con.execute(f'create table "{name}" as {query}')
            tables[name] = con.execute(f'select count(*) from "{name}"').fetchall()[0][0]
        for name, frame in (extra_frames or {}).items():
            con.register("_frame", frame)
            con.execute(f'create table "{name}" as select * from _frame')
            con.unregister("_frame")
            tables[name] = len(frame)
        con.execute(
            f"""
            create table {SNAPSHOT_TABLE} as select
                ? as snapshot_id, cast(? as timestamp) as built_at, ? as run_id, ? as git_commit, ? as tables
            """,
            [snapshot_id, built_at, run_id, git_commit, json.dumps(tables)],
        )
        con.execute("detach warehouse")
        con.execute("checkpoint")
    finally:
        con.close()
    os.replace(temporary, target)
    return Snapshot(snapshot_id, built_at, tables)


class SnapshotMissingError(RuntimeError):
    """No snapshot has been published yet."""


@contextmanager
def open_snapshot(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived read-only connection to the current snapshot."""
    if not path.exists():
        raise SnapshotMissingError(f"no serving snapshot at {path}; run `make refresh` first")
    con = duckdb.connect(str(path), read_only=True)
    try:
        yield con
    finally:
        con.close()
