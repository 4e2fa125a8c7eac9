-- One row per EST report: the latest loaded version of each report id (a corrected re-export wins).
with

source as (
    select * from {{ source('raw', 'est_reports') }}
),

batches as (
    select batch_id, batch_seq from {{ source('raw', 'batches') }}
),

ranked as (
    select
        source.*,
        batches.batch_seq,
        row_number() over (
            partition by source.report_id order by batches.batch_seq desc, source.source_row desc
        ) as version_rank
    from source
    inner join batches using (batch_id)
),

final as (
    select
        -- ids
        report_id,
        area_id,
        h3_cell,
        municipality_code,

        -- category
        category_code,
        subcategory_code,

        -- timestamps (UTC, and local for weeks)
        observed_at as observed_at_utc,
        {{ to_local('observed_at') }} as observed_at_local,
        {{ week_start(to_local('observed_at')) }} as week_start,
        submitted_at as submitted_at_utc,

        -- reporter (organisation and role only, never a person)
        reporter_org,
        reporter_role,

        -- place
        lat,
        lon,
        place_name,
        setting,
        people_band,
        police_notified,

        -- lineage
        batch_id,
        batch_seq,
        source_file,
        source_sha256,
        source_row,
        run_id,
        loaded_at
    from ranked
    where version_rank = 1
)

select * from final
