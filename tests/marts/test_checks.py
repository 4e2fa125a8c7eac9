"""The Great Expectations suites and pandera schemas pass on real marts and fail on broken ones, and a failing
blocking check stops the publish step (the API keeps the last good snapshot)."""

from __future__ import annotations

import dagster as dg
import duckdb
import pytest

from orchestration.assets.publish import DBT_MARTS, MART_KEYS, serving_snapshot
from orchestration.checks.expectations import validate_mart
from orchestration.checks.marts import MART_CHECKS
from orchestration.checks.schemas import SCHEMAS, validate_schema
from orchestration.resources import WarehouseResource

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("marts_pipeline")]


def test_suites_and_schemas_pass_on_the_built_marts(built_marts):
    for mart in DBT_MARTS:
        frame = built_marts.query(f"select * from marts.{mart}")  # noqa: S608
        result = validate_mart(mart, frame)
        assert result.success, (mart, result.failed)
        assert result.evaluated >= 3
        if mart in SCHEMAS:
            assert validate_schema(mart, frame) == [], mart


def test_suites_and_schemas_catch_broken_marts(built_marts):
    week = built_marts.query("select * from marts.fct_area_week")
    broken = week.copy()
    broken.loc[0, "est_p_exceed"] = 1.5  # not a probability
    broken.loc[1, "harm_rate_eb_lo90"] = broken.loc[1, "harm_rate_eb"] + 1  # interval misses its estimate
    broken = broken.drop(columns=["est_rate_per_1000"])  # a column the API reads
    failed = {f["expectation"] for f in validate_mart("fct_area_week", broken).failed}
    assert {
        "expect_column_values_to_be_between",
        "expect_column_pair_values_a_to_be_greater_than_b",
        "expect_column_to_exist",
    } <= failed
    checks = {v["check"] for v in validate_schema("fct_area_week", broken)}
    assert {"less_than_or_equal_to(1)", "eb_intervals_contain_estimates"} <= checks

    public = built_marts.query("select * from marts.public_fct_area_week")
    public.loc[0, "n_est_reports"] = 2
    public["top_places"] = "[]"
    failed = {f["expectation"] for f in validate_mart("public_fct_area_week", public).failed}
    assert failed == {"expect_column_values_to_not_be_in_set", "no_forbidden_public_columns"}


def test_every_mart_has_blocking_checks_and_the_snapshot_waits_for_them():
    from orchestration.definitions import defs

    graph = defs.get_repository_def().asset_graph
    assert set(MART_KEYS) <= set(graph.get(dg.AssetKey(["serving", "snapshot"])).parent_keys)
    specs = [spec for checks in MART_CHECKS for spec in checks.check_specs]
    assert {spec.asset_key for spec in specs} == {dg.AssetKey(["marts", mart]) for mart in DBT_MARTS}
    assert all(spec.blocking for spec in specs)
    # The guard tables are checked by the guard assets' own blocking check (every plan passes the checker).
    from orchestration.assets.guards import GUARD_ASSETS

    guard_specs = {spec.name: spec for asset in GUARD_ASSETS for spec in asset.check_specs}
    assert guard_specs["every_plan_passes_the_checker"].blocking


def _mart_asset(rows_sql: str) -> dg.AssetsDefinition:
    @dg.asset(key=dg.AssetKey(["marts", "public_fct_area_week"]))
    def public_area_week(warehouse: WarehouseResource) -> None:
        with warehouse.connect() as con:
            con.execute("create schema if not exists marts")
            con.execute(f"create or replace table marts.public_fct_area_week as {rows_sql}")

    return public_area_week


GOOD = "select 'a' as area_id, date '2026-01-05' as week_start, 0 as n_est_reports, 4 as n_police_crimes, 3 as suppression_k"
BAD = "select 'a' as area_id, date '2026-01-05' as week_start, 1 as n_est_reports, 4 as n_police_crimes, 3 as suppression_k"


def test_a_failing_blocking_check_stops_publication(tmp_path):
    check = next(
        c
        for c in MART_CHECKS
        if {s.key.name for s in c.check_specs} == {"great_expectations"}
        and {s.asset_key for s in c.check_specs} == {dg.AssetKey(["marts", "public_fct_area_week"])}
    )
    resources = {"warehouse": WarehouseResource(data_dir=str(tmp_path))}
    snapshot = tmp_path / "serving" / "current.duckdb"

    good = dg.materialize(
        [_mart_asset(GOOD), check, serving_snapshot], resources=resources, instance=dg.DagsterInstance.ephemeral()
    )
    assert good.success and snapshot.exists()
    published = duckdb.connect(str(snapshot), read_only=True)
    first_id = published.execute("select snapshot_id from snapshot").fetchall()[0][0]
    published.close()

    bad = dg.materialize(
        [_mart_asset(BAD), check, serving_snapshot],
        resources=resources,
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    evaluations = bad.get_asset_check_evaluations()
    assert [e.passed for e in evaluations] == [False]
    assert evaluations[0].metadata["expectations_failed"].value == 1
    materialized = {e.asset_key for e in bad.get_asset_materialization_events()}
    assert dg.AssetKey(["serving", "snapshot"]) not in materialized
    published = duckdb.connect(str(snapshot), read_only=True)
    assert published.execute("select snapshot_id from snapshot").fetchall()[0][0] == first_id  # still the good one
    published.close()
