"""dbt models as Dagster assets and dbt tests as asset checks.

Asset keys read as the architecture: ``raw/<table>`` for sources (produced by the ingest assets),
``staging/<model>``, ``intermediate/<model>``, ``marts/<model>`` and ``reference/<seed>``; groups are the same
layers, so the lineage graph in the Dagster UI explains the platform.
"""

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from orchestration.partitions import dbt_window, tertial_partitions, weekly_partitions
from orchestration.project import dbt_project
from orchestration.resources import WAREHOUSE_POOL, WarehouseResource

OWNER = "team:analytics"


class LagesbildTranslator(DagsterDbtTranslator):
    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        resource_type = dbt_resource_props["resource_type"]
        if resource_type == "source":
            return dg.AssetKey([dbt_resource_props["source_name"], dbt_resource_props["name"]])
        schema = dbt_resource_props.get("config", {}).get("schema") or dbt_resource_props.get("schema")
        return dg.AssetKey([schema, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        if dbt_resource_props["resource_type"] == "source":
            return "sources"
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "models"

    def get_owners(self, dbt_resource_props: Mapping[str, Any]):
        return [OWNER]

    def get_metadata(self, dbt_resource_props: Mapping[str, Any]) -> Mapping[str, Any]:
        metadata = dict(super().get_metadata(dbt_resource_props))
        if dbt_resource_props["resource_type"] in ("model", "seed"):
            # Where dbt writes the SQL it ran for this node (refreshed on every build), for auditors.
            compiled = (
                Path(dbt_project.project_dir)
                / "target"
                / "compiled"
                / "lagesbild"
                / dbt_resource_props["original_file_path"]
            )
            metadata["dbt/compiled_sql"] = dg.MetadataValue.path(str(compiled))
            metadata["dbt/unique_id"] = dbt_resource_props["unique_id"]
        return metadata


TRANSLATOR = LagesbildTranslator(
    settings=DagsterDbtTranslatorSettings(enable_asset_checks=True, enable_code_references=True)
)


WINDOW_ENV = {"min_date": "DBT_WINDOW_MIN_DATE", "max_date": "DBT_WINDOW_MAX_DATE"}


def dbt_build_args() -> list[str]:
    """The dbt command for a run. (dagster-dbt adds the --select of the assets being materialised itself.)"""
    return ["build"]


def export_window(window: dict[str, str] | None) -> None:
    """Hand the partition's window to dbt as environment variables, not as ``--vars``.

    The weekly marts' YAML reads ``env_var('DBT_WINDOW_MIN_DATE', var('min_date'))``. dbt re-parses the whole
    project whenever ``--vars`` differ from the saved parse (~10 s here, every week); a changed env var only makes
    it re-parse the three YAML files that read it. By hand, ``dbt build --vars '{min_date: ..., max_date: ...}'``
    still works (the env vars are unset outside Dagster).
    """
    for key, name in WINDOW_ENV.items():
        if window:
            os.environ[name] = window[key]
        else:
            os.environ.pop(name, None)


def _manifest_tags() -> set[str]:
    manifest = json.loads(Path(dbt_project.manifest_path).read_text(encoding="utf-8"))
    return {tag for node in manifest["nodes"].values() if node["resource_type"] == "model" for tag in node["tags"]}


def _run_dbt(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource, window: dict[str, str] | None
):
    warehouse.export_dbt_environment()
    if window:
        context.log.info(f"dbt window: {window}")
    export_window(window)
    try:
        invocation = dbt.cli(dbt_build_args(), context=context)  # dbt starts here, with this environment
    finally:
        export_window(None)  # a dbt started later by hand in this process must not inherit the window
    # Buffered until dbt has finished: the row counts need the warehouse, which dbt holds while it runs.
    # (dagster-dbt's fetch_row_counts/fetch_column_metadata cost ~30 s per run here: a dbt adapter in this
    # process, one connection per model, and sqlglot column lineage that fails on the Python models.)
    events = []
    try:
        events.extend(invocation.stream())
    except Exception:
        yield from events  # what dbt did build is recorded before the failure is raised
        raise
    finally:
        release_dbt_duckdb_handle()
    yield from with_row_counts(events, invocation.manifest, warehouse)


def with_row_counts(events: list, manifest: Mapping[str, Any], warehouse: WarehouseResource) -> list:
    """The dbt events, each table or incremental model's output with ``dagster/row_count``, counted in one
    read-only connection (views are not counted: counting runs their query)."""

    def node_of(event) -> dict | None:
        if not isinstance(event, dg.Output) or "unique_id" not in event.metadata:
            return None
        node = manifest["nodes"].get(event.metadata["unique_id"].text)
        return node if node and node["config"]["materialized"] != "view" else None

    tables = {node["unique_id"]: f'"{node["schema"]}"."{node["alias"]}"' for node in map(node_of, events) if node}
    if not tables:
        return events
    with duckdb.connect(str(warehouse.settings().warehouse), read_only=True) as con:
        counts = {
            unique_id: con.execute(f"select count(*) from {relation}").fetchall()[0][0]  # noqa: S608
            for unique_id, relation in tables.items()
        }
    counted = []
    for event in events:
        node = node_of(event)
        counted.append(
            event.with_metadata({**event.metadata, "dagster/row_count": counts[node["unique_id"]]}) if node else event
        )
    return counted


TERTIAL_TAG = "tertial"


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    # dbt unit tests check the SQL, not the data: they run in `make test` (tests/marts), not in every refresh.
    exclude=f"tag:{TERTIAL_TAG} resource_type:unit_test",
    dagster_dbt_translator=TRANSLATOR,
    partitions_def=weekly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
    name="dbt_weekly_models",
)
def dbt_weekly_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    """Seeds, staging, intermediate models and the weekly marts, in ONE dbt invocation per run.

    Partitioned by ISO week: a run rebuilds the weekly marts for the partition's weeks plus a lookback for late
    reports (incremental models); views and the small intermediate tables are rebuilt whole. (One invocation, not
    one per layer, because every dbt start costs a parse of the project.)
    """
    window = context.partition_time_window
    yield from _run_dbt(context, dbt, warehouse, window=dbt_window(window.start, window.end))


def _tertial_dbt_assets():
    @dbt_assets(
        manifest=dbt_project.manifest_path,
        project=dbt_project,
        select=f"tag:{TERTIAL_TAG}",
        dagster_dbt_translator=TRANSLATOR,
        partitions_def=tertial_partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
        pool=WAREHOUSE_POOL,
        name="dbt_tertial_models",
    )
    def dbt_tertial_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
        """Tertial marts: a run rebuilds the partition's tertials (T1 Jan–Apr, T2 May–Aug, T3 Sep–Dec)."""
        window = context.partition_time_window
        yield from _run_dbt(context, dbt, warehouse, window=dbt_window(window.start, window.end, lookback_weeks=0))

    return dbt_tertial_models


DBT_ASSETS = [dbt_weekly_models]
if TERTIAL_TAG in _manifest_tags():
    DBT_ASSETS.append(_tertial_dbt_assets())


def release_dbt_duckdb_handle() -> None:
    """Close the warehouse handle dbt-duckdb's adapter keeps open in this process after fetching row counts.

    The adapter caches one DuckDB instance per process (DuckDBConnectionManager._ENV). Left open, it holds the
    warehouse so that a later step in the same process (the publish step, or tests running in-process) cannot
    open it with another configuration.
    """
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        if DuckDBConnectionManager._ENV is not None:
            DuckDBConnectionManager._ENV.close()
            DuckDBConnectionManager._ENV = None
