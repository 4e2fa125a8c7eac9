"""Sweden's municipality and county codes (SCB), for turning names in police and Brå data into codes.

``municipalities.csv`` (290 rows) and ``counties.csv`` (21 rows) are SCB's public code lists, built from
``../shared/data/real/sweden-admin-geo/`` (sjbrg/swedish-geodata, CC0). Codes are strings: leading zeros matter.

Names are matched without case, surrounding space or hyphen/space differences, because real data varies
(the police write ``Upplands väsby``, ``Upplands-bro`` and ``Dals-ed``; SCB writes ``Upplands Väsby``,
``Upplands-Bro`` and ``Dals-Ed``). A municipality is found by its short name (``Falun``), its full name
(``Faluns kommun``) or ``<short name> kommun``; a county by its full name (``Dalarnas län``) or ``<short> län``.
A bare short county name (``Dalarna``) is accepted only where no municipality has that name, so ``Uppsala`` and
``Gotland`` are always the municipalities.
"""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
NATIONAL_CODE = "00"
NATIONAL_NAMES = ("Hela landet", "Riket", "Sverige", "Hela riket")


@dataclass(frozen=True)
class Municipality:
    code: str  # four-digit kommunkod, e.g. "0380"
    name: str  # "Uppsala kommun"
    short_name: str  # "Uppsala"
    county_code: str  # "03"


@dataclass(frozen=True)
class County:
    code: str  # two-digit länskod, e.g. "03"
    name: str  # "Uppsala län"
    short_name: str  # "Uppsala"


def fold_name(name: str) -> str:
    """A place name for comparison: NFC, no case, hyphens as spaces, single spaces."""
    text = unicodedata.normalize("NFC", str(name)).casefold().replace("-", " ").replace("\u2013", " ")
    return " ".join(text.split())


def _read(name: str) -> list[dict[str, str]]:
    with (HERE / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@lru_cache(maxsize=1)
def municipalities() -> tuple[Municipality, ...]:
    return tuple(
        Municipality(r["municipality_code"], r["municipality_name"], r["municipality_name_short"], r["county_code"])
        for r in _read("municipalities.csv")
    )


@lru_cache(maxsize=1)
def counties() -> tuple[County, ...]:
    return tuple(County(r["county_code"], r["county_name"], r["county_name_short"]) for r in _read("counties.csv"))


@lru_cache(maxsize=1)
def _municipality_lookup() -> dict[str, Municipality]:
    lookup: dict[str, Municipality] = {}
    for m in municipalities():
        for name in (m.code, m.name, m.short_name, f"{m.short_name} kommun"):
            lookup[fold_name(name)] = m
    return lookup


@lru_cache(maxsize=1)
def _county_lookup() -> dict[str, County]:
    lookup: dict[str, County] = {}
    municipal_names = set(_municipality_lookup())
    for c in counties():
        for name in (c.name, f"{c.short_name} län", f"{c.short_name}s län"):
            lookup[fold_name(name)] = c
        if fold_name(c.short_name) not in municipal_names:
            lookup[fold_name(c.short_name)] = c
    return lookup


def municipality(name_or_code: str | None) -> Municipality | None:
    """The municipality a name (or code) refers to, or None."""
    if name_or_code is None or not str(name_or_code).strip():
        return None
    return _municipality_lookup().get(fold_name(name_or_code))


def county(name: str | None) -> County | None:
    """The county a name refers to (``Uppsala län``, ``Dalarnas län``), or None."""
    if name is None or not str(name).strip():
        return None
    return _county_lookup().get(fold_name(name))


def county_of(municipality_code: str) -> County | None:
    found = next((m for m in municipalities() if m.code == municipality_code), None)
    return next((c for c in counties() if found and c.code == found.county_code), None)


def is_national(name: str | None) -> bool:
    return name is not None and fold_name(name) in {fold_name(n) for n in NATIONAL_NAMES}
