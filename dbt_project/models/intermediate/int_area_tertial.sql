-- Area × tertial (T1 Jan–Apr, T2 May–Aug, T3 Sep–Dec) over the whole history, zeros included.
--
-- Weeks that straddle two tertials (e.g. Monday 27 April – Sunday 3 May) are NOT assigned whole: every incident
-- counts in the tertial of its own local (Europe/Stockholm) date, so the tertial totals add up to the same
-- incidents as the weeks, and a tertial's exposure is its days, not its weeks.
--
-- The data cover only part of the first and the last tertial; days_observed says how much, and rates are per
-- full tertial (counts divided by the observed share of the tertial).
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

coverage as (
    -- The data run from the Monday of the first week to the Sunday of the last week with any incident.
    select
        min(week_start) as data_start,
        max(week_start) + 6 as data_end
    from incidents
),

tertials as (
    select
        tertial_start,
        cast(tertial_start + interval 4 month - interval 1 day as date) as tertial_end
    from (
        select unnest(generate_series(
            {{ tertial_start('data_start') }}, {{ tertial_start('data_end') }}, interval 4 month
        ))::date as tertial_start
        from coverage
    )
),

tertials_observed as (
    select
        {{ tertial_id('tertials.tertial_start') }} as tertial_id,
        tertials.tertial_start,
        tertials.tertial_end,
        datediff('day', tertials.tertial_start, tertials.tertial_end) + 1 as days_in_tertial,
        datediff('day', greatest(tertials.tertial_start, coverage.data_start),
            least(tertials.tertial_end, coverage.data_end)) + 1 as days_observed,
        coverage.data_start,
        coverage.data_end as data_through
    from tertials
    cross join coverage
),

spine as (
    select
        areas.area_id,
        areas.area_name,
        areas.area_type,
        tertials_observed.*
    from areas
    cross join tertials_observed
),

counts as (
    select
        area_id,
        tertial_id,
{{ incident_measures() }}
    from incidents
    group by area_id, tertial_id
),

category_counts as (
    select area_id, tertial_id, source, category_code, count(*) as n, sum(weight) as weight_sum
    from incidents
    group by all
),

category_maps as (
    select
        area_id,
        tertial_id,
        {{ category_map('est_reports') }} as n_est_by_category,
        {{ category_map('police_crimes') }} as n_crimes_by_type,
        {{ category_map('police_crimes', 'weight_sum') }} as harm_by_type
    from category_counts
    group by area_id, tertial_id
),

population_by_tertial as (
    {{ population_as_of('spine', 'population', 'tertial_id', 'tertial_start') }}
),

final as (
    select
        -- keys
        spine.area_id,
        spine.area_name,
        spine.area_type,
        spine.tertial_id,
        spine.tertial_start,
        spine.tertial_end,
        spine.days_in_tertial,
        spine.days_observed,
        spine.days_observed = spine.days_in_tertial as is_complete,
        spine.data_start,
        spine.data_through,

        -- volumes
        coalesce(counts.n_est_reports, 0) as n_est_reports,
        coalesce(counts.n_est_guard_reports, 0) as n_est_guard_reports,
        coalesce(counts.est_severity_sum, 0) as est_severity_sum,
        coalesce(category_maps.n_est_by_category, '{}') as n_est_by_category,
        coalesce(counts.n_police_crimes, 0) as n_police_crimes,
        coalesce(counts.harm_sum, 0) as harm_sum,
        coalesce(category_maps.n_crimes_by_type, '{}') as n_crimes_by_type,
        coalesce(category_maps.harm_by_type, '{}') as harm_by_type,
        coalesce(counts.n_est_reports, 0) + coalesce(counts.n_police_crimes, 0) as n_incidents,

        -- exposure: residents × the observed share of the tertial (person-tertials)
        population_by_tertial.population,
        population_by_tertial.population * spine.days_observed / spine.days_in_tertial as exposure
    from spine
    left join counts using (area_id, tertial_id)
    left join category_maps using (area_id, tertial_id)
    left join population_by_tertial using (area_id, tertial_id)
)

select * from final
