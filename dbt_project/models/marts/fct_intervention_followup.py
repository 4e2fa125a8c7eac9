"""Follow-up of every intervention: before/after counts and harm in the target, the displacement buffer and the
comparison units, the weighted displacement difference with its z-score and interval, and a verdict. The work is
done by analytics.followup (plain Python, unit-tested); rules in docs/interventions.md."""

from analytics import dbt_inputs  # noqa: F401  (first: serialises the heavy imports, see there)
from analytics.followup import FOLLOWUP_TYPES, FollowupParams, as_of_week, follow_up, sql_casts


def model(dbt, session):
    from analytics.forecast import gazetteer_frame
    from ingest.demo.uppsala import PLACES

    params = FollowupParams(
        window_weeks=int(dbt.config.get("followup_weeks")), buffer_rings=int(dbt.config.get("followup_buffer_rings"))
    )
    interventions = dbt.ref("int_interventions").df()
    # Only the five columns the follow-up uses: all of int_incidents as a DataFrame took ~3 GB at 1M incidents.
    incidents = dbt.ref("int_incidents").project("week_start, area_id, h3_cell, weight, is_guard_generated").df()
    areas = dbt.ref("stg_geo__areas").df()
    areas = areas.loc[areas["area_type"] != "municipality", ["area_id", "geometry_wkt"]]
    table = follow_up(interventions, incidents, areas, gazetteer_frame(PLACES), as_of_week(incidents), params)
    return session.from_df(table).project(sql_casts(FOLLOWUP_TYPES))
