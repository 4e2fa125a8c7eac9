"""Row checks shared by the located, timed sources (EST reports, police crimes): ids, times and coordinates.

Each helper appends reason codes to ``issues[i]`` (a list per row) instead of raising, so a validator can collect
every reason a row fails and quarantine it once with all of them.
"""

from __future__ import annotations

import numpy as np

from ingest import geo
from ingest.parsing import clean_text, parse_number, parse_timestamp

ID_REASONS = {
    "missing_id": "the row has no id",
    "duplicate_id_in_file": "the same id appears more than once in this file; the first is kept",
}

TIME_REASONS = {
    "missing_observed_at": "the row has no event time",
    "invalid_timestamp": "a time could not be read",
    "future_timestamp": "the event time is in the future",
    "before_system_start": "the event time is before the reporting system existed",
    "window_ends_before_start": "the event's time window ends before it starts",
}

LOCATION_REASONS = {
    "missing_location": "the row has neither lat/lon nor SWEREF 99 TM x/y",
    "invalid_coordinate": "a coordinate is not a number",
    "swapped_lat_lon": "latitude and longitude are swapped",
    "sweref_as_wgs84": "SWEREF 99 TM metres were given in the WGS84 lat/lon columns",
    "wgs84_as_sweref": "WGS84 degrees were given in the SWEREF 99 TM x/y columns",
    "outside_sweden": "the coordinates are outside Sweden",
    "outside_municipality": "the coordinates are outside the municipality's area layer",
}


def check_ids(values: list, issues: list[list[str]]) -> list[str | None]:
    """Cleaned ids; flags missing ids and repeats within the file (the first occurrence is kept)."""
    ids = [clean_text(v) for v in values]
    seen: set[str] = set()
    for i, value in enumerate(ids):
        if value is None:
            issues[i].append("missing_id")
        elif value in seen:
            issues[i].append("duplicate_id_in_file")
        else:
            seen.add(value)
    return ids


def parse_times(values: list, issues: list[list[str]], *, required: bool) -> list:
    """Naive-UTC datetimes; flags unreadable values and, when required, missing ones."""
    parsed = []
    for i, value in enumerate(values):
        ts = parse_timestamp(value)
        if ts is None and clean_text(value) is not None:
            issues[i].append("invalid_timestamp")
        elif ts is None and required:
            issues[i].append("missing_observed_at")
        parsed.append(ts)
    return parsed


def locate(lat_raw: list, lon_raw: list, x_raw: list, y_raw: list, issues: list[list[str]],
           area_index: geo.AreaIndex) -> tuple[np.ndarray, np.ndarray, list[str | None], list[str | None]]:
    """WGS84 lat/lon, what the export gave (wgs84 | sweref99tm) and the area of every row.

    Diagnoses the usual mistakes instead of guessing: swapped lat/lon, SWEREF metres in the lat/lon columns,
    degrees in the x/y columns, points outside Sweden, and points outside the municipality's area layer.
    """
    n = len(issues)
    lat = np.full(n, np.nan)
    lon = np.full(n, np.nan)
    coord_input: list[str | None] = [None] * n
    for i in range(n):
        a, b = parse_number(lat_raw[i]), parse_number(lon_raw[i])
        x, y = parse_number(x_raw[i]), parse_number(y_raw[i])
        given = any(clean_text(v) is not None for v in (lat_raw[i], lon_raw[i], x_raw[i], y_raw[i]))
        if a is not None and b is not None:
            coord_input[i] = "wgs84"
            if geo.in_sweden_wgs84(a, b):
                lat[i], lon[i] = a, b
            elif geo.in_sweden_wgs84(b, a):
                issues[i].append("swapped_lat_lon")
            elif geo.looks_like_sweref(a, b):
                issues[i].append("sweref_as_wgs84")
            else:
                issues[i].append("outside_sweden")
        elif x is not None and y is not None:
            coord_input[i] = "sweref99tm"
            if geo.looks_like_sweref(x, y):
                east, north = (x, y) if x < y else (y, x)  # in Sweden the northing is always the larger number
                la, lo = geo.sweref_to_wgs84(east, north)
                lat[i], lon[i] = float(la), float(lo)
            elif geo.in_sweden_wgs84(x, y) or geo.in_sweden_wgs84(y, x):
                issues[i].append("wgs84_as_sweref")
            else:
                issues[i].append("outside_sweden")
        elif given:
            issues[i].append("invalid_coordinate")
        else:
            issues[i].append("missing_location")
    area_ids = area_index.assign(lat, lon)
    for i in range(n):
        if np.isfinite(lat[i]) and area_ids[i] is None:
            issues[i].append("outside_municipality")
    return lat, lon, coord_input, area_ids
