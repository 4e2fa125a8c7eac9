"""EST reports as exported from the reporting system (EMBRACE-like): CSV, JSON or XLSX → ``raw.est_reports``.

The contract (fields, formats and every rejection reason) is documented in ``docs/contracts/est_reports.md``.
A reporter's name, if an export carries one, is never stored: only organisation and role. Every free-text field
(description, place name, setting, organisation, role) is redacted (``ingest.redact``) before it is stored.
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
from ingest.parsing import clean_text, parse_bool, parse_number
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
    clean_column,
    column,
    locate,
    map_unique,
    parse_times,
    redact_column,
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
    **NOT_AN_OBJECT,
    **ID_REASONS,
    "missing_category": "the report has no category",
    "unknown_category": "the category label is not in the EST taxonomy (not guessed)",
    "unknown_subcategory": "the subcategory label does not belong to the category in the EST taxonomy",
    **TIME_REASONS,
    "observed_after_submitted": "the observed time is after the time the report was submitted",
    **LOCATION_REASONS,
    "invalid_people_band": "the number of people is not one of 1-4, 5-9, 10-19, 20+ or a count",
    **EXTRA_CELLS,
}

RAW_DDL = f"""
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
    h3_cell           varchar not null,{LINEAGE_DDL}
);
"""


def people_band(value) -> tuple[str | None, bool]:
    """Normalise the number-of-people band; returns (band, ok)."""
    text = clean_text(value)
    if text is None:
        return None, True
    folded = text.replace("–", "-").replace("—", "-").replace(" ", "").casefold()
    aliases = {
        "1-4": "1-4",
        "5-9": "5-9",
        "10-19": "10-19",
        "20+": "20+",
        "20-": "20+",
        ">20": "20+",
        "20ellerfler": "20+",
        "fler\u00e4n20": "20+",
        ">=20": "20+",
    }
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
                lambda df: (
                    df["submitted_at"].isna()
                    | df["observed_at"].isna()
                    | (df["observed_at"] <= df["submitted_at"] + timedelta(hours=1))
                ),
                name="observed_after_submitted",
            ),
            pa.Check(
                lambda df: (
                    df["observed_to"].isna() | df["observed_at"].isna() | (df["observed_to"] >= df["observed_at"])
                ),
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
        original, raw, issues = begin_validation(original, ALIASES, REASONS)
        report_ids = check_ids(column(raw, "report_id"), issues)

        # --- category ------------------------------------------------------------------------------------------
        category_labels = clean_column(column(raw, "category"))
        subcategory_labels = clean_column(column(raw, "subcategory"))
        categories = map_unique(category_labels, taxonomy.category_code)
        issues.flag("missing_category", category_labels.isna().to_numpy())
        issues.flag("unknown_category", (category_labels.notna() & categories.isna()).to_numpy())
        pairs = pd.Series(list(zip(categories, subcategory_labels, strict=True)), dtype=object)
        subcategories = map_unique(
            pairs, lambda pair: None if pair is None or pair[0] is None else taxonomy.subcategory_code(pair[0], pair[1])
        )
        issues.flag(
            "unknown_subcategory", (categories.notna() & subcategory_labels.notna() & subcategories.isna()).to_numpy()
        )

        # --- times ---------------------------------------------------------------------------------------------
        observed_at = parse_times(column(raw, "observed_at"), issues, required=True)
        observed_to = parse_times(column(raw, "observed_to"), issues, required=False)
        submitted_at = parse_times(column(raw, "submitted_at"), issues, required=False)

        # --- location ------------------------------------------------------------------------------------------
        lat, lon, coord_input, area_ids = locate(
            column(raw, "lat"), column(raw, "lon"), column(raw, "x"), column(raw, "y"), issues, self.area_index
        )

        # --- people band ---------------------------------------------------------------------------------------
        band_labels = clean_column(column(raw, "people_band"))
        bands = map_unique(band_labels, lambda v: people_band(v)[0])
        issues.flag("invalid_people_band", (band_labels.notna() & bands.isna()).to_numpy())

        parsed = pd.DataFrame(
            {
                "report_id": report_ids,
                "observed_at": observed_at,
                "observed_to": observed_to,
                "submitted_at": submitted_at,
                "reporter_org": redact_column(column(raw, "reporter_org")),
                "reporter_role": redact_column(column(raw, "reporter_role")),
                "category_code": categories,
                "subcategory_code": subcategories,
                "category_label": category_labels,
                "subcategory_label": subcategory_labels,
                "lat": lat,
                "lon": lon,
                "coord_input": coord_input,
                "place_name": redact_column(column(raw, "place_name")),
                "setting": redact_column(column(raw, "setting")),
                "people_band": bands,
                "police_notified": map_unique(column(raw, "police_notified"), parse_bool).astype("boolean"),
                "description": redact_column(column(raw, "description")),
                "area_id": area_ids,
                "municipality_code": [self.area_index.municipality_of(a) for a in area_ids],
                "source_row": raw["source_row"].astype("int64").to_numpy() if len(raw) else np.array([], "int64"),
            }
        )

        # --- domain rules (pandera) ----------------------------------------------------------------------------
        try:
            _schema(ctx.now, self.system_start).validate(parsed, lazy=True)
        except pa.errors.SchemaErrors as errors:
            failures = errors.failure_cases
            for check in failures["check"].dropna().unique():
                if check in REASONS:
                    rows = failures.loc[failures["check"] == check, "index"].dropna().astype(int).to_numpy()
                    mask = np.zeros(len(parsed), dtype=bool)
                    mask[rows] = True
                    issues.flag(check, mask)

        rejections = issues.rejections(original, parsed["source_row"], report_ids, drop_columns=DROPPED_COLUMNS)
        accepted = parsed[~issues.bad].reset_index(drop=True)
        accepted["h3_cell"] = geo.h3_cells(accepted["lat"], accepted["lon"])
        return accepted, rejections
