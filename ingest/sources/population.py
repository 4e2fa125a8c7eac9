"""Population per area and year (SCB tables such as DeSO population) → ``raw.population``.

Contract: ``docs/contracts/population.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ingest.ledger import LoadContext, Rejection
from ingest.parsing import clean_text, parse_number
from ingest.sources.base import (
    LINEAGE_DDL,
    UnreadableFileError,
    raw_row_content,
    read_delimited,
    read_xlsx,
    rename_by_alias,
)

ALIASES = {
    "area_id": ("desokod", "deso", "regsokod", "region", "område", "omrade", "area", "kod", "area_code"),
    "year": ("år", "ar", "year", "period"),
    "population": ("bef", "befolkning", "folkmängd", "folkmangd", "antal", "invånare", "residents", "pop"),
}

REASONS = {
    "missing_id": "the row has no area id",
    "invalid_year": "the year is not a year between 1968 and 2100",
    "invalid_population": "the population is not a non-negative whole number",
    "duplicate_area_year_in_file": "the same area and year appear more than once in this file; the first is kept",
    "unknown_area": "the area id is not in any loaded area layer",
}

RAW_DDL = f"""
create table if not exists raw.population (
    area_id       varchar not null,
    year          integer not null,
    population    bigint not null,{LINEAGE_DDL}
);
"""


@dataclass
class PopulationSource:
    known_area_ids: frozenset[str] = frozenset()  # empty: no area layer loaded yet, so ids are not checked
    name: str = "population"
    raw_table: str = "raw.population"
    ddl: str = RAW_DDL
    id_column: str | None = None  # (area_id, year) is the key; a later file for the same key wins in staging
    file_patterns: tuple[str, ...] = field(default=("*.csv", "*.xlsx"))

    def read(self, path: Path) -> pd.DataFrame:
        frame = read_xlsx(path) if path.suffix.casefold() == ".xlsx" else read_delimited(path)
        frame = rename_by_alias(frame, {k: v for k, v in ALIASES.items()})
        missing = {"area_id", "year", "population"} - set(frame.columns)
        if missing:
            raise UnreadableFileError(f"missing columns {sorted(missing)} (expected e.g. desokod, år, bef)")
        return frame

    def validate(self, raw: pd.DataFrame, ctx: LoadContext) -> tuple[pd.DataFrame, list[Rejection]]:
        raw = raw.reset_index(drop=True)
        content = raw_row_content(raw)
        accepted, rejections, seen = [], [], set()
        for i, (area, year_raw, pop_raw, source_row) in enumerate(
            raw[["area_id", "year", "population", "source_row"]].itertuples(index=False)
        ):
            area_id = clean_text(area)
            year = parse_number(year_raw)
            population = parse_number(pop_raw)
            reasons = []
            if area_id is None:
                reasons.append("missing_id")
            if year is None or not year.is_integer() or not 1968 <= year <= 2100:
                reasons.append("invalid_year")
            if population is None or population < 0 or not population.is_integer():
                reasons.append("invalid_population")
            key = (area_id, year)
            if not reasons and key in seen:
                reasons.append("duplicate_area_year_in_file")
            if not reasons and self.known_area_ids and area_id not in self.known_area_ids:
                reasons.append("unknown_area")
            if reasons:
                rejections.append(
                    Rejection(int(source_row), reasons[0], REASONS[reasons[0]], content[i], area_id, tuple(reasons))
                )
                continue
            seen.add(key)
            accepted.append(
                {"area_id": area_id, "year": int(year), "population": int(population), "source_row": int(source_row)}
            )
        return pd.DataFrame(accepted, columns=["area_id", "year", "population", "source_row"]), rejections
