"""The column-wise parsers give exactly what the scalar parsers give, value by value, including daylight-saving
edges, Swedish number formats and the police's unpadded hours."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ingest.parsing import clean_text, parse_number, parse_timestamp
from ingest.sources.common import clean_column, map_unique, parse_numbers, parse_timestamps

TIMES = [
    "2026-03-29 02:30",  # does not exist in Stockholm (spring gap)
    "2025-10-26 02:30",  # happens twice (autumn): read as summer time
    "2025-10-26 01:59",
    "2025-10-26 03:00",
    "2026-03-02 18:30",
    "2026-03-02T18:30:15",
    "2026-03-02 18:30:00.123",
    "2024-01-01 0:40:16 +01:00",
    "2024-01-01 9:05 +01:00",
    "2024-06-01T12:00:00Z",
    "2024-06-01T12:00:00+02:00",
    " 2026-03-02  18:30 ",
    "2026-03-02",
    "20260302 1830",
    "02/03/2026 18:30",
    "2026-03-02 kl. 18.30",
    "2026-02-30 10:00",
    "igår kväll",
    "nan",
    "",
    None,
    float("nan"),
]
NUMBERS = [
    "59,8586",
    "59.8586",
    "6 638 123",
    "1,234.5",
    "1.234,5",
    " 12 ",
    "abc",
    "",
    "nan",
    "1e3",
    "inf",
    "1_000",
    "\u00a0 5",
    "-17,5",
    "+3",
    "0x10",
    "١٢",
    None,
    "1,2,3",
    float("nan"),
    "647769.8",
]
TEXTS = [
    " a  b ",
    "a\u00a0\u00a0b",
    "\tx\ny ",
    "",
    None,
    "  ",
    "a\u2003b",
    "a\u200bb",
    "x\x1cy",
    "ö ä",
    5,
    float("nan"),
]


def test_timestamps_column_wise_equal_scalar():
    parsed, invalid = parse_timestamps(pd.Series(TIMES, dtype=object))
    for value, got, bad in zip(TIMES, parsed, invalid, strict=True):
        expected = parse_timestamp(value)
        assert (pd.isna(got) and expected is None) or got == pd.Timestamp(expected), value
        assert bad == (expected is None and clean_text(value) is not None), value
    assert parsed[0] == pd.Timestamp("2026-03-29 01:30") and parsed[1] == pd.Timestamp("2025-10-26 00:30")


def test_numbers_column_wise_equal_scalar():
    parsed = parse_numbers(pd.Series(NUMBERS, dtype=object))
    for value, got in zip(NUMBERS, parsed, strict=True):
        expected = parse_number(value)
        assert (np.isnan(got) and expected is None) or got == expected, value


def test_clean_column_equals_clean_text_and_map_unique_calls_once_per_value():
    assert clean_column(pd.Series(TEXTS, dtype=object)).tolist() == [clean_text(v) for v in TEXTS]
    calls = []
    result = map_unique(
        pd.Series(["a", "b", "a", None, "a"], dtype=object), lambda v: calls.append(v) or (v or "-").upper()
    )
    assert result.tolist() == ["A", "B", "A", "-", "A"] and sorted(map(str, calls)) == ["None", "a", "b"]
