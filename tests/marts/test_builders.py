"""The mart builders on fixture frames (no warehouse): a planted tertial increase outranks its otherwise equal
twin, a 10-resident area with one event does not top the ranking, and rebuilding a window gives the same rows as a
full rebuild (each window reads the history it needs)."""

from __future__ import annotations

from datetime import date, timedelta

import h3
import numpy as np
import pandas as pd
import pytest

from analytics.params import Parameters, Versions
from analytics.places import build_place_week
from analytics.priority import PriorityWeights
from analytics.tertial import build_area_tertial
from analytics.weekly import build_area_week
from tests.marts.conftest import SEEDS

VERSIONS = Versions("harm-test", "severity-test", "params-test")
PARAMS = Parameters(rank_draws=400, gi_permutations=199)
TERTIALS = [date(2024, 9, 1), date(2025, 1, 1), date(2025, 5, 1), date(2025, 9, 1), date(2026, 1, 1), date(2026, 5, 1)]


def _tertial_frame() -> pd.DataFrame:
    """Ten ordinary areas with steady rates, twins A and B equal until the last tertial, when A rises by 80 %, and
    a 10-resident area with a single event in the last tertial."""
    multipliers = dict(zip([f"area_{i}" for i in range(10)], np.linspace(0.6, 1.6, 10), strict=True))
    multipliers |= {"twin_a": 1.0, "twin_b": 1.0}
    rows = []
    for t, start in enumerate(TERTIALS):
        end = date(start.year + (start.month == 9), (start.month + 3) % 12 + 1, 1) - timedelta(days=1)
        for area, m in [*multipliers.items(), ("tiny", None)]:
            population = 10 if area == "tiny" else 5000
            if area == "tiny":
                est, crimes, harm = (0, 1, 2.0) if t == len(TERTIALS) - 1 else (0, 0, 0.0)
            else:
                rise = 1.8 if (area == "twin_a" and t == len(TERTIALS) - 1) else 1.0
                est, crimes = round(60 * m * rise), round(40 * m * rise)
                harm = 3.0 * crimes
            rows.append(
                {
                    "area_id": area,
                    "area_name": area,
                    "area_type": "district",
                    "tertial_id": f"{start.year}-T{(start.month - 1) // 4 + 1}",
                    "tertial_start": start,
                    "tertial_end": end,
                    "days_in_tertial": (end - start).days + 1,
                    "days_observed": (end - start).days + 1,
                    "is_complete": True,
                    "data_start": TERTIALS[0],
                    "data_through": date(2026, 8, 31),
                    "n_est_reports": est,
                    "n_est_guard_reports": 0,
                    "est_severity_sum": 2.0 * est,
                    "n_police_crimes": crimes,
                    "harm_sum": harm,
                    "n_incidents": est + crimes,
                    "population": population,
                    "exposure": float(population),
                }
            )
    return pd.DataFrame(rows)


def _place_counts() -> pd.DataFrame:
    return pd.DataFrame(
        columns=[
            "h3_cell",
            "area_id",
            "week_start",
            "tertial_id",
            "n_est_reports",
            "n_police_crimes",
            "n_incidents",
            "est_severity_sum",
            "harm_sum",
        ]
    )


@pytest.fixture(scope="module")
def tertial_mart() -> pd.DataFrame:
    weights = PriorityWeights.from_frame(pd.read_csv(SEEDS / "priority_weights.csv"))
    return build_area_tertial(_tertial_frame(), _place_counts(), PARAMS, weights, VERSIONS)


def test_planted_tertial_increase_ranks_above_its_equal_twin(tertial_mart):
    last = tertial_mart[tertial_mart["tertial_id"] == "2026-T2"].set_index("area_id")
    before = tertial_mart[tertial_mart["tertial_id"] == "2026-T1"].set_index("area_id")
    print(
        last.loc[
            ["twin_a", "twin_b"],
            [
                "rr_prev_tertial",
                "rr_prev_tertial_p_bh",
                "z_trend",
                "priority_score",
                "rank",
                "rank_ci90_lo",
                "rank_ci90_hi",
                "p_top5",
                "reasons_en",
            ],
        ].to_string()
    )
    assert before.loc["twin_a", "priority_score"] == pytest.approx(before.loc["twin_b", "priority_score"])
    assert last.loc["twin_a", "rank"] < last.loc["twin_b", "rank"]
    assert last.loc["twin_a", "rr_prev_tertial"] == pytest.approx(1.8, rel=0.02)
    assert last.loc["twin_a", "rr_prev_tertial_p_bh"] < 0.01
    assert "increase_vs_previous_tertial" in last.loc["twin_a", "reason_codes"]
    assert "+80 % vs the previous tertial" in last.loc["twin_a", "reasons_en"]
    assert "+80 % mot föregående tertial" in last.loc["twin_a", "reasons_sv"]


