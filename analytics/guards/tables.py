"""Plans as table rows: what the Dagster asset publishes and what the API answers with (one shape for both).

Times are stored in UTC (``*_at``) with the local wall-clock time alongside (``*_local``, Europe/Stockholm),
because a coordinator reads plans in local time.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

from analytics.guards.model import Plan, PlanMetrics

STOCKHOLM = ZoneInfo("Europe/Stockholm")
VARIANTS = ("recommended", "naive_topk", "greedy")


def local_time(day: date, minutes: int) -> datetime:
    """Minutes after local midnight → an aware Europe/Stockholm datetime."""
    return datetime.combine(day, time(), tzinfo=STOCKHOLM) + timedelta(minutes=minutes)


def as_utc(moment: datetime) -> datetime:
    return moment.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def plan_id_for(day: date, seed: int | None, prefix: str = "rec") -> str:
    return f"{prefix}-{day.isoformat()}-{seed if seed is not None else 'na'}"


def plan_tables(plan: Plan, plan_id: str) -> dict[str, pd.DataFrame]:
    """The plan as three tables: visits (one row per visit), units (one per unit) and metrics (recommended and
    both baselines)."""
    problem = plan.problem
    places = problem.place_index()
    provenance = {
        "plan_id": plan_id,
        "plan_date": problem.day,
        "forecast_model_version": problem.forecast_version,
        "data_cutoff": problem.data_cutoff,
        "solver_status": plan.solver_status,
        "seed": plan.seed,
    }
    visits, units = [], []
    for route in plan.routes:
        unit = next(u for u in problem.units if u.unit_id == route.unit_id)
        for seq, visit in enumerate(route.visits, start=1):
            place = places[visit.place_id]
            arrive, depart = local_time(problem.day, visit.arrive), local_time(problem.day, visit.depart)
            visits.append(
                {
                    **provenance,
                    "unit_id": route.unit_id,
                    "visit_seq": seq,
                    "place_id": visit.place_id,
                    "place_name": place.name,
                    "area_id": place.area_id,
                    "lat": place.lat,
                    "lon": place.lon,
                    "arrive_at": as_utc(arrive),
                    "depart_at": as_utc(depart),
                    "arrive_local": arrive.replace(tzinfo=None),
                    "depart_local": depart.replace(tzinfo=None),
                    "expected_harm_covered": visit.expected_harm_covered,
                    "reason_codes": json.dumps(list(visit.reason_codes)),
                }
            )
        break_start = local_time(problem.day, route.break_start) if route.break_start is not None else None
        break_end = local_time(problem.day, route.break_start + route.break_minutes) if break_start else None
        units.append(
            {
                **provenance,
                "unit_id": route.unit_id,
                "guards": unit.guards,
                "start_point_id": route.start_point_id,
                "end_point_id": route.end_point_id,
                "start_lat": unit.start.lat,
                "start_lon": unit.start.lon,
                "end_lat": unit.end.lat,
                "end_lon": unit.end.lon,
                "shift_start_local": local_time(problem.day, problem.shift_start).replace(tzinfo=None),
                "shift_end_local": local_time(problem.day, problem.shift_end).replace(tzinfo=None),
                "break_start_local": break_start.replace(tzinfo=None) if break_start else None,
                "break_end_local": break_end.replace(tzinfo=None) if break_end else None,
                "n_visits": len(route.visits),
            }
        )
    naive = plan.baselines["naive_topk"].metrics if "naive_topk" in plan.baselines else None
    metrics = []
    for variant, entry in (("recommended", plan), *plan.baselines.items()):
        m: PlanMetrics = entry.metrics
        metrics.append(
            {
                **provenance,
                "variant": variant,
                "risk_weighted_coverage": m.risk_weighted_coverage,
                "expected_harm_covered": m.expected_harm_covered,
                "travel_min": m.travel_min,
                "dwell_min": m.dwell_min,
                "break_min": m.break_min,
                "idle_min": m.idle_min,
                "n_visits": m.n_visits,
                "n_places": m.n_places,
                # what plans are ranked by: expected harm covered − λ · travel minutes
                "plan_value": m.expected_harm_covered - problem.params.travel_cost_per_min * m.travel_min,
                "improvement_vs_naive_pct": improvement(m, naive),
                "reproducible": plan.reproducible,
                "variants_considered": plan.variants_considered,
                "variants_near_best": plan.variants_near_best,
            }
        )
    return {
        "visits": pd.DataFrame(visits, columns=VISIT_COLUMNS),
        "units": pd.DataFrame(units),
        "metrics": pd.DataFrame(metrics),
    }


def improvement(metrics: PlanMetrics, naive: PlanMetrics | None) -> float | None:
    """How much more risk the plan covers than the naive top-k plan, in per cent."""
    if naive is None or naive.risk_weighted_coverage <= 0:
        return None
    return 100.0 * (metrics.risk_weighted_coverage / naive.risk_weighted_coverage - 1.0)


VISIT_COLUMNS = [
    "plan_id",
    "plan_date",
    "forecast_model_version",
    "data_cutoff",
    "solver_status",
    "seed",
    "unit_id",
    "visit_seq",
    "place_id",
    "place_name",
    "area_id",
    "lat",
    "lon",
    "arrive_at",
    "depart_at",
    "arrive_local",
    "depart_local",
    "expected_harm_covered",
    "reason_codes",
]
