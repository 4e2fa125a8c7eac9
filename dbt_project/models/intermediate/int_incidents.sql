-- Every incident the marts count, from every source, on one grain: one row per (source, incident_id), the latest
-- revision only (staging already keeps the latest loaded version of each id).
--
-- Adding a source is one more CTE shaped like `est_incidents`, added to `unioned`. Police open events
-- (stg_police__events: event_id, event_type, published_at_utc, week_start, municipality_code, area_id nullable,
-- area_match_method, is_summary) will look like this:
--
--   police_event_incidents as (
--       select 'police_events' as source, cast(event_id as varchar) as incident_id,
--              published_at_utc as occurred_at_utc, municipality_code, area_id, area_match_method,
--              null as h3_cell, null as lat, null as lon, 'crime' as domain,
--              coalesce(harm.offence_group, 'ovrigt_brott') as category_code, ... event_type as offence_label,
--              harm.harm_weight as weight, ...
--       from events left join harm_by_event_type as harm on harm.weight_key = events.event_type
--       where not is_summary  -- "Sammanfattning ..." bundles several incidents: never counted
--   )
--
-- Rows without an area (municipality-level events) stay in this model and are left out of the area marts.
with

est_reports as (
    select * from {{ ref('stg_est__reports') }}
),

police_crimes as (
    select * from {{ ref('stg_police__crimes') }}
),

est_categories as (
    select * from {{ ref('est_categories') }}
),

reporter_roles as (
    select * from {{ ref('reporter_roles') }}
),

harm_weights as (
    select * from {{ ref('harm_weights') }}
),

harm_by_code as (
    select * from harm_weights where weight_key_type = 'brottskod'
),

harm_by_category as (
    select * from harm_weights where weight_key_type = 'offence_category'
),

harm_default as (
    select * from harm_weights where weight_key_type = 'default'
),

est_incidents as (
    select
        'est_reports' as source,
        est_reports.report_id as incident_id,
        est_reports.observed_at_utc as occurred_at_utc,
        est_reports.municipality_code,
        est_reports.area_id,
        'point_in_polygon' as area_match_method,
        est_reports.h3_cell,
        est_reports.lat,
        est_reports.lon,
        'insecurity' as domain,
        est_reports.category_code,
        est_categories.label_sv as category_label_sv,
        cast(null as varchar) as offence_code,
        cast(null as varchar) as offence_label,
        cast(est_categories.severity as double) as weight,
        'est_severity' as weight_kind,
        'est_categories' as weight_basis,
        est_categories.severity_scale_version as weight_version,
        est_reports.reporter_role,
        -- Guards report what they pass on their rounds: keep them identifiable so forecasts can leave them out.
        coalesce(reporter_roles.is_guard, false) as is_guard_generated,
        est_reports.batch_id,
        est_reports.batch_seq,
        est_reports.source_file,
        est_reports.source_sha256,
        est_reports.source_row,
        est_reports.run_id
    from est_reports
    left join est_categories on est_categories.category_code = est_reports.category_code
    left join reporter_roles on reporter_roles.reporter_role = est_reports.reporter_role
),

crime_incidents as (
    select
        'police_crimes' as source,
        police_crimes.crime_id as incident_id,
        police_crimes.occurred_at_utc,
        police_crimes.municipality_code,
        police_crimes.area_id,
        'point_in_polygon' as area_match_method,
        police_crimes.h3_cell,
        police_crimes.lat,
        police_crimes.lon,
        'crime' as domain,
        -- The brottskod decides when it is known; the category text is the fallback; then the default row.
        coalesce(by_code.offence_group, by_category.offence_group, harm_default.offence_group) as category_code,
        coalesce(by_code.label_sv, by_category.label_sv, harm_default.label_sv) as category_label_sv,
        police_crimes.offence_code,
        police_crimes.offence_category as offence_label,
        cast(coalesce(by_code.harm_weight, by_category.harm_weight, harm_default.harm_weight) as double) as weight,
        'crime_harm' as weight_kind,
        case
            when by_code.weight_key is not null then by_code.weight_basis
            when by_category.weight_key is not null then by_category.weight_basis
            else 'default'
        end as weight_basis,
        coalesce(by_code.harm_weight_version, by_category.harm_weight_version, harm_default.harm_weight_version)
            as weight_version,
        cast(null as varchar) as reporter_role,
        false as is_guard_generated,
        police_crimes.batch_id,
        police_crimes.batch_seq,
        police_crimes.source_file,
        police_crimes.source_sha256,
        police_crimes.source_row,
        police_crimes.run_id
    from police_crimes
    left join harm_by_code as by_code on by_code.weight_key = police_crimes.offence_code
    left join harm_by_category as by_category
        on by_category.weight_key = lower(trim(police_crimes.offence_category))
    cross join harm_default
),

unioned as (
    select * from est_incidents
    union all by name
    select * from crime_incidents
),

with_local_time as (
    select
        *,
        {{ to_local('occurred_at_utc') }} as occurred_at_local
    from unioned
),

final as (
    select
        -- ids
        source || ':' || incident_id as incident_key,
        source,
        incident_id,

        -- time: stored in UTC; weeks and tertials from the local (Europe/Stockholm) date of each incident
        occurred_at_utc,
        occurred_at_local,
        cast(occurred_at_local as date) as occurred_date_local,
        {{ week_start('occurred_at_local') }} as week_start,
        cast(isoyear(occurred_at_local) as integer) as iso_year,
        cast(week(occurred_at_local) as integer) as iso_week,
        {{ tertial_id('occurred_at_local') }} as tertial_id,

        -- place
        municipality_code,
        area_id,
        area_match_method,
        h3_cell,
        lat,
        lon,

        -- what happened and how much it weighs
        domain,
        category_code,
        category_label_sv,
        offence_code,
        offence_label,
        weight,
        weight_kind,
        weight_basis,
        weight_version,

        -- who reported (EST: organisation role only, never a person)
        reporter_role,
        is_guard_generated,

        -- lineage back to the file and row
        batch_id,
        batch_seq,
        source_file,
        source_sha256,
        source_row,
        run_id
    from with_local_time
)

select * from final
