"""The forecast's input built straight from the demo generator, without files or a warehouse (tests, benchmarks).

It applies what ingest and dbt would: drops the generator's deliberately bad rows (unknown category, coordinates
outside the area layer, unreadable times), places points in areas and H3 cells, and weighs EST reports by the
severity seed (``dbt_project/seeds/est_categories.csv``) and police crimes by the harm weights seed (``harm_weights.csv``), as int_incidents weighs them.
"""

from __future__ import annotations

import csv
from datetime import date
from functools import lru_cache
from pathlib import Path

import pandas as pd

from ingest import geo
from ingest.demo import generator, uppsala
from ingest.parsing import parse_timestamp

SEEDS = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds"
SEVERITY_SEED = SEEDS / "est_categories.csv"
HARM_SEED = SEEDS / "harm_weights.csv"


@lru_cache(maxsize=1)
def police_harm() -> tuple[dict[str, float], float]:
    """Harm weight per brottskod and the default weight, from the seed int_incidents weighs police crimes with."""
    with HARM_SEED.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    by_code = {r["weight_key"]: float(r["harm_weight"]) for r in rows if r["weight_key_type"] == "brottskod"}
    default = next(float(r["harm_weight"]) for r in rows if r["weight_key_type"] == "default")
    return by_code, default


@lru_cache(maxsize=1)
def est_severity() -> dict[str, float]:
    with SEVERITY_SEED.open(encoding="utf-8") as handle:
        return {row["category_code"]: float(row["severity"]) for row in csv.DictReader(handle)}


def demo_area_index() -> geo.AreaIndex:
    polygons = uppsala.district_polygons()
    ids = list(polygons)
    return geo.AreaIndex(ids, [polygons[a] for a in ids], [uppsala.MUNICIPALITY_CODE] * len(ids))


def demo_incidents(config: generator.DemoConfig) -> pd.DataFrame:
    """Every valid EST report and police crime of the demo period, in the forecast's input contract."""
    world = generator._build_world(config.seed)  # noqa: SLF001 - the generator's own world, as generate() uses
    label_to_code = {label: code for code, label in generator.EST_LABELS.items()}
    severity = est_severity()
    frames = []
    for week_start in generator.iter_weeks(config):
        est, _ = generator.est_reports_week(config, world, week_start)
        frames.append(
            pd.DataFrame(
                {
                    "incident_id": est["Rapport-ID"].astype(str),
                    "source": "est_reports",
                    "occurred_at": est["Händelsetid"],
                    "lat": pd.to_numeric(est["Latitud"], errors="coerce"),
                    "lon": pd.to_numeric(est["Longitud"], errors="coerce"),
                    "weight": est["Kategori"].map(label_to_code).map(severity),
                    "reporter_role": est["Roll"],
                }
            )
        )
        police = generator.police_crimes_week(config, world, week_start)
        harm_by_code, harm_default = police_harm()
        if len(police):
            lat, lon = geo.sweref_to_wgs84(police["X (SWEREF 99 TM)"], police["Y (SWEREF 99 TM)"])
            frames.append(
                pd.DataFrame(
                    {
                        "incident_id": police["Anmälan-ID"].astype(str),
                        "source": "police_crimes",
                        "occurred_at": police["Brott från"],
                        "lat": lat,
                        "lon": lon,
                        "weight": police["Brottskod"].astype(str).map(harm_by_code).fillna(harm_default),
                        "reporter_role": None,
                    }
                )
            )
    frame = pd.concat(frames, ignore_index=True)
    # UTC as ingest stores it, then back to local wall-clock time as staging's to_local() gives it.
    utc = pd.to_datetime(pd.Series([parse_timestamp(v) for v in frame.pop("occurred_at")], dtype="object"))
    frame["occurred_at_local"] = utc.dt.tz_localize("UTC").dt.tz_convert("Europe/Stockholm").dt.tz_localize(None)
    frame["area_id"] = demo_area_index().assign(frame["lat"].to_numpy(), frame["lon"].to_numpy())
    valid = (
        (frame["incident_id"].str.len() > 0)
        & frame["weight"].notna()
        & frame["area_id"].notna()
        & frame["occurred_at_local"].notna()
        & (frame["occurred_at_local"].dt.year > 2000)
        & (frame["occurred_at_local"] < pd.Timestamp(config.end_week) + pd.Timedelta(days=7))
    )
    frame = frame[valid].drop_duplicates(["source", "incident_id"]).reset_index(drop=True)
    frame["h3_cell"] = geo.h3_cells(frame["lat"].to_numpy(), frame["lon"].to_numpy())
    return frame


def demo_config(end_week: date, weeks: int, scale: float = 1.0, seed: int = 2026) -> generator.DemoConfig:
    return generator.DemoConfig(end_week=end_week, weeks=weeks, seed=seed, scale=scale, formats=False)


def demo_depot() -> tuple[float, float]:
    """The demo's guard base: by the travel centre in central Uppsala (an assumption, not a real address)."""
    return 59.8594, 17.6455
