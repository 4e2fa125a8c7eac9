"""The XLSX reader (calamine) reads workbooks exactly as the openpyxl reader it replaced did, only faster, and
fails a damaged workbook with a clear message."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, time
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from ingest.demo.generator import DemoConfig, _build_world, est_reports_week, write_est_export
from ingest.sources.base import UnreadableFileError, as_text, read_xlsx

WEEK = date(2026, 3, 2)


def openpyxl_reader(path: Path) -> pd.DataFrame:
    """The reader ``read_xlsx`` replaced (openpyxl, read-only), kept here as the oracle of what a workbook reads as."""
    workbook = load_workbook(path, read_only=True, data_only=True)
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    workbook.close()
    header = [str(h).strip() if h is not None else f"column_{i}" for i, h in enumerate(rows[0])]
    records = []
    for line_no, row in enumerate(rows[1:], start=1):
        if not any(cell not in (None, "") for cell in row):
            continue
        record = {name: as_text(row[i]) if i < len(row) else None for i, name in enumerate(header)}
        record["source_row"] = line_no
        records.append(record)
    return (
        pd.DataFrame.from_records(records, columns=[*header, "source_row"])
        if records
        else pd.DataFrame(columns=[*header, "source_row"])
    )


@pytest.fixture(scope="module")
def demo_export(tmp_path_factory) -> Path:
    """A week of the demo's EST reports as the generator writes its XLSX exports (planted faults included)."""
    reports, _ = est_reports_week(DemoConfig(end_week=WEEK, weeks=1, scale=0.5), _build_world(2026), WEEK)
    return write_est_export(reports, tmp_path_factory.mktemp("xlsx") / "est_reports_2026-W10", "xlsx")


def test_a_demo_export_reads_as_with_openpyxl(demo_export):
    frame = read_xlsx(demo_export)
    pd.testing.assert_frame_equal(frame, openpyxl_reader(demo_export))
    assert len(frame) > 100
    assert frame["Latitud"].str.match(r"^59\.\d+$").sum() > 100
    assert frame["source_row"].tolist() == list(range(1, len(frame) + 1))


def _every_kind_of_cell(path: Path) -> Path:
    """A workbook as Excel saves one (with its dimension), with every kind of cell an export holds."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Rapport-ID", "Händelsetid", "Datum", "Klockan", "Antal", "Latitud", "Polis", "Plats", 2026, "Antal"])
    sheet.append(
        [
            "EST-1",
            datetime(2026, 3, 2, 18, 30),
            date(2026, 3, 2),
            time(18, 30),
            5,
            59.8589,
            True,
            "Stora torget, Öst",
            1.0,
            7,
        ]
    )
    sheet.append([None] * 10)  # an empty row: skipped, but counted in source_row
    sheet.append(["EST-2", datetime(2026, 3, 2, 0, 0), None, None, 3.0, -0.5, False, "Gränby", -0.0, 2.5])
    sheet.append(
        [
            "EST-3",
            datetime(2026, 3, 3, 7, 5, 9, 250000),
            date(1999, 12, 31),
            12345678901,
            None,
            1e-7,
            None,
            "  åäö ÅÄÖ  ",
            2**53,
            1e16,
            "utanför",
        ]
    )  # one cell beyond the header
    sheet.append([None, None, None, None, None, None, None, None, None, None, "bara en extra cell"])
    sheet.append(["EST-4", "2026-03-04 10:00", "", None, "5", "59,85", "Ja", None, None, None])
    sheet.append([])
    workbook.save(path)
    return path


def test_every_kind_of_cell_reads_as_with_openpyxl(tmp_path):
    path = _every_kind_of_cell(tmp_path / "cells.xlsx")
    frame = read_xlsx(path)
    pd.testing.assert_frame_equal(frame, openpyxl_reader(path))
    # What that means, cell by cell: whole numbers without ".0", dates as midnight datetimes, empty as None.
    first = frame.iloc[0]
    assert first["Händelsetid"] == "2026-03-02T18:30:00"
    assert first["Datum"] == "2026-03-02T00:00:00"
    assert first["Klockan"] == "18:30:00"
    assert (first["Latitud"], first["Polis"], first["2026"]) == ("59.8589", "True", "1")
    # A repeated header name: both columns hold the last one's cells (as before).
    assert frame.iloc[:, 4].tolist() == frame.iloc[:, 9].tolist() == ["7", "2.5", "1e+16", None, None]
    second = frame.iloc[1]
    assert (second["Latitud"], second["2026"], second["Datum"]) == ("-0.5", "0", None)
    third = frame.iloc[2]
    assert (third["Plats"], third["2026"], third["Latitud"], third["Klockan"]) == (
        "  åäö ÅÄÖ  ",
        str(2**53),
        "1e-07",
        "12345678901",
    )
    assert third["column_10"] == "utanför"
    assert frame["source_row"].tolist() == [1, 3, 4, 5, 6]
    assert frame.iloc[4][["Händelsetid", "Datum", "Latitud"]].tolist() == ["2026-03-04 10:00", None, "59,85"]


def test_a_header_only_workbook_has_no_rows(tmp_path):
    workbook = Workbook()
    workbook.active.append(["Rapport-ID", "Kategori"])
    workbook.save(tmp_path / "empty.xlsx")
    frame = read_xlsx(tmp_path / "empty.xlsx")
    pd.testing.assert_frame_equal(frame, openpyxl_reader(tmp_path / "empty.xlsx"))
    assert list(frame.columns) == ["Rapport-ID", "Kategori", "source_row"] and frame.empty


def test_a_sheet_without_header_row_is_unreadable(tmp_path):
    workbook = Workbook()
    workbook.active["B3"] = "Rapport-ID"  # the header must be on the first row, as Excel numbers it
    workbook.save(tmp_path / "late.xlsx")
    with pytest.raises(UnreadableFileError, match="no header row"):
        read_xlsx(tmp_path / "late.xlsx")


def test_a_truncated_workbook_is_unreadable_with_a_clear_message(demo_export, tmp_path):
    data = demo_export.read_bytes()
    truncated = tmp_path / "truncated.xlsx"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(UnreadableFileError, match="damaged or truncated XLSX workbook"):
        read_xlsx(truncated)


def test_a_zip_that_is_not_a_workbook_is_unreadable(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("rapporter.csv", "Rapport-ID;Kategori\nA;B\n")
    path = tmp_path / "rapporter.xlsx"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(UnreadableFileError, match="not a readable XLSX workbook"):
        read_xlsx(path)


def test_a_text_file_named_xlsx_is_unreadable(tmp_path):
    path = tmp_path / "rapporter.xlsx"
    path.write_text("Rapport-ID;Kategori\nA;B\n", encoding="utf-8")
    with pytest.raises(UnreadableFileError, match="not an XLSX workbook"):
        read_xlsx(path)
