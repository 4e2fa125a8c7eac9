"""Sensors: new landing files trigger a refresh of what they affect; failures reach the notifier.

``landing_sensor`` looks at every landing folder each minute. Files it has not seen (by name, size and
modification time; the cursor survives restarts) are grouped by source and week, and each group starts one
``weekly_refresh`` run for that week that materialises only the source's ingest asset and what depends on it.
Run keys name the files, so a file never triggers two runs even if the cursor were lost. A file whose content the
ledger already holds as loaded (e.g. by `make refresh` before the daemon first looked) needs no run: it is only
remembered, so starting `make demo` after a refresh does not queue a run for every week again.
"""

import json
from collections import defaultdict
from pathlib import Path

import dagster as dg
import duckdb

from ingest.loader import file_sha256, landing_files
from ingest.settings import SOURCES, PlatformSettings
from orchestration.jobs import weekly_refresh
from orchestration.notifier import Notifier
from orchestration.partitions import file_week, last_complete_week, weekly_partitions
from orchestration.resources import WarehouseResource

LANDING_PATTERNS = ("*.csv", "*.txt", "*.json", "*.xlsx", "*.geojson", "*.gpkg")


def file_identity(path: Path) -> str:
    stat = path.stat()
    return f"{stat.st_size}:{stat.st_mtime_ns}"


def loaded_contents(settings: PlatformSettings) -> set[tuple[str, str]] | None:
    """(source, sha256) of every file the ledger holds as loaded; None while a run holds the warehouse."""
    if not settings.warehouse.exists():
        return set()
    try:
        con = duckdb.connect(str(settings.warehouse), read_only=True)
    except duckdb.Error:
        return None
    try:
        rows = con.execute("select source, source_sha256 from raw.batches where status = 'loaded'").fetchall()
    except duckdb.CatalogException:  # nothing loaded yet
        rows = []
    finally:
        con.close()
    return {(source, sha256) for source, sha256 in rows}


def plan_landing_runs(
    settings: PlatformSettings,
    seen: dict[str, str],
    weekly_sources: set[str],
    valid_weeks: set[str],
    fallback_week: str,
    loaded: set[tuple[str, str]] = frozenset(),
) -> tuple[dict[tuple[str, str], list[str]], dict]:
    """Group unseen files by (source, week), leaving out files whose content is already loaded. Returns the groups
    and the updated cursor state."""
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    state = dict(seen)
    for source in SOURCES:
        for path in landing_files(settings.landing(source), LANDING_PATTERNS):
            name = f"{source}/{path.name}"
            identity = file_identity(path)
            if state.get(name) == identity:
                continue
            state[name] = identity
            if loaded and (source, file_sha256(path)) in loaded:
                continue  # loaded already (same content), e.g. by `make refresh`: nothing to run
            week = file_week(path).isoformat() if source in weekly_sources else fallback_week
            if week not in valid_weeks:
                week = fallback_week  # stamped outside the partitions (too old or in the future): load it now
            groups[(source, week)].append(f"{path.name}@{identity}")
    return groups, state


def affected_assets(graph, key: dg.AssetKey, job_keys: set | None) -> set[dg.AssetKey]:
    """The ingest asset ``key`` and everything downstream of it, plus the other assets of any multi-asset in that
    set that cannot run in part (the guard forecast and plans write several tables in one step)."""
    affected = dg.AssetSelection.keys(key).downstream().required_multi_asset_neighbors().resolve(graph)
    return affected & job_keys if job_keys is not None else affected


@dg.sensor(
    job=weekly_refresh,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="New files in a landing folder start a weekly_refresh of that source's week, for only the assets "
    "the files affect (the source's ingest asset and everything downstream of it).",
)
def landing_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
    settings = warehouse.settings()
    seen = json.loads(context.cursor) if context.cursor else {}
    graph = context.repository_def.asset_graph
    weekly_sources = {
        source
        for source in SOURCES
        if graph.has(dg.AssetKey(["raw", source]))
        and graph.get(dg.AssetKey(["raw", source])).partitions_def is not None
    }
    valid_weeks = set(weekly_partitions.get_partition_keys(dynamic_partitions_store=context.instance))
    loaded = loaded_contents(settings)
    if loaded is None:
        yield dg.SkipReason("a run holds the warehouse; looking again at the next tick")
        return
    groups, state = plan_landing_runs(
        settings, seen, weekly_sources, valid_weeks, fallback_week=last_complete_week().isoformat(), loaded=loaded
    )
    job_keys = weekly_refresh.selection.resolve(graph) if hasattr(weekly_refresh, "selection") else None
    for (source, week), files in sorted(groups.items()):
        key = dg.AssetKey(["raw", source])
        if not graph.has(key):
            context.log.info(f"no ingest asset for {source}; ignoring {len(files)} file(s)")
            continue
        affected = affected_assets(graph, key, job_keys)
        yield dg.RunRequest(
            run_key=f"landing:{source}:{week}:{'|'.join(sorted(files))}",
            partition_key=week,
            asset_selection=sorted(affected, key=lambda k: k.to_user_string()),
            tags={
                "lagesbild/trigger": "landing sensor",
                "lagesbild/files": ", ".join(f.split("@")[0] for f in files)[:1000],
            },
        )
    context.update_cursor(json.dumps(state, sort_keys=True))


@dg.run_failure_sensor(
    monitor_all_code_locations=False,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Every failed run is reported to the notifier (log file; e-mail/webhook when configured).",
)
def notify_run_failure(context: dg.RunFailureSensorContext, notifier: Notifier):
    run = context.dagster_run
    notifier.notify(
        "run_failure",
        f"run of {run.job_name} failed",
        {
            "run_id": run.run_id,
            "job": run.job_name,
            "partition": run.tags.get("dagster/partition"),
            "error": context.failure_event.message if context.failure_event else None,
        },
    )


@dg.sensor(
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Every failed asset check (ERROR or WARN) is reported to the notifier.",
)
def notify_check_failures(context: dg.SensorEvaluationContext, notifier: Notifier):
    after = int(context.cursor) if context.cursor else None
    latest = after
    result = context.instance.get_event_records(
        dg.EventRecordsFilter(event_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION, after_cursor=after),
        ascending=True,
        limit=500,
    )
    for record in result:
        latest = record.storage_id
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        if evaluation.passed:
            continue
        notifier.notify(
            "check_failure",
            f"check {evaluation.check_name} failed on {evaluation.asset_key.to_user_string()}",
            {
                "run_id": record.event_log_entry.run_id,
                "asset": evaluation.asset_key.to_user_string(),
                "check": evaluation.check_name,
                "severity": evaluation.severity.value,
                "description": evaluation.description,
            },
        )
    if latest is not None:
        context.update_cursor(str(latest))


SENSORS = [landing_sensor, notify_run_failure, notify_check_failures]
