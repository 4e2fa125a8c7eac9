"""The dbt docs site, regenerated on every refresh and served by the API at /docs/dbt.

``dbt docs generate --static`` writes one self-contained ``static_index.html`` (manifest and catalog inlined, no
internet needed) into ``serving/dbt_docs/`` next to the snapshot, with the manifest and catalog beside it. It runs
after the snapshot is published, so the catalog describes the tables just served. The docs show the lineage graph
from the raw sources through staging, intermediate and marts to the exposures (API endpoints and dashboards).
"""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import dagster as dg

from orchestration.project import DBT_PROJECT_DIR
from orchestration.resources import WAREHOUSE_POOL, WarehouseResource, dbt_executable

DOCS_KEY = dg.AssetKey(["serving", "dbt_docs"])
DOCS_FILES = ("static_index.html", "index.html", "manifest.json", "catalog.json")


def generate_dbt_docs(target: Path, warehouse: Path) -> Path:
    """Run ``dbt docs generate --static`` against ``warehouse`` and move its files into ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".dbt_docs.") as scratch:
        scratch_path = Path(scratch)
        parsed = DBT_PROJECT_DIR / "target" / "partial_parse.msgpack"
        if parsed.exists():  # start from the project's parse state (a full parse costs seconds)
            shutil.copy2(parsed, scratch_path / parsed.name)
        result = subprocess.run(
            [
                dbt_executable(),
                "docs",
                "generate",
                "--static",
                "--profiles-dir",
                ".",
                "--target-path",
                scratch,
                "--log-path",
                str(scratch_path / "logs"),
            ],
            cwd=DBT_PROJECT_DIR,
            capture_output=True,
            text=True,
            timeout=600,
            env={**os.environ, "DBT_DUCKDB_PATH": str(warehouse), "DO_NOT_TRACK": "1"},
        )
        if result.returncode != 0:
            raise RuntimeError(f"dbt docs generate failed:\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}")
        for name in DOCS_FILES:
            os.replace(scratch_path / name, target / name)  # file by file: a reader sees an old or a new page
    return target / "static_index.html"


@dg.asset(
    key=DOCS_KEY,
    group_name="serving",
    deps=[dg.AssetKey(["serving", "snapshot"])],
    owners=["team:data-engineering"],
    kinds={"dbt"},
    pool=WAREHOUSE_POOL,
    backfill_policy=dg.BackfillPolicy.single_run(),
    description="The dbt docs site (dbt docs generate --static) in serving/dbt_docs/, served by the API at "
    "/docs/dbt: every model and column described, lineage from the landing sources to the API and dashboards "
    "(exposures).",
)
def dbt_docs(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    settings = warehouse.settings()
    page = generate_dbt_docs(settings.serving.parent / "dbt_docs", settings.warehouse)
    context.log.info(f"dbt docs written to {page}")
    return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(str(page)), "bytes": page.stat().st_size})
