"""EST reports as exported from the reporting system (EMBRACE-like): CSV, JSON or XLSX → ``raw.est_reports``.

The contract (fields, formats and every rejection reason) is documented in ``docs/contracts/est_reports.md``.
A reporter's name, if an export carries one, is never stored: only organisation and role.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from ingest import geo, taxonomy
from ingest.ledger import LoadContext, Rejection
from ingest.parsing import clean_text, parse_bool, parse_number, parse_timestamp
from ingest.redact import redact
from ingest.sources.base import (
    UnreadableFileError,
    raw_row_content,
    read_delimited,
    read_json_records,
    read_xlsx,
    rename_by_alias,
)

# Export headers we accept for each canonical field (Swedish first; matched without case or punctuation).
ALIASES: dict[str, tuple[str, ...]] = {
    "report_id": ("Rapport-ID", "RapportID", "Ärende-ID", "id", "rapportnummer"),
    "observed_at": ("Händelsetid", "Tidpunkt", "Händelse från", "Från", "observerad", "observed", "occurred_at"),
    "observed_to": ("Händelsetid till", "Händelse till", "Till", "observed_until"),
    "submitted_at": ("Inrapporterad", "Rapporterad", "Inskickad", "submitted", "created_at"),
    "reporter_org": ("Organisation", "Rapporterande organisation", "Verksamhet", "organisation", "org"),
    "reporter_role": ("Roll", "Rapportörsroll", "Yrkesroll", "role"),
    "category": ("Kategori", "Händelsetyp", "category_label"),
    "subcategory": ("Underkategori", "Typ", "subcategory_label"),
    "lat": ("Latitud", "Lat", "latitude", "wgs84_lat"),
    "lon": ("Longitud", "Long", "Lng", "longitude", "wgs84_lon"),
    "x": ("X", "Easting", "X (SWEREF 99 TM)", "sweref_x", "E"),
    "y": ("Y", "Northing", "Y (SWEREF 99 TM)", "sweref_y", "N"),
    "place_name": ("Plats", "Platsnamn", "Adress/plats", "place"),
    "setting": ("Miljö", "Platstyp", "Typ av plats"),
    "people_band": ("Antal personer", "Antal", "people", "number_of_people"),
    "police_notified": ("Polis underrättad", "Polisanmält", "Polis kontaktad", "police_contacted"),
    "description": ("Beskrivning", "Fritext", "Händelsebeskrivning", "text"),
}

# Columns we deliberately never keep, even in the raw table (personal data).
DROPPED_COLUMNS = ("Rapportör", "Rapportörens namn", "Namn", "reporter_name", "Telefon", "E-post")

REASONS: dict[str, str] = {
    "missing_id": "the report has no report id",
    "duplicate_id_in_file": "the same report id appears more than once in this file; the first is kept",
    "missing_category": "the report has no category",
    "unknown_category": "the category label is not in the EST taxonomy (not guessed)",
    "unknown_subcategory": "the subcategory label does not belong to the category in the EST taxonomy",
    "missing_observed_at": "the report has no observed time",
    "invalid_timestamp": "a time could not be read",
    "future_timestamp": "the observed time is in the future",
    "before_system_start": "the observed time is before the reporting system existed",
    "observed_after_submitted": "the observed time is after the time the report was submitted",
    "window_ends_before_start": "the observed time window ends before it starts",
    "missing_location": "the report has neither lat/lon nor SWEREF 99 TM x/y",
    "invalid_coordinate": "a coordinate is not a number",
    "swapped_lat_lon": "latitude and longitude are swapped",
    "sweref_as_wgs84": "SWEREF 99 TM metres were given in the WGS84 lat/lon columns",
    "wgs84_as_sweref": "WGS84 degrees were given in the SWEREF 99 TM x/y columns",
    "outside_sweden": "the coordinates are outside Sweden",
    "outside_municipality": "the coordinates are outside the municipality's area layer",
    "invalid_people_band": "the number of people is not one of 1-4, 5-9, 10-19, 20+ or a count",
    "unexpected_columns": "the row has more cells than the header",
}
# The first matching reason in this order is the row's primary reason.
REASON_ORDER = tuple(REASONS)

RAW_DDL = """
create table if not exists raw.est_reports (
    report_id         varchar not null,
    observed_at       timestamp not null,   -- UTC
    observed_to       timestamp,            -- UTC, end of the time window if the report gives one
    submitted_at      timestamp,            -- UTC
    reporter_org      varchar,
    reporter_role     varchar,
    category_code     varchar not null,
    subcategory_code  varchar,
    category_label    varchar,              -- as exported
    subcategory_label varchar,
    lat               double not null,      -- WGS84
    lon               double not null,
    coord_input       varchar not null,     -- wgs84 | sweref99tm: what the export gave
    place_name        varchar,
    setting           varchar,
    people_band       varchar,
    police_notified   boolean,
    description       varchar,              -- redacted free text (personal data removed)
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


def people_band(value) -> tuple[str | None, bool]:
    """Normalise the number-of-people band; returns (band, ok)."""
    text = clean_text(value)
    if text is None:
        return None, True
    folded = text.replace("–", "-").replace("—", "-").replace(" ", "").casefold()
    aliases = {"1-4": "1-4", "5-9": "5-9", "10-19": "10-19", "20+": "20+", "20-": "20+", ">20": "20+",
               "20ellerfler": "20+", "fler\u00e4n20": "20+", ">=20": "20+"}
    if folded in aliases:
        return aliases[folded], True
    number = parse_number(folded)
    if number is not None and number >= 1 and float(number).is_integer():
        n = int(number)
        return ("1-4" if n <= 4 else "5-9" if n <= 9 else "10-19" if n <= 19 else "20+"), True
    return None, False


def _schema(now: datetime, system_start: datetime) -> pa.DataFrameSchema:
    """Domain rules on parsed values. Each check's name is the quarantine reason code."""
    return pa.DataFrameSchema(
        {
            "observed_at": pa.Column(
                checks=[
                    pa.Check(lambda s: s <= now + timedelta(hours=1), name="future_timestamp", ignore_na=True),
                    pa.Check(lambda s: s >= system_start, name="before_system_start", ignore_na=True),
                ],
                nullable=True,
            ),
        },
        checks=[
            pa.Check(
                lambda df: df["submitted_at"].isna() | df["observed_at"].isna()
                | (df["observed_at"] <= df["submitted_at"] + timedelta(hours=1)),
                name="observed_after_submitted",
            ),
            pa.Check(
                lambda df: df["observed_to"].isna() | df["observed_at"].isna()
                | (df["observed_to"] >= df["observed_at"]),
                name="window_ends_before_start",
            ),
        ],
        coerce=False,
    )


@dataclass
class EstReportsSource:
    """Reads and validates EST report exports. Needs the area layer to place reports in areas."""

    area_index: geo.AreaIndex
    system_start: datetime = datetime(2015, 1, 1)
    name: str = "est_reports"
    raw_table: str = "raw.est_reports"
    ddl: str = RAW_DDL
    id_column: str | None = "report_id"
    file_patterns: tuple[str, ...] = field(default=("*.csv", "*.txt", "*.json", "*.xlsx"))

    def read(self, path: Path) -> pd.DataFrame:
        suffix = path.suffix.casefold()
        if suffix in {".csv", ".txt"}:
            frame = read_delimited(path)
        elif suffix == ".json":
            frame = read_json_records(path, records_key="reports")
        elif suffix == ".xlsx":
            frame = read_xlsx(path)
        else:
            raise UnreadableFileError(f"unsupported file type {path.suffix!r} (expected .csv, .json or .xlsx)")
        recognised = set(rename_by_alias(frame.head(0), ALIASES).columns)
        if len(frame) and not {"report_id", "category", "observed_at"} & recognised:
            raise UnreadableFileError(
                "no recognisable EST report columns (expected e.g. Rapport-ID, Händelsetid, Kategori); "
                f"found {', '.join(map(str, frame.columns[:8]))}"
            )
        return frame

    def validate(self, original: pd.DataFrame, ctx: LoadContext) -> tuple[pd.DataFrame, list[Rejection]]:
        original = original.reset_index(drop=True)
        raw = rename_by_alias(original, ALIASES)  # canonical names for parsing; quarantine keeps the originals
        n = len(raw)
        issues: list[list[str]] = [[] for _ in range(n)]

        def column(name: str) -> list:
            return raw[name].tolist() if name in raw.columns else [None] * n

        # --- ids -----------------------------------------------------------------------------------------------
        report_ids = [clean_text(v) for v in column("report_id")]
        seen: set[str] = set()
        for i, rid in enumerate(report_ids):
            if rid is None:
                issues[i].append("missing_id")
            elif rid in seen:
                issues[i].append("duplicate_id_in_file")
            else:
                seen.add(rid)
        if "__extra__" in raw.columns:
            for i, extra in enumerate(column("__extra__")):
                if extra is not None and not (isinstance(extra, float) and np.isnan(extra)):
                    issues[i].append("unexpected_columns")

        # --- category ------------------------------------------------------------------------------------------
        categories, subcategories = [], []
        for i, (label, sub_label) in enumerate(zip(column("category"), column("subcategory"), strict=True)):
            code = taxonomy.category_code(label)
            if clean_text(label) is None:
                issues[i].append("missing_category")
            elif code is None:
                issues[i].append("unknown_category")
            sub = taxonomy.subcategory_code(code, sub_label) if code else None
            if code and clean_text(sub_label) is not None and sub is None:
                issues[i].append("unknown_subcategory")
            categories.append(code)
            subcategories.append(sub)

        # --- times ---------------------------------------------------------------------------------------------
        def times(name: str, required: bool) -> list:
            parsed = []
            for i, value in enumerate(column(name)):
                ts = parse_timestamp(value)
                if ts is None and clean_text(value) is not None:
                    issues[i].append("invalid_timestamp")
                elif ts is None and required:
                    issues[i].append("missing_observed_at")
                parsed.append(ts)
            return parsed

        observed_at, observed_to, submitted_at = times("observed_at", True), times("observed_to", False), times(
            "submitted_at", False)

        # --- location ------------------------------------------------------------------------------------------
        lat, lon, coord_input = self._locate(column("lat"), column("lon"), column("x"), column("y"), issues)
        area_ids = self.area_index.assign(lat, lon)
        for i in range(n):
            located = np.isfinite(lat[i]) and np.isfinite(lon[i])
            if located and area_ids[i] is None and not issues[i].count("outside_sweden"):
                issues[i].append("outside_municipality")

        # --- people band ---------------------------------------------------------------------------------------
        bands = []
        for i, value in enumerate(column("people_band")):
            band, ok = people_band(value)
            if not ok:
                issues[i].append("invalid_people_band")
            bands.append(band)

        parsed = pd.DataFrame(
            {
                "report_id": report_ids,
                "observed_at": pd.to_datetime(pd.Series(observed_at, dtype="object")),
                "observed_to": pd.to_datetime(pd.Series(observed_to, dtype="object")),
                "submitted_at": pd.to_datetime(pd.Series(submitted_at, dtype="object")),
                "reporter_org": [clean_text(v) for v in column("reporter_org")],
                "reporter_role": [clean_text(v) for v in column("reporter_role")],
                "category_code": categories,
                "subcategory_code": subcategories,
                "category_label": [clean_text(v) for v in column("category")],
                "subcategory_label": [clean_text(v) for v in column("subcategory")],
                "lat": lat,
                "lon": lon,
                "coord_input": coord_input,
                "place_name": [clean_text(v) for v in column("place_name")],
                "setting": [clean_text(v) for v in column("setting")],
                "people_band": bands,
                "police_notified": pd.Series([parse_bool(v) for v in column("police_notified")], dtype="boolean"),
                "description": [redact(clean_text(v)) for v in column("description")],
                "area_id": area_ids,
                "source_row": raw["source_row"].astype("int64").tolist() if n else [],
            }
        )
        parsed["municipality_code"] = [self.area_index.municipality_of(a) for a in area_ids]

        # --- domain rules (pandera) ----------------------------------------------------------------------------
        try:
            _schema(ctx.now, self.system_start).validate(parsed, lazy=True)
        except pa.errors.SchemaErrors as errors:
            for check, index in errors.failure_cases[["check", "index"]].itertuples(index=False):
                if index is not None and not pd.isna(index) and check in REASONS:
                    issues[int(index)].append(check)

        bad = [i for i in range(n) if issues[i]]
        raw_content = raw_row_content(original.drop(columns=[c for c in DROPPED_COLUMNS if c in original.columns]))
        rejections = []
        for i in bad:
            codes = sorted(set(issues[i]), key=REASON_ORDER.index)
            rejections.append(
                Rejection(
                    source_row=int(parsed.at[i, "source_row"]),
                    reason_code=codes[0],
                    reason=REASONS[codes[0]],
                    raw_content=raw_content[i],
                    record_id=report_ids[i],
                    all_reasons=tuple(codes),
                )
            )
        accepted = parsed.drop(index=bad).reset_index(drop=True)
        accepted["h3_cell"] = geo.h3_cells(accepted["lat"], accepted["lon"])
        return accepted, rejections

    def _locate(self, lat_raw, lon_raw, x_raw, y_raw, issues) -> tuple[np.ndarray, np.ndarray, list[str | None]]:
        """WGS84 lat/lon for every row, diagnosing the usual coordinate mistakes."""
        n = len(issues)
        lat = np.full(n, np.nan)
        lon = np.full(n, np.nan)
        coord_input: list[str | None] = [None] * n
        for i in range(n):
            a, b = parse_number(lat_raw[i]), parse_number(lon_raw[i])
            x, y = parse_number(x_raw[i]), parse_number(y_raw[i])
            text_given = any(clean_text(v) is not None for v in (lat_raw[i], lon_raw[i], x_raw[i], y_raw[i]))
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
                    east, north = (x, y) if x < y else (y, x)  # northing is always the larger number in Sweden
                    la, lo = geo.sweref_to_wgs84(east, north)
                    lat[i], lon[i] = float(la), float(lo)
                elif geo.in_sweden_wgs84(x, y) or geo.in_sweden_wgs84(y, x):
                    issues[i].append("wgs84_as_sweref")
                else:
                    issues[i].append("outside_sweden")
            elif text_given:
                issues[i].append("invalid_coordinate")
            else:
                issues[i].append("missing_location")
        return lat, lon, coord_input
