"""Schedules, on by default (set in code, so a UI toggle cannot silently turn them off after a restart).

* ``weekly_refresh_schedule``: every Monday 06:00 Europe/Stockholm, for the ISO week that just ended.
* ``tertial_refresh_schedule``: the first Monday after each tertial ends (in January, May and September), 06:00,
  for the tertial that just ended.
"""

from datetime import date, timedelta

import dagster as dg

from orchestration.jobs import tertial_refresh, weekly_refresh
from orchestration.partitions import STOCKHOLM, monday, tertial_key

WEEKLY_CRON = "0 6 * * 1"
# croniter ORs day-of-month and day-of-week, so "first Monday" is "a Monday in Jan/May/Sep" plus a day <= 7 test.
TERTIAL_CRON = "0 6 * 1,5,9 1"


@dg.schedule(
    cron_schedule=WEEKLY_CRON,
    execution_timezone="Europe/Stockholm",
    job=weekly_refresh,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Every Monday 06:00 (Europe/Stockholm): the weekly refresh for the week that just ended.",
)
def weekly_refresh_schedule(context: dg.ScheduleEvaluationContext):
    run_date = context.scheduled_execution_time.astimezone(STOCKHOLM).date()
    week = monday(run_date) - timedelta(weeks=1)
    return dg.RunRequest(
        run_key=f"weekly-{week.isoformat()}",
        partition_key=week.isoformat(),
        tags={"lagesbild/trigger": "weekly schedule"},
    )


def tertial_just_ended(run_date: date) -> str:
    """The key of the tertial that ended before ``run_date`` (2026-05-04 → 2026-01-01, i.e. 2026-T1)."""
    return tertial_key(run_date.replace(day=1) - timedelta(days=1))


@dg.schedule(
    cron_schedule=TERTIAL_CRON,
    execution_timezone="Europe/Stockholm",
    job=tertial_refresh,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="The first Monday after a tertial ends (January, May, September), 06:00: the tertial analysis.",
)
def tertial_refresh_schedule(context: dg.ScheduleEvaluationContext):
    run_date = context.scheduled_execution_time.astimezone(STOCKHOLM).date()
    if run_date.day > 7:
        return dg.SkipReason(f"{run_date} is not the first Monday of the month")
    key = tertial_just_ended(run_date)
    return dg.RunRequest(run_key=f"tertial-{key}", partition_key=key, tags={"lagesbild/trigger": "tertial schedule"})


SCHEDULES = [weekly_refresh_schedule, tertial_refresh_schedule]
