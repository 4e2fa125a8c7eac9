"""Tertial area mart (area × tertial): rates, funnel, trend, persistence and the composite priority with its rank
uncertainty. The work is done by analytics.tertial (plain Python, unit-tested on its own)."""

from analytics.dbt_inputs import mart_inputs, with_column_types
from analytics.priority import PriorityWeights
from analytics.tertial import build_area_tertial


def model(dbt, session):
    # Incremental: a partitioned run returns only the rows of its window [min_date, max_date) (computed from the
    # whole history), and delete+insert replaces exactly those tertial_ids, keeping the rest of the table.
    dbt.config(
        materialized="incremental",
        incremental_strategy="delete+insert",
        unique_key="tertial_id",
        on_schema_change="sync_all_columns",
        tags=["tertial"],
    )
    inputs = mart_inputs(
        dbt.ref("analysis_parameters").df(),
        dbt.ref("harm_weights").df(),
        dbt.ref("est_categories").df(),
        dbt.config.get("min_date"),
        dbt.config.get("max_date"),
    )
    weights = PriorityWeights.from_frame(dbt.ref("priority_weights").df())
    mart = build_area_tertial(
        dbt.ref("int_area_tertial").df(),
        dbt.ref("int_place_counts").df(),
        inputs.params,
        weights,
        inputs.versions,
        inputs.min_date,
        inputs.max_date,
    )
    return with_column_types(mart)
