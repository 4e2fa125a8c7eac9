"""Read-path latency and throughput of the API on loopback, next to a bare FastAPI endpoint in the same run.

    .venv/bin/python bench/api.py --data-dir data            # over the snapshot `make refresh` published
    .venv/bin/python bench/api.py --data-dir data --clients 64 --seconds 10

Starts uvicorn in a child process (one worker, as `make demo` serves) with the Lägesbild app plus a bare endpoint
(`GET /bench/bare`, returns a constant, no key, no snapshot), then, for each endpoint in turn, runs many concurrent
clients (httpx AsyncClient, keep-alive) for a fixed time and prints p50/p99 latency and throughput. The bare endpoint
is the floor: what this machine, uvicorn and FastAPI cost before any work; the difference is the snapshot read
(a new read-only DuckDB connection per request), the query and the serialisation. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
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
                else:
                    errors += 1

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - began
    ms = np.array(latencies) * 1000
    return {"path": path, "requests": len(latencies), "errors": errors, "rps": len(latencies) / elapsed,
            "p50": float(np.percentile(ms, 50)) if len(ms) else float("nan"),
            "p99": float(np.percentile(ms, 99)) if len(ms) else float("nan")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("LAGESBILD_DATA_DIR", "data")))
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    snapshot = args.data_dir / "serving" / "current.duckdb"
    if not snapshot.exists():
        sys.exit(f"no snapshot at {snapshot}: run `make refresh` first (or pass --data-dir)")

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "bench.api:bench_app", "--host", "127.0.0.1", "--port",
         str(port), "--log-level", "warning", "--no-access-log"],
        cwd=REPO, env={**os.environ, "LAGESBILD_DATA_DIR": str(args.data_dir.resolve()), "PYTHONPATH": str(REPO)})
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                sys.exit("the server did not start")
            time.sleep(0.2)
        week = httpx.get(f"{base}/api/v1/weeks", headers=KEY).json()[0]
        targets = [
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
        results = [asyncio.run(load(base, path, headers, args.clients, args.seconds)) for path, headers in targets]
        print(f"{args.clients} concurrent clients, {args.seconds:.0f} s per endpoint, one uvicorn worker, "
              f"{os.cpu_count()} cores, snapshot {snapshot}")
        print(f"{'endpoint':<58} {'role':<8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
        for (path, headers), r in zip(targets, results, strict=True):
            role = headers.get("X-API-Key", "-").removeprefix("demo-").removesuffix("-key")
            print(f"{path[:58]:<58} {role:<8} {r['rps']:>8.0f} {r['p50']:>8.1f} {r['p99']:>8.1f} {r['errors']:>7}")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
