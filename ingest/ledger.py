"""The raw zone's bookkeeping: the batch ledger, the quarantine and the append-only audit log.

Every file a loader reads becomes one row in ``raw.batches`` with what it read, accepted and quarantined, so every
load reconciles: rows_read = rows_accepted + rows_quarantined. Rejected rows keep their raw content and reason in
``raw.quarantine``. ``raw.audit_log`` records every change to the raw zone (loaded, skipped, failed, superseded) and
is only ever appended to: no code updates or deletes its rows (tests/lineage/test_audit_log.py checks the code), and
every event names the run, what triggered it (schedule, sensor or manual) and the operator from configuration
(``LAGESBILD_OPERATOR``, default the OS user).

The raw zone is restricted: quarantined raw content can hold personal data exactly as it arrived. Nothing outside
the raw zone reads ``raw_content``.
"""

from __future__ import annotations

import getpass
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb
import pandas as pd

LEDGER_DDL = """
create schema if not exists raw;

create table if not exists raw.batches (
    batch_id          varchar primary key,   -- '<source>:<first 16 hex of sha256>' (content-addressed)
    batch_seq         bigint not null,       -- load order; a later batch supersedes rows of the same ids
    source            varchar not null,
    source_file       varchar not null,      -- file name as it arrived in the landing folder
    source_path       varchar not null,
    source_sha256     varchar not null,
    file_bytes        bigint,
    status            varchar not null,      -- loaded | failed
    error             varchar,               -- why a failed file could not be parsed at all
    rows_read         bigint not null,
    rows_accepted     bigint not null,
    rows_quarantined  bigint not null,
    rows_superseded   bigint not null default 0,  -- earlier rows of the same ids this batch replaced
    partition_key     varchar,               -- the Dagster partition (week) the file was loaded for, if any
    run_id            varchar,
    triggered_by      varchar,               -- schedule, sensor, manual, or a user name from configuration
    loaded_at         timestamp not null     -- UTC
);

create sequence if not exists raw.batch_seq start 1;

create table if not exists raw.quarantine (
    batch_id       varchar not null,
    source         varchar not null,
    source_file    varchar not null,
    source_row     bigint not null,          -- 1-based row (CSV/XLSX data row) or record index (JSON)
    record_id      varchar,                  -- the row's own id, where it could be read
    reason_code    varchar not null,         -- stable machine-readable code, e.g. unknown_category
    reason         varchar not null,         -- human-readable explanation
    all_reasons    varchar not null,         -- JSON list of every reason code that applied
    raw_content    varchar not null,         -- the row exactly as read (JSON object of strings); RESTRICTED
    run_id         varchar,
    quarantined_at timestamp not null
);

create table if not exists raw.audit_log (
    event_id     bigint not null,
    event_time   timestamp not null,         -- UTC
    action       varchar not null,           -- loaded | skipped_duplicate | failed | superseded | ...
    source       varchar,
    batch_id     varchar,
    source_file  varchar,
    source_sha256 varchar,
    rows_affected bigint,
    detail       varchar,
    run_id       varchar,
    triggered_by varchar
);

create sequence if not exists raw.audit_seq start 1;

-- Added after the first release: who ran the load (LAGESBILD_OPERATOR, default the OS user).
alter table raw.audit_log add column if not exists operator varchar;
"""

# What raw.audit_log records. `reloaded`: a file whose earlier load failed was loaded again (same content).
AUDIT_ACTIONS = ("loaded", "skipped_duplicate", "failed", "quarantined", "superseded", "reloaded")


def utcnow() -> datetime:
    """Naive UTC now (the warehouse stores UTC timestamps without a zone)."""
    return datetime.now(UTC).replace(tzinfo=None)


