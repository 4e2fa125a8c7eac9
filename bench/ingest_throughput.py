"""How fast ingest validates and loads large exports, per format, and assigns points to areas (printed figures).

    .venv/bin/python bench/ingest_throughput.py [--rows 100000]

Generates one week of demo data scaled to about ``--rows`` rows, loads the demo area layer into a scratch warehouse,
then times, for EST reports in each export format (comma CSV, Swedish-Excel CSV, JSON, XLSX) and for police crimes:
read, validate, and the whole ``load_file`` (read + validate + insert + ledger). A small file is loaded first so
imports and first-call costs are not counted. Last, point-in-area assignment of ``--rows`` points.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

from ingest.demo.generator import DemoConfig, _build_world, est_reports_week, police_crimes_week, write_est_export
from ingest.demo.uppsala import area_layer_geojson
from ingest.ledger import LoadContext
from ingest.loader import load_file
from ingest.pipeline import build_source, connect_warehouse, current_area_index, load_source
from ingest.settings import PlatformSettings

WEEK = date(2026, 3, 2)
EST_FORMATS = ("csv", "csv_excel", "json", "xlsx")


def write_files(root: Path, rows: int) -> dict[tuple[str, str], Path]:
    """(source, format) → a large file, plus a small warm-up file per source."""
    world = _build_world(2026)
    files = {}
    for label, n in (("warm-up", 200), ("large", rows)):
        reports = est_reports_week(DemoConfig(end_week=WEEK, weeks=1, scale=n / 260.0), world, WEEK)[0]
        for fmt in EST_FORMATS if label == "large" else ("csv",):
            files[("est_reports", f"{fmt}-{label}")] = write_est_export(reports, root / f"est_{fmt}_{label}", fmt)
        crimes = police_crimes_week(DemoConfig(end_week=WEEK, weeks=1, scale=n / 190.0), world, WEEK)
        path = root / f"police_crimes_{label}.csv"
        crimes.to_csv(path, index=False)
        files[("police_crimes", f"csv-{label}")] = path
    return files


def timed(function, *args):
    started = time.perf_counter()
    value = function(*args)
    return value, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        settings = PlatformSettings(data_dir=root / "data")
        settings.ensure_dirs()
        (settings.landing("areas") / "areas.geojson").write_text(json.dumps(area_layer_geojson()), encoding="utf-8")
        files = write_files(root, args.rows)
        con = connect_warehouse(settings)
        load_source("areas", con, settings, LoadContext())
        print(
            f"{'source / format':24s} {'rows':>9s} {'read s':>7s} {'validate s':>10s} {'rows/s':>9s} "
            f"{'load_file s':>11s} {'rows/s':>9s} {'accepted':>9s} {'quarantined':>11s}"
        )
        for source in ("est_reports", "police_crimes"):
            spec = build_source(source, con, settings)
            load_file(con, spec, files[(source, "csv-warm-up")], LoadContext())
            for (name, label), path in files.items():
                if name != source or not label.endswith("-large"):
                    continue
                raw, read_s = timed(spec.read, path)
                _, validate_s = timed(spec.validate, raw, LoadContext())
                result, load_s = timed(load_file, con, spec, path, LoadContext())
                print(
                    f"{source + ' ' + label.removesuffix('-large'):24s} {result.rows_read:>9,d} {read_s:7.2f} "
                    f"{validate_s:10.2f} {result.rows_read / validate_s:>9,.0f} {load_s:11.2f} "
                    f"{result.rows_read / load_s:>9,.0f} {result.rows_accepted:>9,d} {result.rows_quarantined:>11,d}"
                )

        index = current_area_index(con)
        con.close()
        rng = np.random.default_rng(1)
        lat, lon = rng.uniform(59.80, 59.90, args.rows), rng.uniform(17.55, 17.75, args.rows)
        assigned, assign_s = timed(index.assign, lat, lon)
        inside = sum(a is not None for a in assigned)
        print(
            f"{'point-in-area':24s} {args.rows:>9,d} points in {assign_s:.2f} s ({args.rows / assign_s:,.0f} "
            f"points/s; {inside:,d} inside an area)"
        )


if __name__ == "__main__":
    main()
