-- One row per incident the marts count, with where it came from: the landing file (name and sha256), the row in
-- that file, the batch and the Dagster run that loaded it (from the batch ledger), and the keys of every mart cell
-- it is counted in (area × week, area × tertial, H3 cell × week). No free text, no points, no personal data: this
-- table is published so auditors can trace any mart number back to rows and files.
with

incidents as (
    select * from {{ ref('int_incidents') }}
),

batches as (
    select batch_id, run_id, triggered_by, loaded_at from {{ source('raw', 'batches') }}
),

final as (
    select
        -- ids
        incidents.incident_key,
        incidents.source,
        incidents.incident_id,

        -- what and when
        incidents.occurred_at_utc,
        incidents.category_code,
        incidents.weight,
        incidents.weight_kind,
        incidents.is_guard_generated,

        -- the mart cells it is counted in
        incidents.area_id,
        cast(incidents.week_start as date) as week_start,
        incidents.iso_year,
        incidents.iso_week,
        incidents.tertial_id,
        incidents.h3_cell,

        -- provenance: file, row, batch and the run that loaded it
        incidents.batch_id,
        incidents.batch_seq,
        incidents.source_file,
        incidents.source_sha256,
        incidents.source_row,
        batches.run_id,
        batches.triggered_by as load_triggered_by,
        batches.loaded_at
    from incidents
    inner join batches using (batch_id)
)

select * from final
