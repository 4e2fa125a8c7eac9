"""One registry of the tables the serving snapshot carries (serving/tables.py); everything else reads it."""

from __future__ import annotations

import dagster as dg
import pytest

from serving import tables as published


def test_the_publish_asset_waits_for_every_registered_mart_and_the_guard_assets_write_theirs():
    from orchestration.assets.guards import GUARD_MART_KEYS, guard_forecast, guard_plans
    from orchestration.assets.publish import DBT_MARTS, MART_KEYS

    assert set(MART_KEYS) == {dg.AssetKey(["marts", name]) for name in published.names(from_marts=True)}
    assert DBT_MARTS == published.names("dbt_mart")
    guard_keys = {key for asset in (guard_forecast, guard_plans) for key in asset.keys}
    assert guard_keys == set(GUARD_MART_KEYS) == {dg.AssetKey(["marts", n]) for n in published.names("guard")}


def test_the_api_names_only_registered_tables_and_typos_fail():
    from api.routers.lineage import LINEAGE_TABLES

    assert set(LINEAGE_TABLES) <= set(published.BY_NAME)
    with pytest.raises(KeyError, match="fct_area_wek"):
        published.registered("fct_area_week", "fct_area_wek")
    with pytest.raises(ValueError, match="unknown table kinds"):
        published.names("mart")
