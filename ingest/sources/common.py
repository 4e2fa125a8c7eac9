"""Row checks shared by the sources: ids, times, coordinates, and turning flagged rows into quarantine entries.

Everything here works column-wise (pandas/numpy), so a 100k-row export validates in about a second. Checks never
raise on bad values: each flags rows in a ``RowIssues`` (one boolean mask per reason code), so a validator collects
every reason a row fails and quarantines it once with all of them. Values the fast column-wise parsers cannot read
are handed to the scalar parsers in ``ingest.parsing``, so both paths give exactly the same answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import numpy as np
import pandas as pd

from ingest import geo
from ingest.ledger import Rejection
from ingest.parsing import parse_number, parse_timestamp
from ingest.redact import redact
from ingest.sources.base import raw_row_content

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

# A record that is not an object fails every other check too, so it goes first in a source's reasons; extra cells
# are the least telling reason, so they go last.
NOT_AN_OBJECT = {"not_an_object": "the JSON record is not an object (a bare value or list where one was expected)"}
EXTRA_CELLS = {"unexpected_columns": "the row has more cells than the header"}


class RowIssues:
    """Reason codes per row as boolean masks. ``reasons`` (code → explanation) also fixes the codes' priority:
    the first code in its order that applies to a row is the row's primary reason."""

    def __init__(self, n: int, reasons: Mapping[str, str]) -> None:
        self.n = n
        self.reasons = dict(reasons)
        self._order = {code: i for i, code in enumerate(self.reasons)}
        self.masks: dict[str, np.ndarray] = {}

    def flag(self, code: str, mask) -> None:
        if code not in self.reasons:
            raise KeyError(f"{code!r} is not a documented reason of this source")
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != (self.n,):
            raise ValueError(f"mask for {code} has shape {mask.shape}, expected ({self.n},)")
        self.masks[code] = self.masks[code] | mask if code in self.masks else mask.copy()

    @property
    def bad(self) -> np.ndarray:
        bad = np.zeros(self.n, dtype=bool)
        for mask in self.masks.values():
            bad |= mask
        return bad

    def codes(self, i: int) -> list[str]:
        return sorted((code for code, mask in self.masks.items() if mask[i]), key=self._order.__getitem__)

    def rejections(self, original: pd.DataFrame, source_rows, record_ids, drop_columns: tuple[str, ...] = ()
                   ) -> list[Rejection]:
        """One Rejection per flagged row, with the row's raw content as it arrived (minus ``drop_columns``)."""
        bad = np.flatnonzero(self.bad)
        if not len(bad):
            return []
        subset = original.iloc[bad]
        subset = subset.drop(columns=[c for c in drop_columns if c in subset.columns])
        content = raw_row_content(subset)
        source_rows = np.asarray(source_rows)
        record_ids = list(record_ids)
        rejections = []
        for k, i in enumerate(bad.tolist()):
            codes = self.codes(i)
            record_id = record_ids[i]
            rejections.append(Rejection(
                source_row=int(source_rows[i]),
                reason_code=codes[0],
                reason=self.reasons[codes[0]],
                raw_content=content[k],
                record_id=None if record_id is None or pd.isna(record_id) else str(record_id),
                all_reasons=tuple(codes),
            ))
        return rejections


# ---------------------------------------------------------------------------------------------------------------
# Column parsers
# ---------------------------------------------------------------------------------------------------------------

def column(frame: pd.DataFrame, name: str) -> pd.Series:
    """A column as an object Series, or all-None when the file does not have it."""
    if name in frame.columns:
        return frame[name].astype(object).reset_index(drop=True)
    return pd.Series([None] * len(frame), dtype=object)


# Python's str.split() whitespace, in RE2 syntax (pyarrow's regex engine): runs of it collapse to one space.
_WHITESPACE = r"[\t\n\v\f\r\x{1c}-\x{1f}\x{85}\pZ]+"


def _text(values: pd.Series) -> pd.Series:
    """Cleaned text as Arrow strings (fast column-wise string functions), NA where blank."""
    values = pd.Series(values, dtype=object).reset_index(drop=True)
    text = values.astype("string[pyarrow]").str.replace(_WHITESPACE, " ", regex=True).str.strip(" ")
    return text.mask(text == "")


def _objects(text: pd.Series) -> pd.Series:
    return text.astype(object).where(text.notna().to_numpy(), None)


def clean_column(values: pd.Series) -> pd.Series:
    """``parsing.clean_text`` for a whole column: surrounding space stripped, inner runs of space collapsed,
    blank → None."""
    return _objects(_text(values))


