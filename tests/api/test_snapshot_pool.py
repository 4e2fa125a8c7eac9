"""The API's snapshot pool: one open instance per published file, swapped on the next request after a publish."""

from __future__ import annotations

import threading
from pathlib import Path

import duckdb
import pytest

from api.snapshot import SnapshotMissingError, SnapshotPool, publish_snapshot


def publish(tmp_path: Path, value: int) -> str:
    """Publish a snapshot whose one mart table holds ``value``; returns its snapshot id."""
    warehouse = tmp_path / f"warehouse-{value}.duckdb"
    con = duckdb.connect(str(warehouse))
    con.execute("create schema marts")
    con.execute(f"create table marts.fct_value as select {value} as value")
    con.close()
    return publish_snapshot(warehouse=warehouse, target=tmp_path / "serving" / "current.duckdb",
                            run_id=f"run{value:05d}", git_commit=None).snapshot_id


def read(pool: SnapshotPool) -> tuple[str, int]:
    with pool.cursor() as snapshot:
        return snapshot.snapshot_id, snapshot.con.execute("select value from fct_value").fetchall()[0][0]


def test_missing_snapshot_is_reported(tmp_path):
    pool = SnapshotPool(tmp_path / "serving" / "current.duckdb")
    with pytest.raises(SnapshotMissingError):
        read(pool)


def test_a_new_snapshot_is_served_while_a_request_still_reads_the_old_one(tmp_path):
    pool = SnapshotPool(tmp_path / "serving" / "current.duckdb")
    first = publish(tmp_path, 1)
    with pool.cursor() as long_request:
        assert long_request.snapshot_id == first
        second = publish(tmp_path, 2)
        # duckdb.connect(path) would hand back the still-open first file here (DuckDB caches instances by path)
        assert read(pool) == (second, 2)
        assert long_request.con.execute("select value from fct_value").fetchall() == [(1,)]
    assert read(pool) == (second, 2)


def test_the_old_snapshot_is_closed_after_its_last_request(tmp_path):
    pool = SnapshotPool(tmp_path / "serving" / "current.duckdb")
    publish(tmp_path, 1)
    read(pool)
    old = pool._current
    publish(tmp_path, 2)
    read(pool)
    assert pool._current is not old
    with pytest.raises(duckdb.ConnectionException):
        old.con.execute("select 1")


def test_concurrent_requests_during_republishing_each_read_one_snapshot(tmp_path):
    pool = SnapshotPool(tmp_path / "serving" / "current.duckdb")
    ids = {publish(tmp_path, 0): 0}
    seen: list[tuple[str, int]] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def client() -> None:
        while not stop.is_set():
            try:
                seen.append(read(pool))
            except BaseException as exc:  # noqa: BLE001 (collected and asserted below)
                errors.append(exc)

    threads = [threading.Thread(target=client) for _ in range(6)]
    for thread in threads:
        thread.start()
    for value in range(1, 5):
        ids[publish(tmp_path, value)] = value
    stop.set()
    for thread in threads:
        thread.join()

    assert not errors
    assert len(seen) > 20
    assert all(ids[snapshot_id] == value for snapshot_id, value in seen)  # header and body from the same file
    assert read(pool) == (max(ids, key=ids.get), 4)
