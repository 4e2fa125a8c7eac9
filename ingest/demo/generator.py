"""Deterministic demo data for Uppsala: what a municipality's landing folders hold after some years of EST work.

Ground truth is a simple intensity model, so that tests can plant an effect and check that the platform finds it:

    expected events at unit u in week w for category c
        = base rate × season_c(w) × weight_u,c × Π effects active at (u, w, c)

where a unit is a named place (events scattered ~120 m around it) or a whole district (events anywhere inside).
Hours peak in the afternoon and evening, Fridays and Saturdays are busier, disorder peaks in summer and unsafe
places in the dark half of the year. ``Effect`` plants hot spots and area trends that start (and stop) mid-period.

Every week's rows come from a random generator seeded by (seed, ISO year, ISO week), so the same seed gives the
same files, and adding weeks never changes the earlier ones. Output (under ``<out>/<source>/``):

* ``areas/uppsala_districts_approx.geojson`` and ``population/uppsala_population.csv``
* ``est_reports/est_reports_<YYYY>-W<ww>.<csv|json|xlsx>``: one export per week, in the formats real exports come
  in (comma CSV in UTF-8, semicolon CSV in cp1252 with decimal comma, JSON, XLSX), with planted personal data in
  the free text and a small share of deliberately bad rows (each bad row's fault is listed in ``planted_faults``)
* ``police_crimes/police_crimes_<YYYY>-W<ww>.csv``: record-level crimes with offence codes and SWEREF 99 TM points
* ``police_events/polisen_events_<UTC fetch time>.json``: police open events for Uppsala county as API responses,
  two fetches a week, with later edits and "Sammanfattning" events (``ingest.demo.police_events``)
* ``bra_indicators/bra_kommunindikatorer_uppsala_<year>.csv``: Brå indicators, one file per year
  (``ingest.demo.bra_indicators``)
* ``est_reports/est_reports_<YYYY>-W<ww>_korrigerad.csv`` (source key ``est_corrections``): a corrected re-export
  of the middle week, same report ids with a few categories corrected, so superseding is exercised
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import shapely

from ingest import geo
from ingest.demo import uppsala
from ingest.demo.uppsala import PLACES, all_districts

STOCKHOLM = ZoneInfo("Europe/Stockholm")


# ---------------------------------------------------------------------------------------------------------------
# Scenario
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Effect:
    """A planted change: the intensity at a place or area is multiplied while the effect runs."""

    effect_id: str
    description: str
    target: str  # a place_id (p_...) or an area_id
    start: date  # first day (inclusive)
    end: date | None  # last day (inclusive); None = until the end of the data
    multiplier: float
    categories: tuple[str, ...] | None = None  # None = every category
    sources: tuple[str, ...] = ("est_reports", "police_crimes")

    def active(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


EST_CATEGORY_MIX: dict[str, float] = {
    "skadegorelse": 0.27,
    "nedskrapning": 0.12,
    "samling_personer": 0.18,
    "ordningsstorning": 0.14,
    "narkotika": 0.07,
    "otrygg_plats": 0.12,
    "incident_mot_anstalld": 0.04,
    "brott_ovrigt": 0.05,
    "arrangemang": 0.01,
}
EST_SUBCATEGORIES: dict[str, tuple[str, ...]] = {
    "skadegorelse": ("Klotter", "Glaskross", "Brand", "Fordon", "Övrig skadegörelse"),
    "samling_personer": ("Ordningsstörande", "Otrygghetsskapande"),
    "ordningsstorning": ("Bråk", "Hot/våld", "Buskörning/olovlig trafik", "Olovligt boende/sovplats"),
    "narkotika": ("Misstänkt handel", "Bruk", "Fynd"),
    "otrygg_plats": ("Belysning", "Insyn/vegetation", "Ödslig", "Skadad miljö"),
    "brott_ovrigt": ("Inbrott", "Rån", "Stöld"),
}
EST_LABELS: dict[str, str] = {
    "skadegorelse": "Skadegörelse",
    "nedskrapning": "Nedskräpning",
    "samling_personer": "Otrygghetsskapande samling av personer",
    "ordningsstorning": "Annat otrygghetsskapande eller ordningsstörande",
    "narkotika": "Narkotika",
    "otrygg_plats": "Otrygg plats",
    "incident_mot_anstalld": "Incident mot anställd",
    "brott_ovrigt": "Övrigt brott",
    "arrangemang": "Arrangemang",
}
# Season: amplitude of a yearly cosine peaking mid-July (positive) or mid-January (negative).
EST_SEASON: dict[str, float] = {
    "samling_personer": 0.35,
    "ordningsstorning": 0.25,
    "nedskrapning": 0.30,
    "otrygg_plats": -0.35,
    "skadegorelse": 0.10,
}
REPORTERS: tuple[tuple[str, str, float], ...] = (
    ("Securitas (kommunens mobila väktare)", "vaktare", 0.22),
    ("Uppsala kommun, fältgruppen", "faltassistent", 0.20),
    ("Uppsala kommun, hemtjänsten", "hemtjanst", 0.12),
    ("Uppsalahem", "bostadsbolag", 0.18),
    ("Städservice Uppsala", "lokalvard", 0.14),
    ("Uppsala kommun, fritidsgårdar", "fritidsledare", 0.10),
    ("Övrig samverkanspart", "annan", 0.04),
)
PEOPLE_BANDS = ("1-4", "5-9", "10-19", "20+")

# Police offence categories: (code, category, example brottskod, share of crimes, season amplitude).
POLICE_OFFENCES: tuple[tuple[str, str, str, float, float], ...] = (
    ("skadegorelse", "Skadegörelse", "1201", 0.20, 0.10),
    ("klotter", "Klotter", "1207", 0.06, 0.15),
    ("stold", "Stöld", "0810", 0.22, 0.05),
    ("cykelstold", "Cykelstöld", "0830", 0.08, 0.45),
    ("bostadsinbrott", "Bostadsinbrott", "0841", 0.04, -0.10),
    ("misshandel", "Misshandel", "0301", 0.09, 0.20),
    ("misshandel_grov", "Grov misshandel", "0311", 0.02, 0.20),
    ("olaga_hot", "Olaga hot", "0401", 0.07, 0.05),
    ("ran", "Rån", "0901", 0.03, 0.05),
    ("narkotika_innehav", "Narkotikabrott, innehav", "5010", 0.12, 0.05),
    ("narkotika_overlatelse", "Narkotikabrott, överlåtelse", "5011", 0.03, 0.05),
    ("vapenbrott", "Vapenbrott", "5201", 0.02, 0.0),
    ("ofredande", "Ofredande", "0420", 0.02, 0.10),
)

DESCRIPTIONS: dict[str, tuple[str, ...]] = {
    "skadegorelse": (
        "Nytt klotter på väggen vid entrén.",
        "Krossad glasruta i busskuren.",
        "Papperskorg har eldats upp.",
        "Sönderslagen belysningsstolpe.",
        "Repor och klotter på dörrar.",
    ),
    "nedskrapning": ("Mycket skräp och glas på marken.", "Nedskräpning efter helgen.", "Överfulla soptunnor."),
    "samling_personer": (
        "Grupp ungdomar samlas och stör förbipasserande.",
        "Ca tio personer i trapphuset sent.",
        "Samling vid entrén, högljudda.",
        "Gäng som uppehåller sig i garaget.",
    ),
    "ordningsstorning": (
        "Bråk mellan några personer, lugnade sig efter en stund.",
        "Mopeder kör på gångbanan.",
        "Högljudd person som hotar förbipasserande.",
        "Någon sover i förrådet.",
    ),
    "narkotika": (
        "Misstänkt langning vid bänkarna.",
        "Hittade använda kanyler i buskarna.",
        "Lukt av cannabis i trapphuset.",
    ),
    "otrygg_plats": (
        "Trasig belysning längs gångvägen, mycket mörkt.",
        "Buskage skymmer sikten vid tunneln.",
        "Öde och mörkt på kvällarna.",
    ),
    "incident_mot_anstalld": ("Personal blev hotad under rundan.", "Anställd hindrades i sitt arbete."),
    "brott_ovrigt": ("Inbrott i förråd.", "Stöld av cykel vid stationen.", "Försök till rån vid bankomaten."),
    "arrangemang": ("Stort arrangemang i området, lugnt.", "Konsert, mycket folk i rörelse."),
}
# Planted personal data: the redaction must remove every one of these before the text leaves the raw zone.
PII_SNIPPETS: tuple[str, ...] = (
    "Kontaktperson Kalle Andersson, tel 070-123 45 67.",
    "Mannen uppgav personnummer 19850312-1234.",
    "Bil med regnr ABC 123 stod parkerad på gångvägen.",
    "Anmälaren nås på anna.svensson@example.se.",
    "En kille som heter Mohammed Karimi var inblandad.",
    "Ring +46 70 987 65 43 vid frågor.",
    "Samordningsnummer 850372-5678 nämndes.",
    "Ägaren till XYZ 98B kontaktades.",
)

# Faults planted in the weekly exports: each bad row breaks exactly one rule.
FAULT_KINDS: tuple[str, ...] = (
    "unknown_category",
    "swapped_lat_lon",
    "outside_municipality",
    "future_timestamp",
    "duplicate_id_in_file",
    "sweref_as_wgs84",
    "missing_id",
    "invalid_timestamp",
    "before_system_start",
    "outside_sweden",
)


def default_effects(first_monday: date, weeks: int) -> tuple[Effect, ...]:
    """The demo's planted problems, placed relative to the period so they always fall inside it."""

    def week(i: int) -> date:
        return first_monday + timedelta(weeks=max(0, min(weeks - 1, i)))

    emerging_start = week(int(weeks * 0.70))
    short_start = week(int(weeks * 0.35))
    return (
        Effect(
            "stenhagen_emerging",
            "A gathering and vandalism problem emerges at Stenhagens centrum",
            "p_stenhagens_centrum",
            emerging_start,
            None,
            7.0,
            ("samling_personer", "skadegorelse", "ordningsstorning", "narkotika"),
        ),
        Effect(
            "granby_increase",
            "Everything in Gränby rises by 80 % from a tertial onward",
            "granby",
            _tertial_start(week(int(weeks * 0.55))),
            None,
            1.8,
        ),
        Effect(
            "valsatra_vandalism_wave",
            "A ten-week vandalism wave at Valsätra centrum",
            "p_valsatra_centrum",
            short_start,
            short_start + timedelta(weeks=10) - timedelta(days=1),
            6.0,
            ("skadegorelse",),
        ),
    )


