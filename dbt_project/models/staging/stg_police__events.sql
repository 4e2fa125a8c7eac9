-- One row per police open event: its latest revision (the version in the most recently fetched file), with how many
-- distinct versions were seen. Free text (title, summary) stays in the raw zone.
with

revisions as (
    select * from {{ source('raw', 'police_events') }}
),

deliveries as (
    select * from {{ source('raw', 'police_event_deliveries') }}
),

batches as (
    select batch_id, batch_seq from {{ source('raw', 'batches') }}
),

ranked_deliveries as (
    select
        deliveries.event_id,
        deliveries.content_hash,
        deliveries.fetched_at,
        row_number() over (
            partition by deliveries.event_id
            order by deliveries.fetched_at desc, batches.batch_seq desc, deliveries.source_row desc
        ) as delivery_rank
    from deliveries
    inner join batches using (batch_id)
),

revision_counts as (
    select
        event_id,
        count(distinct content_hash) as n_revisions,
        count(*) as n_deliveries,
        min(fetched_at) as first_fetched_at
    from deliveries
    group by event_id
),

latest as (
    select event_id, content_hash, fetched_at as latest_fetched_at
    from ranked_deliveries
    where delivery_rank = 1
),

final as (
    select
        -- ids
        revisions.event_id,
        revisions.content_hash,
        revisions.area_id,
        revisions.municipality_code,
        revisions.county_code,

        -- what happened (the API's type verbatim; summaries bundle several incidents and are flagged)
        revisions.event_type,
        revisions.is_summary,

        -- timestamps (UTC, and local for weeks); the incident time from the title, else the publication time
        revisions.published_at as published_at_utc,
        revisions.occurred_at as occurred_at_utc,
        coalesce(revisions.occurred_at, revisions.published_at) as event_at_utc,
        {{ to_local('coalesce(revisions.occurred_at, revisions.published_at)') }} as event_at_local,
        {{ week_start(to_local('coalesce(revisions.occurred_at, revisions.published_at)')) }} as week_start,

        -- place: only municipality or county; an area only where the gazetteer matched, never a point
        revisions.location_name,
        revisions.location_level,
        revisions.match_method,
        revisions.area_match_method,
        revisions.area_match_name,
        revisions.centroid_lat,
        revisions.centroid_lon,
        'https://polisen.se' || revisions.url as event_url,

        -- revisions
        revision_counts.n_revisions,
        revision_counts.n_deliveries,
        revision_counts.first_fetched_at,
        latest.latest_fetched_at,

        -- lineage (of the batch that first delivered this revision)
        revisions.batch_id,
        revisions.source_file,
        revisions.source_sha256,
        revisions.source_row,
        revisions.run_id,
        revisions.loaded_at
    from latest
    inner join revisions using (event_id, content_hash)
    inner join revision_counts using (event_id)
)

select * from final
