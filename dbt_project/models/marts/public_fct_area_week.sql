-- The weekly area mart for the public role: counts from 1 to k − 1 (var suppression_k) are suppressed, together
-- with every value derived from them; no categories, no places, no free text.
with

area_week as (
    select * from {{ ref('fct_area_week') }}
),

final as (
    select
        -- keys
        area_id,
        area_name,
        week_start,
        iso_year,
        iso_week,

        -- volumes (suppressed below k)
        {{ suppress('n_est_reports') }} as n_est_reports,
        {{ suppress('n_police_crimes') }} as n_police_crimes,
        {{ unless_suppressed('harm_sum', 'n_police_crimes') }} as harm_sum,
        n_est_reports > 0 and n_est_reports < {{ var('suppression_k') }} as est_suppressed,
        n_police_crimes > 0 and n_police_crimes < {{ var('suppression_k') }} as police_suppressed,

        -- rates
        population,
        {{ unless_suppressed('est_rate_per_1000', 'n_est_reports') }} as est_rate_per_1000,
        {{ unless_suppressed('est_rate_eb', 'n_est_reports') }} as est_rate_eb,
        {{ unless_suppressed('harm_rate_per_1000', 'n_police_crimes') }} as harm_rate_per_1000,
        {{ unless_suppressed('harm_rate_eb', 'n_police_crimes') }} as harm_rate_eb,

        -- change detection (an alert needs at least three events, so it never rests on a suppressed count)
        round(est_expected, 1) as est_expected,
        round(police_expected, 1) as police_expected,
        alert_flag,
        cast(to_json(json_extract_string(alert_reasons, '$[*].code')) as varchar) as alert_codes,
        alert_text_sv,
        alert_text_en,

        -- versions
        data_through,
        harm_weight_version,
        severity_scale_version,
        parameters_version,
        {{ var('suppression_k') }} as suppression_k
    from area_week
)

select * from final
