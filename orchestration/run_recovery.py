"""Recovery from dead runs: a run whose process is gone is marked failed and its pool slots are freed.

A run killed with its whole process group (SIGKILL, the OOM killer, a reboot) cannot report its own end: Dagster
keeps it STARTED and it keeps its slot in the ``duckdb_warehouse`` pool (limit 1), so every later run waits for
that slot forever. Dagster's run monitoring (``run_monitoring`` in dagster.yaml) cannot see this with the default
run launcher, which has no worker health check: it only fails runs that never started and frees the slots of runs
that ended. So every path that starts runs checks for dead runs first, on the same host:

* each run, in ``WarehouseResource.setup_for_execution``: Dagster sets up a run's resources before any step
  claims a pool slot, and every step in the pool uses the warehouse. This covers ``make refresh``,
  ``dagster asset materialize``/``dagster job execute`` and runs launched by the daemon alike. The run records
  its own process (``record_run_process``) and never judges itself;
* ``make refresh`` (orchestration/refresh.py), before it launches anything, so it says what it recovered;
* the daemon, through ``dead_run_sensor`` (every minute): a run the daemon would launch waits in its queue while
  the pool is full, so it never gets as far as setting up resources.

A run counts as dead only when its process is known and is provably gone: the run recorded this host and a pid
that no longer exists, is a zombie, or is now a different process (started at another time). A run on another
host, or whose process cannot be told, is left alone; a live run is never touched.
"""

from __future__ import annotations

import logging
import os
import socket

import dagster as dg
from dagster._core.events import JobFailureData, RunFailureReason
from dagster._core.storage.dagster_run import FINISHED_STATUSES
from dagster._core.storage.runs import SqliteRunStorage

logger = logging.getLogger(__name__)

HOST_TAG = "lagesbild/run_host"
PID_TAG = "lagesbild/run_pid"
PROCESS_STARTED_TAG = "lagesbild/run_process_started"
# Process start times are read from /proc in clock ticks and a whole-second boot time: allow for the rounding.
START_TIME_SLACK_SECONDS = 2.0
ACTIVE_STATUSES = [dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING]


def process_start_time(pid: int) -> float | None:
    """When the process started (epoch seconds), from /proc; None when it does not exist or cannot be told."""
    try:
        with open(f"/proc/{pid}/stat") as stat_file:
            fields = stat_file.read().rsplit(")", 1)[1].split()
        with open("/proc/stat") as boot_file:
            boot = next(float(line.split()[1]) for line in boot_file if line.startswith("btime "))
    except (OSError, StopIteration, IndexError, ValueError):
        return None
    # fields[0] is the state (field 3 of stat); the start time in clock ticks since boot is field 22.
    return boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")


def process_state(pid: int) -> str | None:
    """'alive', 'gone' (no such process, or a zombie: killed and not yet reaped), or None when it cannot be told."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return "gone"
    except PermissionError:  # exists, another user's
        pass
    except OSError:
        return None
    try:
        with open(f"/proc/{pid}/stat") as stat_file:
            if stat_file.read().rsplit(")", 1)[1].split()[0] in ("Z", "X"):
                return "gone"
    except OSError:
        pass
    return "alive"


def record_run_process(instance: dg.DagsterInstance, run_id: str) -> None:
    """Tag the run with this process (host, pid, start time), so a later check can tell when it is gone."""
    started = process_start_time(os.getpid())
    tags = {HOST_TAG: socket.gethostname(), PID_TAG: str(os.getpid())}
    if started is not None:
        tags[PROCESS_STARTED_TAG] = f"{started:.2f}"
    instance.add_run_tags(run_id, tags)


def _started_by(instance: dg.DagsterInstance, run: dg.DagsterRun) -> tuple[int, float | None, float] | None:
    """(pid, recorded process start time, run start time) of the process that executes the run, or None.

    From the run's own tags, else (a run killed before its resources were set up) from its RUN_START event,
    which the executing process writes; that pid is judged only with local (SQLite) storage, which is on this host.
    """
    if PID_TAG in run.tags:
        if run.tags.get(HOST_TAG) != socket.gethostname():
            return None
        started = run.tags.get(PROCESS_STARTED_TAG)
        return int(run.tags[PID_TAG]), float(started) if started else None, 0.0
    if not isinstance(instance.run_storage, SqliteRunStorage):
        return None
    records = instance.get_records_for_run(run.run_id, of_type=dg.DagsterEventType.RUN_START, limit=1).records
    if not records or records[0].event_log_entry.dagster_event is None:
        return None
    entry = records[0].event_log_entry
    return entry.dagster_event.pid, None, entry.timestamp


def dead_reason(instance: dg.DagsterInstance, run: dg.DagsterRun) -> str | None:
    """Why the run's process is provably gone, or None (alive, or it cannot be told)."""
    process = _started_by(instance, run)
    if process is None or process[0] is None:
        return None
    pid, recorded_start, run_start = process
    host = socket.gethostname()
    state = process_state(pid)
    if state == "gone":
        return f"its process (pid {pid} on {host}) is gone"
    if state != "alive":
        return None
    now_start = process_start_time(pid)
    if now_start is None:
        return None
    if recorded_start is not None and abs(now_start - recorded_start) > START_TIME_SLACK_SECONDS:
        return f"its process (pid {pid} on {host}) is gone; the pid now belongs to another process"
    if recorded_start is None and now_start > run_start + START_TIME_SLACK_SECONDS:
        return f"its process (pid {pid} on {host}) is gone; the pid now belongs to a process started after the run"
    return None


