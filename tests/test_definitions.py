"""The Dagster code location loads, in-process and through the CLI, with every dbt model and test wired in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

REPO = Path(__file__).resolve().parent.parent


def test_definitions_validate_cli(tmp_path):
    dagster = Path(sys.executable).parent / "dagster"
    result = subprocess.run(
        [str(dagster), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "DAGSTER_HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Validation successful" in result.stdout + result.stderr


def test_definitions_loadable_and_complete():
    from orchestration.definitions import defs

    dg.Definitions.validate_loadable(defs)
    repo = defs.get_repository_def()
    keys = {key.to_user_string() for key in repo.asset_graph.get_all_asset_keys()}
    manifest = json.loads((REPO / "dbt_project" / "target" / "manifest.json").read_text())
    models = [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]
    for model in models:
        assert f"{model['config']['schema']}/{model['name']}" in keys, model["name"]
    check_names = {check.name for check in repo.asset_graph.asset_check_keys}
    tests = [n for n in manifest["nodes"].values() if n["resource_type"] == "test"]
    assert tests, "the dbt project has tests"
    for test in tests:
        if (test.get("attached_node") or "").startswith(("model.", "seed.")):
            assert test["name"] in check_names, test["name"]
    assert {"raw/est_reports", "raw/areas", "raw/population", "serving/snapshot"} <= keys
