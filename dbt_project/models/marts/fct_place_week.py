"""Weekly place mart (H3 cell × ISO week): counts, harm and the 8-week Getis-Ord Gi* with FDR control.
The work is done by analytics.places (plain Python, unit-tested on its own)."""

from analytics.dbt_inputs import mart_inputs, with_column_types
from analytics.places import build_place_week


def model(dbt, session):
    # Incremental: a partitioned run returns only the rows of its window [min_date, max_date) (computed from the
    # whole history), and delete+insert replaces exactly those week_starts, keeping the rest of the table.
    dbt.config(
        materialized="incremental",
        incremental_strategy="delete+insert",
        unique_key="week_start",
        on_schema_change="sync_all_columns",
    )
    inputs = mart_inputs(
        dbt.ref("analysis_parameters").df(),
        dbt.ref("harm_weights").df(),
        dbt.ref("est_categories").df(),
        dbt.config.get("min_date"),
        dbt.config.get("max_date"),
    )
    mart = build_place_week(
        dbt.ref("int_place_counts").df(), inputs.params, inputs.versions, inputs.min_date, inputs.max_date
    )
    return with_column_types(mart)