def _claimed_pools(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    storage = instance.event_log_storage
    return sorted(
        key
        for key in storage.get_concurrency_keys()
        if any(slot.run_id == run_id for slot in storage.get_concurrency_info(key).claimed_slots)
    )


def _free_slots(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    """Free the run's claimed pool slots and queued steps; returns the pools it held."""
    if not instance.event_log_storage.supports_global_concurrency_limits:
        return []
    pools = _claimed_pools(instance, run_id)
    instance.event_log_storage.free_concurrency_slots_for_run(run_id)
    return pools


def recover_dead_runs(
    instance: dg.DagsterInstance, *, current_run_id: str | None = None, log: logging.Logger | None = None
) -> list[str]:
    """Mark every active run whose process is gone as failed (CANCELING ones as canceled) and free its pool slots;
    also free slots still held by runs that have already ended. Returns the ids of the runs ended here.

    ``current_run_id``: the run doing the check, never judged (it is alive by definition).
    """
    log = log or logger
    recovered = []
    for record in instance.get_run_records(dg.RunsFilter(statuses=ACTIVE_STATUSES)):
        run = record.dagster_run
        if run.run_id == current_run_id:
            continue
        reason = dead_reason(instance, run)
        if reason is None:
            continue
        # Re-read: the run may have ended on its own since it was listed.
        run = instance.get_run_by_id(run.run_id)
        if run is None or run.status not in ACTIVE_STATUSES:
            continue
        message = f"Run {run.run_id} ({run.job_name}) was left {run.status.value}, but {reason}: marked as ended"
        if run.status == dg.DagsterRunStatus.CANCELING:
            instance.report_run_canceled(run, f"{message} (canceled) by the dead-run check.")
        else:
            instance.report_run_failed(
                run,
                f"{message} (failed) by the dead-run check.",
                JobFailureData(error=None, failure_reason=RunFailureReason.UNEXPECTED_TERMINATION),
            )
        pools = _free_slots(instance, run.run_id)
        log.warning(f"{message}; freed its slots in {', '.join(pools) or 'no pool'}.")
        recovered.append(run.run_id)

    # Slots of runs that ended without freeing them (e.g. failed by run monitoring or from the UI) are leaked too.
    if instance.event_log_storage.supports_global_concurrency_limits:
        holders = instance.event_log_storage.get_concurrency_run_ids() - {current_run_id}
        if holders:
            for record in instance.get_run_records(dg.RunsFilter(run_ids=sorted(holders), statuses=FINISHED_STATUSES)):
                pools = _free_slots(instance, record.dagster_run.run_id)
                if pools:
                    log.warning(
                        f"Freed the slots in {', '.join(pools)} still held by run {record.dagster_run.run_id}"
                        f", which ended {record.dagster_run.status.value}."
                    )
    return recovered


def recover_at_run_start(context: dg.InitResourceContext) -> None:
    """The check a run makes before its steps claim pool slots (see the module docstring)."""
    run = context.dagster_run
    if run is None or context.instance is None:  # a sensor or a test building the resource alone
        return
    record_run_process(context.instance, run.run_id)
    recover_dead_runs(context.instance, current_run_id=run.run_id, log=context.log)


@dg.sensor(
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Marks runs whose process is gone (killed, OOM, reboot) as failed and frees their pool slots, so a "
    "dead run cannot hold the duckdb_warehouse pool and block every later run.",
)
def dead_run_sensor(context: dg.SensorEvaluationContext):
    recovered = recover_dead_runs(context.instance, log=context.log)
    return dg.SkipReason(f"ended dead runs {', '.join(recovered)}" if recovered else "no dead runs")
