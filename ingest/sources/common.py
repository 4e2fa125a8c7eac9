"""Row checks shared by the sources: ids, times, coordinates, and turning flagged rows into quarantine entries.

Everything here works column-wise (pandas/numpy), so a 100k-row export validates in about a second. Checks never
raise on bad values: each flags rows in a ``RowIssues`` (one boolean mask per reason code), so a validator collects
every reason a row fails and quarantines it once with all of them. Values the fast column-wise parsers cannot read
are handed to the scalar parsers in ``ingest.parsing``, so both paths give exactly the same answers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

import numpy as np
import pandas as pd

from ingest import geo
from ingest.ledger import Rejection
from ingest.parsing import parse_number, parse_timestamp
from ingest.redact import redact
from ingest.sources.base import raw_row_content, rename_by_alias

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

    def rejections(
        self, original: pd.DataFrame, source_rows, record_ids, drop_columns: tuple[str, ...] = ()
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
            rejections.append(
                Rejection(
                    source_row=int(source_rows[i]),
                    reason_code=codes[0],
                    reason=self.reasons[codes[0]],
                    raw_content=content[k],
                    record_id=None if record_id is None or pd.isna(record_id) else str(record_id),
                    all_reasons=tuple(codes),
                )
            )
        return rejections


# ---------------------------------------------------------------------------------------------------------------
# Column parsers
# ---------------------------------------------------------------------------------------------------------------


def column(frame: pd.DataFrame, name: str) -> pd.Series:
    """A column as an object Series, or all-None when the file does not have it."""
    if name in frame.columns:
        return pd.Series(frame[name].to_numpy(dtype=object), dtype=object)
    return pd.Series([None] * len(frame), dtype=object)


def clean_column(values) -> pd.Series:
    """``parsing.clean_text`` for a whole column (same rule, inlined: a plain comprehension is as fast as any
    column-wise string function here): surrounding space stripped, inner runs of space collapsed, blank → None."""
    cleaned = [
        (" ".join(v.split()) or None)
        if type(v) is str
        else None
        if v is None or v != v
        else (" ".join(str(v).split()) or None)
        for v in (values.tolist() if hasattr(values, "tolist") else values)
    ]
    return pd.Series(cleaned, dtype=object)


def map_unique(values, function) -> pd.Series:
    """Apply a scalar function once per distinct value (labels, bands and free text repeat a lot); missing values
    (None/NaN) are passed as None."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    results = np.empty(len(uniques) + 1, dtype=object)
    results[:-1] = [function(value) for value in uniques]
    results[-1] = function(None)  # code -1 (missing) picks the last element
    return pd.Series(results[codes], dtype=object)


def redact_column(values: pd.Series) -> pd.Series:
    """Free text with personal data replaced by markers (``ingest.redact``), blank → None."""
    return map_unique(clean_column(values), redact)


def parse_numbers(values) -> np.ndarray:
    """``parsing.parse_number`` for a whole column: floats with NaN where the value is blank or not a number."""
    return numbers_from_text(clean_column(values))


def numbers_from_text(text: pd.Series) -> np.ndarray:
    """Numbers from already cleaned text. Plain numbers are converted in one call; what that cannot read (decimal
    commas, space thousands separators) gets the scalar parser once per distinct value, so both agree."""
    present = text.notna().to_numpy()
    numbers = pd.to_numeric(text, errors="coerce").astype(float).to_numpy()
    numbers[~np.isfinite(numbers)] = np.nan
    retry = np.flatnonzero(np.isnan(numbers) & present)
    if len(retry):
        cache: dict[str, float] = {}
        for i in retry:
            value = text.iat[i]
            if value not in cache:
                number = parse_number(value)
                cache[value] = np.nan if number is None else number
            numbers[i] = cache[value]
    return numbers


_NAIVE = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2})?$")
_WITH_OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s?(?:Z|[+-]\d{2}:\d{2})$")
# pandas localises much faster with the zone's name than with a ZoneInfo object; same tz database rules.
LOCAL_ZONE = "Europe/Stockholm"


