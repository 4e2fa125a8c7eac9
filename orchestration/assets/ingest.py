"""Ingest assets: one per source, each loading the new files in its landing folder into the raw zone.

The work is done by plain Python in ``ingest/``; these assets only wire it to Dagster and report what happened
(rows read / accepted / quarantined, batch ids, failed files) with two checks per source: the load reconciles,
and every file could be parsed.
"""

from pathlib import Path

import dagster as dg

from ingest.ledger import LoadContext
from ingest.loader import accepted_table_of, ensure_source_table, landing_files
from ingest.pipeline import build_source, load_source
from ingest.reconcile import reconcile
from orchestration.partitions import file_week, weekly_partitions
from orchestration.resources import WAREHOUSE_POOL, WarehouseResource

OWNER = "team:data-engineering"


def triggered_by(context: dg.AssetExecutionContext) -> str:
    """Who or what started the run, for the ledger and the audit log."""
    tags = context.run.tags
    if "dagster/schedule_name" in tags:
        return f"schedule:{tags['dagster/schedule_name']}"
    if "dagster/sensor_name" in tags:
        return f"sensor:{tags['dagster/sensor_name']}"
    return "manual"  # the person is recorded separately (LoadContext.operator, from LAGESBILD_OPERATOR)


def files_for_partitions(
    context: dg.AssetExecutionContext, folder: Path, patterns: tuple[str, ...], weekly: bool
) -> list[Path]:
    """The landing files a run should load: all of them, or, for a weekly source, those of the partition's weeks."""
    files = landing_files(folder, patterns)
    if not weekly or not in_partitioned_run(context):
        return files
    window = context.partition_time_window
    first, end = window.start.date(), window.end.date()
    return [path for path in files if first <= file_week(path) < end]


def rows_in_window(con, raw_table: str, time_column: str, window: dg.TimeWindow) -> int:
    """Rows of a source whose event time falls in the partition's weeks (local time)."""
    return con.execute(
        f"select count(*) from {raw_table} "  # noqa: S608 (constants of the source spec)
        f"where timezone('Europe/Stockholm', timezone('UTC', {time_column})) >= ? "
        f"and timezone('Europe/Stockholm', timezone('UTC', {time_column})) < ?",
        [window.start.replace(tzinfo=None), window.end.replace(tzinfo=None)],
    ).fetchall()[0][0]


