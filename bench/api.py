"""Read-path latency and throughput of the API on loopback, next to a bare FastAPI endpoint in the same run.

    .venv/bin/python bench/api.py --data-dir data            # over the snapshot `make refresh` published
    .venv/bin/python bench/api.py --data-dir data --clients 64 --seconds 10 --no-refresh

Starts uvicorn in a child process (one worker, as `make demo` serves) with the Lägesbild app plus a bare endpoint
(`GET /bench/bare`, returns a constant, no key, no snapshot), then, for each endpoint in turn, runs many concurrent
clients (httpx AsyncClient, keep-alive) for a fixed time and prints p50/p99 latency and throughput, then once more
with a single client (latency without queueing: with 32 clients a request mostly waits for the 31 before it). The
clients run on the same cores as the server, so the bare endpoint's figure is also the clients' limit. The bare endpoint
is the limit: what this machine, uvicorn and FastAPI cost before any work; the difference is the snapshot read
(a cursor on the pooled read-only snapshot), the query and the serialisation — or, for a request seen before on the
same snapshot, a lookup in the response cache (api/response_cache.py).

Then while a refresh runs: a child process repeats the weekly refresh of the last week (ingest, dbt build,
analytics, publish — what the Monday schedule runs) on a copy of the data directory the server reads, and every
endpoint is loaded at once (an equal share of the clients each) for longer than a refresh takes, so snapshots are
swapped in under load; the table says how many different snapshots each endpoint's clients were served. The API
runs on the same two cores as the refresh, so this is the worst case for a one-machine installation.
Not part of `make test`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

REPO = Path(__file__).resolve().parents[1]
KEY = {"X-API-Key": "demo-analyst-key"}


def bench_app():
    """The app under test plus the bare endpoint (uvicorn --factory bench.api:bench_app)."""
    from api.app import create_app

    app = create_app()

    @app.get("/bench/bare")
    def bare() -> dict:
        return {"ok": True}

    return app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def load(base: str, path: str, headers: dict, clients: int, seconds: float) -> dict:
    """`clients` concurrent loops hitting one URL for `seconds`; latencies of the successful requests."""
    latencies: list[float] = []
    errors = 0
    snapshots: set[str] = set()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=30) as client:
        await client.get(path)  # warm up (imports, first connection, caches)
        stop = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < stop:
                started = time.perf_counter()
                response = await client.get(path)
                if response.status_code == 200:
                    latencies.append(time.perf_counter() - started)
                    snapshots.add(response.headers.get("X-Snapshot-Id", "-"))
                else:
                    errors += 1

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - began
    ms = np.array(latencies) * 1000
    return {
        "path": path,
        "requests": len(latencies),
        "errors": errors,
        "rps": len(latencies) / elapsed,
        "p50": float(np.percentile(ms, 50)) if len(ms) else float("nan"),
        "p99": float(np.percentile(ms, 99)) if len(ms) else float("nan"),
        "snapshots": len(snapshots),
    }


def refresh_loop(data_dir: Path) -> None:
    """Child process: the weekly refresh of the newest landing week, again and again until killed."""
    sys.path.insert(0, str(REPO))
    from orchestration.partitions import file_week
    from tests.platform import materialize_weeks

    week = max(file_week(p) for p in (data_dir / "landing" / "est_reports").iterdir())
    while True:
        # Nothing new lands between rounds, but every round still rebuilds the dbt models and republishes.
        materialize_weeks(data_dir, week, week, raise_on_error=False)


def start_server(data_dir: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "bench.api:bench_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=REPO,
        env={**os.environ, "LAGESBILD_DATA_DIR": str(data_dir.resolve()), "PYTHONPATH": str(REPO)},
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return server, base
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            server.terminate()
            sys.exit("the server did not start")
        time.sleep(0.2)


def measure(base: str, clients: int, seconds: float, together: bool = False) -> tuple[list, list]:
    """Each endpoint in turn with ``clients`` clients; or, ``together``, every endpoint at once with an equal share
    of the clients (a mixed load that can run as long as a refresh takes to publish)."""
    targets = endpoints(base)
    if together:
        share = max(1, clients // len(targets))

        async def all_at_once() -> list:
            return await asyncio.gather(*(load(base, path, headers, share, seconds) for path, headers in targets))

        return targets, asyncio.run(all_at_once())
    return targets, [asyncio.run(load(base, path, headers, clients, seconds)) for path, headers in targets]


def endpoints(base: str) -> list[tuple[str, dict]]:
    week = httpx.get(f"{base}/api/v1/weeks", headers=KEY).json()[0]
    return [
        ("/bench/bare", {}),
        ("/healthz", {}),
        ("/api/v1/status", {}),
        (f"/api/v1/weekly-areas?week={week}", KEY),
        (f"/api/v1/weekly-areas?week={week}", {"X-API-Key": "demo-public-key"}),
        ("/api/v1/area-weeks?limit=100", KEY),
        ("/api/v1/area-tertials", KEY),
        (f"/api/v1/place-weeks?from_week={week}&to_week={week}&limit=100", KEY),
        ("/api/v1/areas?geometry=true", KEY),
    ]


def table(title: str, targets: list, results: list) -> str:
    bare = results[0]["rps"]
    lines = [
        title,
        f"{'endpoint':<58} {'role':<8} {'req/s':>8} {'of bare':>8} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'errors':>7} {'snapshots':>9}",
    ]
    for (path, headers), r in zip(targets, results, strict=True):
        role = headers.get("X-API-Key", "-").removeprefix("demo-").removesuffix("-key")
        lines.append(
            f"{path[:58]:<58} {role:<8} {r['rps']:>8.0f} {r['rps'] / bare:>8.0%} {r['p50']:>8.1f} "
            f"{r['p99']:>8.1f} {r['errors']:>7} {r['snapshots']:>9}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("LAGESBILD_DATA_DIR", "data")))
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--no-refresh", action="store_true", help="only idle, not while a refresh runs")
    parser.add_argument(
        "--refresh-seconds",
        type=float,
        default=240.0,
        help="how long the mixed load runs while the refresh repeats (a refresh takes 1-2 min)",
    )
    parser.add_argument("--refresh-loop", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.refresh_loop:
        refresh_loop(args.refresh_loop)
        return
    snapshot = args.data_dir / "serving" / "current.duckdb"
    if not snapshot.exists():
        sys.exit(f"no snapshot at {snapshot}: run `make refresh` first (or pass --data-dir)")
    print(
        f"{args.clients} concurrent clients, {args.seconds:.0f} s per endpoint, one uvicorn worker, "
        f"{os.cpu_count()} cores, snapshot {snapshot}",
        flush=True,
    )

    server, base = start_server(args.data_dir)
    try:
        print(table("idle", *measure(base, args.clients, args.seconds)), flush=True)
        print("", flush=True)
        print(
            table("idle, one client at a time (latency without queueing)", *measure(base, 1, args.seconds / 2)),
            flush=True,
        )
    finally:
        server.terminate()
        server.wait(timeout=10)
    if args.no_refresh:
        return

    with tempfile.TemporaryDirectory(prefix="lagesbild-bench-api-") as tmp:
        copy = Path(tmp) / "data"
        shutil.copytree(args.data_dir, copy, ignore=shutil.ignore_patterns("*.tmp", "logs"))
        server, base = start_server(copy)
        refresher = subprocess.Popen(
            [sys.executable, __file__, "--refresh-loop", str(copy)],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        try:
            time.sleep(15)  # let the refresh get past its imports, into ingest and dbt
            print("", flush=True)
            # Every endpoint at once for longer than a refresh takes, so that snapshots are swapped in under load.
            print(
                table(
                    f"while a weekly refresh runs (and republishes) on the same machine: every endpoint at once, "
                    f"{max(1, args.clients // 9)} clients each, {args.refresh_seconds:.0f} s",
                    *measure(base, args.clients, args.refresh_seconds, together=True),
                ),
                flush=True,
            )
        finally:
            refresher.kill()
            refresher.wait(timeout=30)
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
