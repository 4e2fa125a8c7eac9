"""The guard forecast counts the harm the marts count: its input, read from the warehouse, carries the same
incidents with the same weights as fct_area_week, week by week, to the cent.

The exact sets: fct_area_week counts every incident of int_incidents with an area (all EST reports and police crimes
have one), guards' own reports included (est_severity_sum; n_est_guard_reports says how many). The forecast reads the
same rows and then leaves the guards' reports out of its target; that set is int_incidents.is_guard_generated.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from analytics import forecast as fc
from tests.marts.conftest import PIPELINE_END, built_marts  # noqa: F401 - the fixture: ingest + dbt of a demo

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("marts_pipeline")]

MARTS_BY_WEEK = """
    select week_start, sum(est_severity_sum) as est_severity, sum(harm_sum) as police_harm,
           sum(n_est_reports) as n_est, sum(n_est_guard_reports) as n_guard, sum(n_police_crimes) as n_police
    from marts.fct_area_week
    group by week_start
"""
GUARD_SEVERITY_BY_WEEK = """
    select week_start, sum(weight) as guard_severity
    from intermediate.int_incidents
    where is_guard_generated
    group by week_start
"""


def cents(values: pd.Series) -> pd.Series:
    return (values.astype(float) * 100).round().astype("int64")


@pytest.fixture(scope="module")
def weekly(built_marts):  # noqa: F811 - the imported fixture
    con = duckdb.connect(str(built_marts.warehouse), read_only=True)
    try:
        incidents = fc.prepare_incidents(fc.incidents_from_warehouse(con, recent_weeks=52))
        marts = con.execute(MARTS_BY_WEEK).df()
        guard = con.execute(GUARD_SEVERITY_BY_WEEK).df()
    finally:
        con.close()
    incidents["week_start"] = incidents["week_start"].dt.date
    incidents["guard"] = incidents["reporter_role"].isin(fc.GUARD_REPORTER_ROLES)
    by_source = incidents.pivot_table(index="week_start", columns="source", values="weight", aggfunc="sum")
    counts = incidents.pivot_table(index="week_start", columns="source", values="weight", aggfunc="size")
    guards = incidents[incidents["guard"]].groupby("week_start").size()
    marts["week_start"] = pd.to_datetime(marts["week_start"]).dt.date
    guard["week_start"] = pd.to_datetime(guard["week_start"]).dt.date
    frame = marts.set_index("week_start").join(guard.set_index("week_start")).fillna({"guard_severity": 0.0})
    frame = frame[frame.index >= min(by_source.index)]  # the forecast reads the last 52 (+2) weeks
    return frame, by_source.reindex(frame.index).fillna(0.0), counts.reindex(frame.index).fillna(0), incidents, guards


def test_a_weeks_forecast_input_harm_is_the_marts_harm(weekly):
    marts, harm, counts, _, _ = weekly
    week = PIPELINE_END  # the last week of data: the one the forecast leans on most
    assert marts.loc[week, "police_harm"] > 0 and marts.loc[week, "n_guard"] > 0
    assert round(harm.loc[week, "police_crimes"], 2) == round(marts.loc[week, "police_harm"], 2)
    assert round(harm.loc[week, "est_reports"], 2) == round(marts.loc[week, "est_severity"], 2)
    # Every week of the window, both sources, counts too.
    pd.testing.assert_series_equal(cents(harm["police_crimes"]), cents(marts["police_harm"]), check_names=False)
    pd.testing.assert_series_equal(cents(harm["est_reports"]), cents(marts["est_severity"]), check_names=False)
    assert (counts["police_crimes"] == marts["n_police"]).all() and (counts["est_reports"] == marts["n_est"]).all()


def test_the_forecast_target_leaves_out_exactly_the_guards_reports_the_marts_flag(weekly):
    marts, harm, _, incidents, guards = weekly
    assert (guards.reindex(marts.index, fill_value=0) == marts["n_guard"]).all()
    # The target harm of a week: police harm + EST severity − the guards' own reports' severity (int_incidents).
    target, excluded = fc.exclude_guard_reports(incidents)
    assert excluded == marts["n_guard"].sum()
    target_by_week = target.groupby("week_start")["weight"].sum().reindex(marts.index, fill_value=0.0)
    expected = marts["police_harm"] + marts["est_severity"] - marts["guard_severity"]
    pd.testing.assert_series_equal(cents(target_by_week), cents(expected), check_names=False)
    # And the forecast itself: last week's harm over all its places is that week's target harm.
    from ingest.demo.uppsala import PLACES

    forecast = fc.forecast_place_risk(
        incidents.drop(columns=["guard"]), PLACES, params=fc.ForecastParams(max_places=10**6)
    )
    assert forecast.target_week_start == PIPELINE_END + pd.Timedelta(days=7)
    assert round(forecast.places["last_week_harm"].sum(), 2) == round(expected.loc[PIPELINE_END], 2)
