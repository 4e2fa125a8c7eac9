"""Load one landing file into the raw zone: read → validate → write accepted rows and quarantine, reconciled.

The same loader serves every source; a source only says how to read its files and how to validate a row
(see ``ingest.sources``). Guarantees, for every file:

* rows read = rows accepted + rows quarantined, recorded in ``raw.batches`` (checked before commit);
* the same content loaded twice changes nothing (idempotent on the file's sha256);
* a later file with the same record ids supersedes the earlier rows (the raw zone keeps both; staging picks the
  latest batch);
* a file that cannot be parsed at all fails alone, with a message naming the file and the problem.

A source stores its accepted rows in ``spec.raw_table`` unless it brings its own ``store(con, rows)`` (police
events keep one row per revision and record every delivery in ``spec.accepted_table``); either way the table
named by ``accepted_table_of(spec)`` holds exactly rows_accepted rows of every batch.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from ingest import ledger
from ingest.ledger import LoadContext
from ingest.sources.base import SourceSpec, UnreadableFileError

LINEAGE_COLUMNS = ("batch_id", "source_file", "source_sha256", "source_row", "run_id", "loaded_at")


@dataclass(frozen=True)
class LoadResult:
    source: str
    source_file: str
    sha256: str
    batch_id: str
    status: str  # loaded | skipped_duplicate | failed
    rows_read: int = 0
    rows_accepted: int = 0
    rows_quarantined: int = 0
    rows_superseded: int = 0
    error: str | None = None

    @property
    def reconciles(self) -> bool:
        return self.rows_read == self.rows_accepted + self.rows_quarantined


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def batch_id_for(source: str, sha256: str) -> str:
    return f"{source}:{sha256[:16]}"


def ensure_source_table(con: duckdb.DuckDBPyConnection, spec: SourceSpec) -> None:
    ledger.ensure_ledger(con)
    con.execute(spec.ddl)


def accepted_table_of(spec: SourceSpec) -> str:
    """The table that holds one row per accepted row of every batch (what reconciliation counts)."""
    return getattr(spec, "accepted_table", None) or spec.raw_table


def load_file(con: duckdb.DuckDBPyConnection, spec: SourceSpec, path: Path, ctx: LoadContext) -> LoadResult:
    """Load one file of ``spec``'s source. Never raises for bad content; returns what happened."""
    ensure_source_table(con, spec)
    path = Path(path)
    sha256 = file_sha256(path)
    batch_id = batch_id_for(spec.name, sha256)

    earlier = ledger.find_loaded_batch(con, spec.name, sha256)
    if earlier is not None:
        ledger.audit(
            con,
            "skipped_duplicate",
            ctx,
            source=spec.name,
            batch_id=earlier,
            source_file=path.name,
            source_sha256=sha256,
            rows_affected=0,
            detail=f"{path.name} has the same content as batch {earlier}; nothing changed",
        )
        return LoadResult(spec.name, path.name, sha256, earlier, "skipped_duplicate")

    try:
        raw = spec.read(path)
    except UnreadableFileError as exc:
        return _record_failure(con, spec, path, sha256, batch_id, ctx, f"{path.name}: {exc}")
    except Exception as exc:  # a reader library's own error on malformed content: still this file's failure
        return _record_failure(
            con, spec, path, sha256, batch_id, ctx, f"{path.name}: cannot be read ({type(exc).__name__}: {exc})"
        )
    try:
        accepted, rejections = spec.validate(raw, ctx)
    except Exception as exc:  # a validator bug: fail this file loudly, keep loading the others
        return _record_failure(
            con,
            spec,
            path,
            sha256,
            batch_id,
            ctx,
            f"{path.name}: validation crashed ({type(exc).__name__}: {exc}); "
            "this is a bug in the loader, please report it with the file",
        )
    rows_read = len(raw)
    if rows_read != len(accepted) + len(rejections):  # a bug in a validator, never bad input
        raise AssertionError(
            f"{spec.name} validator lost rows in {path.name}: read {rows_read}, "
            f"accepted {len(accepted)}, quarantined {len(rejections)}"
        )

    reload = ledger.earlier_failure(con, batch_id)
    con.execute("begin transaction")
    try:
        superseded = _store(con, spec, accepted, batch_id=batch_id, source_file=path.name, sha256=sha256, ctx=ctx)
        quarantined = ledger.record_quarantine(
            con, batch_id=batch_id, source=spec.name, source_file=path.name, rejections=rejections, ctx=ctx
        )
        ledger.record_batch(
            con,
            batch_id=batch_id,
            batch_seq=ledger.next_batch_seq(con),
            source=spec.name,
            source_file=path.name,
            source_path=str(path.resolve()),
            source_sha256=sha256,
            file_bytes=path.stat().st_size,
            status="loaded",
            error=None,
            rows_read=rows_read,
            rows_accepted=len(accepted),
            rows_quarantined=quarantined,
            rows_superseded=superseded,
            partition_key=ctx.partition_key,
            run_id=ctx.run_id,
            triggered_by=ctx.triggered_by,
            loaded_at=ctx.now,
        )
        ledger.audit(
            con,
            "loaded",
            ctx,
            source=spec.name,
            batch_id=batch_id,
            source_file=path.name,
            source_sha256=sha256,
            rows_affected=len(accepted),
            detail=f"read {rows_read}, accepted {len(accepted)}, quarantined {quarantined}",
        )
        if reload:
            ledger.audit(
                con,
                "reloaded",
                ctx,
                source=spec.name,
                batch_id=batch_id,
                source_file=path.name,
                source_sha256=sha256,
                rows_affected=len(accepted),
                detail=f"{path.name} failed to load before; loaded now (the ledger row is replaced, "
                "the earlier failure stays in this log)",
            )
        if quarantined:
            ledger.audit(
                con,
                "quarantined",
                ctx,
                source=spec.name,
                batch_id=batch_id,
                source_file=path.name,
                source_sha256=sha256,
                rows_affected=quarantined,
                detail=_reason_summary(rejections),
            )
        if superseded:
            ledger.audit(
                con,
                "superseded",
                ctx,
                source=spec.name,
                batch_id=batch_id,
                source_file=path.name,
                source_sha256=sha256,
                rows_affected=superseded,
                detail=f"{superseded} earlier rows with the same {spec.id_column} replaced by this batch",
            )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise

    return LoadResult(
        spec.name, path.name, sha256, batch_id, "loaded", rows_read, len(accepted), quarantined, superseded
    )


