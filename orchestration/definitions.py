"""The Dagster code location: only wiring. Load with `dagster dev -w workspace.yaml`."""

import dagster as dg

from orchestration.assets.dbt import lagesbild_dbt_models
from orchestration.assets.guards import GUARD_ASSETS
from orchestration.assets.ingest import INGEST_ASSETS
from orchestration.assets.publish import serving_snapshot
from orchestration.resources import default_resources

full_refresh = dg.define_asset_job(
    "full_refresh",
    selection=dg.AssetSelection.all(),
    description="Load every new landing file, rebuild and test every dbt model, and publish the serving snapshot.",
    # Warehouse writers run one at a time anyway (DuckDB has one writer), so run the steps in one process and
    # skip the per-step start-up cost of the multiprocess executor.
    executor_def=dg.in_process_executor,
)

defs = dg.Definitions(
    assets=[*INGEST_ASSETS, lagesbild_dbt_models, *GUARD_ASSETS, serving_snapshot],
    jobs=[full_refresh],
    resources=default_resources(),
)
