"""Planning a week is a pure function: a forecast in, the published tables and what to report out (no Dagster)."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from analytics import forecast as fc
from analytics.guards.inputs import depot
from analytics.guards.model import PlanParams
from analytics.guards.week import WeekSettings, plan_week
from tests.guards.conftest import DEPOT

pytestmark = pytest.mark.xdist_group("guards_platform")


@pytest.fixture(scope="module")
def forecast(demo_slice_incidents):
    from ingest.demo.uppsala import PLACES

    result = fc.forecast_place_risk(demo_slice_incidents, PLACES, params=fc.ForecastParams(max_places=15))
    places = result.places.assign(
        forecast_model_version=result.version,
        data_cutoff=result.data_cutoff,
        target_week_start=result.target_week_start,
    )
    return places, result.risk, result.target_week_start


def test_a_week_of_plans_from_a_forecast(forecast):
    places, risk, week_start = forecast
    settings = WeekSettings(days=2, shift_by_weekday={"tue": "16:00-22:00"})
    week = plan_week(
        places,
        risk,
        DEPOT,
        week_start,
        settings=settings,
        params=PlanParams(solver_time_limit_s=1.0, n_variants=2),
    )
    assert week.week_start == week_start == date(2026, 3, 9)
    assert sorted(week.visits["plan_date"].unique()) == [date(2026, 3, 9), date(2026, 3, 10)]
    assert set(week.metrics["variant"]) == {"recommended", "naive_topk", "greedy"}
    assert set(week.tables()) == {"visits", "units", "metrics"}
    assert week.violations == {} and week.recommended_beats_naive()
    # Tuesday's own shift, two guards each day.
    tuesday = week.units[week.units["plan_date"] == date(2026, 3, 10)]
    assert set(tuesday["shift_start_local"]) == {datetime.combine(date(2026, 3, 10), time(16))}
    assert len(tuesday) == 2 and len(week.solve_seconds) == len(week.day_summaries) == 2
    summary = week.summary()
    assert summary["days_planned"] == 2 and summary["mean_rwc_recommended"] > summary["mean_rwc_naive_topk"]
    # Every visit carries the forecast it was planned from.
    assert set(week.visits["forecast_model_version"]) == {places["forecast_model_version"].iloc[0]}


def test_an_empty_forecast_plans_nothing_and_a_bad_shift_is_refused(forecast):
    places, risk, week_start = forecast
    empty = plan_week(places.iloc[0:0], risk.iloc[0:0], depot(59.86, 17.64), week_start)
    assert empty.metrics.empty and empty.summary()["days_planned"] == 0 and not empty.recommended_beats_naive()
    with pytest.raises(ValueError, match="unknown days"):
        plan_week(places, risk, DEPOT, week_start, settings=WeekSettings(shift_by_weekday={"friday": "16:00-23:00"}))
    with pytest.raises(ValueError, match="ends before it starts"):
        WeekSettings(shift_start="23:00", shift_end="15:00").shift_on(week_start)


def test_plan_week_takes_any_day_planner(forecast):
    """The solver is a parameter: the asset's wiring can be tested with a stand-in (here: the real one, counted)."""
    from analytics.guards.planner import plan_day

    places, risk, week_start = forecast
    days = []

    def counting(problem):
        days.append(problem.day)
        return plan_day(problem)

    params = PlanParams(solver_time_limit_s=0.5, n_variants=1)
    plan_week(places, risk, DEPOT, week_start, settings=WeekSettings(days=1), params=params, plan=counting)
    assert days == [week_start]
