-- Weekly area mart: one row per area and ISO week (Monday, Europe/Stockholm), including weeks with no reports.
-- Incremental: a run rebuilds the weeks in [min_date, max_date) (the Dagster partition's window) and keeps the rest.
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['area_id', 'week_start'],
) }}

with

areas as (
    select * from {{ ref('stg_geo__areas') }}
),

reports as (
    select * from {{ ref('stg_est__reports') }}
    where week_start >= cast('{{ var("min_date") }}' as date)
      and week_start < cast('{{ var("max_date") }}' as date)
),

population as (
    select * from {{ ref('stg_geo__population') }}
),

weeks as (
    -- Every week of the window that the data covers, so a quiet week still has a row per area.
    select unnest(generate_series(
        greatest(min(week_start), cast(date_trunc('week', cast('{{ var("min_date") }}' as date)) as date)),
        max(week_start),
        interval 7 day
    ))::date as week_start
    from {{ ref('stg_est__reports') }}
    where week_start < cast('{{ var("max_date") }}' as date)
),

spine as (
    select areas.area_id, areas.area_name, weeks.week_start
    from areas
    cross join weeks
),

counts as (
    select area_id, week_start, count(*) as n_est_reports
    from reports
    group by area_id, week_start
),

population_by_year as (
    -- The latest population figure at or before the week's year (population is published with a lag).
    select
        spine.area_id,
        spine.week_start,
        arg_max(population.population, population.year) as population
    from spine
    left join population
        on population.area_id = spine.area_id
        and population.year <= year(spine.week_start)
    group by spine.area_id, spine.week_start
),

final as (
    select
        -- keys
        spine.area_id,
        spine.area_name,
        spine.week_start,
        cast(isoyear(spine.week_start) as integer) as iso_year,
        cast(week(spine.week_start) as integer) as iso_week,

        -- volumes
        coalesce(counts.n_est_reports, 0) as n_est_reports,

        -- denominators and rates
        population_by_year.population,
        case
            when population_by_year.population > 0
                then round(1000.0 * coalesce(counts.n_est_reports, 0) / population_by_year.population, 4)
        end as est_rate_per_1000
    from spine
    left join counts using (area_id, week_start)
    left join population_by_year using (area_id, week_start)
)

select * from final
