-- Brå municipal indicators (reported crime, NTU), one row per geography, year, indicator, unit and source: the
-- latest loaded value wins (a corrected or re-published file supersedes).
with

source as (
    select * from {{ source('raw', 'bra_indicators') }}
),

batches as (
    select batch_id, batch_seq from {{ source('raw', 'batches') }}
),

ranked as (
    select
        source.*,
        batches.batch_seq,
        row_number() over (
            partition by source.geography_code, source.year, source.indicator, source.unit_code, source.source_name
            order by batches.batch_seq desc, source.source_row desc
        ) as version_rank
    from source
    inner join batches using (batch_id)
),

final as (
    select
        -- geography
        geography_code,
        geography_level,
        geography_name,
        municipality_code,
        county_code,

        -- indicator
        year,
        indicator,
        unit_code,
        unit,
        value,
        source_name,

        -- lineage
        batch_id,
        batch_seq,
        source_file,
        source_row,
        loaded_at
    from ranked
    where version_rank = 1
)

select * from final
