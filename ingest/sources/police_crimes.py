"""Police-reported crimes, as record-level extracts a municipality receives from the police → ``raw.police_crimes``.

Contract: ``docs/contracts/police_crimes.md``. One row per reported crime: an id, the offence code (brottskod, four
digits) and/or category, when it occurred (from/to), when it was reported, and a point in SWEREF 99 TM (x/y) or
WGS84 (lat/lon). Extracts carry no personal data; none is kept if one does (there are no free-text columns).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd

from ingest import geo
from ingest.ledger import LoadContext, Rejection
from ingest.parsing import clean_text
from ingest.sources.base import (
    UnreadableFileError,
    raw_row_content,
    read_delimited,
    read_json_records,
    read_xlsx,
    rename_by_alias,
)
from ingest.sources.common import ID_REASONS, LOCATION_REASONS, TIME_REASONS, check_ids, locate, parse_times

ALIASES: dict[str, tuple[str, ...]] = {
    "crime_id": ("Anmälan-ID", "AnmälanID", "Diarienummer", "Ärendenummer", "crime_id", "id", "anmalan_id"),
    "offence_code": ("Brottskod", "offence_code", "brottskod", "kod"),
    "offence_category": ("Brottskategori", "Brottstyp", "Brott", "offence_category", "offence"),
    "occurred_from": ("Brott från", "Brottstid från", "Från", "Händelsetid", "occurred_from", "occurred_at"),
    "occurred_to": ("Brott till", "Brottstid till", "Till", "occurred_to"),
    "reported_at": ("Anmäld", "Anmälningstid", "Anmält", "reported_at"),
    "x": ("X (SWEREF 99 TM)", "X", "Easting", "sweref_x", "E"),
    "y": ("Y (SWEREF 99 TM)", "Y", "Northing", "sweref_y", "N"),
    "lat": ("Latitud", "Lat", "latitude"),
    "lon": ("Longitud", "Long", "Lng", "longitude"),
}

REASONS: dict[str, str] = {
    **ID_REASONS,
    "missing_offence": "the row has neither an offence code nor an offence category",
    "invalid_offence_code": "the offence code is not a four-digit brottskod",
    **TIME_REASONS,
    "reported_before_occurred": "the crime was reported before it occurred",
    **LOCATION_REASONS,
}
REASON_ORDER = tuple(REASONS)

RAW_DDL = """
create table if not exists raw.police_crimes (
    crime_id          varchar not null,
    offence_code      varchar,              -- brottskod (4 digits), where given
    offence_category  varchar,              -- as given in the extract
    occurred_from     timestamp not null,   -- UTC
    occurred_to       timestamp,            -- UTC
    reported_at       timestamp,            -- UTC
    lat               double not null,      -- WGS84
    lon               double not null,
    coord_input       varchar not null,     -- wgs84 | sweref99tm: what the extract gave
    municipality_code varchar,
    area_id           varchar not null,
    h3_cell           varchar not null,
    batch_id          varchar not null,
    source_file       varchar not null,
    source_sha256     varchar not null,
    source_row        bigint not null,
    run_id            varchar,
    loaded_at         timestamp not null
);
"""

_BROTTSKOD = re.compile(r"^\d{4}$")


@dataclass
class PoliceCrimesSource:
    area_index: geo.AreaIndex
    system_start: datetime = datetime(1990, 1, 1)
    name: str = "police_crimes"
    raw_table: str = "raw.police_crimes"
    ddl: str = RAW_DDL
    id_column: str | None = "crime_id"
    file_patterns: tuple[str, ...] = field(default=("*.csv", "*.txt", "*.json", "*.xlsx"))

    def read(self, path: Path) -> pd.DataFrame:
        suffix = path.suffix.casefold()
        if suffix in {".csv", ".txt"}:
            frame = read_delimited(path)
        elif suffix == ".json":
            frame = read_json_records(path, records_key="crimes")
        elif suffix == ".xlsx":
            frame = read_xlsx(path)
        else:
            raise UnreadableFileError(f"unsupported file type {path.suffix!r} (expected .csv, .json or .xlsx)")
        recognised = set(rename_by_alias(frame.head(0), ALIASES).columns)
        if len(frame) and not {"crime_id", "offence_code", "occurred_from"} & recognised:
            raise UnreadableFileError(
                "no recognisable police crime columns (expected e.g. Anmälan-ID, Brottskod, Brott från); "
                f"found {', '.join(map(str, frame.columns[:8]))}"
            )
        return frame

    def validate(self, original: pd.DataFrame, ctx: LoadContext) -> tuple[pd.DataFrame, list[Rejection]]:
        original = original.reset_index(drop=True)
        raw = rename_by_alias(original, ALIASES)
        n = len(raw)
        issues: list[list[str]] = [[] for _ in range(n)]

        def column(name: str) -> list:
            return raw[name].tolist() if name in raw.columns else [None] * n

        crime_ids = check_ids(column("crime_id"), issues)
        codes = [clean_text(v) for v in column("offence_code")]
        categories = [clean_text(v) for v in column("offence_category")]
        for i in range(n):
            if codes[i] is None and categories[i] is None:
                issues[i].append("missing_offence")
            elif codes[i] is not None and not _BROTTSKOD.match(codes[i].zfill(4) if codes[i].isdigit() else codes[i]):
                issues[i].append("invalid_offence_code")
            elif codes[i] is not None:
                codes[i] = codes[i].zfill(4)  # Excel drops leading zeros: 301 → 0301

        occurred_from = parse_times(column("occurred_from"), issues, required=True)
        occurred_to = parse_times(column("occurred_to"), issues, required=False)
        reported_at = parse_times(column("reported_at"), issues, required=False)
        limit = ctx.now + timedelta(hours=1)
        for i in range(n):
            start, end, reported = occurred_from[i], occurred_to[i], reported_at[i]
            if start is not None and start > limit:
                issues[i].append("future_timestamp")
            if start is not None and start < self.system_start:
                issues[i].append("before_system_start")
            if start is not None and end is not None and end < start:
                issues[i].append("window_ends_before_start")
            if start is not None and reported is not None and reported < start - timedelta(hours=1):
                issues[i].append("reported_before_occurred")

        lat, lon, coord_input, area_ids = locate(column("lat"), column("lon"), column("x"), column("y"), issues,
                                                 self.area_index)
        content = raw_row_content(original)
        accepted_idx = [i for i in range(n) if not issues[i]]
        rejections = []
        for i in range(n):
            if not issues[i]:
                continue
            reasons = sorted(set(issues[i]), key=REASON_ORDER.index)
            rejections.append(Rejection(int(raw.at[i, "source_row"]), reasons[0], REASONS[reasons[0]], content[i],
                                        crime_ids[i], tuple(reasons)))
        accepted = pd.DataFrame(
            {
                "crime_id": [crime_ids[i] for i in accepted_idx],
                "offence_code": [codes[i] for i in accepted_idx],
                "offence_category": [categories[i] for i in accepted_idx],
                "occurred_from": pd.to_datetime(pd.Series([occurred_from[i] for i in accepted_idx], dtype="object")),
                "occurred_to": pd.to_datetime(pd.Series([occurred_to[i] for i in accepted_idx], dtype="object")),
                "reported_at": pd.to_datetime(pd.Series([reported_at[i] for i in accepted_idx], dtype="object")),
                "lat": [float(lat[i]) for i in accepted_idx],
                "lon": [float(lon[i]) for i in accepted_idx],
                "coord_input": [coord_input[i] for i in accepted_idx],
                "municipality_code": [self.area_index.municipality_of(area_ids[i]) for i in accepted_idx],
                "area_id": [area_ids[i] for i in accepted_idx],
                "source_row": [int(raw.at[i, "source_row"]) for i in accepted_idx],
            }
        )
        accepted["h3_cell"] = geo.h3_cells(accepted["lat"], accepted["lon"])
        return accepted, rejections
