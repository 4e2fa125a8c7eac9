"""Guard scheduling on the demo data: how good the forecast and the plans are, and how long planning takes.

    .venv/bin/python bench/guards.py                # the full run (104 weeks of demo data, 7 days, 10 s a day)
    .venv/bin/python bench/guards.py --quick        # a smoke run (30 weeks, 2 days, 3 s a day, 1 ex-post week)

Prints:
1. the forecast backtest (rolling origin, last 26 weeks): hit rate, harm capture, PAI and PEI at k = 5, 10, 20
   places for the blend and the naive baselines B0-B3 (analytics-methods §5, §7d);
2. next week's recommended plans for two guards, day by day, against the naive top-k and greedy plans on the same
   forecast: risk-weighted coverage (RWC), expected harm covered, travel and idle minutes; and, because the demo
   generator can produce the week that follows, the realised harm that fell under each plan's cover (§4.3 ex post);
3. the same ex post over several weeks (forecast and plan each week from the weeks before it, count the realised
   harm under each plan's cover), which is less noisy than one week;
4. the time to plan the week over the forecast's 200 candidate places within the per-day time limit, with the
   default top-25 preselection and with all 200 places given to the solver.

Everything is generated in memory (no warehouse); the same code as the Dagster assets makes the forecast and plans.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analytics import forecast as fc  # noqa: E402
from analytics.guards.checker import check_plan  # noqa: E402
from analytics.guards.inputs import default_units, depot, problem_for_day  # noqa: E402
from analytics.guards.model import COVERAGE_MIN, MIN_COVERING_DWELL_MIN, PlanParams  # noqa: E402
from analytics.guards.planner import plan_day  # noqa: E402
from ingest.demo.guards import demo_config, demo_depot, demo_incidents  # noqa: E402
from ingest.demo.uppsala import PLACES  # noqa: E402

END_WEEK = date(2026, 3, 2)  # fixed, so that every run measures the same data


def realised_harm_in_cover(plan, held_out: pd.DataFrame) -> tuple[float, float]:
    """(realised harm under cover, realised harm) in the shift at the forecast's places: covered when it happened
    within 120 min after a visit of at least 10 min to its place (analytics-methods §4.3, ex post)."""
    problem = plan.problem
    day = held_out[held_out["occurred_at_local"].dt.date == problem.day]
    minute = day["occurred_at_local"].dt.hour * 60 + day["occurred_at_local"].dt.minute
    in_shift = day[
        (minute >= problem.shift_start)
        & (minute < problem.shift_end)
        & day["place_id"].isin({p.place_id for p in problem.places})
    ]
    at = in_shift["occurred_at_local"].dt.hour * 60 + in_shift["occurred_at_local"].dt.minute
    covered = np.zeros(len(in_shift), bool)
    for route in plan.routes:
        for visit in route.visits:
            if visit.depart - visit.arrive >= MIN_COVERING_DWELL_MIN:
                covered |= (
                    (in_shift["place_id"] == visit.place_id) & (at > visit.depart) & (at <= visit.depart + COVERAGE_MIN)
                ).to_numpy()
    return float(in_shift["weight"][covered].sum()), float(in_shift["weight"].sum())


def plan_week(history: pd.DataFrame, days: int, params: PlanParams):
    """Forecast the week after ``history`` and plan its first ``days`` days for two guards."""
    forecast = fc.forecast_place_risk(history, PLACES)
    places = forecast.places.assign(forecast_model_version=forecast.version, data_cutoff=forecast.data_cutoff)
    units = default_units(depot(*demo_depot()))
    plans = [
        plan_day(
            problem_for_day(places, forecast.risk, forecast.target_week_start + timedelta(days=d), units, params=params)
        )
        for d in range(days)
    ]
    return forecast, plans


def held_out_week(everything: pd.DataFrame, week: date) -> pd.DataFrame:
    target, _ = fc.exclude_guard_reports(fc.prepare_incidents(everything))
    return fc.assign_places(
        target[target["week_start"] == pd.Timestamp(week)],
        fc.gazetteer_frame(PLACES),
        fc.ForecastParams().snap_radius_m,
    )


def print_table(frame: pd.DataFrame, floats: str = "{:.3f}") -> None:
    print(frame.to_string(index=False, float_format=lambda v: floats.format(v)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=104)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per day (both guards)")
    parser.add_argument("--expost-weeks", type=int, default=6, help="weeks of rolling ex-post evaluation")
    parser.add_argument("--quick", action="store_true", help="30 weeks, 2 days, 3 s a day, 1 ex-post week")
    args = parser.parse_args()
    if args.quick:
        args.weeks, args.days, args.time_limit, args.expost_weeks = 30, 2, 3.0, 1
    print(
        f"machine: {os.cpu_count()} cores; demo data: {args.weeks} weeks to {END_WEEK}, plus the week after "
        f"held out; {args.days} days planned, {args.time_limit:g} s per day\n"
    )

    started = time.perf_counter()
    target_week = END_WEEK + timedelta(weeks=1)
    everything = demo_incidents(demo_config(target_week, args.weeks + 1))
    history = everything[everything["occurred_at_local"] < pd.Timestamp(target_week)]
    print(f"generated {len(everything)} incidents in {time.perf_counter() - started:.1f} s\n")

    print("== 1. Forecast backtest: last 26 weeks, rolling origin (mean over weeks) ==")
    backtest = fc.backtest(history, PLACES, origins=26)
    wide = backtest.pivot_table(index="model", columns="k", values=["hit_rate", "pai", "pei"])
    wide.columns = [f"{metric}@{k}" for metric, k in wide.columns]
    print_table(wide.reset_index().sort_values("hit_rate@10", ascending=False))
    print()

    params = PlanParams(solver_time_limit_s=args.time_limit)
    forecast, week = plan_week(history, args.days, params)
    print(
        f"forecast {forecast.version}\n  week of {forecast.target_week_start}, data cutoff {forecast.data_cutoff},"
        f" {len(forecast.places)} candidate places, {forecast.n_incidents_used} incidents used, "
        f"{forecast.n_guard_reports_excluded} guard reports excluded\n"
    )

    print("== 2. Recommended plans vs the naive plans on the same forecast (two guards, 15-23, 15-min visits) ==")
    held_out = held_out_week(everything, target_week)
    rows = []
    for plan in week:
        for name, entry in (("recommended", plan), *plan.baselines.items()):
            assert check_plan(entry) == [], (name, check_plan(entry))
            m = entry.metrics
            covered, total = realised_harm_in_cover(entry, held_out)
            rows.append(
                {
                    "day": plan.problem.day,
                    "plan": name,
                    "status": entry.solver_status,
                    "RWC": m.risk_weighted_coverage,
                    "harm_covered": m.expected_harm_covered,
                    "visits": m.n_visits,
                    "places": m.n_places,
                    "travel_min": m.travel_min,
                    "idle_min": m.idle_min,
                    "realised_in_cover": covered / total if total else np.nan,
                    "seconds": plan.solve_seconds if name == "recommended" else np.nan,
                }
            )
    table = pd.DataFrame(rows)
    print_table(table)
    summary = table.groupby("plan")[["RWC", "harm_covered", "places", "travel_min", "idle_min"]].mean()
    print("\nmean over the days:")
    print(summary.to_string(float_format=lambda v: f"{v:.3f}"))
    for baseline in ("naive_topk", "greedy"):
        gain = 100 * (summary.loc["recommended"] / summary.loc[baseline] - 1)
        print(
            f"recommended vs {baseline}: RWC {gain['RWC']:+.1f} %, expected harm covered {gain['harm_covered']:+.1f} %"
        )
    recommended = table[table["plan"] == "recommended"]
    print(
        f"solver status: {recommended['status'].value_counts().to_dict()}; reproducible (no clock-stopped "
        f"search): {sum(p.reproducible for p in week)}/{len(week)} days\n"
    )

    print(
        f"== 3. Ex post: realised harm under cover, forecasting and planning each of the last "
        f"{args.expost_weeks} weeks from the weeks before it =="
    )
    realised: dict[str, list[float]] = {}
    expost_params = replace(params, solver_time_limit_s=min(args.time_limit, 3.0))
    for back in range(args.expost_weeks, 0, -1):
        week_start = target_week - timedelta(weeks=back - 1)
        _, plans = plan_week(everything[everything["occurred_at_local"] < pd.Timestamp(week_start)], 7, expost_params)
        out = held_out_week(everything, week_start)
        for plan in plans:
            for name, entry in (("recommended", plan), *plan.baselines.items()):
                covered, total = realised_harm_in_cover(entry, out)
                realised.setdefault(name, [0.0, 0.0])
                realised[name][0] += covered
                realised[name][1] += total
    shares = {name: covered / total for name, (covered, total) in realised.items()}
    print(
        f"realised in-shift harm at the forecast's places that fell within 120 min after a visit "
        f"({7 * args.expost_weeks} days, {realised['recommended'][1]:.0f} harm units):"
    )
    for name, share in shares.items():
        print(f"  {name:12s} {share:.3f} ({100 * (shares['recommended'] / share - 1):+.1f} % for recommended)")
    print()

    print(f"== 4. Time to plan the week for two guards over {len(forecast.places)} candidate places ==")
    for label, plans in (
        ("default: the day's top 25 of them to the solver", week),
        (
            f"all {len(forecast.places)} to the solver",
            plan_week(history, args.days, replace(params, top_n_candidates=len(forecast.places)))[1],
        ),
    ):
        total = sum(p.solve_seconds for p in plans)
        worst = max(p.solve_seconds for p in plans)
        rwc = np.mean([p.metrics.risk_weighted_coverage for p in plans])
        print(
            f"{label}: {total:.1f} s for {len(plans)} days, slowest day {worst:.1f} s (limit "
            f"{args.time_limit:g} s), mean RWC {rwc:.3f}, reproducible {sum(p.reproducible for p in plans)}/"
            f"{len(plans)}, every plan passes the checker: {all(check_plan(p) == [] for p in plans)}"
        )


if __name__ == "__main__":
    main()
