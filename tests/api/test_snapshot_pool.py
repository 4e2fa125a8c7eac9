"""The API's snapshot pool: one open instance per published file, swapped on the next request after a publish."""

from __future__ import annotations

import threading
from pathlib import Path

import duckdb
import pytest

from serving.snapshot import SnapshotMissingError, SnapshotPool, publish_snapshot


def publish(tmp_path: Path, value: int) -> str:
    """Publish a snapshot whose one mart table holds ``value``; returns its snapshot id."""
    warehouse = tmp_path / f"warehouse-{value}.duckdb"
    con = duckdb.connect(str(warehouse))
    con.execute("create schema marts")
    con.execute(f"create table marts.fct_value as select {value} as value")
    con.close()
    return publish_snapshot(
        warehouse=warehouse, target=tmp_path / "serving" / "current.duckdb", run_id=f"run{value:05d}", git_commit=None
    ).snapshot_id


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


def test_mart_responses_are_cached_per_snapshot_and_role(tmp_path, monkeypatch):
    """A repeated request is answered from the cache with the same body and headers; another role or a new
    snapshot is not."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import ApiSettings

    def publish_areas(value: int) -> str:
        warehouse = tmp_path / f"areas-{value}.duckdb"
        con = duckdb.connect(str(warehouse))
        con.execute("create schema marts")
        con.execute(
            """create table marts.areas as select 'uppsala-stenhagen' as area_id,
                       'Stenhagen ' || ? as area_name, 'district' as area_type, '0380' as municipality_code,
                       1.5 as area_km2, 59.85 as centroid_lat, 17.6 as centroid_lon, false as approximate,
                       'POINT (17.6 59.85)' as geometry_wkt""",
            [str(value)],
        )
        con.execute("""create table marts.fct_area_week as select 'uppsala-stenhagen' as area_id,
                       date '2026-11-16' as week_start, 10000 as population""")
        con.close()
        return publish_snapshot(
            warehouse=warehouse,
            target=tmp_path / "data" / "serving" / "current.duckdb",
            run_id=f"run{value:05d}",
            git_commit=None,
        ).snapshot_id

    first = publish_areas(1)
    client = TestClient(create_app(ApiSettings(data_dir=tmp_path / "data")))
    analyst, public = {"X-API-Key": "demo-analyst-key"}, {"X-API-Key": "demo-public-key"}
    computed = client.get("/api/v1/areas", headers=analyst)
    assert computed.status_code == 200, computed.text
    assert "x-cache" not in computed.headers
    again = client.get("/api/v1/areas", headers=analyst)
    assert again.headers["x-cache"] == "hit"
    assert again.content == computed.content and again.headers["etag"] == computed.headers["etag"]
    assert again.headers["x-snapshot-id"] == first
    assert "x-cache" not in client.get("/api/v1/areas", headers=public).headers  # another role: its own entry
    assert "x-cache" not in client.get("/api/v1/areas?format=csv", headers=analyst).headers

    second = publish_areas(2)
    fresh = client.get("/api/v1/areas", headers=analyst)
    assert "x-cache" not in fresh.headers and fresh.headers["x-snapshot-id"] == second
    assert "Stenhagen 2" in fresh.text and "Stenhagen 1" in again.text
