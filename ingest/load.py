"""Load the landing folders into the raw zone from a terminal, with a progress bar: what the Dagster ingest assets
do, for a data engineer who wants to load (or reload) files by hand and watch a long load.

    python -m ingest.load                                   every source, areas first
    python -m ingest.load --source est_reports --source police_crimes
    python -m ingest.load --data-dir /srv/lagesbild/data    another data root (default: LAGESBILD_DATA_DIR)

Shows one bar per source over its files (with the rows read so far), then a table with a row per source: files
loaded, skipped (same content already loaded) and failed, and rows read = accepted + quarantined, with the
warehouse's own reconciliation of every batch of the source. Files that failed are listed with their error. Exits 1 when a file
failed or a source does not reconcile, else 0. The warehouse has one writer: stop Dagster runs first.
"""

from __future__ import annotations

import argparse
import uuid
from pathlib import Path

import duckdb
from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ingest.ledger import LoadContext
from ingest.loader import LoadResult, accepted_table_of, landing_files
from ingest.pipeline import LOAD_ORDER, SourceLoad, build_source, connect_warehouse, load_source
from ingest.reconcile import Reconciliation, reconcile
from ingest.settings import PlatformSettings, get_settings


def load_with_progress(
    sources: list[str], settings: PlatformSettings, console: Console
) -> list[tuple[SourceLoad, Reconciliation]]:
    """Load the sources' landing folders in ``LOAD_ORDER``; returns each source's load and reconciliation."""
    ctx = LoadContext(run_id=f"ingest.load-{uuid.uuid4().hex[:12]}", triggered_by="manual")
    done = []
    con = connect_warehouse(settings)
    try:
        with Progress(
            TextColumn("{task.description:<15}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("files  {task.fields[rows]:>11,} rows read"),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            for source in sorted(sources, key=LOAD_ORDER.index):
                spec = build_source(source, con, settings)
                files = landing_files(settings.landing(source), spec.file_patterns)
                task = progress.add_task(source, total=len(files), rows=0)

                def advance(result: LoadResult, task=task) -> None:
                    rows = progress.tasks[task].fields["rows"] + result.rows_read
                    progress.update(task, advance=1, rows=rows)

                load = load_source(source, con, settings, ctx, files=files, on_file=advance)
                done.append((load, reconcile(con, source, accepted_table_of(spec))))
    finally:
        con.close()
    return done


def summary_table(loads: list[tuple[SourceLoad, Reconciliation]]) -> Table:
    """One row per source: what its load did with the files, and whether the rows add up: rows read = accepted +
    quarantined in this load, and the warehouse's reconciliation of every batch of the source (fits 80 columns;
    superseded rows are in ``python -m ingest.quarantine summary``)."""
    table = Table(
        title="Per source: files loaded, skipped, failed; rows read = accepted + quarantined",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        padding=(0, 1, 0, 0),
    )
    table.add_column("source", no_wrap=True, min_width=max(map(len, LOAD_ORDER)))
    for column in ("loaded", "skipped", "failed", "read", "accepted", "quarantined", "adds up"):
        table.add_column(column, justify="right", no_wrap=True, min_width=len(column))
    for load, check in loads:
        adds_up = check.ok and load.rows_read == load.rows_accepted + load.rows_quarantined
        skipped = sum(r.status == "skipped_duplicate" for r in load.results)
        table.add_row(
            load.source,
            *(
                f"{n:,}"
                for n in (
                    len(load.loaded),
                    skipped,
                    len(load.failed),
                    load.rows_read,
                    load.rows_accepted,
                    load.rows_quarantined,
                )
            ),
            "yes" if adds_up else "[red]NO[/red]",
        )
    return table


def main(argv: list[str] | None = None, console: Console | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ingest.load", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--source",
        action="append",
        choices=LOAD_ORDER,
        help="load this source (repeat for several; default: all, areas first)",
    )
    parser.add_argument("--data-dir", type=Path, help="the data root (default: LAGESBILD_DATA_DIR, else ./data)")
    args = parser.parse_args(argv)
    console = console or Console()
    settings = PlatformSettings(data_dir=args.data_dir) if args.data_dir else get_settings()

    try:
        loads = load_with_progress(list(dict.fromkeys(args.source or LOAD_ORDER)), settings, console)
    except duckdb.IOException as exc:  # most often: another process (a Dagster run) holds the warehouse
        console.print(f"[red]cannot open the warehouse {settings.warehouse}[/red]: {exc}")
        return 1
    failed = [result for load, _ in loads for result in load.failed]
    mismatches = [m for _, check in loads for m in check.mismatches]
    console.print(summary_table(loads))
    if failed:
        console.print()
        table = Table(title="Files that could not be read (fix them and drop them again)", title_justify="left")
        table.add_column("source")
        table.add_column("error", overflow="fold")
        for result in failed:
            table.add_row(result.source, result.error or "")
        console.print(table)
    for mismatch in mismatches:
        console.print(f"[red]does not reconcile:[/red] {mismatch}")
    return 1 if failed or mismatches else 0


if __name__ == "__main__":
    raise SystemExit(main())
