"""Resources: the warehouse (DuckDB, single writer) and the dbt CLI. Configured from the environment only."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource
from dagster_dbt.compat import DBT_PYTHON_VERSION

from ingest.pipeline import connect_warehouse
from ingest.settings import PlatformSettings
from orchestration.project import dbt_project

# Every asset that writes the warehouse runs in this pool; dagster.yaml limits it to one at a time.
WAREHOUSE_POOL = "duckdb_warehouse"


class WarehouseResource(dg.ConfigurableResource):
    """Where the platform's files are (LAGESBILD_DATA_DIR) and a writer connection to the warehouse."""

    data_dir: str = "data"

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        # Set up once per run, before any step claims a slot in the warehouse pool: a dead run holding the slot
        # would block this one forever (orchestration/run_recovery.py).
        from orchestration.run_recovery import recover_at_run_start

        recover_at_run_start(context)

    def settings(self) -> PlatformSettings:
        return PlatformSettings(data_dir=Path(self.data_dir))

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        settings = self.settings()
        settings.ensure_dirs()
        con = connect_warehouse(settings)
        try:
            yield con
        finally:
            con.close()

    def export_dbt_environment(self) -> None:
        """dbt reads the warehouse path from DBT_DUCKDB_PATH (profiles.yml); DbtCliResource.cli takes no env.

        A variable of its own (not LAGESBILD_WAREHOUSE_PATH), so setting it never changes what PlatformSettings
        reads in this process.
        """
        os.environ["DBT_DUCKDB_PATH"] = str(self.settings().warehouse)
        os.environ.setdefault("DO_NOT_TRACK", "1")


class LagesbildDbtCliResource(DbtCliResource):
    """dagster-dbt's dbt CLI resource without two fixed costs per dbt run (~10 s together on the 2-core machine)
    that this platform does not need:

    * ``dbt --version`` in a subprocess, to learn the executable's version: the executable is the pinned dbt-core
      of this virtualenv (``dbt_executable()``), so the version is the installed package's
      (tests/orchestration/test_dbt_resource.py checks that they agree);
    * a dbt adapter inside the Dagster process: only dagster-dbt's ``fetch_row_counts``/``fetch_column_metadata``
      use it, and the dbt assets count rows themselves, in one query, after dbt has finished.
    """

    @cached_property
    def _cli_version(self):
        return DBT_PYTHON_VERSION

    def _initialize_dbt_core_adapter(self, args):
        return None


def dbt_executable() -> str:
    """dbt from the project's virtualenv, so it need not be on PATH (DbtCliResource insists on finding it)."""
    for candidate in (Path(sys.prefix) / "bin" / "dbt", Path(sys.executable).parent / "dbt"):
        if candidate.exists():
            return str(candidate)
    return shutil.which("dbt") or "dbt"


def default_resources() -> dict:
    from orchestration.notifier import Notifier

    data_dir = os.environ.get("LAGESBILD_DATA_DIR", "data")
    return {
        "warehouse": WarehouseResource(data_dir=data_dir),
        "dbt": LagesbildDbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable()),
        "notifier": Notifier.from_environment(data_dir),
    }
