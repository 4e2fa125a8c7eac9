"""Generated data with planted effects (conftest.py), ingested and built by dbt: the marts find what was planted,
and they reconcile with what was loaded."""

from __future__ import annotations

from datetime import timedelta

import h3
import pytest

from ingest.demo.uppsala import PLACES
from tests.marts.conftest import GRANBY_START, STENHAGEN_START

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("marts_pipeline")]


def test_stenhagen_hot_spot_is_flagged_in_the_weeks_it_runs_and_not_before(built_marts):
    weeks = built_marts.query(
        "select week_start, n_est_reports, round(est_expected, 1) as est_expected, est_p_exceed, est_q_bh, "
        "n_police_crimes, round(police_expected, 1) as police_expected, police_p_exceed, alert_flag, alert_text_en "
        "from marts.fct_area_week where area_id = 'stenhagen' order by week_start"
    )
    print(weeks.drop(columns="alert_text_en").to_string())
    weeks["week_start"] = weeks["week_start"].dt.date
    tested = weeks["est_expected"].notna()
    before = weeks[tested & (weeks["week_start"] < STENHAGEN_START)]
    during = weeks[weeks["week_start"] >= STENHAGEN_START]
    assert len(before) >= 12 and not before["alert_flag"].any()
    assert during["alert_flag"].iloc[0]
    assert during["alert_flag"].head(6).sum() >= 4
    first = during.iloc[0]
    assert first["alert_text_en"].startswith("EST reports above expected")
    print("first alert:", first["alert_text_en"])


def test_stenhagens_centrum_becomes_a_new_hot_spot_after_the_start_and_was_not_one_before(built_marts):
    place = next(p for p in PLACES if p.place_id == "p_stenhagens_centrum")
    cell = h3.latlng_to_cell(place.lat, place.lon, 9)
    cells = built_marts.query(
        "select week_start, n_incidents, n_incidents_8w, round(gi_star_z_8w, 2) as z, gi_star_p_sim_8w as p, "
        "round(gi_star_q_bh_8w, 4) as q, hot_spot_class from marts.fct_place_week where h3_cell = ? "
        "order by week_start",
        [cell],
    )
    print(cells.to_string())
    cells["week_start"] = cells["week_start"].dt.date
    before = cells[
        (cells["week_start"] < STENHAGEN_START) & (cells["week_start"] >= STENHAGEN_START - timedelta(weeks=8))
    ]
    after = cells[cells["week_start"] >= STENHAGEN_START]
    assert (before["hot_spot_class"] == "not_significant").all()
    first_hot = after[after["hot_spot_class"] != "not_significant"].iloc[0]
    # Gi* sums 8 weeks, so a new hot spot shows once enough of its window holds the new level (here: 4 weeks).
    assert first_hot["week_start"] < STENHAGEN_START + timedelta(weeks=8)
    assert first_hot["hot_spot_class"] == "new_hot_spot"
    print(
        "first hot week:",
        first_hot["week_start"],
        f"({(first_hot['week_start'] - STENHAGEN_START).days // 7} weeks after the start)",
    )
    assert (after.tail(4)["hot_spot_class"] != "not_significant").all()


def test_granby_tertial_increase_is_measured_with_its_uncertainty(built_marts):
    tertials = built_marts.query(
        "select tertial_id, n_incidents, exposure, rr_prev_tertial, rr_prev_tertial_ci_lo, rr_prev_tertial_ci_hi, "
        "rr_prev_tertial_p_bh, rank, rank_ci90_lo, rank_ci90_hi, p_top5, reasons_en "
        "from marts.fct_area_tertial where area_id = 'granby' order by tertial_id"
    )
    print(tertials.to_string())
    t2 = tertials.set_index("tertial_id").loc[f"{GRANBY_START.year}-T2"]
    # +80 % planted, times the season (summer is busier for several categories).
    assert 1.5 < t2["rr_prev_tertial"] < 2.6
    assert t2["rr_prev_tertial_ci_lo"] > 1.3 and t2["rr_prev_tertial_p_bh"] < 0.001
    assert (
        "increase_vs_previous_tertial"
        in built_marts.query(
            "select reason_codes from marts.fct_area_tertial where area_id = 'granby' and tertial_id = '2026-T2'"
        )["reason_codes"].iloc[0]
    )
    ranks = tertials.set_index("tertial_id")["rank"]
    assert ranks["2026-T2"] <= ranks["2026-T1"]


