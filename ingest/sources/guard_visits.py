"""Guard visits as actually done, recorded through ``POST /api/v1/guard-visits`` → ``raw.guard_visits``.

The API writes one JSON file per visit version into ``landing/guard_visits/`` (``api.landing_writer``); a file may
also hold a list of visits (``{"visits": [...]}`` or a JSON array), for check-in apps that upload in bulk. Fields:
``visit_id``, ``visit_date`` (local date), ``unit_id``, ``place_id``, ``arrived_at`` and ``departed_at`` (ISO 8601,
with an offset or local time), optionally ``plan_id``, ``source`` (app | gps | manual) and ``recorded_by`` (the
API key's name, never a person's). No free text is accepted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from ingest.ledger import LoadContext, Rejection
from ingest.loader import ensure_source_table
from ingest.parsing import clean_text, parse_number
from ingest.sources.base import UnreadableFileError, decode_text, raw_row_content
from ingest.sources.common import ID_REASONS, TIME_REASONS, check_ids, parse_times

SOURCES = ("app", "gps", "manual")
MAX_VISIT = timedelta(hours=6)

REASONS: dict[str, str] = {
    **ID_REASONS,
    "missing_place": "the visit names no place",
    "missing_unit": "the visit names no unit (guard)",
    "invalid_date": "the visit date is not a date (YYYY-MM-DD)",
    **TIME_REASONS,
    "visit_too_long": "the visit lasts longer than six hours",
    "unknown_source": "the source is not app, gps or manual",
}
REASON_ORDER = tuple(REASONS)
COLUMNS = ("visit_id", "visit_date", "unit_id", "place_id", "arrived_at", "departed_at", "plan_id", "source",
           "recorded_by", "written_at", "revision")

RAW_DDL = """
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
    revision      integer,
    batch_id      varchar not null,
    source_file   varchar not null,
    source_sha256 varchar not null,
    source_row    bigint not null,
    run_id        varchar,
    loaded_at     timestamp not null
);
"""


@dataclass
class GuardVisitsSource:
    """Visits recorded through the API. ``ready`` also creates the raw table, which is usually empty for a while
    (the ingest step reconciles the table even when no visit has been recorded yet)."""

    name: str = "guard_visits"
    raw_table: str = "raw.guard_visits"
    ddl: str = RAW_DDL
    id_column: str | None = "visit_id"
    file_patterns: tuple[str, ...] = field(default=("*.json",))

    @classmethod
    def ready(cls, con: duckdb.DuckDBPyConnection) -> GuardVisitsSource:
        source = cls()
        ensure_source_table(con, source)
        return source

    def read(self, path: Path) -> pd.DataFrame:
        try:
            payload = json.loads(decode_text(path.read_bytes(), path))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise UnreadableFileError(f"not valid JSON ({exc})") from exc
        records = payload.get("visits", [payload]) if isinstance(payload, dict) else payload
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise UnreadableFileError("expected a visit object, a list of them, or {\"visits\": [...]}")
        rows = [{c: (None if r.get(c) is None else str(r.get(c))) for c in COLUMNS} | {"source_row": i}
                for i, r in enumerate(records, start=1)]
        return pd.DataFrame(rows, columns=[*COLUMNS, "source_row"])

    def validate(self, raw: pd.DataFrame, ctx: LoadContext) -> tuple[pd.DataFrame, list[Rejection]]:
        raw = raw.reset_index(drop=True)
        n = len(raw)
        issues: list[list[str]] = [[] for _ in range(n)]
        ids = check_ids(raw["visit_id"].tolist(), issues)
        places = [clean_text(v) for v in raw["place_id"]]
        units = [clean_text(v) for v in raw["unit_id"]]
        arrived = parse_times(raw["arrived_at"].tolist(), issues, required=True)
        departed = parse_times(raw["departed_at"].tolist(), issues, required=True)
        written = parse_times(raw["written_at"].tolist(), [[] for _ in range(n)], required=False)
        days, sources = [], []
        for i in range(n):
            if places[i] is None:
                issues[i].append("missing_place")
            if units[i] is None:
                issues[i].append("missing_unit")
            try:
                days.append(date.fromisoformat(clean_text(raw.at[i, "visit_date"]) or ""))
            except ValueError:
                days.append(None)
                issues[i].append("invalid_date")
            source = (clean_text(raw.at[i, "source"]) or "manual").casefold()
            if source not in SOURCES:
                issues[i].append("unknown_source")
            sources.append(source)
            if arrived[i] and departed[i]:
                if departed[i] < arrived[i]:
                    issues[i].append("window_ends_before_start")
                elif departed[i] - arrived[i] > MAX_VISIT:
                    issues[i].append("visit_too_long")
                if arrived[i] > ctx.now + timedelta(hours=1):
                    issues[i].append("future_timestamp")
        content = raw_row_content(raw)
        rejections = []
        for i in range(n):
            if issues[i]:
                reasons = sorted(set(issues[i]), key=REASON_ORDER.index)
                rejections.append(Rejection(int(raw.at[i, "source_row"]), reasons[0], REASONS[reasons[0]], content[i],
                                            ids[i], tuple(reasons)))
        good = [i for i in range(n) if not issues[i]]
        accepted = pd.DataFrame({
            "visit_id": [ids[i] for i in good],
            "visit_date": [days[i] for i in good],
            "unit_id": [units[i] for i in good],
            "place_id": [places[i] for i in good],
            "arrived_at": pd.to_datetime(pd.Series([arrived[i] for i in good], dtype="object")),
            "departed_at": pd.to_datetime(pd.Series([departed[i] for i in good], dtype="object")),
            "plan_id": [clean_text(raw.at[i, "plan_id"]) for i in good],
            "source": [sources[i] for i in good],
            "recorded_by": [clean_text(raw.at[i, "recorded_by"]) for i in good],
            "written_at": pd.to_datetime(pd.Series([written[i] for i in good], dtype="object")),
            "revision": pd.array([whole_number(raw.at[i, "revision"]) for i in good], dtype="Int64"),
            "source_row": [int(raw.at[i, "source_row"]) for i in good],
        })
        return accepted, rejections


def whole_number(value) -> int | None:
    number = parse_number(value)
    return int(number) if number is not None and number.is_integer() else None
