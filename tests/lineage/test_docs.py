"""dbt docs: every model, seed, source and column described; exposures declare the API and dashboards; the docs
asset writes a self-contained page that the API serves at /docs/dbt."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MANIFEST = REPO / "dbt_project" / "target" / "manifest.json"  # prepared by tests/conftest.py


def undescribed(manifest: dict, catalog: dict | None = None) -> list[str]:
    """Models, seeds and sources without a description, columns without one, and (given the catalog of a built
    warehouse) columns the tables have but the YAML does not declare."""
    missing = []
    for uid, node in [*manifest["nodes"].items(), *manifest["sources"].items()]:
        if node["resource_type"] not in ("model", "seed", "source"):
            continue
        if not (node.get("description") or "").strip():
            missing.append(uid)
        declared = {name.lower(): column for name, column in node["columns"].items()}
        missing += [
            f"{uid}.{name}" for name, column in declared.items() if not (column.get("description") or "").strip()
        ]
        built = (catalog or {}).get("nodes", {}).get(uid)
        if built and node["resource_type"] != "source":
            missing += [f"{uid}.{name} (not in the YAML)" for name in built["columns"] if name.lower() not in declared]
    return missing


def test_every_model_and_column_is_described():
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    assert undescribed(manifest) == []
    assert "model.lagesbild.lineage_incidents" in manifest["nodes"]


def test_exposures_declare_the_api_and_dashboards_as_consumers_of_the_marts():
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    exposures = {e["name"]: e for e in manifest["exposures"].values()}
    assert {"api_weekly_areas", "api_lineage", "api_audit_log", "dashboard_weekly", "dashboard_audit"} <= set(exposures)
    assert {e["type"] for e in exposures.values()} == {"application", "dashboard"}
    assert "model.lagesbild.fct_area_week" in exposures["dashboard_weekly"]["depends_on"]["nodes"]
    assert {"model.lagesbild.lineage_incidents", "model.lagesbild.fct_place_week"} <= set(
        exposures["api_lineage"]["depends_on"]["nodes"]
    )
    assert all(e["description"].strip() and e["url"] for e in exposures.values())


def test_the_weekly_test_platform_leaves_the_docs_asset_out_unless_asked():
    from orchestration.assets.docs import DOCS_KEY
    from tests.platform import weekly_assets

    def keys(assets):
        return {key for a in assets for key in a.keys}

    assert DOCS_KEY not in keys(weekly_assets())
    assert DOCS_KEY in keys(weekly_assets(include_docs=True))


@pytest.mark.slow
@pytest.mark.xdist_group("marts_pipeline")
def test_docs_asset_writes_a_self_contained_page_the_api_serves(lineage_snapshot, tmp_path):
    """The asset, through Dagster, on a copy of the built warehouse (dbt opens it for writing)."""
    import dagster as dg
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import ApiSettings
    from orchestration.assets.docs import dbt_docs
    from orchestration.resources import WarehouseResource

    data = tmp_path / "data"
    (data / "serving").mkdir(parents=True)
    shutil.copy2(lineage_snapshot.marts.warehouse, data / "warehouse.duckdb")
    shutil.copy2(lineage_snapshot.path, data / "serving" / "current.duckdb")
    result = dg.materialize(
        [dbt_docs],
        resources={"warehouse": WarehouseResource(data_dir=str(data))},
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert result.success

    docs = data / "serving" / "dbt_docs"
    page = (docs / "static_index.html").read_text(encoding="utf-8")
    # Self-contained: no script, stylesheet or font fetched from anywhere (links in the text are fine).
    assert not re.search(r"<(script|link)[^>]+(src|href)=[\"']https?://", page)
    assert "lineage_incidents" in page and "api_lineage" in page
    # Every column of every built table is declared and described (the catalog holds what the tables really have).
    manifest = json.loads((docs / "manifest.json").read_text(encoding="utf-8"))
    catalog = json.loads((docs / "catalog.json").read_text(encoding="utf-8"))
    assert "model.lagesbild.fct_area_week" in catalog["nodes"]
    assert undescribed(manifest, catalog) == []

    client = TestClient(create_app(ApiSettings(data_dir=data)))
    response = client.get("/docs/dbt")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert len(response.content) > 1_000_000
