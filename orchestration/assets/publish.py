"""Publish the marts as a new serving snapshot, swapped in atomically, only after the marts' checks passed."""


import subprocess
from pathlib import Path

import dagster as dg

from api.snapshot import publish_snapshot
from orchestration.resources import WAREHOUSE_POOL, WarehouseResource

MART_KEYS = [
    dg.AssetKey(["marts", "fct_area_week"]),
    # guard scheduling (orchestration/assets/guards.py)
    *(dg.AssetKey(["marts", name]) for name in ("fct_place_risk_forecast", "dim_guard_places", "dim_guard_map_areas",
                                                "fct_guard_plan_visits", "fct_guard_plan_units",
                                                "fct_guard_plan_metrics")),
]


def git_commit() -> str | None:
    try:
        return subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=Path(__file__).resolve().parent, capture_output=True, text=True,
            check=True, timeout=5,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


@dg.asset(
    key=dg.AssetKey(["serving", "snapshot"]),
    group_name="serving",
    deps=MART_KEYS,
    owners=["team:data-engineering"],
    kinds={"duckdb"},
    pool=WAREHOUSE_POOL,
    description="The published copy of the marts the API and dashboards read (serving/current.duckdb), written "
    "as a new file and swapped in with os.replace; readers never see a half-written snapshot.",
)
def serving_snapshot(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    settings = warehouse.settings()
    snapshot = publish_snapshot(
        warehouse=settings.warehouse,
        target=settings.serving,
        run_id=context.run.run_id,
        git_commit=git_commit(),
    )
    return dg.MaterializeResult(
        metadata={
            "snapshot_id": snapshot.snapshot_id,
            "path": str(settings.serving),
            "tables": dg.MetadataValue.json(snapshot.tables),
            "dagster/row_count": sum(snapshot.tables.values()),
        }
    )
