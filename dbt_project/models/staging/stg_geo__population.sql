-- Population per area and year: the latest loaded value for each (area, year).
with

source as (
    select * from {{ source('raw', 'population') }}
),

batches as (
    select batch_id, batch_seq from {{ source('raw', 'batches') }}
),

ranked as (
    select
        source.*,
        row_number() over (
            partition by source.area_id, source.year order by batches.batch_seq desc, source.source_row
        ) as version_rank
    from source
    inner join batches using (batch_id)
),

final as (
    select
        area_id,
        year,
        population,
        batch_id
    from ranked
    where version_rank = 1
)

select * from final