def map_unique(values: pd.Series, function) -> pd.Series:
    """Apply a scalar function once per distinct value (labels, bands and free text repeat a lot)."""
    values = pd.Series(values, dtype=object).reset_index(drop=True)
    cache: dict = {}
    results = []
    for value in values.tolist():
        key = None if value is None or (isinstance(value, float) and np.isnan(value)) else value
        if key not in cache:
            cache[key] = function(key)
        results.append(cache[key])
    return pd.Series(results, dtype=object)


def redact_column(values: pd.Series) -> pd.Series:
    """Free text with personal data replaced by markers (``ingest.redact``), blank → None."""
    return map_unique(clean_column(values), redact)


_NULL_WORDS = {"nan", "none", "null"}


def parse_numbers(values: pd.Series) -> np.ndarray:
    """``parsing.parse_number`` for a whole column: floats with NaN where the value is blank or not a number."""
    text = _text(values)
    present = text.notna().to_numpy()
    s = text.fillna("").str.replace("\u00a0", "", regex=False).str.replace(" ", "", regex=False)
    commas, dots = s.str.count(","), s.str.count(r"\.")
    decimal_comma = ((commas == 1) & (dots == 0)).to_numpy()
    thousands = ((commas >= 1) & (dots == 1) & (s.str.find(",") < s.str.find("."))).to_numpy()
    s = s.where(~decimal_comma, s.str.replace(",", ".", regex=False))
    s = s.where(~thousands, s.str.replace(",", "", regex=False))
    numbers = pd.to_numeric(_objects(s.mask(s == "")), errors="coerce").astype(float).to_numpy()
    numbers[~np.isfinite(numbers)] = np.nan
    # What pandas could not read goes through the scalar parser, so both paths agree on every value.
    retry = np.flatnonzero(np.isnan(numbers) & present & ~s.str.lower().isin(_NULL_WORDS).to_numpy())
    for i in retry:
        value = parse_number(text.iat[i])
        numbers[i] = np.nan if value is None else value
    return numbers


_NAIVE = r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2})?$"
_WITH_OFFSET = r"^\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s?(?:Z|[+-]\d{2}:\d{2})$"
# pandas localises much faster with the zone's name than with a ZoneInfo object; same tz database rules.
LOCAL_ZONE = "Europe/Stockholm"


