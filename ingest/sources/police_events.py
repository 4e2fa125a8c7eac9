"""Police open events (polisen.se ``/api/events``), saved API responses → ``raw.police_events``.

Contract: ``docs/contracts/police_events.md``. A landing file is one raw API response: a JSON array of event
objects ``{id, datetime, name, summary, url, type, location: {name, gps}}``, byte-exact as the API sent it
(``ingest.police_api`` writes them as ``polisen_events_<UTC fetch time>.json``).

Revisions. The police edit events after publication (re-type them, rewrite the summary) without changing
``datetime``. Every distinct version is kept: ``raw.police_events`` holds one row per (event id, content hash),
and ``raw.police_event_deliveries`` one row per event per file that delivered it, so an identical re-delivery adds
a delivery, not a revision. The revision order is the fetch time of the delivering file (from its name, e.g.
``..._2024-06-15T114400Z.json``; a file without one counts as fetched when it was loaded), then the load order.
Staging keeps the latest revision of each id.

Location. The API places events only at municipality or county centroids (``location.gps``), never at the
incident. The municipality comes from ``location.name``; when that is a county (``Uppsala län``), from the
municipality named in the last comma part of ``name``, and otherwise the event is kept as county-level
(``match_method = county_only``: real data, not bad data). An event whose location cannot be read at all is
quarantined. An area inside the municipality is assigned only where the area layer's gazetteer matches the
summary or name (``area_match_method``); no point is ever guessed.

Free text (``name``, ``summary``) is redacted at ingest and never leaves the raw zone.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from ingest import geo, reference
from ingest.ledger import LoadContext, Rejection
from ingest.loader import insert_frame
from ingest.sources.base import LINEAGE_DDL, UnreadableFileError, as_text, decode_text
from ingest.sources.common import (
    ID_REASONS,
    NOT_AN_OBJECT,
    RowIssues,
    check_ids,
    check_time_bounds,
    clean_column,
    column,
    map_unique,
    parse_numbers,
    parse_timestamps,
    redact_column,
)

REASONS: dict[str, str] = {
    **NOT_AN_OBJECT,
    **ID_REASONS,
    "invalid_id": "the event id is not a whole number",
    "missing_datetime": "the event has no datetime",
    "invalid_timestamp": "the datetime could not be read",
    "future_timestamp": "the datetime is in the future",
    "before_system_start": "the datetime is before the police events service existed",
    "missing_type": "the event has no type",
    "unreadable_location": "the event's location is missing or not an object with a name",
    "unknown_location": "location.name is neither one of Sweden's 290 municipalities nor one of its 21 counties",
    "invalid_coordinate": "location.gps is not a 'lat,lon' pair of numbers",
    "swapped_lat_lon": "location.gps has longitude and latitude swapped",
    "outside_sweden": "location.gps is outside Sweden",
}

MATCH_METHODS = ("location_name", "name_last_part", "county_only")
AREA_MATCH_METHODS = ("gazetteer_place_name", "gazetteer_area_name", "none")

REVISIONS_DDL = f"""
create table if not exists raw.police_events (
    event_id          bigint not null,
    content_hash      varchar not null,     -- sha256 (16 hex) of the API object; one row per distinct version
    published_at      timestamp not null,   -- UTC, the API's datetime (publication; unchanged by edits)
    occurred_at       timestamp,            -- UTC, the incident time from the title ("30 augusti 10.08")
    event_type        varchar not null,     -- the API's type, verbatim (e.g. "Misshandel", "Sammanfattning natt")
    is_summary        boolean not null,     -- a "Sammanfattning ..." event bundling several incidents
    name              varchar,              -- the title, redacted (RESTRICTED: free text)
    summary           varchar,              -- redacted (RESTRICTED: free text)
    url               varchar,              -- path on https://polisen.se
    location_name     varchar not null,     -- location.name as published
    location_level    varchar not null,     -- municipality | county
    municipality_code varchar,              -- null for county-level events
    county_code       varchar not null,
    match_method      varchar not null,     -- location_name | name_last_part | county_only
    area_id           varchar,              -- only where the gazetteer matched
    area_match_method varchar not null,     -- gazetteer_place_name | gazetteer_area_name | none
    area_match_name   varchar,              -- the gazetteer name that matched
    centroid_lat      double,               -- location.gps: the municipality's or county's centroid, NOT the place
    centroid_lon      double,
    fetched_at        timestamp not null,   -- UTC fetch time of the file that first delivered this revision
    fetched_at_from   varchar not null,     -- file_name | load_time
    batch_id          varchar not null,
    source_file       varchar not null,
    source_sha256     varchar not null,
    source_row        bigint not null,
    run_id            varchar,
    loaded_at         timestamp not null,
    primary key (event_id, content_hash)
);

