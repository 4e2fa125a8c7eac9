"""The fast CSV path (pyarrow) reads exactly what the careful row-by-row reader reads, or steps aside."""

from __future__ import annotations

import pytest

from ingest.sources.base import _read_csv_rows, _read_plain_csv, first_cells

CASES = {
    "plain": ("a,b\n1,2\n3,4", True),
    "quoted newline and delimiter": ('a;b\n"x\ny";2\n"3;4";"5"\n', True),
    "spaces kept": (" a , b \n 1 , 2 \n", True),
    "NA and null are text": ("a,b\nNA,null\n", True),
    "short row": ("a,b,c\n1,2\n3,4,5\n", False),
    "extra cell": ("a,b\n1,2,3\n", False),
    "trailing delimiter": ("a,b\n1,2,\n", False),
    "blank line": ("a,b\n1,2\n\n3,4\n", False),
    "delimiters only": ("a,b\n1,2\n,\n", False),
    "quoted blanks": ('a,b\n1,2\n,""\n', False),
    "repeated header": ("a,a\n1,2\n", False),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_fast_path_agrees_with_the_careful_reader(name):
    text, fast_expected = CASES[name]
    delimiter = ";" if ";" in text.splitlines()[0] else ","
    header = [h.strip() for h in first_cells(text, delimiter)]
    fast = _read_plain_csv(text, delimiter, header)
    careful = _read_csv_rows(text, delimiter, header)
    assert (fast is not None) == fast_expected
    if fast is not None:
        assert fast.to_dict("records") == careful.to_dict("records")
