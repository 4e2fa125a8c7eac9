-- Area × ISO week over the whole history (zeros included): counts, sums, rates and trailing baselines.
-- The statistics that SQL does badly (empirical Bayes, exceedance tests, CUSUM) are added by the Python mart
-- fct_area_week, which also cuts the output to the min_date/max_date window. This model always covers every week,
-- because the baselines of the first window week need the weeks before it.
with

incidents as (
    select * from {{ ref('int_incidents') }}
    where area_id is not null
),

areas as (
    select * from {{ ref('stg_geo__areas') }}
),

population as (
    select * from {{ ref('stg_geo__population') }}
),

weeks as (
    select unnest(generate_series(min(week_start), max(week_start), interval 7 day))::date as week_start
    from incidents
),

spine as (
    select
        areas.area_id,
        areas.area_name,
        areas.area_type,
        areas.area_km2,
        weeks.week_start
    from areas
    cross join weeks
),

counts as (
    select
        area_id,
        week_start,
{{ incident_measures() }}
    from incidents
    group by area_id, week_start
),

category_counts as (
    select area_id, week_start, source, category_code, count(*) as n
    from incidents
    group by all
),

category_maps as (
    select
        area_id,
        week_start,
        {{ category_map('est_reports') }} as n_est_by_category,
        {{ category_map('police_crimes') }} as n_crimes_by_type
    from category_counts
    group by area_id, week_start
),

cell_counts as (
    select area_id, week_start, h3_cell, count(*) as n_incidents, sum(weight) filter (where domain = 'crime') as harm
    from incidents
    where h3_cell is not null
    group by all
),

top_places as (
    -- The three H3 cells with the most incidents in the area that week (harm, then the cell id, break ties).
    select
        area_id,
        week_start,
        to_json(list({'h3_cell': h3_cell, 'n_incidents': n_incidents}
            order by n_incidents desc, coalesce(harm, 0) desc, h3_cell)[1:3]) as top_places
    from cell_counts
    group by area_id, week_start
),

reporting as (
    -- Reporter exposure is known only municipality-wide: how many organisations reported that week, and whether
    -- the week's EST total fell below half of the median of the eight weeks before (a sign of missing exports).
    select
        week_start,
        count(*) as est_reports_total,
        count(distinct reporter_role) as reporter_roles_active
    from incidents
    where source = 'est_reports'
    group by week_start
),

reporting_by_week as (
    select
        weeks.week_start,
        coalesce(reporting.reporter_roles_active, 0) as reporter_roles_active,
        coalesce(reporting.est_reports_total, 0) as est_reports_total,
        median(coalesce(reporting.est_reports_total, 0)) over (
            order by weeks.week_start rows between 8 preceding and 1 preceding
        ) as est_reports_total_median_8w
    from weeks
    left join reporting using (week_start)
),

population_by_week as (
    {{ population_as_of('spine', 'population', 'week_start', 'week_start') }}
),

filled as (
    select
        spine.*,
        coalesce(counts.n_est_reports, 0) as n_est_reports,
        coalesce(counts.n_est_guard_reports, 0) as n_est_guard_reports,
        coalesce(counts.est_severity_sum, 0) as est_severity_sum,
        coalesce(category_maps.n_est_by_category, '{}') as n_est_by_category,
        coalesce(counts.n_police_crimes, 0) as n_police_crimes,
        coalesce(counts.harm_sum, 0) as harm_sum,
        coalesce(category_maps.n_crimes_by_type, '{}') as n_crimes_by_type,
        coalesce(top_places.top_places, '[]') as top_places,
        population_by_week.population,
        reporting_by_week.reporter_roles_active,
        reporting_by_week.est_reports_total,
        reporting_by_week.est_reports_total_median_8w
    from spine
    left join counts using (area_id, week_start)
    left join category_maps using (area_id, week_start)
    left join top_places using (area_id, week_start)
    left join population_by_week using (area_id, week_start)
    left join reporting_by_week using (week_start)
),

{%- set trailing = "over (partition by area_id order by week_start rows between {} preceding and 1 preceding)" %}

baselines as (
    select
        *,
        -- Trailing means of the weeks before this one (never the week itself), over the weeks that exist.
        count(*) {{ trailing.format(52) }} as history_weeks,
        avg(n_est_reports) {{ trailing.format(4) }} as est_mean_4w,
        avg(n_est_reports) {{ trailing.format(8) }} as est_mean_8w,
        avg(n_est_reports) {{ trailing.format(52) }} as est_mean_52w,
        avg(n_police_crimes) {{ trailing.format(4) }} as police_mean_4w,
        avg(n_police_crimes) {{ trailing.format(8) }} as police_mean_8w,
        avg(n_police_crimes) {{ trailing.format(52) }} as police_mean_52w,
        avg(harm_sum) {{ trailing.format(4) }} as harm_mean_4w,
        avg(harm_sum) {{ trailing.format(8) }} as harm_mean_8w,
        avg(harm_sum) {{ trailing.format(52) }} as harm_mean_52w
    from filled
),

final as (
    select
        -- keys
        area_id,
        area_name,
        area_type,
        week_start,
        cast(isoyear(week_start) as integer) as iso_year,
        cast(week(week_start) as integer) as iso_week,

        -- volumes
        n_est_reports,
        n_est_guard_reports,
        est_severity_sum,
        n_est_by_category,
        n_police_crimes,
        harm_sum,
        n_crimes_by_type,
        top_places,

        -- denominators and raw rates
        population,
        area_km2,
        case when population > 0 then 1000.0 * n_est_reports / population end as est_rate_per_1000,
        case when population > 0 then 1000.0 * harm_sum / population end as harm_rate_per_1000,

        -- reporting completeness (municipality-wide)
        reporter_roles_active,
        est_reports_total,
        case
            when est_reports_total_median_8w is null then 'unknown'
            when est_reports_total < 0.5 * est_reports_total_median_8w then 'low_reporting'
            else 'complete'
        end as completeness_flag,

        -- trailing baselines
        coalesce(history_weeks, 0) as history_weeks,
        est_mean_4w,
        est_mean_8w,
        est_mean_52w,
        police_mean_4w,
        police_mean_8w,
        police_mean_52w,
        harm_mean_4w,
        harm_mean_8w,
        harm_mean_52w
    from baselines
)

select * from final
