"""Tertial area mart (area × tertial): rates, funnel, trend, persistence and the composite priority with its rank
uncertainty. The work is done by orchestration.analytics.tertial (plain Python, unit-tested on its own)."""

from orchestration.analytics.dbt_inputs import mart_inputs
from orchestration.analytics.priority import PriorityWeights
from orchestration.analytics.tertial import build_area_tertial


def model(dbt, session):
    dbt.config(materialized="table")
    inputs = mart_inputs(
        dbt.ref("analysis_parameters").df(), dbt.ref("harm_weights").df(), dbt.ref("est_categories").df(),
        dbt.config.get("min_date"), dbt.config.get("max_date"),
    )
    weights = PriorityWeights.from_frame(dbt.ref("priority_weights").df())
    return build_area_tertial(dbt.ref("int_area_tertial").df(), dbt.ref("int_place_counts").df(), inputs.params,
                              weights, inputs.versions, inputs.min_date, inputs.max_date)
