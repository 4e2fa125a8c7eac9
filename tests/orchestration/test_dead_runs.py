"""Recovery from dead runs (orchestration/run_recovery.py) on a real on-disk instance, without running anything.

The end-to-end case (a run killed with its process group while dbt writes, then the next `make refresh`) is in
test_publishing.py, which builds the platform once for all its tests.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import dagster as dg
import pytest
from dagster._core.events import DagsterEvent

from orchestration.resources import WAREHOUSE_POOL, WarehouseResource
from orchestration.run_recovery import HOST_TAG, PID_TAG, PROCESS_STARTED_TAG, process_start_time, recover_dead_runs


@pytest.fixture
def instance(tmp_path):
    with dg.instance_for_test(
        temp_dir=str(tmp_path), overrides={"concurrency": {"pools": {"default_limit": 1}}}
    ) as inst:
        yield inst


def dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def started_run(instance, pid: int, *, tags: dict | None = None, step: str = "dbt_weekly_models") -> str:
    """A run as a killed one is left: STARTED by process ``pid``, holding a slot of the warehouse pool."""
    run = instance.add_run(dg.DagsterRun(job_name="weekly_refresh", tags=tags or {}))
    instance.report_dagster_event(
        DagsterEvent(dg.DagsterEventType.RUN_START.value, job_name=run.job_name, message="Started execution", pid=pid),
        run_id=run.run_id,
    )
    instance.event_log_storage.initialize_concurrency_limit_to_default(WAREHOUSE_POOL)  # as a run's first claim does
    claim = instance.event_log_storage.claim_concurrency_slot(WAREHOUSE_POOL, run.run_id, step)
    assert claim.is_claimed
    assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.STARTED
    return run.run_id


def slot_holders(instance) -> set[str]:
    return instance.event_log_storage.get_concurrency_info(WAREHOUSE_POOL).active_run_ids


def process_tags(pid: int, started: float | None) -> dict[str, str]:
    tags = {HOST_TAG: socket.gethostname(), PID_TAG: str(pid)}
    if started is not None:
        tags[PROCESS_STARTED_TAG] = f"{started:.2f}"
    return tags


def test_a_run_whose_process_is_gone_is_failed_and_its_slot_freed(instance):
    pid = dead_pid()
    run_id = started_run(instance, pid, tags=process_tags(pid, None))
    assert slot_holders(instance) == {run_id}

    assert recover_dead_runs(instance) == [run_id]
    run = instance.get_run_by_id(run_id)
    assert run.status == dg.DagsterRunStatus.FAILURE
    assert slot_holders(instance) == set()
    failure = instance.all_logs(run_id, of_type=dg.DagsterEventType.RUN_FAILURE)[-1]
    assert f"pid {pid}" in failure.message and "is gone" in failure.message
    # The next run gets the slot.
    assert instance.event_log_storage.claim_concurrency_slot(WAREHOUSE_POOL, "next-run", "step").is_claimed
    assert recover_dead_runs(instance) == []  # nothing left to do, and nothing done twice


def test_a_run_killed_before_it_recorded_its_process_is_judged_by_its_run_start_event(instance):
    run_id = started_run(instance, dead_pid())
    assert recover_dead_runs(instance) == [run_id]
    assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.FAILURE
    assert slot_holders(instance) == set()


def test_live_runs_and_runs_of_other_hosts_are_left_alone(instance):
    me = os.getpid()
    alive = started_run(instance, me, tags=process_tags(me, process_start_time(me)), step="a")
    other_host = {HOST_TAG: "another-host", PID_TAG: str(dead_pid())}
    remote = instance.add_run(dg.DagsterRun(job_name="weekly_refresh", tags=other_host)).run_id
    instance.report_dagster_event(
        DagsterEvent(dg.DagsterEventType.RUN_START.value, job_name="weekly_refresh", pid=dead_pid()), run_id=remote
    )

    assert recover_dead_runs(instance) == []
    assert instance.get_run_by_id(alive).status == dg.DagsterRunStatus.STARTED
    assert instance.get_run_by_id(remote).status == dg.DagsterRunStatus.STARTED
    assert slot_holders(instance) == {alive}


def test_a_reused_pid_is_not_mistaken_for_the_run(instance):
    """The pid exists, but it is another process than the one the run recorded (it started at another time)."""
    me = os.getpid()
    run_id = started_run(instance, me, tags=process_tags(me, process_start_time(me) - 3600))
    assert recover_dead_runs(instance) == [run_id]
    assert "another process" in instance.all_logs(run_id, of_type=dg.DagsterEventType.RUN_FAILURE)[-1].message


def test_the_checking_run_never_judges_itself(instance):
    pid = dead_pid()
    run_id = started_run(instance, pid, tags=process_tags(pid, None))
    assert recover_dead_runs(instance, current_run_id=run_id) == []
    assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.STARTED


def test_slots_left_by_a_run_that_already_ended_are_freed(instance):
    run_id = started_run(instance, os.getpid(), step="a")
    instance.report_run_failed(instance.get_run_by_id(run_id), "failed from the UI")
    assert slot_holders(instance) == {run_id}
    assert recover_dead_runs(instance) == []
    assert slot_holders(instance) == set()


def test_every_run_checks_before_its_steps_claim_a_slot(instance, tmp_path):
    """A run using the warehouse ends the dead run in its resource set-up, then gets the slot and succeeds."""
    pid = dead_pid()
    dead = started_run(instance, pid, tags=process_tags(pid, None))

    @dg.asset(pool=WAREHOUSE_POOL)
    def writer(warehouse: WarehouseResource) -> None:
        pass

    result = dg.materialize(
        [writer], instance=instance, resources={"warehouse": WarehouseResource(data_dir=str(tmp_path / "data"))}
    )
    assert result.success
    assert instance.get_run_by_id(dead).status == dg.DagsterRunStatus.FAILURE
    assert result.dagster_run.tags[PID_TAG] == str(os.getpid())
    assert slot_holders(instance) == set()
