-- One row per guard visit recorded through the guard API: the latest version of each visit_id.
with

source as (
    select * from {{ source_or_empty('raw', 'guard_visits', {
        'visit_id': 'varchar', 'visit_date': 'date', 'unit_id': 'varchar', 'place_id': 'varchar',
        'arrived_at': 'timestamp', 'departed_at': 'timestamp', 'plan_id': 'varchar', 'source': 'varchar',
        'revision': 'integer', 'batch_id': 'varchar', 'source_row': 'bigint'}) }}
),

batches as (
    select batch_id, batch_seq from {{ source('raw', 'batches') }}
),

ranked as (
    select
        source.*,
        row_number() over (
            partition by source.visit_id
            order by batches.batch_seq desc, source.revision desc nulls last, source.source_row desc
        ) as version_rank
    from source
    inner join batches using (batch_id)
),

final as (
    select
        visit_id,
        visit_date,
        unit_id,
        place_id,
        arrived_at as arrived_at_utc,
        departed_at as departed_at_utc,
        plan_id,
        source as recorded_via,
        batch_id,
        source_row
    from ranked
    where version_rank = 1
)

select * from final