def ensure_ledger(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(LEDGER_DDL)


@dataclass(frozen=True)
class Rejection:
    """One quarantined row: where it was, why it was rejected and what it looked like."""

    source_row: int
    reason_code: str
    reason: str
    raw_content: dict
    record_id: str | None = None
    all_reasons: tuple[str, ...] = field(default=())


def default_operator() -> str:
    """The person responsible for loads started here: LAGESBILD_OPERATOR, else the OS user."""
    configured = os.environ.get("LAGESBILD_OPERATOR", "").strip()
    if configured:
        return configured
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        return "unknown"


@dataclass
class LoadContext:
    """Who is loading, for the ledger and the audit log."""

    run_id: str | None = None
    triggered_by: str = "manual"  # schedule:<name>, sensor:<name> or manual
    partition_key: str | None = None
    now: datetime = field(default_factory=utcnow)
    operator: str = field(default_factory=default_operator)


def find_loaded_batch(con: duckdb.DuckDBPyConnection, source: str, sha256: str) -> str | None:
    """The batch id of an earlier successful load of the same content, if any (loads are idempotent on hash)."""
    rows = con.execute(
        "select batch_id from raw.batches where source = ? and source_sha256 = ? and status = 'loaded'",
        [source, sha256],
    ).fetchall()
    return rows[0][0] if rows else None


def earlier_failure(con: duckdb.DuckDBPyConnection, batch_id: str) -> bool:
    """True when this batch (same source and content) was read before and failed (so loading it now is a reload)."""
    return bool(
        con.execute("select count(*) from raw.batches where batch_id = ? and status = 'failed'", [batch_id]).fetchall()[
            0
        ][0]
    )


def next_batch_seq(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute("select nextval('raw.batch_seq')").fetchall()[0][0])


def record_batch(con: duckdb.DuckDBPyConnection, **values) -> None:
    columns = ", ".join(values)
    placeholders = ", ".join("?" for _ in values)
    con.execute(
        f"insert or replace into raw.batches ({columns}) values ({placeholders})",  # noqa: S608 (fixed column names)
        list(values.values()),
    )


def record_quarantine(
    con: duckdb.DuckDBPyConnection,
    *,
    batch_id: str,
    source: str,
    source_file: str,
    rejections: Iterable[Rejection],
    ctx: LoadContext,
) -> int:
    rows = [
        {
            "batch_id": batch_id,
            "source": source,
            "source_file": source_file,
            "source_row": r.source_row,
            "record_id": r.record_id,
            "reason_code": r.reason_code,
            "reason": r.reason,
            "all_reasons": json.dumps(list(r.all_reasons or (r.reason_code,))),
            "raw_content": json.dumps(r.raw_content, ensure_ascii=False, default=str),
            "run_id": ctx.run_id,
            "quarantined_at": ctx.now,
        }
        for r in rejections
    ]
    if not rows:
        return 0
    frame = pd.DataFrame(rows)
    con.register("_quarantine_rows", frame)
    try:
        con.execute("insert into raw.quarantine by name select * from _quarantine_rows")
    finally:
        con.unregister("_quarantine_rows")
    return len(rows)


def audit(
    con: duckdb.DuckDBPyConnection,
    action: str,
    ctx: LoadContext,
    *,
    source: str | None = None,
    batch_id: str | None = None,
    source_file: str | None = None,
    source_sha256: str | None = None,
    rows_affected: int | None = None,
    detail: str | None = None,
) -> None:
    """Append one event to raw.audit_log (the only statement that ever writes it)."""
    if action not in AUDIT_ACTIONS:
        raise ValueError(f"unknown audit action {action!r} (known: {', '.join(AUDIT_ACTIONS)})")
    con.execute(
        """
        insert into raw.audit_log (event_id, event_time, action, source, batch_id, source_file, source_sha256,
                                   rows_affected, detail, run_id, triggered_by, operator)
        values (nextval('raw.audit_seq'), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [
            utcnow(),
            action,
            source,
            batch_id,
            source_file,
            source_sha256,
            rows_affected,
            detail,
            ctx.run_id,
            ctx.triggered_by,
            ctx.operator,
        ],
    )
