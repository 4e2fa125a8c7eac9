"""Shared fixtures. The dbt manifest is prepared here (as in CI and the Makefile) before any test imports the
Dagster definitions, because @dbt_assets reads it at import time."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# ../shared next to the checkout; a git worktree (../wt/<branch>) finds it one level further up.
SHARED_REAL = next(
    (
        p / "shared" / "data" / "real"
        for p in (REPO.parent, REPO.parent.parent)
        if (p / "shared" / "data" / "real").exists()
    ),
    REPO.parent / "shared" / "data" / "real",
)

# Tests build their own data folders; never let the developer's (or the Makefile's) point at the real ones.
for _name in [n for n in os.environ if n.startswith("LAGESBILD_")]:
    del os.environ[_name]
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("TZ", "Europe/Stockholm")


def _prepare_dbt_manifest() -> None:
    project = REPO / "dbt_project"
    manifest = project / "target" / "manifest.json"
    sources = [p for p in project.rglob("*") if p.suffix in {".sql", ".yml", ".csv"} and "target" not in p.parts]
    if manifest.exists() and all(p.stat().st_mtime <= manifest.stat().st_mtime for p in sources):
        return
    dbt = Path(sys.executable).parent / "dbt"
    subprocess.run(
        [str(dbt), "parse", "--quiet", "--profiles-dir", "."],
        cwd=project,
        check=True,
        env={**os.environ, "DBT_DUCKDB_PATH": str(project / "target" / "parse.duckdb")},
    )


def pytest_configure(config):
    _prepare_dbt_manifest()


def real_data(*parts: str) -> Path:
    """A file of ../shared/data/real, or skip the test with the reason when it is absent (a user's fresh clone)."""
    path = SHARED_REAL.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real data not available: {path} is absent (it lives in ../shared, outside the repository)")
    return path


# A small, fixed demo period: 10 weeks ending in ISO week 2026-W10 (Monday 2026-03-02).
SMALL_DEMO_END = date(2026, 3, 2)
SMALL_DEMO_WEEKS = 10
