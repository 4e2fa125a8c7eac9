"""Asset checks on the marts: a Great Expectations suite on every mart and a pandera schema on every mart computed
in Python, each reading the mart from the warehouse and reporting what it found as metadata. All are blocking: a
failure stops the publish step (serving/snapshot depends on the marts), so the API keeps the last good snapshot."""

import dagster as dg

from ingest.pipeline import connect_warehouse
from orchestration.assets.publish import DBT_MARTS
from orchestration.checks.schemas import SCHEMAS, validate_schema
from orchestration.resources import WAREHOUSE_POOL, WarehouseResource

SUPPRESSION_K = 3  # the dbt var's default; the public marts carry the k they used (column suppression_k)


def read_mart(warehouse: WarehouseResource, mart: str):
    con = connect_warehouse(warehouse.settings(), read_only=True)
    try:
        return con.execute(f'select * from marts."{mart}"').df()  # noqa: S608 - mart names are constants
    finally:
        con.close()


def build_gx_check(mart: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(["marts", mart]),
        name="great_expectations",
        blocking=True,
        pool=WAREHOUSE_POOL,
        description=f"The Great Expectations suite of {mart} passes.",
    )
    def _check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        # Imported here: Great Expectations takes seconds to import, and loading the code location should not.
        from orchestration.checks.expectations import validate_mart

        frame = read_mart(warehouse, mart)
        k = int(frame["suppression_k"].iloc[0]) if "suppression_k" in frame and len(frame) else SUPPRESSION_K
        result = validate_mart(mart, frame, k)
        return dg.AssetCheckResult(
            passed=result.success,
            metadata={
                "rows": len(frame),
                "expectations_evaluated": result.evaluated,
                "expectations_failed": len(result.failed),
                "failed": dg.MetadataValue.json(result.failed[:20]),
            },
        )

    return _check


def build_pandera_check(mart: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(["marts", mart]),
        name="pandera_schema",
        blocking=True,
        pool=WAREHOUSE_POOL,
        description=f"{mart} (computed in Python) matches its pandera schema and invariants.",
    )
    def _check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        frame = read_mart(warehouse, mart)
        violations = validate_schema(mart, frame)
        return dg.AssetCheckResult(
            passed=not violations,
            metadata={
                "rows": len(frame),
                "violations": len(violations),
                "failures": dg.MetadataValue.json(violations[:20]),
            },
        )

    return _check


MART_CHECKS = [*(build_gx_check(m) for m in DBT_MARTS), *(build_pandera_check(m) for m in SCHEMAS)]
