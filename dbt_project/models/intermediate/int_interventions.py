"""Every intervention on one grain: the latest version of each recorded intervention (stg_est__interventions) and
guard presence made from the visits recorded through the guard API (stg_guards__visits), with every target
resolved to H3 cells. The work is done by analytics.followup (plain Python, unit-tested)."""

from analytics import dbt_inputs  # noqa: F401  (first: serialises the heavy imports, see there)
from analytics.followup import INTERVENTION_TYPES, build_interventions, sql_casts


def model(dbt, session):
    from analytics.forecast import gazetteer_frame
    from ingest.demo.uppsala import PLACES
    from ingest.sources.interventions import TYPES

    recorded = dbt.ref("stg_est__interventions").df()
    visits = dbt.ref("stg_guards__visits").df()
    labels = {code: names[0] for code, names in TYPES.items()}
    table = build_interventions(recorded, visits, gazetteer_frame(PLACES), labels)
    return session.from_df(table).project(sql_casts(INTERVENTION_TYPES))
