"""Partitions, schedules and their time zone: Monday ISO weeks and tertials in Europe/Stockholm."""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from orchestration.partitions import (
    dbt_window,
    file_week,
    tertial_key,
    tertial_label,
    tertial_partitions,
    weekly_partitions,
)
from orchestration.schedules import (
    TERTIAL_CRON,
    WEEKLY_CRON,
    tertial_just_ended,
    tertial_refresh_schedule,
    weekly_refresh_schedule,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def test_weekly_partitions_are_iso_weeks_starting_monday():
    keys = weekly_partitions.get_partition_keys(current_time=datetime(2026, 11, 25, 12, tzinfo=STOCKHOLM))
    assert all(date.fromisoformat(k).weekday() == 0 for k in keys)
    assert "2026-11-16" in keys  # ISO 2026-W47, the last complete week on 2026-11-25
    assert keys[-1] == "2026-11-23"  # the current, unfinished week is a partition too (mid-week files)
    window = weekly_partitions.time_window_for_partition_key("2026-11-16")
    assert (window.start.isoformat(), window.end.isoformat()) == (
        "2026-11-16T00:00:00+01:00",
        "2026-11-23T00:00:00+01:00",
    )
    # ISO week 53 of 2026 starts on Monday 2026-12-28 and is a partition like any other.
    assert date.fromisocalendar(2026, 53, 1).isoformat() == "2026-12-28"


def test_tertial_partitions_start_jan_may_sep():
    keys = tertial_partitions.get_partition_keys(current_time=datetime(2026, 11, 25, tzinfo=STOCKHOLM))
    assert keys[-3:] == ["2025-09-01", "2026-01-01", "2026-05-01"]  # 2026-T3 is not over yet
    assert [tertial_label(k) for k in keys[-3:]] == ["2025-T3", "2026-T1", "2026-T2"]
    window = tertial_partitions.time_window_for_partition_key("2026-05-01")
    assert window.end.date() == date(2026, 9, 1)
    assert tertial_key(date(2026, 8, 31)) == "2026-05-01" and tertial_key(date(2026, 9, 1)) == "2026-09-01"


@pytest.mark.parametrize(
    ("name", "week"),
    [
        ("est_reports_2026-W47.csv", date(2026, 11, 16)),
        ("est_reports_2026W01.xlsx", date(2025, 12, 29)),  # ISO week 1 of 2026 starts in 2025
        ("export_2026-11-18.csv", date(2026, 11, 16)),
        ("polisen_events_20261123T0530Z.json", date(2026, 11, 23)),  # 06:30 local on Monday
        ("polisen_events_20261122T2330Z.json", date(2026, 11, 23)),  # 23:30Z Sunday is 00:30 Monday local time
    ],
)
def test_files_map_to_the_week_stamped_in_their_name(tmp_path, name, week):
    path = tmp_path / name
    path.write_text("x")
    assert file_week(path) == week


def test_unstamped_file_maps_to_the_week_it_arrived(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("x")
    arrived = datetime(2026, 3, 4, 10, tzinfo=STOCKHOLM).timestamp()
    os.utime(path, (arrived, arrived))
    assert file_week(Path(path)) == date(2026, 3, 2)


def test_dbt_window_looks_back_for_late_reports():
    window = weekly_partitions.time_window_for_partition_key("2026-11-16")
    assert dbt_window(window.start, window.end) == {"min_date": "2026-10-19", "max_date": "2026-11-23"}
    assert dbt_window(window.start, window.end, lookback_weeks=0)["min_date"] == "2026-11-16"


def test_weekly_schedule_runs_monday_0600_stockholm_for_the_week_just_ended():
    assert weekly_refresh_schedule.cron_schedule == WEEKLY_CRON == "0 6 * * 1"
    assert weekly_refresh_schedule.execution_timezone == "Europe/Stockholm"
    assert weekly_refresh_schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    context = dg.build_schedule_context(scheduled_execution_time=datetime(2026, 11, 23, 6, tzinfo=STOCKHOLM))
    request = weekly_refresh_schedule(context)
    assert request.partition_key == "2026-11-16" and request.run_key == "weekly-2026-11-16"
    # Across the new year: Monday 2027-01-04 reports on ISO week 2026-W53.
    context = dg.build_schedule_context(scheduled_execution_time=datetime(2027, 1, 4, 6, tzinfo=STOCKHOLM))
    assert weekly_refresh_schedule(context).partition_key == "2026-12-28"


def test_tertial_schedule_fires_on_the_first_monday_after_a_tertial():
    assert tertial_refresh_schedule.cron_schedule == TERTIAL_CRON
    assert tertial_refresh_schedule.execution_timezone == "Europe/Stockholm"
    assert tertial_refresh_schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    first_monday_may = dg.build_schedule_context(scheduled_execution_time=datetime(2026, 5, 4, 6, tzinfo=STOCKHOLM))
    assert tertial_refresh_schedule(first_monday_may).partition_key == "2026-01-01"
    second_monday = dg.build_schedule_context(scheduled_execution_time=datetime(2026, 5, 11, 6, tzinfo=STOCKHOLM))
    assert isinstance(tertial_refresh_schedule(second_monday), dg.SkipReason)
    january = dg.build_schedule_context(scheduled_execution_time=datetime(2027, 1, 4, 6, tzinfo=STOCKHOLM))
    assert tertial_refresh_schedule(january).partition_key == "2026-09-01"
    assert tertial_just_ended(date(2026, 9, 7)) == "2026-05-01"


def test_definitions_are_loadable_with_named_jobs():
    from orchestration.definitions import defs

    dg.Definitions.validate_loadable(defs)
    for name in ("weekly_refresh", "tertial_refresh", "ingest_landing"):
        job = defs.resolve_job_def(name)
        assert job.description
    weekly = defs.resolve_job_def("weekly_refresh")
    assert weekly.partitions_def == weekly_partitions
    from tests.platform import tertial_assets

    tertial_keys = {key.to_user_string() for a in tertial_assets() for key in a.keys}
    assert tertial_keys == {"marts/fct_area_tertial", "marts/public_fct_area_tertial"}
    assert defs.resolve_job_def("tertial_refresh").partitions_def == tertial_partitions
    # `make refresh` materialises a partition range from the CLI, which needs every selected asset to run as one run.
    assert [a.keys for a in defs.assets if a.backfill_policy != dg.BackfillPolicy.single_run()] == []
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if node.is_executable:
            assert node.group_name in {
                "sources",
                "staging",
                "intermediate",
                "marts",
                "reference",
                "serving",
                "analytics",
            }, key
            assert node.owners, key
            assert node.description, key


def test_the_window_reaches_dbt_as_environment_variables_and_is_cleared(monkeypatch):
    import os

    from orchestration.assets.dbt import WINDOW_ENV, export_window

    export_window({"min_date": "2026-10-19", "max_date": "2026-11-23"})
    assert (os.environ["DBT_WINDOW_MIN_DATE"], os.environ["DBT_WINDOW_MAX_DATE"]) == ("2026-10-19", "2026-11-23")
    export_window(None)
    assert not set(WINDOW_ENV.values()) & set(os.environ)
    # the three weekly/tertial marts read them (with the dbt vars as the default, for runs by hand)
    from orchestration.project import DBT_PROJECT_DIR

    for mart in ("fct_area_week", "fct_place_week", "fct_area_tertial"):
        text = (DBT_PROJECT_DIR / "models" / "marts" / f"{mart}.yml").read_text(encoding="utf-8")
        assert "env_var('DBT_WINDOW_MIN_DATE', var('min_date'))" in text
        assert "env_var('DBT_WINDOW_MAX_DATE', var('max_date'))" in text
