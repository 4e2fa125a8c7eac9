-- One row per intervention: the latest version of each intervention_id (a later batch wins; within a batch the
-- higher API revision). Earlier versions stay in raw.interventions (history).
with

source as (
    select * from {{ source_or_empty('raw', 'interventions', {
        'intervention_id': 'varchar', 'intervention_type': 'varchar', 'organisation': 'varchar',
        'area_id': 'varchar', 'h3_cells': 'varchar', 'place_ids': 'varchar', 'start_date': 'date',
        'end_date': 'date', 'decided_week': 'date', 'reason_code': 'varchar', 'reason_ref': 'varchar',
        'status': 'varchar', 'recorded_by': 'varchar', 'written_at': 'timestamp', 'revision': 'integer',
        'batch_id': 'varchar', 'source_file': 'varchar', 'source_row': 'bigint', 'loaded_at': 'timestamp'}) }}
),

batches as (
    select batch_id, batch_seq from {{ source('raw', 'batches') }}
),

ranked as (
    select
        source.*,
        batches.batch_seq,
        count(*) over (partition by source.intervention_id) as n_versions,
        row_number() over (
            partition by source.intervention_id
            order by batches.batch_seq desc, source.revision desc nulls last, source.source_row desc
        ) as version_rank
    from source
    inner join batches using (batch_id)
),

final as (
    select
        -- ids
        intervention_id,

        -- what and who
        intervention_type,
        organisation,

        -- where
        area_id,
        h3_cells,
        place_ids,

        -- when and why
        start_date,
        end_date,
        decided_week as decided_week_start,
        reason_code,
        reason_ref,
        status,

        -- versions and lineage
        revision,
        n_versions,
        recorded_by,
        written_at as written_at_utc,
        batch_id,
        batch_seq,
        source_file,
        source_row,
        loaded_at
    from ranked
    where version_rank = 1
)

select * from final
