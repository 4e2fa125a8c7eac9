"""Interventions (insatser) the EST group decided: what, who, where, when and why → ``raw.interventions``.

Contract: ``docs/contracts/interventions.md``. Files arrive in ``landing/interventions/`` as JSON (one object as
``POST/PATCH /api/v1/interventions`` writes it through ``api.landing_writer``, a JSON array, or
``{"interventions": [...]}``) or as a CSV export of the group's action list (Swedish or English headers). Every
version is kept in the raw zone; a later version of the same ``intervention_id`` supersedes downstream.

The checks that need the warehouse (known areas, earlier interventions for the overlapping-duplicate rule) are given
to the source when it is built (``ingest.pipeline.build_source``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import h3
import numpy as np
import pandas as pd

from ingest.ledger import LoadContext, Rejection
from ingest.sources.base import LINEAGE_DDL, UnreadableFileError, fold_header, read_delimited, read_json_records
from ingest.sources.common import (
    ID_REASONS,
    NOT_AN_OBJECT,
    begin_validation,
    check_ids,
    clean_column,
    column,
    parse_numbers,
    parse_timestamps,
    redact_column,
)

# The taxonomy: code → Swedish label (the label, the code, and the listed synonyms are all accepted, any case).
TYPES: dict[str, tuple[str, ...]] = {
    "guard_presence": ("Väktarnärvaro", "väktare", "bevakning", "ordningsvakter"),
    "police_presence": ("Polisnärvaro", "polis"),
    "cleaning_graffiti": ("Städning/klottersanering", "städning", "klottersanering", "sanering"),
    "lighting_repair": ("Belysning/fysisk åtgärd", "belysning", "reparation", "fysisk åtgärd"),
    "social_outreach": ("Social insats/uppsökande", "uppsökande", "fältarbete", "dialog"),
    "other": ("Övrigt", "annat", "övrig"),
}
STATUSES: dict[str, tuple[str, ...]] = {
    "planned": ("planerad",),
    "active": ("pågående", "aktiv", "pågår"),
    "completed": ("avslutad", "genomförd", "klar"),
    "cancelled": ("inställd", "avbruten", "canceled"),
}
# What the intervention answers: a weekly alert, a tertial ranking, a hot spot, the group's own assessment, a guard
# plan (guard visits), or something else. reason_ref names the alert/ranking row (free-form id, no free text).
REASON_CODES = ("alert", "ranking", "hot_spot", "assessment", "guard_plan", "other")


def label_lookup(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {name.casefold(): code for code, names in table.items() for name in (code, *names)}


TYPE_BY_NAME = label_lookup(TYPES)
STATUS_BY_NAME = label_lookup(STATUSES)

FIELDS = (
    "intervention_id",
    "intervention_type",
    "organisation",
    "area_id",
    "h3_cells",
    "place_ids",
    "start_date",
    "end_date",
    "decided_week",
    "reason_code",
    "reason_ref",
    "status",
    "recorded_by",
    "written_at",
    "revision",
)
ALIASES: dict[str, tuple[str, ...]] = {
    "intervention_id": ("id", "insats-id", "insats_id"),
    "intervention_type": ("type", "typ", "insatstyp"),
    "organisation": ("organization", "ansvarig", "ansvarig organisation"),
    "area_id": ("område", "omrade"),
    "h3_cells": ("h3", "h3-celler"),
    "place_ids": ("places", "platser"),
    "start_date": ("start", "startdatum"),
    "end_date": ("end", "slutdatum"),
    "decided_week": ("beslutsvecka", "beslutad vecka"),
    "reason_code": ("reason", "skäl", "anledning"),
    "reason_ref": ("skäl-referens", "referens"),
    "status": (),
    "recorded_by": (),
    "written_at": (),
    "revision": (),
}

REASONS: dict[str, str] = {
    **NOT_AN_OBJECT,
    **ID_REASONS,
    "unknown_type": "the type is not in the taxonomy (guard_presence, police_presence, cleaning_graffiti, "
    "lighting_repair, social_outreach, other, or their Swedish labels)",
    "missing_organisation": "the responsible organisation is missing",
    "missing_target": "the intervention names no area, H3 cell or place",
    "unknown_area": "the area id is not in the loaded area layer",
    "invalid_h3_cell": "an H3 cell id is not a valid cell",
    "unknown_place": "a place id is neither a known named place nor h3_<cell>",
    "missing_start": "the start date is missing",
    "invalid_date": "a date is not a date (YYYY-MM-DD)",
    "end_before_start": "the end date is before the start date",
    "invalid_week": "the decided week is not an ISO week (YYYY-Www) or a date",
    "unknown_reason": "the reason code is not alert, ranking, hot_spot, assessment, guard_plan or other",
    "unknown_status": "the status is not planned, active, completed or cancelled (or their Swedish labels)",
    "overlapping_duplicate": "another intervention id has the same type and target with overlapping dates",
}

RAW_DDL = f"""
create table if not exists raw.interventions (
    intervention_id   varchar not null,  -- the client's id; a later version of the same id supersedes
    intervention_type varchar not null,  -- taxonomy code
    organisation      varchar not null,  -- responsible organisation (redacted)
    area_id           varchar,           -- target area, if any
    h3_cells          varchar,           -- target H3 res-9 cells, ';'-separated and sorted, if any
    place_ids         varchar,           -- target named places (or h3_<cell>), ';'-separated and sorted, if any
    start_date        date not null,     -- local date, inclusive
    end_date          date,              -- local date, inclusive; null = open-ended
    decided_week      date,              -- Monday of the ISO week the group decided it
    reason_code       varchar not null,
    reason_ref        varchar,           -- the alert or ranking it answers (an id, no free text)
    status            varchar not null,  -- planned | active | completed | cancelled
    recorded_by       varchar,           -- the API key's name (a role or system, never a person)
    written_at        timestamp,         -- when the API wrote the landing file (UTC)
    revision          integer,{LINEAGE_DDL}
);
"""

_ISO_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)
_SPLIT = re.compile(r"[;,\s]+")


def split_list(value) -> list[str]:
    """A JSON array (as the reader keeps it, as text) or a ';'/','/space-separated list → sorted distinct items."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    text = str(value).strip()
    if text.startswith("["):
        try:
            items = [str(v) for v in json.loads(text) if v is not None]
        except json.JSONDecodeError:
            items = _SPLIT.split(text.strip("[]"))
    else:
        items = _SPLIT.split(text)
    return sorted({item.strip().strip('"') for item in items if item.strip().strip('"')})


