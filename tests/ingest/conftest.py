"""Fixtures for the ingest tests: a throw-away warehouse with the demo's Uppsala area layer loaded."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from filelock import FileLock

from ingest.demo.uppsala import area_layer_geojson
from ingest.ledger import LoadContext
from ingest.pipeline import connect_warehouse, load_source
from ingest.settings import PlatformSettings

CORPUS = Path(__file__).resolve().parent / "corpus"


def make_warehouse(data_dir: Path) -> tuple[duckdb.DuckDBPyConnection, PlatformSettings]:
    """A warehouse under ``data_dir`` with the demo's (approximate) Uppsala district layer loaded."""
    settings = PlatformSettings(data_dir=data_dir)
    settings.ensure_dirs()
    layer = settings.landing("areas") / "uppsala_districts_approx.geojson"
    layer.write_text(json.dumps(area_layer_geojson()), encoding="utf-8")
    con = connect_warehouse(settings)
    load_source("areas", con, settings, LoadContext(run_id="fixture"))
    return con, settings


def write_lines(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


@pytest.fixture(scope="session")
def staged(tmp_path_factory, worker_id):
    """The session's staged warehouse (tests/ingest/staged.py), built once per test session.

    pytest 9 ignores xdist_group here (xdist 3.8 renames ``item._nodeid``, which pytest 9 no longer reads), so the
    tests that use this fixture may run on both workers: the first to get the lock builds the warehouse in the
    session's shared temporary folder, the other waits and reads the same file (read-only)."""
    from tests.ingest.staged import build, load_built

    if worker_id == "master":  # not under xdist: a private folder
        return build(tmp_path_factory.mktemp("staged"))
    shared = tmp_path_factory.getbasetemp().parent / "ingest_staged"
    with FileLock(str(shared) + ".lock"):
        if (shared / "built.json").exists():
            return load_built(shared)
        return build(shared)
