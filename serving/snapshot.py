"""The serving snapshot: a DuckDB file holding a copy of the marts, which is all the API ever reads.

Writing: the publish asset copies every table of the warehouse's ``marts`` schema into a new file next to the
current snapshot, then swaps it in with ``os.replace`` (atomic on one filesystem). Readers that already have the
old file open keep reading it; new connections see the new one. The warehouse is never opened by the API.

Reading: ``SnapshotPool`` keeps one read-only DuckDB instance per published file and hands each request a cursor
of it (a cursor costs ~1 ms; opening the file costs ~30 ms, which was the API's main cost). Every request checks the
file's identity (inode and mtime) first, so a newly swapped-in snapshot is served from the next request on; the old
instance is closed once its last request has finished.

Why an in-memory instance with the file ATTACHed, not ``duckdb.connect(path)``: DuckDB caches database instances by
path within a process, so connecting to ``current.duckdb`` while any connection to the previous file is still open
returns the *previous* snapshot. ATTACH in a fresh in-memory instance always opens the file the path names now.
"""

from __future__ import annotations

import json
import os
import threading
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


ATTACHED_AS = "snapshot_db"


def connect_snapshot(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the snapshot file ``path`` names now (see the module docstring for why ATTACH)."""
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"attach '{path}' as {ATTACHED_AS} (read_only)")
        con.execute(f"use {ATTACHED_AS}")
    except duckdb.Error:
        con.close()
        raise
    return con


@dataclass
class _OpenSnapshot:
    """One published file, open once and shared by the requests that read it."""

    identity: tuple[int, int, int]
    con: duckdb.DuckDBPyConnection
    snapshot_id: str
    built_at: datetime | None
    readers: int = 0
    retired: bool = False


@dataclass(frozen=True)
class SnapshotCursor:
    con: duckdb.DuckDBPyConnection
    snapshot_id: str
    built_at: datetime | None


def _identity(path: Path) -> tuple[int, int, int]:
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise SnapshotMissingError(f"no serving snapshot at {path}; run `make refresh` first") from None
    return stat.st_dev, stat.st_ino, stat.st_mtime_ns


class SnapshotPool:
    """Read access to the current snapshot for many concurrent requests (thread-safe)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._current: _OpenSnapshot | None = None

    def _open(self, identity: tuple[int, int, int]) -> _OpenSnapshot:
        con = connect_snapshot(self.path)
        snapshot_id, built_at = con.execute(f"select snapshot_id, built_at from {SNAPSHOT_TABLE}").fetchall()[0]
        return _OpenSnapshot(identity, con, snapshot_id, built_at)

    def _checkout(self) -> _OpenSnapshot:
        identity = _identity(self.path)
        with self._lock:
            current = self._current
            if current is None or current.identity != identity:
                fresh = self._open(identity)
                if current is not None:
                    current.retired = True
                    self._close_if_idle(current)
                self._current = current = fresh
            current.readers += 1
            return current

    def _checkin(self, entry: _OpenSnapshot) -> None:
        with self._lock:
            entry.readers -= 1
            self._close_if_idle(entry)

    @staticmethod
    def _close_if_idle(entry: _OpenSnapshot) -> None:
        if entry.retired and entry.readers == 0:
            entry.con.close()

    @contextmanager
    def cursor(self) -> Iterator[SnapshotCursor]:
        """A cursor on the snapshot that is current when the request starts, valid until the request ends."""
        entry = self._checkout()
        try:
            cursor = entry.con.cursor()
            try:
                cursor.execute(f"use {ATTACHED_AS}")  # a cursor starts in the (empty) in-memory database
                yield SnapshotCursor(cursor, entry.snapshot_id, entry.built_at)
            finally:
                cursor.close()
        finally:
            self._checkin(entry)

    def close(self) -> None:
        with self._lock:
            if self._current is not None:
                self._current.retired = True
                self._close_if_idle(self._current)
                self._current = None
