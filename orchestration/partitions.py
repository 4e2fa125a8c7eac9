"""Partitions: ISO weeks (Monday, Europe/Stockholm) for ingest and weekly marts; tertials for the tertial marts.

How a landing file maps to a week: by the ISO week or date stamped in its name (``est_reports_2026-W47.csv``,
``polisen_events_20261118T0600Z.json``, ``export_2026-11-18.csv``), else by its modification time. A weekly
ingest partition loads the not-yet-loaded files of its weeks; the rows inside keep their own event times.

How a partition reaches dbt: as the window ``min_date``/``max_date`` of weeks a run rebuilds (the environment
variables DBT_WINDOW_MIN_DATE/DBT_WINDOW_MAX_DATE, see orchestration/assets/dbt.py; by hand the vars), widened
backwards by ``LOOKBACK_WEEKS`` so that late reports (observed in an earlier week, delivered now) are counted in
the week they belong to.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg

STOCKHOLM = ZoneInfo("Europe/Stockholm")

# The first week the platform knows about; set LAGESBILD_FIRST_WEEK to the Monday your reporting started.
FIRST_WEEK = os.environ.get("LAGESBILD_FIRST_WEEK", "2022-01-03")
FIRST_TERTIAL = f"{date.fromisoformat(FIRST_WEEK).year}-01-01"
LOOKBACK_WEEKS = int(os.environ.get("LAGESBILD_LOOKBACK_WEEKS", "4"))

# end_offset=1: the current, unfinished week is a partition too, so files that arrive mid-week can be loaded.
weekly_partitions = dg.WeeklyPartitionsDefinition(
    start_date=FIRST_WEEK, day_offset=1, timezone="Europe/Stockholm", fmt="%Y-%m-%d", end_offset=1
)
# T1 Jan–Apr, T2 May–Aug, T3 Sep–Dec: the partition key is the tertial's first day (2026-01-01 is 2026-T1).
tertial_partitions = dg.TimeWindowPartitionsDefinition(
    cron_schedule="0 0 1 1,5,9 *", fmt="%Y-%m-%d", start=FIRST_TERTIAL, timezone="Europe/Stockholm"
)

_ISO_WEEK = re.compile(r"(?<!\d)(\d{4})-?W(\d{2})(?!\d)")
_DATE = re.compile(r"(?<!\d)(\d{4})-?(\d{2})-?(\d{2})(?:T(\d{2})(\d{2})(\d{2})?Z?)?(?!\d)")


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def file_week(path: Path) -> date:
    """Monday of the ISO week a landing file belongs to (name stamp, else modification time, local time)."""
    name = path.name
    match = _ISO_WEEK.search(name)
    if match:
        try:
            return date.fromisocalendar(int(match[1]), int(match[2]), 1)
        except ValueError:
            pass
    match = _DATE.search(name)
    if match:
        try:
            stamp = datetime(int(match[1]), int(match[2]), int(match[3]), int(match[4] or 0), int(match[5] or 0))
            if match[4] is not None:  # a time stamp in the name is UTC (fetch times)
                stamp = stamp.replace(tzinfo=UTC).astimezone(STOCKHOLM)
            return monday(stamp.date())
        except ValueError:
            pass
    modified = datetime.fromtimestamp(path.stat().st_mtime, tz=STOCKHOLM)
    return monday(modified.date())


def week_key(day: date) -> str:
    return monday(day).isoformat()


def tertial_start(day: date) -> date:
    return date(day.year, 1 + 4 * ((day.month - 1) // 4), 1)


def tertial_key(day: date) -> str:
    return tertial_start(day).isoformat()


def tertial_label(key: str) -> str:
    """'2026-05-01' → '2026-T2'."""
    start = date.fromisoformat(key)
    return f"{start.year}-T{1 + (start.month - 1) // 4}"


def last_complete_week(now: datetime | None = None) -> date:
    now = now or datetime.now(STOCKHOLM)
    return monday(now.astimezone(STOCKHOLM).date()) - timedelta(weeks=1)


def dbt_window(start: datetime, end: datetime, lookback_weeks: int = LOOKBACK_WEEKS) -> dict[str, str]:
    """dbt vars for a partition window: the weeks [start − lookback, end) are rebuilt."""
    first = start.date() - timedelta(weeks=lookback_weeks)
    return {"min_date": first.isoformat(), "max_date": end.date().isoformat()}
