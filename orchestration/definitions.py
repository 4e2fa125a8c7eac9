"""The Dagster code location: only wiring. Load with `dagster dev -w workspace.yaml`."""

import dagster as dg

from orchestration.assets.dbt import DBT_ASSETS
from orchestration.assets.docs import dbt_docs
from orchestration.assets.guards import GUARD_ASSETS
from orchestration.assets.ingest import INGEST_ASSETS
from orchestration.assets.interventions import INTERVENTION_ASSETS
from orchestration.assets.publish import serving_snapshot
from orchestration.checks.marts import MART_CHECKS
from orchestration.jobs import JOBS
from orchestration.resources import default_resources
from orchestration.run_recovery import dead_run_sensor
from orchestration.schedules import SCHEDULES
from orchestration.sensors import SENSORS

defs = dg.Definitions(
    assets=[*INGEST_ASSETS, *DBT_ASSETS, *GUARD_ASSETS, *INTERVENTION_ASSETS, serving_snapshot, dbt_docs],
    asset_checks=MART_CHECKS,
    jobs=JOBS,
    schedules=SCHEDULES,
    sensors=[*SENSORS, dead_run_sensor],
    resources=default_resources(),
    # Warehouse writers run one at a time anyway (DuckDB has one writer), so every run, including ad-hoc
    # `dagster asset materialize`, executes its steps in one process and skips per-step start-up (~15 s each).
    executor=dg.in_process_executor,
)
