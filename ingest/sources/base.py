"""What a source must provide to be loaded, and the file readers the sources share."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from pathlib import Path
from typing import Protocol

import pandas as pd

from ingest.ledger import LoadContext, Rejection

# Every raw table ends with these lineage columns (the loader fills all but source_row, which the reader gives).
LINEAGE_DDL = """
    batch_id          varchar not null,
    source_file       varchar not null,
    source_sha256     varchar not null,
    source_row        bigint not null,
    run_id            varchar,
    loaded_at         timestamp not null"""


class UnreadableFileError(Exception):
    """The file as a whole cannot be parsed (empty, truncated, wrong format). Its load fails; others go on."""


class SourceSpec(Protocol):
    """A source the generic loader can load. Optionally a source also has

    * ``accepted_table``: the table holding one row per accepted row of each batch, when that is not
      ``raw_table`` (reconciliation counts it);
    * ``store(con, rows) -> int``: writes the accepted rows (already carrying batch_id, source_file,
      source_sha256, run_id, loaded_at) and returns how many earlier rows they supersede.
    """

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
    lines = text[:65_536].splitlines()
    first_line = lines[0] if lines else ""
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        first = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
    except csv.Error as exc:
        raise UnreadableFileError(f"malformed CSV: {exc}") from exc
    if not any(cell.strip() for cell in first):
        raise UnreadableFileError("no header row")
    header = [h.strip() for h in first]
    if len(header) < 2:
        raise UnreadableFileError(f"only one column found ({header[0][:40]!r}); not a comma or semicolon CSV")
    fast = _read_plain_csv(text, delimiter, header)
    return fast if fast is not None else _read_csv_rows(text, delimiter, header)


def _read_plain_csv(text: str, delimiter: str, header: list[str]) -> pd.DataFrame | None:
    """pyarrow's CSV reader for the common case, many times faster than the csv module on large exports. Returns
    None, and the careful reader takes over, for anything it would read differently: blank rows (they shift the
    row numbers), rows with more or fewer cells than the header, repeated or blank header names."""
    if len(set(header)) != len(header) or "" in header:
        return None
    blank_chars = f' \t\r"{delimiter}'
    if any(not line.strip(blank_chars) for line in text.splitlines()[1:]):
        return None
    import pyarrow as pa
    from pyarrow import csv as pa_csv

    irregular = []

    def note_irregular_row(row) -> str:
        irregular.append(row)
        return "skip"

    try:
        table = pa_csv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            read_options=pa_csv.ReadOptions(use_threads=False),
            parse_options=pa_csv.ParseOptions(
                delimiter=delimiter,
                newlines_in_values=True,
                ignore_empty_lines=False,
                invalid_row_handler=note_irregular_row,
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types={name: pa.string() for name in first_cells(text, delimiter)},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, ValueError):
        return None
    if irregular or [name.strip() for name in table.column_names] != header:
        return None
    frame = table.to_pandas()
    frame.columns = header
    frame["source_row"] = range(1, len(frame) + 1)
    return frame


def first_cells(text: str, delimiter: str) -> list[str]:
    """The header row's cells exactly as written (pyarrow names columns by them)."""
    return next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])


def _read_csv_rows(text: str, delimiter: str, header: list[str]) -> pd.DataFrame:
    """Row by row with the csv module: blank rows are skipped but counted, extra cells are kept for the
    validator, short rows are padded with None."""
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise UnreadableFileError(f"malformed CSV: {exc}") from exc
    # Data rows keep their position after the header (blank lines count but are not rows).
    numbered = [(line_no, row) for line_no, row in enumerate(rows[1:], start=1) if "".join(row).strip()]
    width = len(header)
    position = {name: i for i, name in enumerate(header)}  # a repeated header name: the last column wins
    columns: dict[str, list] = {
        name: [row[i] if i < len(row) else None for _, row in numbered] for name, i in position.items()
    }
    columns["source_row"] = [line_no for line_no, _ in numbered]
    if any(len(row) > width for _, row in numbered):
        # Cells beyond the header: kept, so the validator quarantines those rows rather than losing the cells.
        columns["__extra__"] = [
            json.dumps(row[width:], ensure_ascii=False) if len(row) > width else None for _, row in numbered
        ]
    return pd.DataFrame(columns)


