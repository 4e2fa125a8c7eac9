"""Production settings: the same code location with Dagster's storage on PostgreSQL, configured by environment only.

Starts a throwaway PostgreSQL cluster on loopback from Debian's packages (which .ci/run installs). Skips, saying
why, when the server binaries are missing or cannot be run here.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import dagster as dg
import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.postgres]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def postgres():
    binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    if not binaries:
        pytest.skip("PostgreSQL server binaries not found (install Debian's postgresql package; .ci/run does)")
    bin_dir = Path(binaries[-1])
    as_postgres: list[str] = []
    if os.geteuid() == 0:  # the server refuses to run as root
        if shutil.which("runuser") is None:
            pytest.skip("running as root without runuser: cannot start PostgreSQL as an unprivileged user")
        as_postgres = ["runuser", "-u", "postgres", "--"]
    base = Path(tempfile.mkdtemp(prefix="lagesbild-pg-"))
    base.chmod(0o777)
    data, port = base / "data", _free_port()
    if as_postgres:
        shutil.chown(base, user="postgres")
    init = subprocess.run(
        [*as_postgres, str(bin_dir / "initdb"), "-D", str(data), "--auth=trust", "-U", "postgres"],
        capture_output=True,
        text=True,
    )
    if init.returncode != 0:
        pytest.skip(f"initdb failed, PostgreSQL cannot run here: {init.stderr.strip()[:300]}")
    start = subprocess.run(
        [
            *as_postgres,
            str(bin_dir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(base / "log"),
            "-w",
            "-o",
            f"-p {port} -k {base} -c listen_addresses=127.0.0.1",
            "start",
        ],
        capture_output=True,
        text=True,
    )
    if start.returncode != 0:
        pytest.skip(f"PostgreSQL did not start: {start.stderr.strip()[:300]}")
    try:
        subprocess.run(
            [
                *as_postgres,
                str(bin_dir / "createdb") if (bin_dir / "createdb").exists() else "createdb",
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
                "-U",
                "postgres",
                "dagster",
            ],
            check=True,
        )
        yield {
            "DAGSTER_PG_HOST": "127.0.0.1",
            "DAGSTER_PG_PORT": str(port),
            "DAGSTER_PG_DB": "dagster",
            "DAGSTER_PG_USERNAME": "postgres",
            "DAGSTER_PG_PASSWORD": "unused-with-trust-auth",
        }
    finally:
        subprocess.run(
            [*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], capture_output=True
        )
        shutil.rmtree(base, ignore_errors=True)


def test_code_location_runs_with_postgres_storage(postgres, tmp_path, monkeypatch):
    for name, value in postgres.items():
        monkeypatch.setenv(name, value)
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "orchestration" / "dagster.postgres.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))

    # The CLI loads the code location against the PostgreSQL-backed instance.
    dagster = Path(sys.executable).parent / "dagster"
    result = subprocess.run(
        [str(dagster), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ},
    )
    assert result.returncode == 0, result.stderr[-2000:]

    # A real run of an asset is recorded in PostgreSQL.
    from dagster_postgres import PostgresRunStorage

    from orchestration.assets.ingest import raw_areas
    from tests.platform import resources_for

    with dg.DagsterInstance.get() as instance:
        assert isinstance(instance.run_storage, PostgresRunStorage)
        data_dir = tmp_path / "data"
        (data_dir / "landing" / "areas").mkdir(parents=True)
        import json

        from ingest.demo.uppsala import area_layer_geojson

        (data_dir / "landing" / "areas" / "districts.geojson").write_text(json.dumps(area_layer_geojson()))
        outcome = dg.materialize([raw_areas], resources=resources_for(data_dir), instance=instance)
        assert outcome.success
        stored = instance.get_run_by_id(outcome.run_id)
        assert stored is not None and stored.is_success
        materialization = instance.get_latest_materialization_event(dg.AssetKey(["raw", "areas"]))
        assert materialization.asset_materialization.metadata["rows_accepted"].value == 18

    import psycopg2

    with (
        psycopg2.connect(host="127.0.0.1", port=postgres["DAGSTER_PG_PORT"], dbname="dagster", user="postgres") as con,
        con.cursor() as cursor,
    ):
        cursor.execute("select count(*) from runs where run_id = %s", (outcome.run_id,))
        assert cursor.fetchone()[0] == 1
