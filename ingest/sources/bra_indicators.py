"""Brå municipal indicators (reported crime and NTU survey results, annual) → ``raw.bra_indicators``.

Contract: ``docs/contracts/bra_indicators.md``. Two file shapes are accepted:

* the long format Brå's "Indikatorer för kommuner" comes in (and Region Dalarna's copy of it): one value per row,
  columns geography, unit, year, indicator, value, source (``geografi, enhet, ar, variabel, varde, kalla``);
* Brå's annual open CSV ``Kommun;Antal;Per 100 000 inv.`` (total reported crimes per municipality). It has no year
  column, so the year must be in the file name (``bra_anmalda_brott_2024.csv``); each of its rows becomes two
  values (``Antal`` and ``Per 100 000 inv.``), and rows read counts those values.

Geography names become codes with the SCB code list (``ingest.reference``): a municipality (``Falun`` → 2080), a
county (``Dalarnas län`` → 20) or the whole country (``Hela landet`` → 00). Names that are none of these are
quarantined, not guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ingest import reference
from ingest.ledger import LoadContext, Rejection
from ingest.sources.base import (
    LINEAGE_DDL,
    UnreadableFileError,
    fold_header,
    read_delimited,
    read_xlsx,
    rename_by_alias,
)
from ingest.sources.common import (
    EXTRA_CELLS,
    begin_validation,
    clean_column,
    column,
    map_unique,
    parse_numbers,
)

ALIASES: dict[str, tuple[str, ...]] = {
    "geography": ("geografi", "geography", "kommun", "region", "område", "omrade", "län", "lan"),
    "unit": ("enhet", "unit", "måttenhet", "mått"),
    "year": ("ar", "år", "year", "period"),
    "indicator": ("variabel", "indikator", "indicator", "brottstyp", "variable"),
    "value": ("varde", "värde", "value"),
    "source": ("kalla", "källa", "source"),
}

# The annual open CSV: Kommun;Antal;Per 100 000 inv.
ANNUAL_COLUMNS = {"kommun": "geography", "antal": "Antal", "per100000inv": "Per 100 000 inv."}
ANNUAL_INDICATOR = "Totalt antal anmälda brott"
ANNUAL_SOURCE = "Anmälda brott (Brå, årlig öppen CSV)"

REASONS: dict[str, str] = {
    "missing_geography": "the row names no geography",
    "unknown_geography": "the geography is not a Swedish municipality, county or 'Hela landet'",
    "missing_indicator": "the row names no indicator",
    "invalid_year": "the year is not a year between 1950 and next year",
    "missing_unit": "the row has no unit and the indicator does not name one",
    "unknown_unit": "the unit is not one of Antal, per 100 000 inv, Andel (%) or a KI (95 %) bound",
    "missing_value": "the value is blank or suppressed ('..', '-')",
    "invalid_value": "the value is not a number",
    "value_out_of_range": "the value is negative, or a percentage above 100",
    "duplicate_key_in_file": "the same geography, year, indicator, unit and source appear more than once; the "
    "first is kept",
    **EXTRA_CELLS,
}

RAW_DDL = f"""
create table if not exists raw.bra_indicators (
    geography_name    varchar not null,   -- as given: "Falun", "Dalarnas län", "Hela landet"
    geography_level   varchar not null,   -- municipality | county | national
    geography_code    varchar not null,   -- kommunkod (2080), länskod (20) or 00 for the whole country
    municipality_code varchar,            -- set for municipalities
    county_code       varchar,            -- set for municipalities and counties
    year              integer not null,
    indicator         varchar not null,   -- Brå's indicator name, verbatim
    unit              varchar,            -- as given
    unit_code         varchar not null,   -- count | per_100k | percent | ci_lower | ci_upper
    value             double not null,
    source_name       varchar,            -- Brå's source: "Anmälda brott", "Nationella trygghetsundersökningen (NTU)"{LINEAGE_DDL}
);
"""

_SUPPRESSED = {"..", ".", "-", "–", "—", "x", "X"}


def unit_code(unit: str | None, indicator: str | None) -> str | None:
    """A stable code for Brå's unit labels; a blank unit is read from an indicator that names it ("Antal …")."""
    if unit is None:
        return "count" if indicator and indicator.casefold().startswith("antal ") else None
    folded = unit.casefold()
    if folded.startswith("ki") and "undre" in folded:
        return "ci_lower"
    if folded.startswith("ki") and "övre" in folded:
        return "ci_upper"
    if "per 100 000" in folded or "per 100000" in folded:
        return "per_100k"
    if folded.startswith("andel") or "%" in folded:
        return "percent"
    if folded == "antal":
        return "count"
    return "unknown"


def geography(name: str | None) -> tuple[str, str, str | None, str | None] | None:
    """(level, code, municipality_code, county_code) for a geography name, or None when it is none of them."""
    if name is None:
        return None
    if reference.is_national(name):
        return "national", reference.NATIONAL_CODE, None, None
    municipality = reference.municipality(name)
    if municipality is not None:
        return "municipality", municipality.code, municipality.code, municipality.county_code
    county = reference.county(name)
    if county is not None:
        return "county", county.code, None, county.code
    return None


def _year_from_name(path: Path) -> str | None:
    years = re.findall(r"(?<!\d)((?:19|20)\d{2})(?!\d)", path.stem)
    return years[-1] if years else None


