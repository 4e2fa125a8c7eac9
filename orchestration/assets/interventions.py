"""Interventions (insatser): the ingest asset of the source. The follow-up statistics are a dbt Python model
(``fct_intervention_followup``) that calls ``analytics.followup``."""

from orchestration.assets.ingest import build_ingest_asset

raw_interventions = build_ingest_asset(
    "interventions",
    "Interventions the EST group decided (type, organisation, target area/cells/places, dates, "
    "reason, status), recorded through POST/PATCH /api/v1/interventions or dropped as files; every version kept.",
    deps=("areas",),
)

INTERVENTION_ASSETS = [raw_interventions]
