"""Problems from a published forecast: the place table and the place × day-of-week × hour risk table."""

from __future__ import annotations

from datetime import date

import pandas as pd

from analytics.forecast import day_profiles
from analytics.guards.model import DEPOT_ID, BreakRule, Location, Place, PlanParams, Problem, Unit

DEFAULT_SHIFT = (15 * 60, 23 * 60)
DEFAULT_BREAK = BreakRule(earliest=18 * 60, latest=20 * 60, minutes=30)  # 30 minutes within mid-shift ± 60 min
BREAK_AFTER_MIN = 5 * 60  # shifts longer than this get a break (Swedish working-time practice: after 5 hours)


def break_for_shift(start: int, end: int) -> BreakRule | None:
    """30 minutes within mid-shift ± 60 minutes (analytics-methods §4.2); none for a short shift."""
    if end - start <= BREAK_AFTER_MIN:
        return None
    middle = (start + end) // 2
    return BreakRule(earliest=max(start, middle - 60), latest=min(end, middle + 60), minutes=30)


# The recent level counts as an increase when the EWMA is this far above the long-run mean (a reason code only).
RECENT_INCREASE_RATIO = 1.5


def places_for_day(places: pd.DataFrame, risk: pd.DataFrame, day: date) -> tuple[Place, ...]:
    """Every forecast place with its expected harm per hour on ``day`` (by its day of the week)."""
    profiles = day_profiles(risk, day)
    result = []
    for row in places.itertuples(index=False):
        hourly = profiles.get(row.place_id)
        if hourly is None:
            continue
        result.append(
            Place(
                place_id=row.place_id,
                name=row.place_name,
                lat=float(row.lat),
                lon=float(row.lon),
                hourly_risk=hourly,
                area_id=row.area_id,
                last_week_harm=float(row.last_week_harm),
                recent_increase=bool(
                    row.ewma_recent > RECENT_INCREASE_RATIO * row.mean_long_run and row.ewma_recent > 1
                ),
            )
        )
    return tuple(result)


def default_units(depot: Location, count: int = 2, break_rule: BreakRule | None = DEFAULT_BREAK) -> tuple[Unit, ...]:
    """``count`` guards (g1, g2) starting and ending at the depot; one unit of two guards when ``count`` is 0."""
    if count == 0:
        return (Unit("g1+g2", depot, depot, break_rule, guards=2),)
    return tuple(Unit(f"g{i + 1}", depot, depot, break_rule) for i in range(count))


def depot(lat: float, lon: float) -> Location:
    return Location(DEPOT_ID, lat, lon)


def minutes_of(hhmm: str) -> int:
    """'15:30' → 930."""
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def problem_for_day(
    places: pd.DataFrame,
    risk: pd.DataFrame,
    day: date,
    units: tuple[Unit, ...],
    *,
    shift: tuple[int, int] = DEFAULT_SHIFT,
    pinned: frozenset[str] = frozenset(),
    excluded: frozenset[str] = frozenset(),
    candidate_places: frozenset[str] | None = None,
    params: PlanParams | None = None,
    travel: object | None = None,
) -> Problem:
    """One day's problem over the published forecast (``places``: PLACE_COLUMNS + provenance; ``risk``: the
    place × day-of-week × hour table). ``candidate_places`` narrows the places considered (pinned ones stay)."""
    day_places = places_for_day(places, risk, day)
    if candidate_places is not None:
        day_places = tuple(p for p in day_places if p.place_id in candidate_places | pinned)
    first = places.iloc[0] if len(places) else None
    return Problem(
        day=day,
        shift_start=shift[0],
        shift_end=shift[1],
        units=units,
        places=day_places,
        pinned=pinned,
        excluded=excluded,
        params=params or PlanParams(),
        travel=travel,
        forecast_version=str(first["forecast_model_version"]) if first is not None else "",
        data_cutoff=str(first["data_cutoff"]) if first is not None else "",
    )