def _record_failure(
    con, spec: SourceSpec, path: Path, sha256: str, batch_id: str, ctx: LoadContext, message: str
) -> LoadResult:
    ledger.record_batch(
        con,
        batch_id=batch_id,
        batch_seq=ledger.next_batch_seq(con),
        source=spec.name,
        source_file=path.name,
        source_path=str(path.resolve()),
        source_sha256=sha256,
        file_bytes=path.stat().st_size,
        status="failed",
        error=message,
        rows_read=0,
        rows_accepted=0,
        rows_quarantined=0,
        rows_superseded=0,
        partition_key=ctx.partition_key,
        run_id=ctx.run_id,
        triggered_by=ctx.triggered_by,
        loaded_at=ctx.now,
    )
    ledger.audit(
        con,
        "failed",
        ctx,
        source=spec.name,
        batch_id=batch_id,
        source_file=path.name,
        source_sha256=sha256,
        rows_affected=0,
        detail=message,
    )
    return LoadResult(spec.name, path.name, sha256, batch_id, "failed", error=message)


def _reason_summary(rejections) -> str:
    counts = pd.Series([r.reason_code for r in rejections]).value_counts()
    return ", ".join(f"{code}: {n}" for code, n in counts.items())


def _count_superseded(con, spec: SourceSpec, accepted: pd.DataFrame) -> int:
    if accepted.empty or spec.id_column is None:
        return 0
    ids = pd.DataFrame({"record_id": accepted[spec.id_column].astype(str).unique()})
    con.register("_new_ids", ids)
    try:
        return int(
            con.execute(
                f"select count(*) from {spec.raw_table} t join _new_ids n "  # noqa: S608 (table names are constants)
                f"on cast(t.{spec.id_column} as varchar) = n.record_id"
            ).fetchall()[0][0]
        )
    finally:
        con.unregister("_new_ids")


def _store(
    con, spec: SourceSpec, accepted: pd.DataFrame, *, batch_id: str, source_file: str, sha256: str, ctx: LoadContext
) -> int:
    """Write the accepted rows with their lineage; returns how many earlier rows they supersede."""
    if accepted.empty:
        return 0
    frame = accepted.copy()
    frame["batch_id"] = batch_id
    frame["source_file"] = source_file
    frame["source_sha256"] = sha256
    frame["run_id"] = ctx.run_id
    frame["loaded_at"] = ctx.now
    custom_store = getattr(spec, "store", None)
    if custom_store is not None:
        return int(custom_store(con, frame))
    superseded = _count_superseded(con, spec, accepted)
    insert_frame(con, spec.raw_table, frame)
    return superseded


def insert_frame(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    """Insert a DataFrame into a table by column name."""
    con.register("_insert_rows", frame)
    try:
        con.execute(f"insert into {table} by name select * from _insert_rows")  # noqa: S608 (constant names)
    finally:
        con.unregister("_insert_rows")


def landing_files(folder: Path, patterns: tuple[str, ...]) -> list[Path]:
    """Files waiting in a landing folder, in a stable order (name), ignoring hidden and partial files."""
    if not folder.exists():
        return []
    found = {p for pattern in patterns for p in folder.glob(pattern) if p.is_file()}
    return sorted(
        (p for p in found if not p.name.startswith(".") and not p.name.endswith((".tmp", ".part"))),
        key=lambda p: p.name,
    )
