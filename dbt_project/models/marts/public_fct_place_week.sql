-- The weekly place mart for the public role, coarsened: H3 resolution-9 cells (about 0.1 km²) are merged into their
-- resolution-8 parents (about 0.7 km²) and counts from 1 to k − 1 are suppressed. Whether a parent holds a
-- significant hot spot is kept; the cell-level statistics are not.
with

place_week as (
    select * from {{ ref('fct_place_week') }}
),

coarsened as (
    select
        h3_parent_r8 as h3_cell,
        week_start,
        iso_year,
        iso_week,
        sum(n_est_reports) as n_est_reports,
        sum(n_police_crimes) as n_police_crimes,
        sum(n_incidents) as n_incidents,
        sum(harm_sum) as harm_sum,
        sum(n_incidents_8w) as n_incidents_8w,
        bool_or(is_hot_spot) as has_hot_spot,
        any_value(harm_weight_version) as harm_weight_version,
        any_value(severity_scale_version) as severity_scale_version,
        any_value(parameters_version) as parameters_version
    from place_week
    group by h3_parent_r8, week_start, iso_year, iso_week
),

final as (
    select
        h3_cell,
        8 as h3_resolution,
        week_start,
        iso_year,
        iso_week,
        {{ suppress('n_est_reports') }} as n_est_reports,
        {{ suppress('n_police_crimes') }} as n_police_crimes,
        {{ suppress('n_incidents') }} as n_incidents,
        {{ unless_suppressed('harm_sum', 'n_police_crimes') }} as harm_sum,
        {{ suppress('n_incidents_8w') }} as n_incidents_8w,
        has_hot_spot,
        harm_weight_version,
        severity_scale_version,
        parameters_version,
        {{ var('suppression_k') }} as suppression_k
    from coarsened
)

select * from final