def parse_timestamps(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """``parsing.parse_timestamp`` for a whole column: naive-UTC datetimes (NaT where unreadable or blank) and a
    mask of the values that were given but could not be read.

    The usual shapes (``2026-03-02 18:30``, ISO with an offset, the police's ``2024-01-01 0:40:16 +01:00``) are
    parsed column-wise; anything else goes through the scalar parser once per distinct value."""
    text = _text(values)
    n = len(text)
    result = pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
    present = text.notna().to_numpy()
    s = text.fillna("")

    naive = s.str.match(_NAIVE).to_numpy(dtype=bool, na_value=False) & present
    if naive.any():
        local = pd.to_datetime(_objects(s[naive]).str.replace("T", " ", regex=False), format="ISO8601",
                               errors="coerce")
        # As the scalar parser: times without an offset are Stockholm time; an ambiguous autumn hour is read as
        # summer time (fold=0), a spring-gap time with the winter offset.
        utc = (local.dt.tz_localize(LOCAL_ZONE, ambiguous=np.ones(int(naive.sum()), dtype=bool),
                                    nonexistent=pd.Timedelta(hours=1))
               .dt.tz_convert("UTC").dt.tz_localize(None))
        result[naive] = utc.to_numpy()

    offset = s.str.match(_WITH_OFFSET).to_numpy(dtype=bool, na_value=False) & present & ~naive
    if offset.any():
        normalised = (_objects(s[offset]).str.replace(r"^(\d{4}-\d{2}-\d{2})[ T](\d):", r"\1 0\2:", regex=True)
                      .str.replace(r"\s+(?=[+-]\d{2}:\d{2}$)", "", regex=True))
        parsed = pd.to_datetime(normalised, format="ISO8601", utc=True, errors="coerce")
        result[offset] = parsed.dt.tz_localize(None).to_numpy()

    retry = np.flatnonzero(result.isna().to_numpy() & present)
    if len(retry):
        cache: dict[str, datetime | None] = {}
        for i in retry:
            value = s.iat[i]
            if value not in cache:
                cache[value] = parse_timestamp(value)
            if cache[value] is not None:
                result.iat[i] = cache[value]
    invalid = present & result.isna().to_numpy()
    return result, invalid


# ---------------------------------------------------------------------------------------------------------------
# Shared checks
# ---------------------------------------------------------------------------------------------------------------

def check_ids(values: pd.Series, issues: RowIssues) -> pd.Series:
    """Cleaned ids; flags missing ids and repeats within the file (the first occurrence is kept)."""
    ids = clean_column(values)
    missing = ids.isna().to_numpy()
    issues.flag("missing_id", missing)
    issues.flag("duplicate_id_in_file", ids.duplicated(keep="first").to_numpy() & ~missing)
    return ids


def check_format(raw: pd.DataFrame, issues: RowIssues) -> None:
    """Rows that were not records (a bare JSON value) or had more cells than the header."""
    for name, code in (("__not_an_object__", "not_an_object"), ("__extra__", "unexpected_columns")):
        if name in raw.columns:
            issues.flag(code, clean_column(raw[name]).notna().to_numpy())


def parse_times(values: pd.Series, issues: RowIssues, *, required: bool) -> pd.Series:
    """Naive-UTC datetimes; flags unreadable values and, when required, missing ones."""
    parsed, invalid = parse_timestamps(values)
    issues.flag("invalid_timestamp", invalid)
    if required:
        issues.flag("missing_observed_at", parsed.isna().to_numpy() & ~invalid)
    return parsed


def check_time_bounds(times: pd.Series, issues: RowIssues, *, now: datetime, system_start: datetime,
                      slack_hours: float = 1.0) -> None:
    """Event times in the future (beyond a small clock slack) or before the source existed."""
    issues.flag("future_timestamp", (times > pd.Timestamp(now) + pd.Timedelta(hours=slack_hours)).to_numpy())
    issues.flag("before_system_start", (times < pd.Timestamp(system_start)).to_numpy())


def locate(lat_raw: pd.Series, lon_raw: pd.Series, x_raw: pd.Series, y_raw: pd.Series, issues: RowIssues,
           area_index: geo.AreaIndex) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """WGS84 lat/lon, what the export gave (wgs84 | sweref99tm) and the area of every row.

    Diagnoses the usual mistakes instead of guessing: swapped lat/lon, SWEREF metres in the lat/lon columns,
    degrees in the x/y columns, points outside Sweden, and points outside the municipality's area layer.
    """
    n = issues.n
    a, b = parse_numbers(lat_raw), parse_numbers(lon_raw)
    x, y = parse_numbers(x_raw), parse_numbers(y_raw)
    lat, lon = np.full(n, np.nan), np.full(n, np.nan)
    coord_input = np.full(n, None, dtype=object)

    has_wgs = ~np.isnan(a) & ~np.isnan(b)
    coord_input[has_wgs] = "wgs84"
    ok = has_wgs & geo.in_sweden_wgs84(a, b)
    swapped = has_wgs & ~ok & geo.in_sweden_wgs84(b, a)
    sweref_in_wgs = has_wgs & ~ok & ~swapped & geo.looks_like_sweref(a, b)
    lat[ok], lon[ok] = a[ok], b[ok]
    issues.flag("swapped_lat_lon", swapped)
    issues.flag("sweref_as_wgs84", sweref_in_wgs)
    outside = has_wgs & ~ok & ~swapped & ~sweref_in_wgs

    has_sweref = ~has_wgs & ~np.isnan(x) & ~np.isnan(y)
    coord_input[has_sweref] = "sweref99tm"
    metres = has_sweref & geo.looks_like_sweref(x, y)
    if metres.any():
        # In Sweden the northing is always the larger number, so x/y given the other way round is still readable.
        east = np.where(x < y, x, y)[metres]
        north = np.where(x < y, y, x)[metres]
        lat[metres], lon[metres] = geo.sweref_to_wgs84(east, north)
    degrees = has_sweref & ~metres & (geo.in_sweden_wgs84(x, y) | geo.in_sweden_wgs84(y, x))
    issues.flag("wgs84_as_sweref", degrees)
    issues.flag("outside_sweden", outside | (has_sweref & ~metres & ~degrees))

    neither = ~has_wgs & ~has_sweref
    given = np.zeros(n, dtype=bool)
    for raw in (lat_raw, lon_raw, x_raw, y_raw):
        given |= clean_column(raw).notna().to_numpy()
    issues.flag("invalid_coordinate", neither & given)
    issues.flag("missing_location", neither & ~given)

    area_ids = np.asarray(area_index.assign(lat, lon), dtype=object)
    issues.flag("outside_municipality", np.isfinite(lat) & pd.isna(area_ids))
    return lat, lon, coord_input, area_ids
