"""Guard visits as actually done, recorded through ``POST /api/v1/guard-visits`` → ``raw.guard_visits``.

Contract: ``docs/contracts/guard_visits.md``. The API writes one JSON file per visit version into
``landing/guard_visits/`` (``api.landing_writer``); a file may also hold a list of visits (``{"visits": [...]}`` or a
JSON array), for check-in apps that upload in bulk. Fields: ``visit_id``, ``visit_date`` (local date), ``unit_id``,
``place_id``, ``arrived_at`` and ``departed_at`` (ISO 8601, with an offset or local time), optionally ``plan_id``,
``source`` (app | gps | manual) and ``recorded_by`` (the API key's name, never a person's). No free text is kept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from ingest.ledger import LoadContext, Rejection
from ingest.sources.base import LINEAGE_DDL, UnreadableFileError, as_text, decode_text
from ingest.sources.common import (
    ID_REASONS,
    NOT_AN_OBJECT,
    TIME_REASONS,
    begin_validation,
    check_ids,
    check_time_bounds,
    clean_column,
    column,
    parse_numbers,
    parse_times,
    parse_timestamps,
)

VISIT_SOURCES = ("app", "gps", "manual")
MAX_VISIT = pd.Timedelta(hours=6)
FIELDS = (
    "visit_id",
    "visit_date",
    "unit_id",
    "place_id",
    "arrived_at",
    "departed_at",
    "plan_id",
    "source",
    "recorded_by",
    "written_at",
    "revision",
)
ALIASES: dict[str, tuple[str, ...]] = {name: () for name in FIELDS}

REASONS: dict[str, str] = {
    **NOT_AN_OBJECT,
    **ID_REASONS,
    "missing_place": "the visit names no place",
    "missing_unit": "the visit names no unit (guard)",
    "invalid_date": "the visit date is not a date (YYYY-MM-DD)",
    **TIME_REASONS,
    "visit_too_long": "the visit lasts longer than six hours",
    "unknown_source": "the source is not app, gps or manual",
}

RAW_DDL = f"""
create table if not exists raw.guard_visits (
    visit_id      varchar not null,   -- the client's id; a later version of the same id supersedes
    visit_date    date not null,      -- local date of the shift
    unit_id       varchar not null,
    place_id      varchar not null,
    arrived_at    timestamp not null, -- UTC
    departed_at   timestamp not null, -- UTC
    plan_id       varchar,            -- the recommended plan the visit followed, if any
    source        varchar not null,   -- app | gps | manual
    recorded_by   varchar,            -- the API key's name (a role or system, never a person)
    written_at    timestamp,          -- when the API wrote the landing file (UTC)
    revision      integer,{LINEAGE_DDL}
);
"""


@dataclass
class GuardVisitsSource:
    system_start: datetime = datetime(2015, 1, 1)
    name: str = "guard_visits"
    raw_table: str = "raw.guard_visits"
    ddl: str = RAW_DDL
    id_column: str | None = "visit_id"
    file_patterns: tuple[str, ...] = field(default=("*.json",))

    def read(self, path: Path) -> pd.DataFrame:
        """One visit object (as the API writes), a JSON array of them, or ``{"visits": [...]}``."""
        try:
            payload = json.loads(decode_text(path.read_bytes(), path))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise UnreadableFileError(f"not valid JSON ({exc})") from exc
        if isinstance(payload, dict):
            payload = payload["visits"] if isinstance(payload.get("visits"), list) else [payload]
        if not isinstance(payload, list):
            raise UnreadableFileError('expected a visit object, an array of visits or {"visits": [...]}')
        records = [
            (
                {k: as_text(v) for k, v in item.items()}
                if isinstance(item, dict)
                else {"__not_an_object__": json.dumps(item, ensure_ascii=False)}
            )
            | {"source_row": i}
            for i, item in enumerate(payload, start=1)
        ]
        frame = pd.DataFrame.from_records(records) if records else pd.DataFrame(columns=["source_row"])
        if len(frame) and not {"visit_id", "place_id", "__not_an_object__"} & set(frame.columns):
            raise UnreadableFileError("no visit fields (expected visit_id, place_id, arrived_at, ...)")
        return frame

    def validate(self, original: pd.DataFrame, ctx: LoadContext) -> tuple[pd.DataFrame, list[Rejection]]:
        original, raw, issues = begin_validation(original, ALIASES, REASONS)
        visit_ids = check_ids(column(raw, "visit_id"), issues)
        places, units = clean_column(column(raw, "place_id")), clean_column(column(raw, "unit_id"))
        issues.flag("missing_place", places.isna().to_numpy())
        issues.flag("missing_unit", units.isna().to_numpy())
        days = pd.to_datetime(clean_column(column(raw, "visit_date")), format="%Y-%m-%d", errors="coerce")
        issues.flag("invalid_date", days.isna().to_numpy())
        arrived = parse_times(column(raw, "arrived_at"), issues, required=True)
        departed = parse_times(column(raw, "departed_at"), issues, required=True)
        check_time_bounds(arrived, issues, now=ctx.now, system_start=self.system_start)
        issues.flag("window_ends_before_start", (departed < arrived).to_numpy())
        issues.flag("visit_too_long", (departed - arrived > MAX_VISIT).to_numpy())
        sources = clean_column(column(raw, "source")).fillna("manual").str.casefold()
        issues.flag("unknown_source", (~sources.isin(VISIT_SOURCES)).to_numpy())
        # The API's own bookkeeping: read when present, never a reason to reject a visit.
        written_at, _ = parse_timestamps(column(raw, "written_at"))
        revisions = parse_numbers(column(raw, "revision"))

        source_rows = raw["source_row"].astype("int64").to_numpy() if len(raw) else np.array([], "int64")
        rejections = issues.rejections(original, source_rows, visit_ids)
        parsed = pd.DataFrame(
            {
                "visit_id": visit_ids,
                "visit_date": days.dt.date,
                "unit_id": units,
                "place_id": places,
                "arrived_at": arrived,
                "departed_at": departed,
                "plan_id": clean_column(column(raw, "plan_id")),
                "source": sources,
                "recorded_by": clean_column(column(raw, "recorded_by")),
                "written_at": written_at,
                "revision": pd.array(
                    [int(r) if np.isfinite(r) and float(r).is_integer() else None for r in revisions], dtype="Int64"
                ),
                "source_row": source_rows,
            }
        )
        return parsed[~issues.bad].reset_index(drop=True), rejections