def _tertial_start(day: date) -> date:
    return date(day.year, 1 + 4 * ((day.month - 1) // 4), 1)


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def last_complete_week(today: date | None = None) -> date:
    """Monday of the last ISO week that has ended (the week a Monday-morning refresh reports on)."""
    today = today or datetime.now(STOCKHOLM).date()
    return monday(today) - timedelta(weeks=1)


@dataclass(frozen=True)
class DemoConfig:
    end_week: date  # Monday of the last week to generate
    weeks: int = 104
    seed: int = 2026
    scale: float = 1.0  # multiplies every rate (the benchmark's size knob)
    est_reports_per_week: float = 260.0
    police_crimes_per_week: float = 190.0
    bad_row_share: float = 0.012
    pii_share: float = 0.05
    formats: bool = True  # vary export formats week to week (False: every week comma CSV; faster benchmarks)
    effects: tuple[Effect, ...] | None = None  # None = default_effects
    planted_interventions: bool = False  # add ingest.demo.interventions' effects and its interventions file

    @property
    def first_week(self) -> date:
        return monday(self.end_week) - timedelta(weeks=self.weeks - 1)

    def resolved_effects(self) -> tuple[Effect, ...]:
        effects = self.effects if self.effects is not None else default_effects(self.first_week, self.weeks)
        if self.planted_interventions:
            from ingest.demo.interventions import planted_effects

            effects = (*effects, *planted_effects(self.first_week, self.weeks))
        return effects


# ---------------------------------------------------------------------------------------------------------------
# The intensity model
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class _Unit:
    unit_id: str  # place_id or area_id
    area_id: str
    kind: str  # place | area
    lat: float
    lon: float
    weight: float
    place_name: str | None
    setting: str | None


@dataclass
class _World:
    units: list[_Unit]
    area_points: dict[str, np.ndarray]  # area_id -> (n, 2) lat/lon pool of points inside the area
    unit_index: dict[str, int] = field(default_factory=dict)


def _build_world(seed: int) -> _World:
    polygons = uppsala.district_polygons()
    units: list[_Unit] = []
    for place in PLACES:
        units.append(
            _Unit(
                place.place_id,
                place.area_id,
                "place",
                place.lat,
                place.lon,
                place.weight * 3.0,
                place.name,
                place.setting,
            )
        )
    for district in all_districts():
        # Residents generate diffuse events; the rural area is large but quiet.
        weight = district.population / 1_000 * district.risk * 0.35
        units.append(_Unit(district.area_id, district.area_id, "area", district.lat, district.lon, weight, None, None))
    rng = np.random.default_rng([seed, 0])
    area_points = {}
    for district in all_districts():
        polygon = polygons[district.area_id]
        if district.area_id == uppsala.RURAL.area_id:
            # Rural events happen in villages, not in forests: sample near the rural places.
            centres = [(p.lat, p.lon) for p in PLACES if p.area_id == district.area_id]
            pts = []
            while len(pts) < 400:
                c = centres[rng.integers(len(centres))]
                lat, lon = c[0] + rng.normal(0, 0.008), c[1] + rng.normal(0, 0.015)
                if polygon.contains(shapely.points(lon, lat)):
                    pts.append((lat, lon))
            area_points[district.area_id] = np.array(pts)
            continue
        minx, miny, maxx, maxy = polygon.bounds
        pts = []
        while len(pts) < 400:
            lon = rng.uniform(minx, maxx, 800)
            lat = rng.uniform(miny, maxy, 800)
            inside = shapely.contains_xy(polygon, lon, lat)
            pts.extend(zip(lat[inside].tolist(), lon[inside].tolist(), strict=True))
        area_points[district.area_id] = np.array(pts[:400])
    world = _World(units, area_points)
    world.unit_index = {u.unit_id: i for i, u in enumerate(units)}
    return world


def _season(day: date, amplitude: float) -> float:
    """1 + amplitude·cos(2π(doy − 196)/365): peaks mid-July for positive amplitudes."""
    doy = day.timetuple().tm_yday
    return 1.0 + amplitude * math.cos(2 * math.pi * (doy - 196) / 365.25)


# Hour-of-day weights (0..23): quiet nights, rising through the afternoon, peaking 17–22.
HOUR_WEIGHTS = np.array(
    [2, 1.5, 1, 0.6, 0.4, 0.4, 0.6, 1, 1.5, 2, 2.2, 2.5, 3, 3.2, 3.5, 4.5, 5.5, 6.5, 7, 7.2, 7, 6, 4.5, 3], float
)
WEEKDAY_WEIGHTS = np.array([0.9, 0.9, 0.95, 1.0, 1.35, 1.45, 1.05], float)  # Monday..Sunday


def _unit_weights(world: _World, effects: tuple[Effect, ...], category: str, source: str, day: date) -> np.ndarray:
    weights = np.array([u.weight for u in world.units], float)
    for effect in effects:
        if source not in effect.sources or not effect.active(day):
            continue
        if effect.categories is not None and category not in effect.categories:
            continue
        for i, unit in enumerate(world.units):
            if unit.unit_id == effect.target or (unit.area_id == effect.target):
                weights[i] *= effect.multiplier
    return weights


def _sample_events(
    rng: np.random.Generator,
    world: _World,
    effects: tuple[Effect, ...],
    week_start: date,
    categories: dict[str, float],
    seasons: dict[str, float],
    rate: float,
    source: str,
) -> pd.DataFrame:
    """Events of one week for one source: category, unit, local time and WGS84 point."""
    base_weights = np.array([u.weight for u in world.units], float)
    rows = []
    for category, share in categories.items():
        # Effects change the expected total too (a surge adds events, it does not move them).
        mid_week = week_start + timedelta(days=3)
        weights = _unit_weights(world, effects, category, source, mid_week)
        expected = rate * share * _season(mid_week, seasons.get(category, 0.0)) * weights.sum() / base_weights.sum()
        n = int(rng.poisson(expected))
        if n == 0:
            continue
        unit_idx = rng.choice(len(world.units), size=n, p=weights / weights.sum())
        day_idx = rng.choice(7, size=n, p=WEEKDAY_WEIGHTS / WEEKDAY_WEIGHTS.sum())
        hours = rng.choice(24, size=n, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
        minutes = rng.integers(0, 60, size=n)
        jitter = rng.normal(0, 1, size=(n, 2))
        pool_pick = rng.integers(0, 400, size=n)
        for k in range(n):
            unit = world.units[unit_idx[k]]
            if unit.kind == "place":
                # ~120 m scatter: 1° lat ≈ 111 km, 1° lon ≈ 55.6 km at 60° N.
                lat = unit.lat + jitter[k, 0] * 120 / 111_000
                lon = unit.lon + jitter[k, 1] * 120 / 55_600
            else:
                lat, lon = world.area_points[unit.area_id][pool_pick[k]]
            local = datetime.combine(week_start + timedelta(days=int(day_idx[k])), datetime.min.time()) + timedelta(
                hours=int(hours[k]), minutes=int(minutes[k])
            )
            rows.append((category, unit.unit_id, unit.area_id, unit.place_name, unit.setting, local, lat, lon))
    frame = pd.DataFrame(
        rows, columns=["category", "unit_id", "area_id", "place_name", "setting", "local_time", "lat", "lon"]
    )
    return frame.sort_values(["local_time", "category", "unit_id"], kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------------------------------------------------------
# EST reports
# ---------------------------------------------------------------------------------------------------------------


def _week_rng(seed: int, week_start: date, stream: int) -> np.random.Generator:
    year, week, _ = week_start.isocalendar()
    return np.random.default_rng([seed, year, week, stream])


def est_reports_week(config: DemoConfig, world: _World, week_start: date) -> tuple[pd.DataFrame, list[dict]]:
    """One week's EST export rows (Swedish export headers, local times as text) and the planted faults."""
    rng = _week_rng(config.seed, week_start, 1)
    events = _sample_events(
        rng,
        world,
        config.resolved_effects(),
        week_start,
        EST_CATEGORY_MIX,
        EST_SEASON,
        config.est_reports_per_week * config.scale,
        "est_reports",
    )
    n = len(events)
    year, week, _ = week_start.isocalendar()
    reporter_p = np.array([r[2] for r in REPORTERS])
    reporters = rng.choice(len(REPORTERS), size=n, p=reporter_p / reporter_p.sum())
    delays = rng.gamma(2.0, 6.0, size=n)  # hours from observation to submission
    window = rng.random(n) < 0.15
    has_pii = rng.random(n) < config.pii_share
    police = rng.random(n) < 0.12
    bands = rng.choice(4, size=n, p=[0.6, 0.25, 0.1, 0.05])
    records = []
    for k, ev in enumerate(events.itertuples(index=False)):
        category = ev.category
        subs = EST_SUBCATEGORIES.get(category)
        sub = subs[int(rng.integers(len(subs)))] if subs else ""
        descriptions = DESCRIPTIONS[category]
        text = descriptions[int(rng.integers(len(descriptions)))]
        if has_pii[k]:
            text = f"{text} {PII_SNIPPETS[int(rng.integers(len(PII_SNIPPETS)))]}"
        org, role, _ = REPORTERS[reporters[k]]
        observed = ev.local_time
        submitted = observed + timedelta(hours=float(delays[k]))
        records.append(
            {
                "Rapport-ID": f"EST-{year}{week:02d}-{k + 1:05d}",
                "Händelsetid": observed.strftime("%Y-%m-%d %H:%M"),
                "Händelsetid till": (observed + timedelta(minutes=30 * int(1 + rng.integers(4)))).strftime(
                    "%Y-%m-%d %H:%M"
                )
                if window[k]
                else "",
                "Inrapporterad": submitted.strftime("%Y-%m-%d %H:%M"),
                "Organisation": org,
                "Roll": role,
                "Kategori": EST_LABELS[category],
                "Underkategori": sub,
                "Latitud": round(float(ev.lat), 6),
                "Longitud": round(float(ev.lon), 6),
                "Plats": ev.place_name or "",
                "Miljö": ev.setting or ("utomhus" if rng.random() < 0.7 else "trapphus"),
                "Antal personer": PEOPLE_BANDS[bands[k]]
                if category in ("samling_personer", "ordningsstorning")
                else "",
                "Polis underrättad": "Ja" if police[k] else "Nej",
                "Beskrivning": text,
            }
        )
    frame = pd.DataFrame.from_records(records)
    frame, faults = _plant_faults(rng, frame, config.bad_row_share, week_start)
    return frame, faults


def _plant_faults(
    rng: np.random.Generator, frame: pd.DataFrame, share: float, week_start: date
) -> tuple[pd.DataFrame, list[dict]]:
    """Break a few rows on purpose, one fault each, and say which (the tests check every one is quarantined)."""
    if frame.empty or share <= 0:
        return frame, []
    n_bad = max(1, int(round(len(frame) * share)))
    rows = rng.choice(len(frame), size=min(n_bad, len(frame)), replace=False)
    frame = frame.copy()
    faults = []
    extra_rows = []
    for j, row in enumerate(sorted(rows.tolist())):
        kind = FAULT_KINDS[(j + week_start.toordinal() // 7) % len(FAULT_KINDS)]
        rid = frame.at[row, "Rapport-ID"]
        if kind == "unknown_category":
            frame.at[row, "Kategori"] = "Fyrverkerier"
        elif kind == "swapped_lat_lon":
            frame.at[row, "Latitud"], frame.at[row, "Longitud"] = frame.at[row, "Longitud"], frame.at[row, "Latitud"]
        elif kind == "outside_municipality":
            frame.at[row, "Latitud"], frame.at[row, "Longitud"] = 59.3293, 18.0686  # Stockholm
        elif kind == "future_timestamp":
            frame.at[row, "Händelsetid"] = "2099-06-01 21:00"
            frame.at[row, "Inrapporterad"] = "2099-06-01 22:00"
        elif kind == "duplicate_id_in_file":
            duplicate = frame.loc[row].copy()
            duplicate["Beskrivning"] = "Dubbelrapport."
            extra_rows.append(duplicate)
        elif kind == "sweref_as_wgs84":
            x, y = geo.wgs84_to_sweref(frame.at[row, "Latitud"], frame.at[row, "Longitud"])
            frame.at[row, "Latitud"], frame.at[row, "Longitud"] = round(float(y), 1), round(float(x), 1)
        elif kind == "missing_id":
            frame.at[row, "Rapport-ID"] = ""
        elif kind == "invalid_timestamp":
            frame.at[row, "Händelsetid"] = "igår kväll"
        elif kind == "before_system_start":
            frame.at[row, "Händelsetid"] = "1999-12-31 23:00"
        elif kind == "outside_sweden":
            frame.at[row, "Latitud"], frame.at[row, "Longitud"] = 48.8566, 2.3522  # Paris
        faults.append({"report_id": rid, "fault": kind})
    if extra_rows:
        frame = pd.concat([frame, pd.DataFrame(extra_rows)], ignore_index=True)
    return frame, faults


def _export_format(config: DemoConfig, week_start: date) -> str:
    if not config.formats:
        return "csv"
    _, week, _ = week_start.isocalendar()
    if week % 11 == 0:
        return "xlsx"
    if week % 7 == 0:
        return "json"
    if week % 5 == 0:
        return "csv_excel"  # semicolon, cp1252, decimal comma, as Swedish Excel saves it
    return "csv"


def write_est_export(frame: pd.DataFrame, path_stem: Path, fmt: str) -> Path:
    if fmt == "csv":
        path = path_stem.with_suffix(".csv")
        frame.to_csv(path, index=False, encoding="utf-8")
    elif fmt == "csv_excel":
        path = path_stem.with_suffix(".csv")
        text = frame.to_csv(index=False, sep=";", decimal=",", quoting=csv.QUOTE_MINIMAL)
        # Characters cp1252 lacks are replaced, as Excel does.
        path.write_bytes(text.encode("cp1252", errors="replace"))
    elif fmt == "json":
        path = path_stem.with_suffix(".json")
        payload = {
            "export": "EST-rapporter",
            "reports": frame.astype(object).where(frame.notna(), None).to_dict(orient="records"),
        }
        path.write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")
    elif fmt == "xlsx":
        path = path_stem.with_suffix(".xlsx")
        _write_xlsx(frame, path)
    else:  # pragma: no cover - programming error
        raise ValueError(fmt)
    return path


def _write_xlsx(frame: pd.DataFrame, path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Rapporter")
    sheet.append(list(frame.columns))
    for row in frame.itertuples(index=False, name=None):
        sheet.append([None if (isinstance(v, float) and math.isnan(v)) else v for v in row])
    # Fixed timestamps inside the zip keep the file byte-identical run to run.
    buffer = io.BytesIO()
    workbook.properties.created = datetime(2020, 1, 1)
    workbook.properties.modified = datetime(2020, 1, 1)
    workbook.save(buffer)
    path.write_bytes(_normalise_zip(buffer.getvalue()))


def _normalise_zip(data: bytes) -> bytes:
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2020, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()


# ---------------------------------------------------------------------------------------------------------------
# Police crimes (record-level extract)
# ---------------------------------------------------------------------------------------------------------------


def police_crimes_week(config: DemoConfig, world: _World, week_start: date) -> pd.DataFrame:
    rng = _week_rng(config.seed, week_start, 2)
    shares = {code: share for code, _, _, share, _ in POLICE_OFFENCES}
    seasons = {code: season for code, _, _, _, season in POLICE_OFFENCES}
    # Police crimes follow the same places, so EST categories' effects apply to related offences.
    effects = tuple(
        replace(e, categories=None if e.categories is None else tuple(_police_codes_for(e.categories)))
        for e in config.resolved_effects()
    )
    events = _sample_events(
        rng, world, effects, week_start, shares, seasons, config.police_crimes_per_week * config.scale, "police_crimes"
    )
    lookup = {code: (label, brottskod) for code, label, brottskod, _, _ in POLICE_OFFENCES}
    year, week, _ = week_start.isocalendar()
    n = len(events)
    x, y = geo.wgs84_to_sweref(events["lat"].to_numpy(), events["lon"].to_numpy()) if n else (np.array([]),) * 2
    duration = rng.exponential(40, size=n)
    report_delay = rng.gamma(1.5, 10, size=n)
    records = []
    for k, ev in enumerate(events.itertuples(index=False)):
        label, brottskod = lookup[ev.category]
        start = ev.local_time
        records.append(
            {
                "Anmälan-ID": f"K{year}{week:02d}{k + 1:05d}",
                "Brottskod": brottskod,
                "Brottskategori": label,
                "Brott från": start.strftime("%Y-%m-%d %H:%M"),
                "Brott till": (start + timedelta(minutes=float(duration[k]))).strftime("%Y-%m-%d %H:%M"),
                "Anmäld": (start + timedelta(hours=float(report_delay[k]))).strftime("%Y-%m-%d %H:%M"),
                "X (SWEREF 99 TM)": round(float(x[k]), 1),
                "Y (SWEREF 99 TM)": round(float(y[k]), 1),
            }
        )
    return pd.DataFrame.from_records(records)


def _police_codes_for(est_categories: tuple[str, ...]) -> list[str]:
    mapping = {
        "skadegorelse": ["skadegorelse", "klotter"],
        "samling_personer": ["ofredande", "olaga_hot"],
        "ordningsstorning": ["misshandel", "olaga_hot", "ofredande"],
        "narkotika": ["narkotika_innehav", "narkotika_overlatelse"],
        "brott_ovrigt": ["stold", "bostadsinbrott", "ran"],
    }
    return sorted({code for c in est_categories for code in mapping.get(c, [])})


# ---------------------------------------------------------------------------------------------------------------
# Areas and population
# ---------------------------------------------------------------------------------------------------------------


def population_rows(years: range) -> pd.DataFrame:
    rows = []
    for district in all_districts():
        for year in years:
            growth = 1 + 0.012 * (year - 2024)
            rows.append({"område": district.area_id, "år": year, "folkmängd": int(round(district.population * growth))})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------------------------
# Writing everything
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class DemoSummary:
    weeks: int
    est_reports: int = 0  # rows in every EST export written, the corrected re-export included
    police_crimes: int = 0
    police_events: int = 0  # distinct event ids delivered
    police_event_revisions: int = 0  # distinct (id, content) versions delivered
    police_event_deliveries: int = 0  # events in all response files together
    bra_indicators: int = 0
    files: list[str] = field(default_factory=list)
    planted_faults: list[dict] = field(default_factory=list)
    effects: list[dict] = field(default_factory=list)
    corrections: list[dict] = field(default_factory=list)  # report_id, category before and after


def iter_weeks(config: DemoConfig) -> Iterator[date]:
    for i in range(config.weeks):
        yield config.first_week + timedelta(weeks=i)


ALL_SOURCES = (
    "areas",
    "population",
    "est_reports",
    "est_corrections",
    "police_crimes",
    "police_events",
    "bra_indicators",
    "interventions",
)


def corrected_reexport(
    config: DemoConfig, world: _World, week_start: date, n_corrections: int = 5
) -> tuple[pd.DataFrame, list[dict], list[dict]]:
    """The week's export again, as the reporting system re-exports it after a few categories were corrected:
    the same report ids (planted faults included), a new category and no subcategory on ``n_corrections`` rows."""
    frame, faults = est_reports_week(config, world, week_start)
    rng = _week_rng(config.seed, week_start, 5)
    faulty = {f["report_id"] for f in faults}
    candidates = [i for i, rid in enumerate(frame["Rapport-ID"]) if rid and rid not in faulty]
    rows = rng.choice(candidates, size=min(n_corrections, len(candidates)), replace=False) if candidates else []
    labels = list(EST_LABELS.values())
    frame = frame.copy()
    corrections = []
    for row in sorted(int(r) for r in rows):
        before = frame.at[row, "Kategori"]
        after = next(label for label in labels[int(rng.integers(len(labels))) :] + labels if label != before)
        frame.at[row, "Kategori"], frame.at[row, "Underkategori"] = after, ""
        corrections.append({"report_id": frame.at[row, "Rapport-ID"], "before": before, "after": after})
    return frame, faults, corrections


def generate(
    config: DemoConfig, landing: Path, *, sources: tuple[str, ...] = ALL_SOURCES, progress: bool = False
) -> DemoSummary:
    """Write the demo landing files under ``landing/<source>/``. Returns what was written."""
    from ingest.demo import bra_indicators as demo_bra  # these import this module's helpers
    from ingest.demo import police_events as demo_police

    world = _build_world(config.seed)
    summary = DemoSummary(
        weeks=config.weeks,
        effects=[
            {**e.__dict__, "start": e.start.isoformat(), "end": e.end.isoformat() if e.end else None}
            for e in config.resolved_effects()
        ],
    )
    for source in sources:
        (landing / ("est_reports" if source == "est_corrections" else source)).mkdir(parents=True, exist_ok=True)
    if "areas" in sources:
        path = landing / "areas" / f"{uppsala.LAYER_NAME}.geojson"
        path.write_text(json.dumps(uppsala.area_layer_geojson(), ensure_ascii=False, indent=1), encoding="utf-8")
        summary.files.append(str(path))
    if "population" in sources:
        years = range(config.first_week.year - 1, config.end_week.year + 1)
        path = landing / "population" / "uppsala_population.csv"
        population_rows(years).to_csv(path, index=False)
        summary.files.append(str(path))

    if "bra_indicators" in sources:
        for year in range(config.first_week.year - 1, config.end_week.year):
            path = landing / "bra_indicators" / f"bra_kommunindikatorer_uppsala_{year}.csv"
            frame = demo_bra.indicators_year(config.seed, year)
            path.write_text(frame.to_csv(index=False), encoding="utf-8")
            summary.bra_indicators += len(frame)
            summary.files.append(str(path))

    weeks = list(iter_weeks(config))
    corrected_week = weeks[len(weeks) // 2] if "est_corrections" in sources and weeks else None
    event_versions: set[tuple[int, str]] = set()
    progress_bar = _progress(progress, len(weeks))
    for week_start in weeks:
        year, week, _ = week_start.isocalendar()
        stamp = f"{year}-W{week:02d}"
        if "est_reports" in sources:
            frame, faults = est_reports_week(config, world, week_start)
            path = write_est_export(
                frame, landing / "est_reports" / f"est_reports_{stamp}", _export_format(config, week_start)
            )
            summary.est_reports += len(frame)
            summary.planted_faults.extend({**f, "file": path.name} for f in faults)
            summary.files.append(str(path))
        if week_start == corrected_week:
            frame, faults, corrections = corrected_reexport(config, world, week_start)
            path = write_est_export(frame, landing / "est_reports" / f"est_reports_{stamp}_korrigerad", "csv")
            summary.est_reports += len(frame)
            summary.planted_faults.extend({**f, "file": path.name} for f in faults)
            summary.corrections.extend({**c, "file": path.name} for c in corrections)
            summary.files.append(str(path))
        if "police_crimes" in sources:
            frame = police_crimes_week(config, world, week_start)
            path = landing / "police_crimes" / f"police_crimes_{stamp}.csv"
            frame.to_csv(path, index=False)
            summary.police_crimes += len(frame)
            summary.files.append(str(path))
        if "police_events" in sources:
            for name, content, _ in demo_police.files_for_week(
                config.seed, config.scale, config.pii_share, world, week_start, config.first_week
            ):
                path = landing / "police_events" / name
                path.write_bytes(content)
                events = json.loads(content)
                summary.police_event_deliveries += len(events)
                event_versions.update((e["id"], json.dumps(e, sort_keys=True)) for e in events)
                summary.files.append(str(path))
        progress_bar.advance()
    progress_bar.close()
    if config.planted_interventions and "interventions" in sources:
        from ingest.demo.interventions import planted_interventions

        path = landing / "interventions" / "demo_interventions.json"
        path.write_text(
            json.dumps(
                {"interventions": planted_interventions(config.first_week, config.weeks)}, ensure_ascii=False, indent=1
            ),
            encoding="utf-8",
        )
        summary.files.append(str(path))
    summary.police_events = len({event_id for event_id, _ in event_versions})
    summary.police_event_revisions = len(event_versions)
    return summary


class _progress:
    """A rich progress bar when asked for, otherwise nothing."""

    def __init__(self, enabled: bool, total: int) -> None:
        self._progress = None
        if enabled:
            from rich.progress import Progress

            self._progress = Progress()
            self._progress.start()
            self._task = self._progress.add_task("generating weeks", total=total)

    def advance(self) -> None:
        if self._progress is not None:
            self._progress.advance(self._task)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
