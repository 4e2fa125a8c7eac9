"""Look at what the loaders rejected, so a data engineer can fix the source file and reload it.

    python -m ingest.quarantine summary [--source S] [--batch B]   files per source: read / accepted / quarantined,
                                                                   failed files with their error, reasons
    python -m ingest.quarantine list    [--source S] [--batch B] [--reason R] [--limit N]
                                                                   rejected rows with their reasons
    python -m ingest.quarantine show    [--source S] [--batch B] [--row N] [--limit N]
                                                                   rejected rows with their raw content (RESTRICTED)

The fix-and-reload flow: find the rows (``summary``, then ``list``), see what they held (``show``), correct the
export at its source, and drop the corrected file into the same landing folder (a new name or the same name: a
different content is a new batch). The next ingest run loads it; rows it now carries are accepted, and the same
ids from the earlier file are superseded. The ledger keeps both batches, and ``list`` marks a rejected row as
``resolved`` once a later batch of the same source accepted its id.

``show`` prints quarantined raw content, which can hold personal data exactly as it arrived: the raw zone is
restricted, so run it only where you are allowed to see that data. The warehouse is opened read-only.
"""

from __future__ import annotations

import argparse
import json

import duckdb
import pandas as pd
from rich.console import Console
from rich.table import Table

from ingest.settings import get_settings

# Where a source keeps the ids of the rows it accepted (to tell whether a rejected row was later resolved).
ACCEPTED_IDS: dict[str, tuple[str, str]] = {
    "est_reports": ("raw.est_reports", "report_id"),
    "police_crimes": ("raw.police_crimes", "crime_id"),
    "police_events": ("raw.police_event_deliveries", "event_id"),
    "areas": ("raw.areas", "area_id"),
}


def _existing_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute("select table_schema || '.' || table_name from information_schema.tables").fetchall()
    return {r[0] for r in rows}


def _filters(source: str | None, batch: str | None, alias: str = "q") -> tuple[str, list]:
    clauses, params = [], []
    if source:
        clauses.append(f"{alias}.source = ?")
        params.append(source)
    if batch:
        clauses.append(f"{alias}.batch_id like ?")
        params.append(f"{batch}%")
    return (" and ".join(clauses) or "true"), params


def quarantined_rows(
    con: duckdb.DuckDBPyConnection,
    *,
    source: str | None = None,
    batch: str | None = None,
    reason: str | None = None,
    row: int | None = None,
    limit: int | None = None,
) -> pd.DataFrame:
    """Rejected rows, oldest batch first, with ``resolved`` = a later batch of the source accepted the same id."""
    where, params = _filters(source, batch)
    if reason:
        where += " and q.reason_code = ?"
        params.append(reason)
    if row is not None:
        where += " and q.source_row = ?"
        params.append(row)
    tables = _existing_tables(con)
    resolved_parts = [
        f"select '{name}' as source, cast(t.{column} as varchar) as record_id, b.batch_seq "
        f"from {table} t join raw.batches b using (batch_id)"
        for name, (table, column) in ACCEPTED_IDS.items()
        if table in tables
    ]
    resolved = " union all ".join(resolved_parts) or "select null as source, null as record_id, null as batch_seq"
    sql = f"""
        with accepted as ({resolved})
        select q.source, q.batch_id, q.source_file, q.source_row, q.record_id, q.reason_code, q.reason,
               q.all_reasons, q.raw_content, q.quarantined_at, b.batch_seq,
               exists (select 1 from accepted a where a.source = q.source and a.record_id = q.record_id
                       and a.batch_seq > b.batch_seq) as resolved
        from raw.quarantine q join raw.batches b using (batch_id)
        where {where}
        order by b.batch_seq, q.source_row
        {f"limit {int(limit)}" if limit else ""}
    """  # noqa: S608 (table and column names are constants of this module)
    return con.execute(sql, params).df()


def batch_summary(
    con: duckdb.DuckDBPyConnection, *, source: str | None = None, batch: str | None = None
) -> pd.DataFrame:
    """One row per batch (file): status, rows read / accepted / quarantined / superseded, error, top reasons."""
    where, params = _filters(source, batch, alias="b")
    return con.execute(
        f"""
        with reasons as (
            select batch_id, string_agg(reason_code || ': ' || n, ', ' order by n desc, reason_code) as reasons
            from (select batch_id, reason_code, count(*) as n from raw.quarantine group by all)
            group by batch_id
        )
        select b.source, b.batch_id, b.source_file, b.status, b.rows_read, b.rows_accepted, b.rows_quarantined,
               b.rows_superseded, b.error, r.reasons, b.loaded_at, b.batch_seq
        from raw.batches b left join reasons r using (batch_id)
        where {where}
        order by b.batch_seq
        """,  # noqa: S608 (the where clause is built from fixed fragments and bound parameters)
        params,
    ).df()


def _table(title: str, frame: pd.DataFrame, columns: list[str]) -> Table:
    table = Table(title=title, show_lines=False)
    for column in columns:
        table.add_column(column, overflow="fold")
    for values in frame[columns].itertuples(index=False):
        table.add_row(*["" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v) for v in values])
    return table


def main(argv: list[str] | None = None, console: Console | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ingest.quarantine", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=("summary", "list", "show"))
    parser.add_argument("--source", help="only this source (est_reports, police_events, ...)")
    parser.add_argument("--batch", help="only this batch (a batch id or its beginning)")
    parser.add_argument("--reason", help="list: only this reason code")
    parser.add_argument("--row", type=int, help="show: only this source row")
    parser.add_argument("--limit", type=int, default=200, help="at most this many rows (default 200)")
    args = parser.parse_args(argv)
    console = console or Console()

    settings = get_settings()
    if not settings.warehouse.exists():
        console.print(f"[red]no warehouse at {settings.warehouse}[/red] (set LAGESBILD_DATA_DIR)")
        return 1
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        if args.command == "summary":
            frame = batch_summary(con, source=args.source, batch=args.batch)
            console.print(
                _table(
                    "Batches (one per landing file)",
                    frame,
                    [
                        "source",
                        "source_file",
                        "status",
                        "rows_read",
                        "rows_accepted",
                        "rows_quarantined",
                        "rows_superseded",
                        "reasons",
                    ],
                )
            )
            failed = frame[frame["status"] == "failed"]
            if len(failed):
                console.print(_table("Files that could not be read", failed, ["source", "source_file", "error"]))
        elif args.command == "list":
            frame = quarantined_rows(con, source=args.source, batch=args.batch, reason=args.reason, limit=args.limit)
            frame["resolved"] = frame["resolved"].map({True: "yes", False: ""})
            console.print(
                _table(
                    f"Quarantined rows ({len(frame)} shown)",
                    frame,
                    ["source_file", "source_row", "record_id", "reason_code", "resolved", "batch_id"],
                )
            )
        else:
            frame = quarantined_rows(con, source=args.source, batch=args.batch, row=args.row, limit=args.limit)
            console.print("[bold red]RESTRICTED:[/bold red] raw content as it arrived; it can hold personal data.")
            for record in frame.itertuples(index=False):
                console.rule(f"{record.source_file} row {record.source_row} ({record.batch_id})")
                console.print(f"reason: {record.reason_code} - {record.reason}")
                console.print(f"all reasons: {', '.join(json.loads(record.all_reasons))}")
                console.print_json(record.raw_content)
            if frame.empty:
                console.print("no quarantined rows match")
    finally:
        con.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
