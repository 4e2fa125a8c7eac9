-- One row per area: the latest loaded version of each area id.
with

source as (
    select * from {{ source('raw', 'areas') }}
),

batches as (
    select batch_id, batch_seq from {{ source('raw', 'batches') }}
),

ranked as (
    select
        source.*,
        row_number() over (
            partition by source.area_id order by batches.batch_seq desc, source.source_row
        ) as version_rank
    from source
    inner join batches using (batch_id)
),

final as (
    select
        area_id,
        area_name,
        area_type,
        layer_name,
        municipality_code,
        geometry_wkt,
        area_km2,
        centroid_lat,
        centroid_lon,
        approximate,
        batch_id,
        source_file
    from ranked
    where version_rank = 1
)

select * from final
