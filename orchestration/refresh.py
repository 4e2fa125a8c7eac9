"""`make refresh`: materialise every asset through Dagster for all the weeks and tertials the landing data covers.

Runs the Dagster CLI (so the runs are recorded in $DAGSTER_HOME and visible in the UI), printing each command:

1. the weekly refresh (ingest, staging, weekly marts, analytics, publish) as ONE single-run backfill over every
   week that has landing files (``dagster asset materialize --partition-range``);
2. the tertial marts over every complete tertial in that period, then publish again.

Before launching anything it ends runs whose process is gone (a killed earlier refresh) and frees their pool slots,
which would otherwise block these runs forever (orchestration/run_recovery.py).

Exit code 0 when every run succeeded, 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
from datetime import date
from pathlib import Path

import dagster as dg

from ingest.loader import landing_files
from ingest.settings import SOURCES, get_settings
from orchestration.partitions import file_week, last_complete_week, tertial_partitions, weekly_partitions

MODULE = ["-m", "orchestration.definitions", "-a", "defs"]


def weekly_sources() -> list[str]:
    """Sources whose ingest asset is partitioned by week (their files are stamped with a week)."""
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    return [
        s
        for s in SOURCES
        if graph.has(dg.AssetKey(["raw", s])) and graph.get(dg.AssetKey(["raw", s])).partitions_def is not None
    ]


def landing_weeks() -> list[date]:
    settings = get_settings()
    weeks = set()
    for source in weekly_sources():
        for path in landing_files(settings.landing(source), ("*.csv", "*.json", "*.xlsx", "*.txt")):
            weeks.add(file_week(path))
    return sorted(weeks)


def job_asset_keys(job_name: str) -> list[str]:
    from orchestration.definitions import defs

    job = defs.resolve_job_def(job_name)
    keys = job.asset_layer.executable_asset_keys if hasattr(job.asset_layer, "executable_asset_keys") else None
    if keys is None:
        keys = {node.key for node in job.asset_layer.asset_graph.asset_nodes if node.is_executable}
    return sorted(key.to_user_string() for key in keys)


def run(command: list[str]) -> bool:
    print("$ " + " ".join(shlex.quote(part) for part in command), flush=True)
    return subprocess.run(command, env=os.environ.copy()).returncode == 0


def recover_dead_runs() -> None:
    """End dead runs in $DAGSTER_HOME (the runs below would wait for their pool slots forever) and say so."""
    if not os.environ.get("DAGSTER_HOME"):
        return
    from orchestration.run_recovery import recover_dead_runs as recover

    with dg.DagsterInstance.get() as instance:
        for run_id in recover(instance):
            print(f"run {run_id} had died (its process is gone): marked failed, its pool slots freed", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--first-week", type=date.fromisoformat, help="Monday of the first week (default: landing)")
    parser.add_argument("--last-week", type=date.fromisoformat, help="Monday of the last week (default: landing)")
    args = parser.parse_args(argv)

    recover_dead_runs()

    dagster = str(Path(sys.executable).parent / "dagster")
    valid = weekly_partitions.get_partition_keys()
    weeks = landing_weeks() or [last_complete_week()]
    first = max((args.first_week or weeks[0]).isoformat(), valid[0])
    last = min((args.last_week or weeks[-1]).isoformat(), valid[-1])
    print(f"weekly refresh for weeks {first} … {last}", flush=True)
    ok = run(
        [
            dagster,
            "asset",
            "materialize",
            *MODULE,
            "--select",
            ",".join(job_asset_keys("weekly_refresh")),
            "--partition-range",
            f"{first}...{last}",
        ]
    )
    if not ok:
        print("the weekly refresh failed; the previous serving snapshot is still being served", file=sys.stderr)
        return 1

    tertials = [key for key in tertial_partitions.get_partition_keys() if first <= key <= last]
    tertial_keys = job_asset_keys("tertial_refresh")
    if tertials and len(tertial_keys) > 1:
        print(f"tertial analysis for {tertials[0]} … {tertials[-1]}", flush=True)
        ok = run(
            [
                dagster,
                "asset",
                "materialize",
                *MODULE,
                "--select",
                ",".join(tertial_keys),
                "--partition-range",
                f"{tertials[0]}...{tertials[-1]}",
            ]
        )
        if not ok:
            print("the tertial refresh failed; the previous serving snapshot is still being served", file=sys.stderr)
            return 1
    print("refresh complete", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
