"""Police-reported crimes, as record-level extracts a municipality receives from the police → ``raw.police_crimes``.

Contract: ``docs/contracts/police_crimes.md``. One row per reported crime: an id, the offence code (brottskod, four
digits) and/or category, when it occurred (from/to), when it was reported, and a point in SWEREF 99 TM (x/y) or
WGS84 (lat/lon). Extracts carry no personal data; the one text field (offence category) is redacted anyway.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from ingest import geo
from ingest.ledger import LoadContext, Rejection
from ingest.redact import redact
from ingest.sources.base import (
    LINEAGE_DDL,
    UnreadableFileError,
    read_delimited,
    read_json_records,
    read_xlsx,
    rename_by_alias,
)
from ingest.sources.common import (
    EXTRA_CELLS,
    ID_REASONS,
    LOCATION_REASONS,
    NOT_AN_OBJECT,
    TIME_REASONS,
    begin_validation,
    check_ids,
    check_time_bounds,
    clean_column,
    column,
    locate,
    map_unique,
    parse_times,
)

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
    **NOT_AN_OBJECT,
    **ID_REASONS,
    "missing_offence": "the row has neither an offence code nor an offence category",
    "invalid_offence_code": "the offence code is not a four-digit brottskod",
    **TIME_REASONS,
    "reported_before_occurred": "the crime was reported before it occurred",
    **LOCATION_REASONS,
    **EXTRA_CELLS,
}

RAW_DDL = f"""
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
    h3_cell           varchar not null,{LINEAGE_DDL}
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
        original, raw, issues = begin_validation(original, ALIASES, REASONS)
        crime_ids = check_ids(column(raw, "crime_id"), issues)

        codes = clean_column(column(raw, "offence_code"))
        categories = clean_column(column(raw, "offence_category"))
        issues.flag("missing_offence", (codes.isna() & categories.isna()).to_numpy())
        # Excel drops leading zeros: 301 → 0301.
        padded = codes.where(~codes.fillna("").str.isdigit(), codes.fillna("").str.zfill(4)).astype(object)
        issues.flag("invalid_offence_code", (codes.notna() & ~padded.fillna("").str.match(_BROTTSKOD)).to_numpy())

        occurred_from = parse_times(column(raw, "occurred_from"), issues, required=True)
        occurred_to = parse_times(column(raw, "occurred_to"), issues, required=False)
        reported_at = parse_times(column(raw, "reported_at"), issues, required=False)
        check_time_bounds(occurred_from, issues, now=ctx.now, system_start=self.system_start)
        issues.flag("window_ends_before_start", (occurred_to < occurred_from).to_numpy())
        issues.flag("reported_before_occurred", (reported_at < occurred_from - pd.Timedelta(hours=1)).to_numpy())

        lat, lon, coord_input, area_ids = locate(
            column(raw, "lat"), column(raw, "lon"), column(raw, "x"), column(raw, "y"), issues, self.area_index
        )
        source_rows = raw["source_row"].astype("int64").to_numpy() if len(raw) else np.array([], "int64")
        rejections = issues.rejections(original, source_rows, crime_ids)
        parsed = pd.DataFrame(
            {
                "crime_id": crime_ids,
                "offence_code": padded,
                "offence_category": map_unique(categories, redact),
                "occurred_from": occurred_from,
                "occurred_to": occurred_to,
                "reported_at": reported_at,
                "lat": lat,
                "lon": lon,
                "coord_input": coord_input,
                "municipality_code": [self.area_index.municipality_of(a) for a in area_ids],
                "area_id": area_ids,
                "source_row": source_rows,
            }
        )
        accepted = parsed[~issues.bad].reset_index(drop=True)
        accepted["h3_cell"] = geo.h3_cells(accepted["lat"], accepted["lon"])
        return accepted, rejections
