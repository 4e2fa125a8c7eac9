"""The follow-up statistics on constructed counts: the WDD against a direct scipy computation, and every verdict."""

from __future__ import annotations

from datetime import date, timedelta

import h3
import numpy as np
import pandas as pd
import pytest
from scipy import stats
from shapely.geometry import box

from analytics.followup import (
    FollowupParams,
    difference_in_differences,
    follow_up,
    match_controls,
    weighted_displacement_difference,
)

START = date(2026, 3, 2)  # a Monday
CENTRE = h3.latlng_to_cell(59.8586, 17.6389, 9)
FAR = [h3.latlng_to_cell(59.8586 + 0.03 * i, 17.70, 9) for i in range(1, 7)]  # far outside every buffer


def test_wdd_matches_its_formula_and_a_direct_scipy_computation():
    counts = dict(t0=88, t1=20, ct0=85, ct1=83, d0=40, d1=42, cd0=41, cd1=38)
    result = weighted_displacement_difference(*counts.values())
    assert result.wdd == (20 - 88) - (83 - 85) + (42 - 40) - (38 - 41) == -61
    assert result.variance == sum(counts.values()) == 437
    scale = np.sqrt(437)
    assert result.z == pytest.approx(-61 / scale)
    assert result.p_value == pytest.approx(2 * stats.norm.cdf(-61, loc=0, scale=scale))
    assert (result.ci_low, result.ci_high) == pytest.approx(stats.norm.interval(0.95, loc=-61, scale=scale))
    # The variance is that of a signed sum of independent Poisson counts: check by simulation.
    rng = np.random.default_rng(1)
    draws = {k: rng.poisson(v, 200_000) for k, v in counts.items()}
    simulated = (
        (draws["t1"] - draws["t0"])
        - (draws["ct1"] - draws["ct0"])
        + (draws["d1"] - draws["d0"])
        - (draws["cd1"] - draws["cd0"])
    )
    assert simulated.var() == pytest.approx(437, rel=0.02)
    assert difference_in_differences(0, 0, 0, 0).z != difference_in_differences(0, 0, 0, 0).z  # nan, no claim


def test_controls_are_matched_on_pre_counts():
    units = pd.Series({"a": 50.0, "b": 0.0, "c": 5.0})
    candidates = pd.Series({"x": 4.0, "y": 48.0, "z": 60.0, "w": 6.0})
    # b has nothing before (no comparison needed); c ties between w and x: the lowest id wins.
    assert match_controls(units, candidates) == ["y", "w"]


def incidents_for(weekly: dict[str, tuple[int, int]], weeks: int = 8) -> pd.DataFrame:
    """cell → (incidents per week before, per week after START), for ``weeks`` weeks each side."""
    rows = []
    for cell, (before, after) in weekly.items():
        for w in range(-weeks, weeks):
            n = before if w < 0 else after
            rows += [(START + timedelta(weeks=w), "a1", cell, 1.0, False)] * n
    return pd.DataFrame(rows, columns=["week_start", "area_id", "h3_cell", "weight", "is_guard_generated"])


AREAS = pd.DataFrame({"area_id": ["a1", "a2"], "geometry_wkt": [box(0, 0, 1, 1).wkt, box(1, 0, 2, 1).wkt]})
GAZETTEER = pd.DataFrame(columns=["place_id", "lat", "lon"])


def run(weekly, as_of=START + timedelta(weeks=8), status="active"):
    interventions = pd.DataFrame(
        [
            {
                "intervention_id": "i",
                "intervention_type": "guard_presence",
                "area_id": "a1",
                "h3_cells": CENTRE,
                "place_ids": None,
                "start_date": START,
                "status": status,
            }
        ]
    )
    table = follow_up(interventions, incidents_for(weekly), AREAS, GAZETTEER, as_of, FollowupParams())
    return table.iloc[0]


BUFFER_CELL = sorted(h3.grid_ring(CENTRE, 2))[0]
STEADY = {FAR[0]: (10, 10), FAR[1]: (3, 3), FAR[2]: (1, 1), FAR[3]: (4, 4)}


def test_a_removed_hot_spot_is_a_likely_real_decrease():
    row = run({CENTRE: (10, 2), BUFFER_CELL: (3, 3), **STEADY})
    assert (row.target_pre, row.target_post, row.control_target_pre, row.control_target_post) == (80, 16, 80, 80)
    assert (row.buffer_pre, row.buffer_post) == (24, 24)
    assert row.wdd == -64 and row.wdd_z < -1.96
    assert row.verdict == "decrease, likely real"
    assert "WDD -64" in row.verdict_detail and "not an experiment" in row.verdict_detail


def test_no_change_displacement_too_early_and_too_few():
    assert run({CENTRE: (10, 10), BUFFER_CELL: (3, 3), **STEADY}).verdict == "no detectable change"
    moved = run({CENTRE: (10, 2), BUFFER_CELL: (3, 11), **STEADY})
    assert moved.buffer_did == 64 and moved.verdict == "possible displacement"
    assert abs(moved.wdd_z) < 1.96  # the net effect is nil: everything moved
    early = run({CENTRE: (10, 2), **STEADY}, as_of=START + timedelta(weeks=3))
    assert (early.verdict, early.post_weeks_observed) == ("too early", 3)
    assert run({CENTRE: (1, 0), **STEADY}).verdict == "too few incidents to tell"
    assert run({CENTRE: (10, 2), **STEADY}, status="cancelled").verdict == "cancelled"