def test_counts_reconcile_with_what_was_loaded(built_marts):
    # Re-exported reports (corrections) are accepted rows of their own in raw; the latest version counts once.
    accepted = built_marts.query(
        "select source, sum(rows_accepted) as n from raw.batches where source in ('est_reports', 'police_crimes') "
        "group by source"
    ).set_index("source")["n"]
    raw = built_marts.query(
        "select (select count(*) from raw.est_reports) as est_rows, "
        "(select count(*) from raw.police_crimes) as police_rows, "
        "(select count(distinct report_id) from raw.est_reports) as est_reports, "
        "(select count(distinct crime_id) from raw.police_crimes) as police_crimes"
    ).iloc[0]
    assert (raw["est_rows"], raw["police_rows"]) == (accepted["est_reports"], accepted["police_crimes"])
    loaded = raw[["est_reports", "police_crimes"]]
    marts = built_marts.query(
        "select sum(n_est_reports) as est, sum(n_police_crimes) as police from marts.fct_area_week"
    ).iloc[0]
    assert marts["est"] == loaded["est_reports"] and marts["police"] == loaded["police_crimes"]
    tertial = built_marts.query("select sum(n_incidents) as n from marts.fct_area_tertial")["n"].iloc[0]
    assert tertial == loaded.sum()
    areas = built_marts.query("select count(*) as n from staging.stg_geo__areas")["n"].iloc[0]
    weeks = built_marts.query("select count(distinct week_start) as n from marts.fct_area_week")["n"].iloc[0]
    assert (
        built_marts.query("select count(*) as n from marts.fct_area_week")["n"].iloc[0] == areas * weeks == areas * 30
    )


def test_incidents_keep_lineage_and_guard_reports_are_identifiable(built_marts):
    incidents = built_marts.query(
        "select count(*) as n, count(batch_id) as batch, count(source_sha256) as sha, count(source_row) as row_, "
        "count(*) filter (where is_guard_generated) as guard, "
        "count(*) filter (where is_guard_generated and reporter_role <> 'vaktare') as guard_not_vaktare "
        "from intermediate.int_incidents"
    ).iloc[0]
    assert incidents["n"] == incidents["batch"] == incidents["sha"] == incidents["row_"]
    assert incidents["guard"] > 0 and incidents["guard_not_vaktare"] == 0


def test_every_mart_row_is_stamped_with_the_seed_versions(built_marts):
    import pandas as pd

    from tests.marts.conftest import SEEDS

    harm = pd.read_csv(SEEDS / "harm_weights.csv")["harm_weight_version"].unique().tolist()
    params = pd.read_csv(SEEDS / "analysis_parameters.csv")["parameters_version"].unique().tolist()
    for mart in ("fct_area_week", "fct_area_tertial", "fct_place_week", "public_fct_area_week"):
        versions = built_marts.query(f"select distinct harm_weight_version, parameters_version from marts.{mart}")  # noqa: S608
        assert versions.values.tolist() == [[harm[0], params[0]]], mart


def test_public_marts_suppress_small_counts_and_carry_no_places(built_marts):
    for mart, columns in (
        ("public_fct_area_week", ["n_est_reports", "n_police_crimes"]),
        ("public_fct_area_tertial", ["n_est_reports", "n_police_crimes", "n_incidents"]),
        ("public_fct_place_week", ["n_est_reports", "n_police_crimes", "n_incidents"]),
    ):
        frame = built_marts.query(f"select * from marts.{mart}")  # noqa: S608
        for column in columns:
            assert not frame[column].between(1, 2).any(), (mart, column)
        assert not {"lat", "lon", "top_places", "n_est_by_category", "alert_reasons"} & set(frame.columns)
    place = built_marts.query("select * from marts.public_fct_place_week")
    assert (place["h3_cell"].map(h3.get_resolution) == 8).all()
    suppressed = built_marts.query(
        "select count(*) as n from marts.public_fct_area_week where est_suppressed and n_est_reports is null"
    )
    assert suppressed["n"].iloc[0] > 0  # the demo has small cells, and they are hidden
