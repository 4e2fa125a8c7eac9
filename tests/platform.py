"""Run the real platform through Dagster on a test data folder (shared by the end-to-end tests)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import dagster as dg


def weekly_assets(include_docs: bool = False) -> list:
    """Every asset of the weekly_refresh job (ingest, dbt, analytics, publish). The dbt docs asset costs a dbt
    invocation (~20 s) and is left out unless asked for (tests/lineage tests it once)."""
    from orchestration.assets.docs import DOCS_KEY
    from orchestration.definitions import defs

    job = defs.resolve_job_def("weekly_refresh")
    wanted = {node.key for node in job.asset_layer.asset_graph.asset_nodes if node.is_executable}
    if not include_docs:
        wanted.discard(DOCS_KEY)
    return [a for a in defs.assets if any(k in wanted for k in a.keys)]


def tertial_assets() -> list:
    from orchestration.assets.dbt import DBT_ASSETS
    from orchestration.partitions import tertial_partitions

    return [a for a in DBT_ASSETS if a.partitions_def == tertial_partitions]


def resources_for(data_dir: Path) -> dict:
    from orchestration.notifier import Notifier
    from orchestration.resources import WarehouseResource, default_resources

    return {
        **default_resources(),
        "warehouse": WarehouseResource(data_dir=str(data_dir)),
        "notifier": Notifier(log_path=str(data_dir / "logs" / "alerts.log")),
    }


def range_tags(first: str, last: str) -> dict[str, str]:
    return {"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last}


def materialize_weeks(
    data_dir: Path, first_week: date, last_week: date, *, instance=None, raise_on_error: bool = True
) -> dg.ExecuteInProcessResult:
    """The weekly refresh of one week (a partition key, as the schedule and sensor run it), or of a range of
    weeks as one single-run backfill (as `make refresh` runs it)."""
    single = first_week == last_week
    return dg.materialize(
        weekly_assets(),
        resources=resources_for(data_dir),
        instance=instance or dg.DagsterInstance.ephemeral(),
        partition_key=first_week.isoformat() if single else None,
        tags=None if single else range_tags(first_week.isoformat(), last_week.isoformat()),
        raise_on_error=raise_on_error,
    )