create table if not exists raw.police_event_deliveries (
    event_id        bigint not null,
    content_hash    varchar not null,
    fetched_at      timestamp not null,
    fetched_at_from varchar not null,{LINEAGE_DDL}
);
"""

REVISION_COLUMNS = (
    "event_id",
    "content_hash",
    "published_at",
    "occurred_at",
    "event_type",
    "is_summary",
    "name",
    "summary",
    "url",
    "location_name",
    "location_level",
    "municipality_code",
    "county_code",
    "match_method",
    "area_id",
    "area_match_method",
    "area_match_name",
    "centroid_lat",
    "centroid_lon",
    "fetched_at",
    "fetched_at_from",
    "source_row",
)
LINEAGE = ("batch_id", "source_file", "source_sha256", "run_id", "loaded_at")

# ---------------------------------------------------------------------------------------------------------------
# Landing file names carry the UTC fetch time.
# ---------------------------------------------------------------------------------------------------------------

LANDING_PREFIX = "polisen_events_"
_FETCH_TIME = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})T(\d{2}):?(\d{2}):?(\d{2})?Z")


def landing_file_name(fetched_at: datetime) -> str:
    """``polisen_events_2024-06-15T114400Z.json`` for a fetch at 2024-06-15 11:44:00 UTC."""
    utc = fetched_at.astimezone(UTC) if fetched_at.tzinfo else fetched_at
    return f"{LANDING_PREFIX}{utc:%Y-%m-%dT%H%M%S}Z.json"


def fetched_at_from_name(name: str) -> datetime | None:
    """The UTC fetch time a file name carries (the last ``YYYY-MM-DDTHHMM[SS]Z`` in it), naive UTC, or None."""
    matches = list(_FETCH_TIME.finditer(Path(name).stem))
    if not matches:
        return None
    year, month, day, hour, minute, second = matches[-1].groups()
    try:
        return datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0))
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------------------------
# The area gazetteer
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GazetteerEntry:
    name: str
    area_id: str
    municipality_code: str
    kind: str  # area | place


class Gazetteer:
    """Names of areas and named places, by municipality, matched against event text.

    A name matches only as a whole word sequence starting with a capital letter (so the district "Centrum"
    matches "vid Centrum" but not "i centrum"), the longest name wins where names overlap ("Gottsunda centrum"
    before "Gottsunda"), and an event whose text names places in more than one area gets no area.
    """

    def __init__(self, entries: list[GazetteerEntry]) -> None:
        self.entries = [e for e in entries if len(e.name.strip()) >= 3]
        by_municipality: dict[str, dict[str, GazetteerEntry]] = {}
        for entry in self.entries:
            names = by_municipality.setdefault(entry.municipality_code, {})
            key = entry.name.casefold()
            if key not in names or entry.kind == "place":  # a place name is the more specific reading
                names[key] = entry
        self._names = by_municipality
        self._patterns = {
            code: re.compile(
                r"(?<!\w)(" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + r")(?!\w)",
                re.IGNORECASE,
            )
            for code, names in by_municipality.items()
        }

    def __len__(self) -> int:
        return len(self.entries)

    def match(self, text: str | None, municipality_code: str | None) -> tuple[str | None, str, str | None]:
        """(area_id, area_match_method, matched name) for an event's text in its municipality."""
        pattern = self._patterns.get(municipality_code or "")
        if not text or pattern is None:
            return None, "none", None
        names = self._names[municipality_code]
        hits = [names[m.group(1).casefold()] for m in pattern.finditer(text) if m.group(1)[0].isupper()]
        areas = {hit.area_id for hit in hits}
        if len(areas) != 1:
            return None, "none", None
        best = next((h for h in hits if h.kind == "place"), hits[0])
        return best.area_id, f"gazetteer_{best.kind}_name", best.name


