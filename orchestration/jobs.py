"""Named jobs. Run them from the UI, or from the CLI:

dagster job execute -m orchestration.definitions -a defs -j weekly_refresh --tags '{"dagster/partition": "2026-11-16"}'
dagster asset materialize -m orchestration.definitions -a defs --select 'group:sources' --partition 2026-11-16
"""

import dagster as dg

from orchestration.assets.dbt import DBT_ASSETS
from orchestration.partitions import tertial_partitions, weekly_partitions


def tertial_selection() -> dg.AssetSelection:
    tertial_assets = [a for a in DBT_ASSETS if a.partitions_def == tertial_partitions]
    return dg.AssetSelection.assets(*tertial_assets) if tertial_assets else dg.AssetSelection.keys()


SERVING = dg.AssetSelection.groups("serving")

ingest_landing = dg.define_asset_job(
    "ingest_landing",
    selection=dg.AssetSelection.groups("sources"),
    partitions_def=weekly_partitions,
    description="Load the new files in every landing folder into the raw zone (for the chosen week's files), "
    "with reconciliation, parse and freshness checks. Nothing downstream is rebuilt.",
    executor_def=dg.in_process_executor,
)

weekly_refresh = dg.define_asset_job(
    "weekly_refresh",
    selection=dg.AssetSelection.all() - tertial_selection(),
    partitions_def=weekly_partitions,
    description="The weekly lägesbild: load the week's landing files, rebuild staging and the weekly marts for the "
    "week (and a few weeks back for late reports), run every check, and publish a new serving snapshot.",
    # Warehouse writers run one at a time anyway (DuckDB has one writer), so run the steps in one process and skip
    # the per-step start-up cost of the multiprocess executor.
    executor_def=dg.in_process_executor,
)

tertial_refresh = dg.define_asset_job(
    "tertial_refresh",
    selection=tertial_selection() | SERVING,
    partitions_def=tertial_partitions,
    description="The tertial analysis (T1 Jan–Apr, T2 May–Aug, T3 Sep–Dec): rebuild the tertial marts for the "
    "tertial and publish a new serving snapshot.",
    executor_def=dg.in_process_executor,
)

JOBS = [ingest_landing, weekly_refresh, tertial_refresh]