def read_json_records(path: Path, records_key: str | None = None, single_object: bool = False) -> pd.DataFrame:
    """A JSON array of objects (or an object holding one under ``records_key``; with ``single_object``, also one
    bare object, as the API's landing writer writes), values kept as strings."""
    data = path.read_bytes()
    try:
        text = decode_text(data, path)
        payload = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UnreadableFileError(f"not valid JSON ({exc})") from exc
    if isinstance(payload, dict) and records_key and isinstance(payload.get(records_key), list):
        payload = payload[records_key]
    elif isinstance(payload, dict) and single_object:
        payload = [payload]
    if not isinstance(payload, list):
        raise UnreadableFileError("expected a JSON array of records")
    records = []
    for index, item in enumerate(payload, start=1):
        if isinstance(item, dict):
            record = {k: as_text(v) for k, v in item.items()}
        else:
            record = {"__not_an_object__": json.dumps(item, ensure_ascii=False)}
        record["source_row"] = index
        records.append(record)
    return pd.DataFrame.from_records(records) if records else pd.DataFrame(columns=["source_row"])


def read_xlsx(path: Path) -> pd.DataFrame:
    """The first sheet of an Excel export, every cell as text (read with calamine, a Rust reader: openpyxl took
    80 times as long as the CSV reader on the same export).

    Cells come out as openpyxl gave them before: empty cells as None, whole numbers without ".0" (Excel stores
    every number as a float), dates as midnight datetimes; the row numbers count every row after the header,
    empty ones included, and empty rows are skipped."""
    from python_calamine import CalamineError, CalamineWorkbook, ZipError

    with path.open("rb") as handle:
        if handle.read(4) != b"PK\x03\x04":
            raise UnreadableFileError("not an XLSX workbook (an .xlsx file is a zip archive; this one is not)")
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        try:
            # From A1, as Excel numbers rows: calamine would otherwise start at the first non-empty cell.
            rows = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False) if workbook.sheet_names else []
        finally:
            workbook.close()
    except ZipError as exc:
        raise UnreadableFileError(f"a damaged or truncated XLSX workbook (the zip archive is broken: {exc})") from exc
    except CalamineError as exc:
        raise UnreadableFileError(f"not a readable XLSX workbook ({type(exc).__name__}: {exc})") from exc
    except BaseException as exc:
        # A Rust panic on a malformed file arrives as pyo3's PanicException, a BaseException: it is still only
        # this file's failure, not the run's.
        if type(exc).__name__ != "PanicException":
            raise
        raise UnreadableFileError(f"not a readable XLSX workbook (the reader failed: {exc})") from exc
    if not rows or not any(_xlsx_value(cell) for cell in rows[0]):
        raise UnreadableFileError("the first sheet has no header row")
    header = [
        str(h).strip() if h is not None else f"column_{i}" for i, h in enumerate(_xlsx_value(cell) for cell in rows[0])
    ]
    # calamine gives every row the sheet's full width, and "" for an empty cell.
    numbered = [(line_no, row) for line_no, row in enumerate(rows[1:], start=1) if any(cell != "" for cell in row)]
    position = {name: i for i, name in enumerate(header)}  # a repeated header name: the last column wins
    columns = {name: [_xlsx_text(row[i]) for _, row in numbered] for name, i in position.items()}
    columns["source_row"] = [line_no for line_no, _ in numbered]
    if not numbered:
        return pd.DataFrame(columns=[*header, "source_row"])
    return pd.DataFrame(columns)[[*header, "source_row"]]


# The largest whole number a float holds exactly; larger ones keep their float text, as openpyxl read them.
_EXACT_INTEGER = 2**53


def _xlsx_value(cell):
    """A calamine cell as openpyxl gave it: None for empty, int for a whole number, datetime for a date."""
    if cell.__class__ is str:
        return cell if cell else None
    if cell.__class__ is float:
        return int(cell) if cell.is_integer() and abs(cell) <= _EXACT_INTEGER else cell
    if cell.__class__ is date:  # calamine gives a date for a datetime at midnight; openpyxl a datetime
        return datetime(cell.year, cell.month, cell.day)
    return cell


def _xlsx_text(cell) -> str | None:
    if cell.__class__ is str:  # most cells: skip the conversions
        return cell if cell else None
    return as_text(_xlsx_value(cell))


def as_text(value) -> str | None:
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
            lookup[fold_header(name)] = canonical
    renamed = {}
    for column in frame.columns:
        canonical = lookup.get(fold_header(column))
        if canonical and canonical not in renamed.values():
            renamed[column] = canonical
    return frame.rename(columns=renamed)


def fold_header(name: str) -> str:
    return "".join(ch for ch in str(name).casefold() if ch.isalnum())


def raw_row_content(frame: pd.DataFrame) -> list[dict]:
    """Each row as the dict of strings it arrived as (for quarantine), without our bookkeeping column."""
    columns = [c for c in frame.columns if c != "source_row"]
    return [
        {c: (None if pd.isna(v) else v) for c, v in zip(columns, values, strict=True)}
        for values in frame[columns].itertuples(index=False, name=None)
    ]
