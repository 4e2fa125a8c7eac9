"""How fast the EST report and police crime loaders validate and load a large export (printed figures, not a test).

    .venv/bin/python bench/ingest_throughput.py [--rows 100000]

Generates one week of demo data scaled to about ``--rows`` rows per source (comma CSV), loads the demo area layer
into a scratch warehouse, then times read, validate and the whole ``load_file`` (read + validate + insert +
ledger) for each source. A small file is loaded first so imports and first-call costs are not counted.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import date
from pathlib import Path

from ingest.demo.generator import DemoConfig, _build_world, est_reports_week, police_crimes_week
from ingest.demo.uppsala import area_layer_geojson
from ingest.ledger import LoadContext
from ingest.loader import load_file
from ingest.pipeline import build_source, connect_warehouse, load_source
from ingest.settings import PlatformSettings

WEEK = date(2026, 3, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        settings = PlatformSettings(data_dir=root / "data")
        settings.ensure_dirs()
        (settings.landing("areas") / "areas.geojson").write_text(json.dumps(area_layer_geojson()), encoding="utf-8")
        world = _build_world(2026)
        files = {}
        for source, per_week, make in (("est_reports", 260.0, lambda c: est_reports_week(c, world, WEEK)[0]),
                                       ("police_crimes", 190.0, lambda c: police_crimes_week(c, world, WEEK))):
            for label, rows in (("warm-up", 200), ("large", args.rows)):
                path = root / f"{source}_{label}.csv"
                make(DemoConfig(end_week=WEEK, weeks=1, scale=rows / per_week)).to_csv(path, index=False)
                files[(source, label)] = path
        con = connect_warehouse(settings)
        load_source("areas", con, settings, LoadContext())
        for source in ("est_reports", "police_crimes"):
            spec = build_source(source, con, settings)
            load_file(con, spec, files[(source, "warm-up")], LoadContext())
            path = files[(source, "large")]
            started = time.perf_counter()
            raw = spec.read(path)
            read_s = time.perf_counter() - started
            started = time.perf_counter()
            accepted, rejections = spec.validate(raw, LoadContext())
            validate_s = time.perf_counter() - started
            started = time.perf_counter()
            result = load_file(con, spec, path, LoadContext())
            load_s = time.perf_counter() - started
            print(f"{source:14s} {result.rows_read:>7,d} rows: read {read_s:5.2f} s, validate {validate_s:5.2f} s "
                  f"({result.rows_read / validate_s:,.0f} rows/s), whole load_file {load_s:5.2f} s "
                  f"({result.rows_read / load_s:,.0f} rows/s); accepted {result.rows_accepted:,d}, "
                  f"quarantined {result.rows_quarantined:,d}")
        con.close()


if __name__ == "__main__":
    main()
