"""Publish the marts as a new serving snapshot, swapped in atomically, only after the marts' checks passed.

The snapshot holds every table of the warehouse's ``marts`` schema plus what the API's status and audit endpoints
need: the freshness of each source, the batch ledger (no row content), a quarantine summary by reason (no row
content) and the asset check results of the run that built it. A blocking check that fails upstream skips this
asset, so the API keeps serving the last good snapshot.
"""

import subprocess
from pathlib import Path

import dagster as dg
import pandas as pd

from orchestration.project import dbt_project
from orchestration.resources import WAREHOUSE_POOL, WarehouseResource
from serving import tables as published
from serving.lineage import AUDIT_LOG_QUERY, AUDIT_QUARANTINE_ROWS_QUERY, dbt_model_graph
from serving.snapshot import publish_snapshot

# The snapshot copies every table of the warehouse's `marts` schema, but only after the registered ones
# (serving.tables) are built and checked, so a failing check leaves the last good snapshot in place.
DBT_MARTS = published.names("dbt_mart")  # checked by orchestration/checks/marts.py
MARTS = published.names(from_marts=True)
MART_KEYS = [dg.AssetKey(["marts", mart]) for mart in MARTS]

# Source → (raw table, event time column) for the freshness summary.
FRESHNESS_SOURCES = {
    "est_reports": ("est_reports", "observed_at"),
    "police_crimes": ("police_crimes", "occurred_from"),
    "police_events": ("police_events", "published_at"),
}

# Reference tables the API serves next to the marts (areas with their geometry, Brå context), when staged.
REFERENCE_QUERIES = {
    "stg_geo__areas": (
        "areas",
        "select * exclude (layer_name, batch_id, source_file) from warehouse.staging.stg_geo__areas",
    ),
    "stg_bra__indicators": (
        "bra_indicators",
        "select * exclude (batch_id, batch_seq, source_file, source_row, loaded_at) "
        "from warehouse.staging.stg_bra__indicators",
    ),
}

BATCHES_QUERY = """
    select batch_id, batch_seq, source, source_file, source_sha256, file_bytes, status, error, rows_read,
           rows_accepted, rows_quarantined, rows_superseded, partition_key, run_id, triggered_by, loaded_at
    from warehouse.raw.batches
"""
QUARANTINE_SUMMARY_QUERY = """
    select batch_id, source, source_file, reason_code, any_value(reason) as reason, count(*) as n_rows,
           list(source_row order by source_row) as source_rows
    from warehouse.raw.quarantine
    group by batch_id, source, source_file, reason_code
"""


def freshness_query(existing_tables: set[str]) -> str:
    parts = []
    for source, (table, column) in FRESHNESS_SOURCES.items():
        if table not in existing_tables:
            continue
        local = f"timezone('Europe/Stockholm', timezone('UTC', {column}))"
        parts.append(
            f"select '{source}' as source, count(*) as n_rows, max({column}) as latest_event_utc, "
            f"cast(date_trunc('week', max({local})) as date) as latest_week_start, "
            f"(select max(loaded_at) from warehouse.raw.batches where source = '{source}') as latest_load_utc "
            f"from warehouse.raw.{table}"
        )
    return " union all ".join(parts) or (
        "select null::varchar as source, 0::bigint as n_rows, null::timestamp as latest_event_utc, "
        "null::date as latest_week_start, null::timestamp as latest_load_utc where false"
    )


def git_commit() -> str | None:
    try:
        return subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            check=True,
            timeout=5,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


def run_check_results(context: dg.AssetExecutionContext) -> pd.DataFrame:
    """Every asset check evaluated in this run, for the status and lineage endpoints."""
    rows = []
    for entry in context.instance.all_logs(context.run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION):
        evaluation = entry.dagster_event.event_specific_data
        rows.append(
            {
                "run_id": context.run.run_id,
                "asset_key": evaluation.asset_key.to_user_string(),
                "check_name": evaluation.check_name,
                "passed": bool(evaluation.passed),
                "severity": evaluation.severity.value,
                "description": evaluation.description,
                "evaluated_at": pd.Timestamp(entry.timestamp, unit="s"),
            }
        )
    return pd.DataFrame(
        rows, columns=["run_id", "asset_key", "check_name", "passed", "severity", "description", "evaluated_at"]
    )


@dg.asset(
    key=dg.AssetKey(["serving", "snapshot"]),
    group_name="serving",
    deps=MART_KEYS,
    owners=["team:data-engineering"],
    kinds={"duckdb"},
    pool=WAREHOUSE_POOL,
    backfill_policy=dg.BackfillPolicy.single_run(),
    description="The published copy of the marts the API and dashboards read (serving/current.duckdb), written "
    "as a new file and swapped in with os.replace; readers never see a half-written snapshot.",
)
def serving_snapshot(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    settings = warehouse.settings()
    with warehouse.connect() as con:
        raw_tables = {
            row[0] for row in con.execute("select table_name from duckdb_tables() where schema_name = 'raw'").fetchall()
        }
        staged = {
            row[0]
            for row in con.execute("select view_name from duckdb_views() where schema_name = 'staging'").fetchall()
        }
    extra_queries = {
        "source_freshness": freshness_query(raw_tables),
        "audit_batches": BATCHES_QUERY,
        "audit_quarantine_summary": QUARANTINE_SUMMARY_QUERY,
        "audit_quarantine_rows": AUDIT_QUARANTINE_ROWS_QUERY,
        "audit_log": AUDIT_LOG_QUERY,
        **{table: query for view, (table, query) in REFERENCE_QUERIES.items() if view in staged},
    }
    extra_frames = {
        "run_checks": run_check_results(context),
        "lineage_models": dbt_model_graph(dbt_project.manifest_path),
    }
    # Every table the publish asset adds must be in the registry (the API and tests rely on it), before publishing.
    published.registered(*extra_queries, *extra_frames)
    snapshot = publish_snapshot(
        warehouse=settings.warehouse,
        target=settings.serving,
        run_id=context.run.run_id,
        git_commit=git_commit() or "unknown",
        extra_queries=extra_queries,
        extra_frames=extra_frames,
    )
    context.log.info(f"published snapshot {snapshot.snapshot_id} to {settings.serving}")
    return dg.MaterializeResult(
        metadata={
            "snapshot_id": snapshot.snapshot_id,
            "path": str(settings.serving),
            "tables": dg.MetadataValue.json(snapshot.tables),
            "dagster/row_count": sum(snapshot.tables.values()),
        }
    )
