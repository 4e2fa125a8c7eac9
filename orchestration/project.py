"""The dbt project as Dagster sees it. Kept alone in this module: `dagster-dbt project prepare-and-package
--file orchestration/project.py` imports it to build the manifest before any @dbt_assets can load."""

from pathlib import Path

from dagster_dbt import DbtProject

DBT_PROJECT_DIR = Path(__file__).resolve().parent.parent / "dbt_project"

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
# Under `dagster dev` this (re)builds the manifest; elsewhere the Makefile and the tests run `dbt parse` first.
dbt_project.prepare_if_dev()
