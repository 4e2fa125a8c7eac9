-- H3 cell (resolution 9) × ISO week × tertial counts, only where something happened (no zero rows: the Python
-- marts add the zeros they need). A week that straddles two tertials has one row per tertial, so summing over
-- tertials gives the week and summing over weeks gives the tertial, each incident by its own local date.
with

incidents as (
    select * from {{ ref('int_incidents') }}
    where h3_cell is not null
),

cell_areas as (
    -- A cell can straddle an area boundary: it belongs to the area most of its incidents were placed in.
    select h3_cell, mode(area_id order by area_id) as area_id
    from incidents
    group by h3_cell
),

counts as (
    select
        h3_cell,
        week_start,
        tertial_id,
        count(*) filter (where source = 'est_reports') as n_est_reports,
        count(*) filter (where source = 'police_crimes') as n_police_crimes,
        count(*) as n_incidents,
        coalesce(sum(weight) filter (where source = 'est_reports'), 0) as est_severity_sum,
        coalesce(sum(weight) filter (where source = 'police_crimes'), 0) as harm_sum
    from incidents
    group by all
),

final as (
    select
        counts.h3_cell,
        cell_areas.area_id,
        counts.week_start,
        counts.tertial_id,
        counts.n_est_reports,
        counts.n_police_crimes,
        counts.n_incidents,
        counts.est_severity_sum,
        counts.harm_sum
    from counts
    inner join cell_areas using (h3_cell)
)

select * from final