def build_gazetteer(areas: list[tuple[str, str, str | None]], places: list[tuple[str, str]] = ()) -> Gazetteer:
    """From the area layer (area_id, area_name, municipality_code) and named places (place name, area_id).

    Places are kept only where their area is in the layer, so a gazetteer never points at an area that does not
    exist (the demo's Uppsala places only count when the demo's district layer is loaded)."""
    municipality = {area_id: code for area_id, _, code in areas if code}
    entries = [GazetteerEntry(name, area_id, code, "area") for area_id, name, code in areas if code and name]
    entries += [
        GazetteerEntry(name, area_id, municipality[area_id], "place")
        for name, area_id in places
        if area_id in municipality
    ]
    return Gazetteer(entries)


# ---------------------------------------------------------------------------------------------------------------
# Reading and validating
# ---------------------------------------------------------------------------------------------------------------

_MONTHS = {
    m: i
    for i, m in enumerate(
        (
            "januari",
            "februari",
            "mars",
            "april",
            "maj",
            "juni",
            "juli",
            "augusti",
            "september",
            "oktober",
            "november",
            "december",
        ),
        start=1,
    )
}
_TITLE_TIME = r"^\s*(\d{1,2}) ([a-zåäö]+) (\d{1,2})[:.](\d{2})"


