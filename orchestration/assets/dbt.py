"""dbt models as Dagster assets and dbt tests as asset checks.

Asset keys read as the architecture: ``raw/<table>`` for sources (produced by the ingest assets),
``staging/<model>``, ``intermediate/<model>``, ``marts/<model>`` and ``reference/<seed>``; groups are the same
layers, so the lineage graph in the Dagster UI explains the platform.
"""


import json
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

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


TRANSLATOR = LagesbildTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


def dbt_build_args(min_date: str | None = None, max_date: str | None = None) -> list[str]:
    """The dbt command for a run: `build`, with the partition's window when there is one."""
    args = ["build"]
    if min_date and max_date:
        args += ["--vars", json.dumps({"min_date": min_date, "max_date": max_date})]
    return args


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=TRANSLATOR,
    pool=WAREHOUSE_POOL,
)
def lagesbild_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    warehouse.export_dbt_environment()
    try:
        yield from dbt.cli(dbt_build_args(), context=context).stream().fetch_row_counts()
    finally:
        release_dbt_duckdb_handle()


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