def week_monday(value) -> date | None:
    """'2026-W10' or a date → the Monday of that ISO week; None when unreadable."""
    match = _ISO_WEEK.match(value)
    try:
        if match:
            return date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return day - timedelta(days=day.weekday())


def target_key(area_id, h3_cells, place_ids) -> str:
    return f"{area_id or ''}|{h3_cells or ''}|{place_ids or ''}"


def overlapping(a_start, a_end, b_start, b_end) -> bool:
    far = date.max
    return a_start <= (b_end or far) and b_start <= (a_end or far)


@dataclass
class InterventionsSource:
    known_area_ids: frozenset[str] = frozenset()
    known_place_ids: frozenset[str] = frozenset()
    # The latest version of every intervention already loaded (intervention_id, intervention_type, area_id,
    # h3_cells, place_ids, start_date, end_date, status), for the overlapping-duplicate rule.
    existing: pd.DataFrame | None = None
    name: str = "interventions"
    raw_table: str = "raw.interventions"
    ddl: str = RAW_DDL
    id_column: str | None = "intervention_id"
    file_patterns: tuple[str, ...] = field(default=("*.json", "*.csv"))

    def read(self, path: Path) -> pd.DataFrame:
        if path.suffix.lower() == ".csv":
            frame = read_delimited(path)
            id_headers = {fold_header(name) for name in ("intervention_id", *ALIASES["intervention_id"])}
            if not {fold_header(column) for column in frame.columns} & id_headers:
                raise UnreadableFileError("no intervention_id column (not an interventions export)")
            return frame
        frame = read_json_records(path, "interventions", single_object=True)
        if len(frame) and not {"intervention_id", "__not_an_object__"} & set(frame.columns):
            raise UnreadableFileError("no intervention fields (expected intervention_id, intervention_type, ...)")
        return frame

    def validate(self, original: pd.DataFrame, ctx: LoadContext) -> tuple[pd.DataFrame, list[Rejection]]:
        original, raw, issues = begin_validation(original, ALIASES, REASONS)
        n = len(raw)
        ids = check_ids(column(raw, "intervention_id"), issues)

        type_text = clean_column(column(raw, "intervention_type"))
        types = pd.Series([TYPE_BY_NAME.get(t.casefold()) if t else None for t in type_text], dtype=object)
        issues.flag("unknown_type", types.isna().to_numpy())
        organisations = redact_column(column(raw, "organisation"))
        issues.flag("missing_organisation", organisations.isna().to_numpy())

        areas = clean_column(column(raw, "area_id"))
        cells = [split_list(v) for v in column(raw, "h3_cells")]
        places = [split_list(v) for v in column(raw, "place_ids")]
        issues.flag(
            "missing_target",
            np.array([a is None and not c and not p for a, c, p in zip(areas, cells, places, strict=True)], bool),
        )
        issues.flag("unknown_area", (areas.notna() & ~areas.isin(self.known_area_ids)).to_numpy())
        issues.flag("invalid_h3_cell", np.array([any(not h3.is_valid_cell(c) for c in cs) for cs in cells], bool))
        issues.flag("unknown_place", np.array([any(not self._known_place(p) for p in ps) for ps in places], bool))

        start_text, end_text = clean_column(column(raw, "start_date")), clean_column(column(raw, "end_date"))
        starts = pd.to_datetime(start_text, format="%Y-%m-%d", errors="coerce")
        ends = pd.to_datetime(end_text, format="%Y-%m-%d", errors="coerce")
        issues.flag("missing_start", start_text.isna().to_numpy())
        issues.flag(
            "invalid_date", ((start_text.notna() & starts.isna()) | (end_text.notna() & ends.isna())).to_numpy()
        )
        issues.flag("end_before_start", (ends < starts).to_numpy())

        week_text = clean_column(column(raw, "decided_week"))
        weeks = pd.Series([week_monday(w) if w else None for w in week_text], dtype=object)
        issues.flag("invalid_week", (week_text.notna() & weeks.isna()).to_numpy())
        reasons = clean_column(column(raw, "reason_code")).fillna("other").str.casefold()
        issues.flag("unknown_reason", (~reasons.isin(REASON_CODES)).to_numpy())
        status_text = clean_column(column(raw, "status")).fillna("planned")
        statuses = pd.Series([STATUS_BY_NAME.get(s.casefold()) for s in status_text], dtype=object)
        issues.flag("unknown_status", statuses.isna().to_numpy())

        written_at, _ = parse_timestamps(column(raw, "written_at"))
        revisions = parse_numbers(column(raw, "revision"))
        parsed = pd.DataFrame(
            {
                "intervention_id": ids,
                "intervention_type": types,
                "organisation": organisations,
                "area_id": areas,
                "h3_cells": [";".join(c) or None for c in cells],
                "place_ids": [";".join(p) or None for p in places],
                "start_date": starts.dt.date,
                "end_date": ends.dt.date,
                "decided_week": weeks,
                "reason_code": reasons,
                "reason_ref": clean_column(column(raw, "reason_ref")),
                "status": statuses,
                "recorded_by": clean_column(column(raw, "recorded_by")),
                "written_at": written_at,
                "revision": pd.array(
                    [int(r) if np.isfinite(r) and float(r).is_integer() else None for r in revisions], dtype="Int64"
                ),
                "source_row": raw["source_row"].astype("int64").to_numpy() if n else np.array([], "int64"),
            }
        )
        issues.flag("overlapping_duplicate", self._overlapping_duplicates(parsed, issues.bad))
        rejections = issues.rejections(original, parsed["source_row"].to_numpy(), ids)
        accepted = parsed[~issues.bad].reset_index(drop=True)
        accepted["end_date"] = accepted["end_date"].astype(object).where(accepted["end_date"].notna(), None)
        return accepted, rejections

    def _known_place(self, place_id: str) -> bool:
        if place_id.startswith("h3_"):
            return h3.is_valid_cell(place_id.removeprefix("h3_"))
        return place_id in self.known_place_ids

    def _overlapping_duplicates(self, parsed: pd.DataFrame, bad: np.ndarray) -> np.ndarray:
        """Same type and target, overlapping dates, a different id: against the loaded interventions and the
        earlier rows of this file (the first one is kept). Cancelled interventions never collide."""
        kept: list[tuple] = []
        if self.existing is not None and len(self.existing):
            for row in self.existing.itertuples(index=False):
                if row.status != "cancelled":
                    kept.append(
                        (
                            row.intervention_id,
                            row.intervention_type,
                            target_key(row.area_id, row.h3_cells, row.place_ids),
                            _as_date(row.start_date),
                            _as_date(row.end_date),
                        )
                    )
        flags = np.zeros(len(parsed), dtype=bool)
        for i, row in enumerate(parsed.itertuples(index=False)):
            if bad[i]:
                continue
            if row.status == "cancelled":
                kept = [k for k in kept if k[0] != row.intervention_id]
                continue
            key = target_key(row.area_id, row.h3_cells, row.place_ids)
            start, end = _as_date(row.start_date), _as_date(row.end_date)
            flags[i] = any(
                other_id != row.intervention_id
                and other_type == row.intervention_type
                and other_key == key
                and overlapping(start, end, other_start, other_end)
                for other_id, other_type, other_key, other_start, other_end in kept
            )
            if not flags[i]:
                kept = [k for k in kept if k[0] != row.intervention_id]  # this version replaces the loaded one
                kept.append((row.intervention_id, row.intervention_type, key, start, end))
        return flags


def _as_date(value) -> date | None:
    if value is None or (not isinstance(value, date) and pd.isna(value)):
        return None
    return pd.Timestamp(value).date()


LATEST_QUERY = """
    with ranked as (
        select i.*, row_number() over (partition by i.intervention_id
                                       order by b.batch_seq desc, i.revision desc nulls last, i.source_row desc) as rn
        from raw.interventions i join raw.batches b using (batch_id)
    )
    select intervention_id, intervention_type, area_id, h3_cells, place_ids, start_date, end_date, status
    from ranked where rn = 1
"""


def latest_interventions(con) -> pd.DataFrame | None:
    """The latest loaded version of every intervention (None before the table exists)."""
    exists = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'raw' and table_name = 'interventions'"
    ).fetchall()[0][0]
    return con.execute(LATEST_QUERY).df() if exists else None
