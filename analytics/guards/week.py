"""A week of guard plans from a published forecast: plain Python, no Dagster and no warehouse.

``plan_week`` plans every day of the forecast week (recommended plan and both baselines), checks every plan and
returns the three tables the guard_plans asset publishes with what it reports about them. The asset only reads the
forecast, calls this and writes the tables.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd

from analytics.guards.checker import check_plan
from analytics.guards.inputs import DEFAULT_SHIFT, break_for_shift, default_units, hhmm, minutes_of, problem_for_day
from analytics.guards.model import Location, Plan, PlanParams, Problem
from analytics.guards.planner import plan_day
from analytics.guards.tables import plan_id_for, plan_tables

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TABLES = ("visits", "units", "metrics")


@dataclass(frozen=True)
class WeekSettings:
    """Who works when: the days planned from the Monday, the guards and their shifts (local times)."""

    days: int = 7
    guards: int = 2  # 1 or 2 separate guards; 0 = both guards together as one unit
    shift_start: str = hhmm(DEFAULT_SHIFT[0])
    shift_end: str = hhmm(DEFAULT_SHIFT[1])
    # Other shifts on some days, e.g. {"fri": "16:00-23:59"} (same day).
    shift_by_weekday: Mapping[str, str] = field(default_factory=dict)

    def shift_on(self, day: date) -> tuple[int, int]:
        """The day's shift in minutes after midnight: the weekday's own if configured, else the default."""
        unknown = set(self.shift_by_weekday) - set(WEEKDAYS)
        if unknown:
            raise ValueError(f"shift_by_weekday: unknown days {sorted(unknown)} (use {', '.join(WEEKDAYS)})")
        default = f"{self.shift_start}-{self.shift_end}"
        start, end = self.shift_by_weekday.get(WEEKDAYS[day.weekday()], default).split("-")
        shift = (minutes_of(start), minutes_of(end))
        if shift[1] <= shift[0]:
            raise ValueError(f"the shift on {day} ends before it starts ({start}-{end})")
        return shift


@dataclass(frozen=True)
class WeekPlans:
    """The week's published tables (``TABLES``), every checker finding, and how long each day took."""

    week_start: date
    visits: pd.DataFrame
    units: pd.DataFrame
    metrics: pd.DataFrame
    violations: dict[str, list[str]]  # "<date> <variant>" → what the checker found; empty when all plans hold
    solve_seconds: tuple[float, ...]  # per day; reported, never published (the tables stay the same run to run)
    day_summaries: tuple[str, ...]  # one log line per day

    def tables(self) -> dict[str, pd.DataFrame]:
        return {name: getattr(self, name) for name in TABLES}

    def per_day(self, value: str = "risk_weighted_coverage") -> list[dict]:
        """[{date, recommended, naive_topk, greedy}] of one metric."""
        if self.metrics.empty:
            return []
        wide = self.metrics.pivot_table(index="plan_date", columns="variant", values=value)
        return [{"date": str(day), **{k: round(float(v), 4) for k, v in row.items()}} for day, row in wide.iterrows()]

    def recommended_beats_naive(self) -> bool:
        """Every day: more risk covered than the naive top-k plan, and a plan value no worse than greedy's (plans
        are ranked by harm covered − λ · travel, so that is the scale greedy is compared on)."""
        return bool(len(self.metrics)) and all(
            rwc["recommended"] > rwc["naive_topk"] and value["recommended"] >= value["greedy"] - 1e-9
            for rwc, value in zip(self.per_day(), self.per_day("plan_value"), strict=True)
        )

    def summary(self) -> dict:
        """Days planned, mean RWC per variant, solver statuses, reproducibility and the slowest day."""
        if self.metrics.empty:
            return {"days_planned": 0, "max_seconds_per_day": 0.0}
        mean = self.metrics.groupby("variant")["risk_weighted_coverage"].mean()
        recommended = self.metrics[self.metrics["variant"] == "recommended"]
        return {
            "days_planned": int(len(recommended)),
            **{f"mean_rwc_{variant}": float(round(mean.get(variant, 0.0), 4)) for variant in mean.index},
            "solver_statuses": recommended["solver_status"].value_counts().to_dict(),
            "all_reproducible": bool(recommended["reproducible"].all()),
            "max_seconds_per_day": round(max(self.solve_seconds, default=0.0), 2),
        }


def plan_week(
    places: pd.DataFrame,
    risk: pd.DataFrame,
    depot_location: Location,
    week_start: date,
    *,
    settings: WeekSettings = WeekSettings(),
    params: PlanParams = PlanParams(),
    plan: Callable[[Problem], Plan] = plan_day,
) -> WeekPlans:
    """Plan ``settings.days`` days from ``week_start`` over a published forecast (``places``: dim_guard_places
    without the depot; ``risk``: fct_place_risk_forecast). Nothing is planned when the forecast has no places."""
    parts: dict[str, list[pd.DataFrame]] = {name: [] for name in TABLES}
    violations: dict[str, list[str]] = {}
    seconds, lines = [], []
    for offset in range(settings.days if len(places) else 0):
        day = week_start + timedelta(days=offset)
        shift = settings.shift_on(day)
        units = default_units(depot_location, settings.guards, break_for_shift(*shift))
        day_plan = plan(problem_for_day(places, risk, day, units, shift=shift, params=params))
        seconds.append(day_plan.solve_seconds)
        lines.append(
            f"{day}: {day_plan.solver_status}, RWC {day_plan.metrics.risk_weighted_coverage:.3f} "
            f"(naive {day_plan.baselines['naive_topk'].metrics.risk_weighted_coverage:.3f}) "
            f"in {day_plan.solve_seconds:.1f} s"
        )
        for variant, checked in (("recommended", day_plan), *day_plan.baselines.items()):
            problems = check_plan(checked)
            if problems:
                violations[f"{day} {variant}"] = problems
        for name, frame in plan_tables(day_plan, plan_id_for(day, day_plan.seed)).items():
            parts[name].append(frame)
    frames = {name: pd.concat(p, ignore_index=True) if p else pd.DataFrame() for name, p in parts.items()}
    return WeekPlans(
        week_start, **frames, violations=violations, solve_seconds=tuple(seconds), day_summaries=tuple(lines)
    )
