"""What a source must provide to be loaded, and the file readers the sources share."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Protocol

import pandas as pd

from ingest.ledger import LoadContext, Rejection


class UnreadableFileError(Exception):
    """The file as a whole cannot be parsed (empty, truncated, wrong format). Its load fails; others go on."""


class SourceSpec(Protocol):
    name: str  # the source's code, also its landing folder name
    raw_table: str  # e.g. raw.est_reports
    ddl: str  # create table if not exists ...
    id_column: str | None  # the record id (for duplicates and superseding), if the source has one
    file_patterns: tuple[str, ...]  # which files in the landing folder belong to the source

    def read(self, path: Path) -> pd.DataFrame:
        """All rows of the file as strings, with a 1-based ``source_row``. Raises UnreadableFileError."""

    def validate(self, raw: pd.DataFrame, ctx: LoadContext) -> tuple[pd.DataFrame, list[Rejection]]:
        """Split rows into accepted (canonical columns + source_row) and rejections; lose none."""


# ---------------------------------------------------------------------------------------------------------------
# Shared readers. Every reader returns strings only; parsing into types is the validator's job, so that a bad value
# becomes a quarantined row with a reason rather than a crash.
# ---------------------------------------------------------------------------------------------------------------

def decode_text(data: bytes, path: Path) -> str:
    """UTF-8 (with or without BOM), else cp1252 as Swedish Excel writes it."""
    if not data.strip():
        raise UnreadableFileError("the file is empty")
    if b"\x00" in data[:4096]:
        raise UnreadableFileError("the file is binary, not text (wrong format?)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="strict")


def read_delimited(path: Path) -> pd.DataFrame:
    """A CSV export, comma- or semicolon-separated, any of the encodings Swedish exports use."""
    data = path.read_bytes()
    try:
        text = decode_text(data, path)
    except UnicodeDecodeError as exc:
        raise UnreadableFileError(f"cannot decode as UTF-8 or cp1252 ({exc.reason})") from exc
    first_line = text.splitlines()[0] if text.splitlines() else ""
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise UnreadableFileError(f"malformed CSV: {exc}") from exc
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise UnreadableFileError("no header row")
    header = [h.strip() for h in rows[0]]
    if len(header) < 2:
        raise UnreadableFileError(f"only one column found ({header[0][:40]!r}); not a comma or semicolon CSV")
    records = []
    for line_no, row in enumerate(rows[1:], start=1):
        if not any(cell.strip() for cell in row):
            continue  # blank line, not a data row
        record = {name: (row[i] if i < len(row) else None) for i, name in enumerate(header)}
        if len(row) > len(header):
            record["__extra__"] = json.dumps(row[len(header):], ensure_ascii=False)
        record["source_row"] = line_no
        records.append(record)
    frame = pd.DataFrame.from_records(records, columns=[*header, "source_row"] if records else None)
    if frame.empty:
        frame = pd.DataFrame(columns=[*header, "source_row"])
    return frame


def read_json_records(path: Path, records_key: str | None = None) -> pd.DataFrame:
    """A JSON array of objects (or an object holding one under ``records_key``), values kept as strings."""
    data = path.read_bytes()
    try:
        text = decode_text(data, path)
        payload = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UnreadableFileError(f"not valid JSON ({exc})") from exc
    if isinstance(payload, dict) and records_key and isinstance(payload.get(records_key), list):
        payload = payload[records_key]
    if not isinstance(payload, list):
        raise UnreadableFileError("expected a JSON array of records")
    records = []
    for index, item in enumerate(payload, start=1):
        if isinstance(item, dict):
            record = {k: _as_text(v) for k, v in item.items()}
        else:
            record = {"__not_an_object__": json.dumps(item, ensure_ascii=False)}
        record["source_row"] = index
        records.append(record)
    return pd.DataFrame.from_records(records) if records else pd.DataFrame(columns=["source_row"])


def read_xlsx(path: Path) -> pd.DataFrame:
    """The first sheet of an Excel export, every cell as text."""
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (BadZipFile, OSError, KeyError, ValueError) as exc:
        raise UnreadableFileError(f"not a readable XLSX workbook ({exc})") from exc
    sheet = workbook.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    workbook.close()
    if not rows or not any(rows[0]):
        raise UnreadableFileError("the first sheet has no header row")
    header = [str(h).strip() if h is not None else f"column_{i}" for i, h in enumerate(rows[0])]
    records = []
    for line_no, row in enumerate(rows[1:], start=1):
        if not any(cell not in (None, "") for cell in row):
            continue
        record = {name: _as_text(row[i]) if i < len(row) else None for i, name in enumerate(header)}
        record["source_row"] = line_no
        records.append(record)
    return pd.DataFrame.from_records(records, columns=[*header, "source_row"]) if records else pd.DataFrame(
        columns=[*header, "source_row"]
    )


def _as_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def rename_by_alias(frame: pd.DataFrame, aliases: dict[str, tuple[str, ...]]) -> pd.DataFrame:
    """Map export headers (Swedish or English, any case) to canonical names; unknown columns are kept as-is."""
    lookup = {}
    for canonical, names in aliases.items():
        for name in (canonical, *names):
            lookup[_fold(name)] = canonical
    renamed = {}
    for column in frame.columns:
        canonical = lookup.get(_fold(column))
        if canonical and canonical not in renamed.values():
            renamed[column] = canonical
    return frame.rename(columns=renamed)


def _fold(name: str) -> str:
    return "".join(ch for ch in str(name).casefold() if ch.isalnum())


def raw_row_content(frame: pd.DataFrame) -> list[dict]:
    """Each row as the dict of strings it arrived as (for quarantine), without our bookkeeping column."""
    columns = [c for c in frame.columns if c != "source_row"]
    return [
        {c: (None if pd.isna(v) else v) for c, v in zip(columns, values, strict=True)}
        for values in frame[columns].itertuples(index=False, name=None)
    ]
