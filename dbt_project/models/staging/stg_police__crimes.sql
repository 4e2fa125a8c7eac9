-- One row per police-reported crime: the latest loaded version of each crime id.
with

source as (
    select * from {{ source('raw', 'police_crimes') }}
),

batches as (
    select batch_id, batch_seq from {{ source('raw', 'batches') }}
),

ranked as (
    select
        source.*,
        batches.batch_seq,
        row_number() over (
            partition by source.crime_id order by batches.batch_seq desc, source.source_row desc
        ) as version_rank
    from source
    inner join batches using (batch_id)
),

final as (
    select
        -- ids
        crime_id,
        area_id,
        h3_cell,
        municipality_code,

        -- offence
        offence_code,
        offence_category,

        -- timestamps (UTC, and local for weeks)
        occurred_from as occurred_at_utc,
        occurred_to as occurred_to_utc,
        {{ to_local('occurred_from') }} as occurred_at_local,
        {{ week_start(to_local('occurred_from')) }} as week_start,
        reported_at as reported_at_utc,

        -- place
        lat,
        lon,

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