def parse_timestamps(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """``parsing.parse_timestamp`` for a whole column: naive-UTC datetimes (NaT where unreadable or blank) and a
    mask of the values that were given but could not be read.

    The usual shapes (``2026-03-02 18:30``, ISO with an offset, the police's ``2024-01-01 0:40:16 +01:00``) are
    parsed column-wise; anything else goes through the scalar parser once per distinct value."""
    text = clean_column(values)
    n = len(text)
    result = pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
    present = text.notna().to_numpy()
    s = text.fillna("")

    naive = np.fromiter((bool(_NAIVE.match(v)) for v in s), dtype=bool, count=n)
    if naive.any():
        local = pd.to_datetime(s[naive].str.replace("T", " ", regex=False), format="ISO8601", errors="coerce")
        # As the scalar parser: times without an offset are Stockholm time; an ambiguous autumn hour is read as
        # summer time (fold=0), a spring-gap time with the winter offset.
        utc = (
            local.dt.tz_localize(
                LOCAL_ZONE, ambiguous=np.ones(int(naive.sum()), dtype=bool), nonexistent=pd.Timedelta(hours=1)
            )
            .dt.tz_convert("UTC")
            .dt.tz_localize(None)
        )
        result[naive] = utc.to_numpy()

    offset = np.fromiter((bool(_WITH_OFFSET.match(v)) for v in s), dtype=bool, count=n) & ~naive
    if offset.any():
        normalised = (
            s[offset]
            .str.replace(r"^(\d{4}-\d{2}-\d{2})[ T](\d):", r"\1 0\2:", regex=True)
            .str.replace(r"\s+(?=[+-]\d{2}:\d{2}$)", "", regex=True)
        )
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


def begin_validation(
    original: pd.DataFrame, aliases: Mapping[str, tuple[str, ...]], reasons: Mapping[str, str]
) -> tuple[pd.DataFrame, pd.DataFrame, RowIssues]:
    """The rows as read (quarantine keeps these), the same rows under canonical column names, and the issues of
    each row, already flagging rows that were not records or had more cells than the header."""
    original = original.reset_index(drop=True)
    raw = rename_by_alias(original, aliases)
    issues = RowIssues(len(raw), reasons)
    check_format(raw, issues)
    return original, raw, issues


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


def check_time_bounds(
    times: pd.Series, issues: RowIssues, *, now: datetime, system_start: datetime, slack_hours: float = 1.0
) -> None:
    """Event times in the future (beyond a small clock slack) or before the source existed."""
    issues.flag("future_timestamp", (times > pd.Timestamp(now) + pd.Timedelta(hours=slack_hours)).to_numpy())
    issues.flag("before_system_start", (times < pd.Timestamp(system_start)).to_numpy())


def locate(
    lat_raw: pd.Series,
    lon_raw: pd.Series,
    x_raw: pd.Series,
    y_raw: pd.Series,
    issues: RowIssues,
    area_index: geo.AreaIndex,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """WGS84 lat/lon, what the export gave (wgs84 | sweref99tm) and the area of every row.

    Diagnoses the usual mistakes instead of guessing: swapped lat/lon, SWEREF metres in the lat/lon columns,
    degrees in the x/y columns, points outside Sweden, and points outside the municipality's area layer.
    """
    n = issues.n
    texts = [clean_column(raw) for raw in (lat_raw, lon_raw, x_raw, y_raw)]
    a, b, x, y = (numbers_from_text(text) for text in texts)
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
    for text in texts:
        given |= text.notna().to_numpy()
    issues.flag("invalid_coordinate", neither & given)
    issues.flag("missing_location", neither & ~given)

    area_ids = np.asarray(area_index.assign(lat, lon), dtype=object)
    issues.flag("outside_municipality", np.isfinite(lat) & pd.isna(area_ids))
    return lat, lon, coord_input, area_ids