def build_ingest_asset(
    source: str,
    description: str,
    deps: tuple[str, ...] = (),
    *,
    weekly: bool = False,
    event_time_column: str | None = None,
    also_writes: dict[str, str] | None = None,
) -> dg.AssetsDefinition:
    """An asset that loads one source's new landing files.

    ``weekly`` sources (reports, crimes, events) are partitioned by ISO week: a partition loads the files stamped
    with its weeks, and a ``has_data_for_week`` check warns when the week holds no rows at all (a source that
    stopped delivering shows up as a warning, not as silence). Reference sources (areas, population, Brå) are not
    partitioned: every run loads whatever is new. ``also_writes`` names further raw tables the same load writes
    (table → description); they become assets of their own, so dbt sources on them have a producer.
    """
    key = dg.AssetKey(["raw", source])
    extra_keys = {dg.AssetKey(["raw", table]): text for table, text in (also_writes or {}).items()}
    specs = [
        dg.AssetSpec(
            k,
            description=text,
            group_name="sources",
            owners=[OWNER],
            kinds={"python", "duckdb"},
            deps=[dg.AssetKey(["raw", d]) for d in deps],
        )
        for k, text in {key: description, **extra_keys}.items()
    ]
    check_specs = [
        dg.AssetCheckSpec(
            "reconciles",
            asset=key,
            blocking=True,
            description="rows read = rows accepted + rows quarantined, for every batch, and the "
            "raw table and quarantine hold exactly what the ledger says",
        ),
        dg.AssetCheckSpec(
            "all_files_parsed",
            asset=key,
            description="every landing file of this run could be parsed (a failed file is named "
            "with its problem in the metadata)",
        ),
    ]
    if weekly and event_time_column:
        check_specs.append(
            dg.AssetCheckSpec(
                "has_data_for_week",
                asset=key,
                description="the partition's week holds at least one row of this source (freshness)",
            )
        )

    @dg.multi_asset(
        name=f"raw_{source}",
        specs=specs,
        pool=WAREHOUSE_POOL,
        partitions_def=weekly_partitions if weekly else None,
        backfill_policy=dg.BackfillPolicy.single_run(),
        check_specs=check_specs,
    )
    def _ingest(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        settings = warehouse.settings()
        with warehouse.connect() as con:
            spec = build_source(source, con, settings)
            ensure_source_table(con, spec)
            files = files_for_partitions(context, settings.landing(source), spec.file_patterns, weekly)
            load = load_source(
                source,
                con,
                settings,
                LoadContext(
                    run_id=context.run.run_id,
                    triggered_by=triggered_by(context),
                    partition_key=_partition_label(context) if weekly else None,
                ),
                files=files,
            )
            check = reconcile(con, source, accepted_table_of(spec))
            total_rows = con.execute(f"select count(*) from {spec.raw_table}").fetchall()[0][0]  # noqa: S608
            extra_rows = {
                k: con.execute(f"select count(*) from {k.path[0]}.{k.path[1]}").fetchall()[0][0]  # noqa: S608
                for k in extra_keys
            }
            week_rows = (
                rows_in_window(con, spec.raw_table, event_time_column, context.partition_time_window)
                if weekly and event_time_column and in_partitioned_run(context)
                else None
            )
        for result in load.failed:
            context.log.error(f"could not load {result.error}")
        yield dg.MaterializeResult(
            asset_key=key,
            metadata={
                "files_loaded": len(load.loaded),
                "files_skipped_duplicate": sum(r.status == "skipped_duplicate" for r in load.results),
                "files_failed": len(load.failed),
                "rows_read": load.rows_read,
                "rows_accepted": load.rows_accepted,
                "rows_quarantined": load.rows_quarantined,
                "rows_superseded": sum(r.rows_superseded for r in load.results),
                "batch_ids": dg.MetadataValue.json([r.batch_id for r in load.loaded]),
                "files": dg.MetadataValue.json([r.source_file for r in load.results]),
                "dagster/row_count": total_rows,
            },
        )
        for extra_key, rows in extra_rows.items():
            yield dg.MaterializeResult(asset_key=extra_key, metadata={"dagster/row_count": rows})
        yield dg.AssetCheckResult(
            asset_key=key,
            check_name="reconciles",
            passed=check.ok,
            metadata={
                "batches": check.batches,
                "rows_read": check.rows_read,
                "rows_accepted": check.rows_accepted,
                "rows_quarantined": check.rows_quarantined,
                "mismatches": dg.MetadataValue.json(list(check.mismatches[:50])),
            },
        )
        yield dg.AssetCheckResult(
            asset_key=key,
            check_name="all_files_parsed",
            passed=not load.failed,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"failed_files": dg.MetadataValue.json([r.error for r in load.failed])},
        )
        if week_rows is not None:
            yield dg.AssetCheckResult(
                asset_key=key,
                check_name="has_data_for_week",
                passed=week_rows > 0,
                severity=dg.AssetCheckSeverity.WARN,
                description=None if week_rows else f"no {source} rows for {_partition_label(context)}",
                metadata={"rows_in_partition_weeks": week_rows, "partition": _partition_label(context)},
            )

    return _ingest


def in_partitioned_run(context: dg.AssetExecutionContext) -> bool:
    """True for a run of one partition or of a partition range (single-run backfill)."""
    return context.has_partition_key or context.has_partition_key_range


def _partition_label(context: dg.AssetExecutionContext) -> str | None:
    if not in_partitioned_run(context):
        return None
    keys = context.partition_key_range
    return keys.start if keys.start == keys.end else f"{keys.start}...{keys.end}"


raw_areas = build_ingest_asset(
    "areas", "Area polygons (DeSO, RegSO, districts, EST areas) from GeoJSON or GeoPackage in the landing folder."
)
raw_population = build_ingest_asset("population", "Population per area and year.", deps=("areas",))
raw_est_reports = build_ingest_asset(
    "est_reports",
    "EST reports exported from the reporting system (CSV, JSON, XLSX), validated, redacted and "
    "placed in areas and H3 cells.",
    deps=("areas",),
    weekly=True,
    event_time_column="observed_at",
)

raw_police_crimes = build_ingest_asset(
    "police_crimes",
    "Police-reported crimes (record-level extracts): offence code and category, occurred and "
    "reported times, SWEREF 99 TM or WGS84 points, placed in areas and H3 cells.",
    deps=("areas",),
    weekly=True,
    event_time_column="occurred_from",
)

raw_police_events = build_ingest_asset(
    "police_events",
    "Police open events (saved polisen.se /api/events responses): every revision kept, the "
    "municipality read from location.name or the title, an area only where the area gazetteer matches the text.",
    # No has_data_for_week check: the feed is the police's editorial selection, fetched by a separate client, and
    # a quiet week is not a broken delivery (set event_time_column="published_at" to warn on empty weeks).
    deps=("areas",),
    weekly=True,
    also_writes={
        "police_event_deliveries": "Every event of every loaded police API response, pointing at its "
        "revision in raw/police_events; fetch times order the revisions (written by raw/police_events)."
    },
)

raw_bra_indicators = build_ingest_asset(
    "bra_indicators",
    "Brå municipal indicators (reported crime, NTU) as annual context, long format, geography "
    "names mapped to municipality/county codes.",
)

INGEST_ASSETS = [raw_areas, raw_population, raw_est_reports, raw_police_crimes, raw_police_events, raw_bra_indicators]
