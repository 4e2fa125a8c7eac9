{{ config(tags=['tertial']) }}

-- The tertial area mart for the public role: counts from 1 to k − 1 suppressed with what derives from them; the
-- priority index and its uncertainty are kept (they summarise whole areas over four months); no places.
with

area_tertial as (
    select * from {{ ref('fct_area_tertial') }}
),

final as (
    select
        -- keys
        area_id,
        area_name,
        tertial_id,
        tertial_start,
        tertial_end,
        is_complete,

        -- volumes (suppressed below k)
        {{ suppress('n_est_reports') }} as n_est_reports,
        {{ suppress('n_police_crimes') }} as n_police_crimes,
        {{ suppress('n_incidents') }} as n_incidents,
        {{ unless_suppressed('harm_sum', 'n_police_crimes') }} as harm_sum,

        -- rates
        population,
        {{ unless_suppressed('harm_rate_eb', 'n_police_crimes') }} as harm_rate_eb,
        {{ unless_suppressed('harm_rate_eb_lo95', 'n_police_crimes') }} as harm_rate_eb_lo95,
        {{ unless_suppressed('harm_rate_eb_hi95', 'n_police_crimes') }} as harm_rate_eb_hi95,
        {{ unless_suppressed('est_severity_rate_eb', 'n_est_reports') }} as est_severity_rate_eb,
        funnel_flag_998,
        funnel_flag_998_est,
        {{ unless_suppressed('rr_prev_tertial', 'n_incidents') }} as rr_prev_tertial,
        {{ unless_suppressed('rr_prev_tertial_p_bh', 'n_incidents') }} as rr_prev_tertial_p_bh,
        {{ unless_suppressed('rr_same_tertial_last_year', 'n_incidents') }} as rr_same_tertial_last_year,
        {{ unless_suppressed('rr_same_tertial_last_year_p_bh', 'n_incidents') }} as rr_same_tertial_last_year_p_bh,

        -- priority
        persistence_6t,
        chronic_flag,
        n_cells_hot,
        priority_score,
        rank,
        p_top5,
        rank_ci90_lo,
        rank_ci90_hi,
        sensitivity_rank_min,
        sensitivity_rank_max,
        reason_codes,
        reasons_sv,
        reasons_en,

        -- versions
        data_through,
        weights_version,
        harm_weight_version,
        severity_scale_version,
        parameters_version,
        {{ var('suppression_k') }} as suppression_k
    from area_tertial
)

select * from final