def test_ten_residents_and_one_event_do_not_top_the_tertial_ranking(tertial_mart):
    last = tertial_mart[tertial_mart["tertial_id"] == "2026-T2"].set_index("area_id")
    assert last.loc["tiny", "harm_rate_per_1000"] == max(last["harm_rate_per_1000"])  # raw: 200 per 1,000
    assert last["harm_rate_eb"].idxmax() != "tiny"
    assert last.loc["tiny", "rank"] > 3
    assert last.loc["tiny", "p_top5"] < 0.5


def test_the_parameter_seed_and_the_code_defaults_agree():
    assert Parameters.from_frame(pd.read_csv(SEEDS / "analysis_parameters.csv")) == Parameters()
    weights = pd.read_csv(SEEDS / "priority_weights.csv")
    assert PriorityWeights.from_frame(weights).weights == {
        "z_harm": 0.25,
        "z_est": 0.20,
        "z_abs": 0.15,
        "z_trend": 0.15,
        "z_persist": 0.15,
        "z_cluster": 0.10,
    }
    with pytest.raises(ValueError, match="sum to 1"):
        PriorityWeights.from_frame(weights.assign(weight=0.5))


def test_every_tertial_row_is_stamped_with_versions(tertial_mart):
    assert set(tertial_mart["weights_version"]) == {"priority-v1"}
    assert set(tertial_mart["harm_weight_version"]) == {"harm-test"}
    assert set(tertial_mart["parameters_version"]) == {"params-test"}


def _area_week_frame(weeks: int = 30) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    rows = []
    for a in range(8):
        for w in range(weeks):
            rows.append(
                {
                    "area_id": f"a{a}",
                    "week_start": date(2025, 12, 29) + timedelta(weeks=w),
                    "n_est_reports": int(rng.poisson(4 + a)),
                    "n_police_crimes": int(rng.poisson(3)),
                    "harm_sum": float(rng.poisson(6)),
                    "population": 2000 + 500 * a,
                    "completeness_flag": "complete",
                }
            )
    return pd.DataFrame(rows)


def test_a_weekly_window_gives_the_rows_of_a_full_rebuild():
    frame = _area_week_frame()
    full = build_area_week(frame, PARAMS, VERSIONS)
    window = build_area_week(frame, PARAMS, VERSIONS, date(2026, 5, 4), date(2026, 6, 1))
    assert sorted(window["week_start"].unique()) == [date(2026, 5, 4) + timedelta(weeks=i) for i in range(4)]
    expected = full[full["week_start"].isin(window["week_start"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(window, expected)
    assert full.loc[full["week_start"] == date(2025, 12, 29), "est_expected"].isna().all()  # no history yet
    assert window["est_expected"].notna().all()  # the window read the weeks before it


def test_a_place_window_gives_the_rows_of_a_full_rebuild():
    rng = np.random.default_rng(9)
    cells = sorted(h3.grid_disk(h3.latlng_to_cell(59.85, 17.64, 9), 4))
    rows = [
        {
            "h3_cell": c,
            "area_id": "a",
            "week_start": date(2026, 1, 5) + timedelta(weeks=w),
            "tertial_id": "x",
            "n_est_reports": n,
            "n_police_crimes": 0,
            "n_incidents": n,
            "est_severity_sum": 2.0 * n,
            "harm_sum": 0.0,
        }
        for w in range(20)
        for c in cells
        if (n := int(rng.poisson(1.5 if c == cells[0] else 0.4)))
    ]
    counts = pd.DataFrame(rows)
    full = build_place_week(counts, PARAMS, VERSIONS)
    window = build_place_week(counts, PARAMS, VERSIONS, date(2026, 4, 6), date(2026, 4, 20))
    expected = full[full["week_start"].isin(window["week_start"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(
        window.drop(columns=["hot_windows", "history_windows", "hot_spot_class"]),
        expected.drop(columns=["hot_windows", "history_windows", "hot_spot_class"]),
    )