def _annual_to_long(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    """``Kommun;Antal;Per 100 000 inv.`` → one long row per (kommun, measure), keeping each value's source row."""
    year = _year_from_name(path)
    if year is None:
        raise UnreadableFileError(
            "this is Brå's annual 'Kommun;Antal;Per 100 000 inv.' table, which has no year column: put the year in "
            "the file name (e.g. bra_anmalda_brott_2024.csv)"
        )
    by_fold = {fold_header(c): c for c in frame.columns}
    parts = []
    for unit in ("Antal", "Per 100 000 inv."):
        part = pd.DataFrame(
            {
                "geography": frame[by_fold["kommun"]],
                "unit": unit,
                "year": year,
                "indicator": ANNUAL_INDICATOR,
                "value": frame[by_fold[fold_header(unit)]],
                "source": ANNUAL_SOURCE,
                "source_row": frame["source_row"],
            }
        )
        if "__extra__" in frame.columns:
            part["__extra__"] = frame["__extra__"]
        parts.append(part)
    return pd.concat(parts, ignore_index=True).sort_values(["source_row", "unit"], kind="stable", ignore_index=True)


@dataclass
class BraIndicatorsSource:
    name: str = "bra_indicators"
    raw_table: str = "raw.bra_indicators"
    ddl: str = RAW_DDL
    id_column: str | None = None  # the key is (geography, year, indicator, unit, source); staging keeps the latest
    file_patterns: tuple[str, ...] = field(default=("*.csv", "*.txt", "*.xlsx"))

    def read(self, path: Path) -> pd.DataFrame:
        suffix = path.suffix.casefold()
        if suffix in {".csv", ".txt"}:
            frame = read_delimited(path)
        elif suffix == ".xlsx":
            frame = read_xlsx(path)
        else:
            raise UnreadableFileError(f"unsupported file type {path.suffix!r} (expected .csv or .xlsx)")
        folded = {fold_header(c) for c in frame.columns}
        if set(ANNUAL_COLUMNS) <= folded and not folded & {fold_header(a) for a in ALIASES["value"]}:
            return _annual_to_long(frame, path)
        renamed = rename_by_alias(frame, ALIASES)
        missing = {"geography", "year", "indicator", "value"} - set(renamed.columns)
        if missing:
            raise UnreadableFileError(
                f"missing columns {sorted(missing)}: expected Brå's long format (geografi, enhet, ar, variabel, "
                f"varde, kalla) or its annual 'Kommun;Antal;Per 100 000 inv.' table; found "
                f"{', '.join(map(str, frame.columns[:8]))}"
            )
        return frame

    def validate(self, original: pd.DataFrame, ctx: LoadContext) -> tuple[pd.DataFrame, list[Rejection]]:
        original, raw, issues = begin_validation(original, ALIASES, REASONS)

        names = clean_column(column(raw, "geography"))
        places = map_unique(names, geography)
        issues.flag("missing_geography", names.isna().to_numpy())
        issues.flag("unknown_geography", (names.notna() & places.isna()).to_numpy())

        indicators = clean_column(column(raw, "indicator"))
        issues.flag("missing_indicator", indicators.isna().to_numpy())

        years = parse_numbers(column(raw, "year"))
        valid_year = ~np.isnan(years) & (np.mod(years, 1) == 0) & (years >= 1950) & (years <= ctx.now.year + 1)
        issues.flag("invalid_year", ~valid_year)

        units = clean_column(column(raw, "unit"))
        codes = pd.Series([unit_code(u, i) for u, i in zip(units, indicators, strict=True)], dtype=object)
        issues.flag("missing_unit", codes.isna().to_numpy())
        issues.flag("unknown_unit", (codes == "unknown").to_numpy())

        value_text = clean_column(column(raw, "value"))
        values = parse_numbers(value_text)
        suppressed = (value_text.isna() | value_text.isin(_SUPPRESSED)).to_numpy()
        issues.flag("missing_value", suppressed)
        issues.flag("invalid_value", ~suppressed & np.isnan(values))
        issues.flag("value_out_of_range", (values < 0) | ((codes == "percent").to_numpy() & (values > 100)))

        levels = [p if isinstance(p, tuple) else (None, None, None, None) for p in places]
        parsed = pd.DataFrame(
            {
                "geography_name": names,
                "geography_level": [p[0] for p in levels],
                "geography_code": [p[1] for p in levels],
                "municipality_code": [p[2] for p in levels],
                "county_code": [p[3] for p in levels],
                "year": pd.array(np.where(valid_year, years, np.nan), dtype="Float64").astype("Int64"),
                "indicator": indicators,
                "unit": units,
                "unit_code": codes,
                "value": values,
                "source_name": clean_column(column(raw, "source")),
                "source_row": raw["source_row"].astype("int64").to_numpy() if len(raw) else np.array([], "int64"),
            }
        )
        key = ["geography_code", "year", "indicator", "unit_code", "source_name"]
        good = np.flatnonzero(~issues.bad)
        duplicate = np.zeros(len(parsed), dtype=bool)
        duplicate[good] = parsed.iloc[good][key].astype(str).duplicated(keep="first").to_numpy()
        issues.flag("duplicate_key_in_file", duplicate)
        record_ids = [f"{g}|{y}|{i}" for g, y, i in zip(names, parsed["year"], indicators, strict=True)]
        rejections = issues.rejections(original, parsed["source_row"], record_ids)
        return parsed[~issues.bad].reset_index(drop=True), rejections
