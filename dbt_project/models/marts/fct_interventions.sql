-- The published list of interventions (latest version of each), for GET /api/v1/interventions and the dashboard.
with

interventions as (
    select * from {{ ref('int_interventions') }}
),

final as (
    select
        intervention_id,
        origin,
        intervention_type,
        type_label_sv,
        organisation,
        area_id,
        h3_cells,
        place_ids,
        target_cells,
        start_date,
        end_date,
        decided_week_start,
        reason_code,
        reason_ref,
        status,
        revision,
        n_versions,
        n_guard_visits
    from interventions
)

select * from final