def content_hash(item) -> str:
    canonical = json.dumps(item, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def read_events(path: Path) -> pd.DataFrame:
    """A saved API response: every event's fields as text, its content hash and the file's fetch time."""
    try:
        payload = json.loads(decode_text(path.read_bytes(), path))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UnreadableFileError(f"not valid JSON ({exc})") from exc
    if not isinstance(payload, list):
        raise UnreadableFileError(f"expected the API's JSON array of events, found a JSON {type(payload).__name__}")
    fetched = fetched_at_from_name(path.name)
    records = []
    for index, item in enumerate(payload, start=1):
        if isinstance(item, dict):
            record = {str(k): as_text(v) for k, v in item.items()}
        else:
            record = {"__not_an_object__": json.dumps(item, ensure_ascii=False)}
        record["__content_hash__"] = content_hash(item)
        record["source_row"] = index
        records.append(record)
    frame = pd.DataFrame.from_records(records) if records else pd.DataFrame(columns=["__content_hash__", "source_row"])
    frame["__fetched_at__"] = fetched
    return frame


def _location_parts(location_json) -> tuple[str | None, str | None, bool]:
    """(location.name, location.gps, readable) from the location column as read."""
    if location_json is None:
        return None, None, False
    try:
        location = json.loads(location_json)
    except (TypeError, json.JSONDecodeError):
        return None, None, False
    if not isinstance(location, dict):
        return None, None, False
    name = location.get("name")
    gps = location.get("gps")
    name = " ".join(str(name).split()) if name is not None else None
    return (name or None), (None if gps is None else str(gps)), bool(name)


def _place_event(location_name: str | None, last_part: str | None) -> tuple | None:
    """(location_level, municipality_code, county_code, match_method) for a location name and the last comma part
    of the title, or None when the location name is neither a municipality nor a county."""
    municipality = reference.municipality(location_name)
    if municipality is not None:
        return "municipality", municipality.code, municipality.county_code, "location_name"
    county = reference.county(location_name)
    if county is None:
        return None
    named = reference.municipality(last_part) if last_part else None
    if named is not None and named.county_code == county.code:
        return "county", named.code, county.code, "name_last_part"
    return "county", None, county.code, "county_only"


def occurred_at_from_titles(titles: pd.Series, published_at: pd.Series) -> pd.Series:
    """The incident time in a title ("30 augusti 10.08, ...", local time, no year), naive UTC.

    The year is the publication's; a title dated more than half a year after the publication (31 December,
    published 1 January) is from the year before. (Titles a few days ahead are announcements and stay as they are.)"""
    parts = clean_column(titles).fillna("").str.casefold().str.extract(_TITLE_TIME)
    month = parts[1].map(_MONTHS)
    local_published = published_at.dt.tz_localize("UTC").dt.tz_convert("Europe/Stockholm").dt.tz_localize(None)
    year = local_published.dt.year
    ok = month.notna() & parts[0].notna() & year.notna()
    text = pd.Series([None] * len(titles), dtype=object)
    text[ok] = (
        year[ok].astype(int).astype(str)
        + "-"
        + month[ok].astype(int).astype(str).str.zfill(2)
        + "-"
        + parts[0][ok].str.zfill(2)
        + " "
        + parts[2][ok].str.zfill(2)
        + ":"
        + parts[3][ok]
    )
    occurred, _ = parse_timestamps(text)
    late = occurred > published_at + pd.Timedelta(days=183)
    text[late] = (year[late] - 1).astype(int).astype(str) + text[late].str[4:]
    if late.any():
        occurred[late] = parse_timestamps(text[late])[0].to_numpy()
    return occurred


@dataclass
class PoliceEventsSource:
    """Saved polisen.se API responses. Needs the gazetteer of the loaded area layer to place events in areas."""

    gazetteer: Gazetteer = field(default_factory=lambda: Gazetteer([]))
    system_start: datetime = datetime(2008, 1, 1)
    name: str = "police_events"
    raw_table: str = "raw.police_events"
    accepted_table: str = "raw.police_event_deliveries"
    ddl: str = REVISIONS_DDL
    id_column: str | None = "event_id"
    file_patterns: tuple[str, ...] = field(default=("*.json",))

    def read(self, path: Path) -> pd.DataFrame:
        if path.suffix.casefold() != ".json":
            raise UnreadableFileError(f"unsupported file type {path.suffix!r} (expected a .json API response)")
        return read_events(path)

    def validate(self, original: pd.DataFrame, ctx: LoadContext) -> tuple[pd.DataFrame, list[Rejection]]:
        raw = original.reset_index(drop=True)
        n = len(raw)
        issues = RowIssues(n, REASONS)
        if "__not_an_object__" in raw.columns:
            issues.flag("not_an_object", clean_column(raw["__not_an_object__"]).notna().to_numpy())

        ids = check_ids(column(raw, "id"), issues)
        numeric_ids = pd.to_numeric(ids, errors="coerce")
        whole = numeric_ids.notna() & (numeric_ids % 1 == 0)
        issues.flag("invalid_id", (ids.notna() & ~whole).to_numpy())

        published_at, invalid = parse_timestamps(column(raw, "datetime"))
        issues.flag("invalid_timestamp", invalid)
        issues.flag("missing_datetime", published_at.isna().to_numpy() & ~invalid)
        check_time_bounds(published_at, issues, now=ctx.now, system_start=self.system_start)

        event_types = clean_column(column(raw, "type"))
        issues.flag("missing_type", event_types.isna().to_numpy())

        titles = column(raw, "name")
        parts = column(raw, "location").map(_location_parts)
        location_names = pd.Series([p[0] for p in parts], dtype=object)
        gps = pd.Series([p[1] for p in parts], dtype=object)
        issues.flag("unreadable_location", ~np.array([p[2] for p in parts], dtype=bool))
        title_text = clean_column(titles)
        last_parts = title_text.where(title_text.fillna("").str.contains(","), None).str.rsplit(",", n=1).str[-1]
        last_parts = clean_column(last_parts)
        placed = map_unique(
            pd.Series(list(zip(location_names, last_parts, strict=True)), dtype=object),
            lambda pair: None if pair is None or pair[0] is None else _place_event(*pair),
        )
        issues.flag("unknown_location", (location_names.notna() & placed.isna()).to_numpy())

        lat, lon = self._centroids(gps, issues)

        placed_rows = [p if isinstance(p, tuple) else (None, None, None, None) for p in placed]
        municipality_codes = [p[1] for p in placed_rows]
        summaries = column(raw, "summary")
        match_texts = (clean_column(summaries).fillna("") + " " + title_text.fillna("")).tolist()
        area_matches = [
            self.gazetteer.match(text, code) for text, code in zip(match_texts, municipality_codes, strict=True)
        ]
        source_rows = raw["source_row"].astype("int64").to_numpy() if n else np.array([], "int64")
        rejections = issues.rejections(raw, source_rows, ids, drop_columns=("__content_hash__", "__fetched_at__"))

        fetched = raw["__fetched_at__"].iloc[0] if n else None
        parsed = pd.DataFrame(
            {
                "event_id": numeric_ids.where(whole).astype("Int64"),
                "content_hash": column(raw, "__content_hash__"),
                "published_at": published_at,
                "occurred_at": occurred_at_from_titles(titles, published_at),
                "event_type": event_types,
                "is_summary": event_types.fillna("").str.casefold().str.startswith("sammanfattning"),
                "name": redact_column(titles),
                "summary": redact_column(summaries),
                "url": clean_column(column(raw, "url")),
                "location_name": location_names,
                "location_level": [p[0] for p in placed_rows],
                "municipality_code": municipality_codes,
                "county_code": [p[2] for p in placed_rows],
                "match_method": [p[3] for p in placed_rows],
                "area_id": [m[0] for m in area_matches],
                "area_match_method": [m[1] for m in area_matches],
                "area_match_name": [m[2] for m in area_matches],
                "centroid_lat": lat,
                "centroid_lon": lon,
                "fetched_at": pd.Timestamp(fetched if fetched is not None and not pd.isna(fetched) else ctx.now),
                "fetched_at_from": "file_name" if fetched is not None and not pd.isna(fetched) else "load_time",
                "source_row": source_rows,
            },
            columns=REVISION_COLUMNS,
        )
        return parsed[~issues.bad].reset_index(drop=True), rejections

    @staticmethod
    def _centroids(gps: pd.Series, issues: RowIssues) -> tuple[np.ndarray, np.ndarray]:
        """location.gps "lat,lon" → floats. A missing gps is allowed (nothing uses it as a place)."""
        text = clean_column(gps)
        pairs = text.fillna("").str.split(",", n=1, expand=True).reindex(columns=[0, 1])
        a, b = parse_numbers(pairs[0]), parse_numbers(pairs[1])
        given = text.notna().to_numpy()
        readable = ~np.isnan(a) & ~np.isnan(b)
        issues.flag("invalid_coordinate", given & ~readable)
        ok = readable & geo.in_sweden_wgs84(a, b)
        swapped = readable & ~ok & geo.in_sweden_wgs84(b, a)
        issues.flag("swapped_lat_lon", swapped)
        issues.flag("outside_sweden", readable & ~ok & ~swapped)
        return np.where(ok, a, np.nan), np.where(ok, b, np.nan)

    def store(self, con, rows: pd.DataFrame) -> int:
        """Record every delivery; add a revision only where (event id, content hash) is new.

        Returns the number of new revisions of events that already had one (what this batch supersedes)."""
        deliveries = rows[["event_id", "content_hash", "fetched_at", "fetched_at_from", "source_row", *LINEAGE]]
        insert_frame(con, self.accepted_table, deliveries)
        con.register("_new_revisions", rows)
        try:
            superseded = con.execute(
                """
                select count(*) from _new_revisions n
                where not exists (select 1 from raw.police_events e
                                  where e.event_id = n.event_id and e.content_hash = n.content_hash)
                  and exists (select 1 from raw.police_events e where e.event_id = n.event_id)
                """
            ).fetchall()[0][0]
            con.execute(
                """
                insert into raw.police_events by name
                select * from _new_revisions n
                where not exists (select 1 from raw.police_events e
                                  where e.event_id = n.event_id and e.content_hash = n.content_hash)
                """
            )
        finally:
            con.unregister("_new_revisions")
        return int(superseded)
