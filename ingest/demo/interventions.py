"""Planted interventions for the demo data: what the follow-up (``analytics.followup``) must find.

Three interventions start eight weeks before the end of the data (so their eight-week follow-up is complete), one
two weeks before (too early to say anything):

* ``demo-hotspot-removed``: a hot spot at Valsätra centrum (×5 for the 12 weeks before) ends when cleaning and
  guard presence start → a decrease and a significant WDD.
* ``demo-no-effect``: outreach at Flogsta centrum, where nothing changes → no detectable change.
* ``demo-displacement``: police presence ends a hot spot at Svartbäcksgatan, and the same problem appears at
  Fyrishov, about 750 m away (inside the displacement buffer) → possible displacement.
* ``demo-too-early``: lighting repairs in Gottsunda (an area target) two weeks before the end → too early.
"""

from __future__ import annotations

from datetime import date, timedelta

from ingest.demo.generator import Effect

HOT_SPOT_WEEKS = 12
MULTIPLIER = 5.0


def intervention_start(first_week: date, weeks: int) -> date:
    return first_week + timedelta(weeks=max(8, weeks - 8))


def planted_effects(first_week: date, weeks: int) -> tuple[Effect, ...]:
    start = intervention_start(first_week, weeks)
    hot_from = max(first_week, start - timedelta(weeks=HOT_SPOT_WEEKS))
    before = start - timedelta(days=1)
    return (
        Effect(
            "valsatra_hot_spot_removed",
            "A hot spot at Valsätra centrum, ended by an intervention",
            "p_valsatra_centrum",
            hot_from,
            before,
            MULTIPLIER,
        ),
        Effect(
            "svartbacksgatan_hot_spot_moved",
            "A hot spot at Svartbäcksgatan, ended by an intervention",
            "p_svartbacksgatan",
            hot_from,
            before,
            MULTIPLIER,
        ),
        Effect(
            "fyrishov_displacement",
            "The Svartbäcksgatan problem moves to Fyrishov",
            "p_fyrishov",
            start,
            None,
            MULTIPLIER,
        ),
    )


def planted_interventions(first_week: date, weeks: int) -> list[dict]:
    start = intervention_start(first_week, weeks)
    decided = start - timedelta(weeks=1)
    week = "{}-W{:02d}".format(*decided.isocalendar()[:2])
    late = first_week + timedelta(weeks=weeks - 2)
    common = {
        "start_date": start.isoformat(),
        "end_date": (start + timedelta(weeks=8, days=-1)).isoformat(),
        "decided_week": week,
        "status": "completed",
    }
    return [
        {
            "intervention_id": "demo-hotspot-removed",
            "intervention_type": "Städning/klottersanering",
            "organisation": "Uppsala kommun, gatukontoret",
            "area_id": "valsatra",
            "place_ids": ["p_valsatra_centrum"],
            "reason_code": "hot_spot",
            "reason_ref": "hot_spot:p_valsatra_centrum",
            **common,
        },
        {
            "intervention_id": "demo-no-effect",
            "intervention_type": "Social insats/uppsökande",
            "organisation": "Uppsala kommun, fältgruppen",
            "area_id": "flogsta",
            "place_ids": ["p_flogsta_centrum"],
            "reason_code": "assessment",
            **common,
        },
        {
            "intervention_id": "demo-displacement",
            "intervention_type": "Polisnärvaro",
            "organisation": "Polisen",
            "area_id": "svartbacken",
            "place_ids": ["p_svartbacksgatan"],
            "reason_code": "alert",
            "reason_ref": "alert:svartbacken",
            **common,
        },
        {
            "intervention_id": "demo-too-early",
            "intervention_type": "Belysning/fysisk åtgärd",
            "organisation": "Uppsalahem",
            "area_id": "gottsunda",
            "start_date": late.isoformat(),
            "end_date": None,
            "decided_week": None,
            "reason_code": "ranking",
            "reason_ref": "ranking:gottsunda",
            "status": "active",
        },
    ]
