"""Remove personal data from free text before it leaves the raw zone.

EST is about places and situations, not people (est-domain.md §6): free text must not identify anyone. What a
simple rule can catch is replaced by a marker:

* personnummer and samordningsnummer (``YYYYMMDD-NNNN``, ``YYMMDD-NNNN``, with ``-``/``+``/nothing) → [PERSONNUMMER]
* Swedish phone numbers (``070-123 45 67``, ``+46 70 123 45 67``, ``018-12 34 56``, ``08-123 456 78``) → [TELEFON]
* e-mail addresses → [E-POST]
* number plates in capitals (``ABC 123``, ``ABC-123``, ``ABC12A``) → [REGNR]
* names: a common Swedish first name followed by a capitalised word, or any capitalised words after a cue such as
  "heter", "som heter", "kallad", "namn:" → [NAMN]

Rules catch the common forms, not every form; free text is also length-limited and never shown publicly.
"""

from __future__ import annotations

import re

MAX_DESCRIPTION_CHARS = 1_000

_PERSONNUMMER = re.compile(r"(?<!\d)(?:19|20)?\d{2}(?:0[1-9]|1[0-2])(?:[0-2]\d|3[01]|[6-8]\d|9[01])[-+ ]?\d{4}(?!\d)")
_PHONE = re.compile(
    r"(?<![\w+\-/.:])(?:\+46[\s-]?\(?0?\)?|0046[\s-]?|0)(?:[1-9]\d{0,2})[\s-]?\d{2,3}(?:[\s-]?\d{2,3}){1,3}"
    r"(?![\d]|[:.,]\d)"
)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
# Swedish plates: three letters (no I, Q, V, Å, Ä, Ö) then two digits and a digit or letter.
_PLATE = re.compile(r"\b[A-HJ-PR-UW-Z]{3}[ -]?\d{2}[\dA-HJ-PR-UW-Z]\b")
_NAME_CUE = re.compile(
    r"(?i:\b(?:heter|hette|kallad|kallas|vid namn|med namnet|namn:|namnet)\s+)"
    r"([A-ZÅÄÖ][a-zåäöé]+(?:[\s-][A-ZÅÄÖ][a-zåäöé]+){0,2})"
)
_FIRST_NAMES = (
    "Adam Ahmed Ali Alexander Alice Amanda Anders Andreas Anna Anton Astrid Axel Carl Daniel David Ebba Elias Elin "
    "Elsa Emil Emma Erik Filip Fredrik Hanna Hassan Hugo Ida Isak Johan Johanna Jonas Josefin Julia Kalle Karin Karl "
    "Kerstin Lars Leo Linnea Lisa Lucas Maja Malin Maria Markus Martin Mohamed Mohammed Nils Noah Olle Oscar Per "
    "Peter Sara Sofia Stefan Sven Theo Thomas Ulla Viktor William Wilma Yusuf Zainab"
).split()
_NAME_PAIR = re.compile(r"\b(?:" + "|".join(_FIRST_NAMES) + r")(?:\s+[A-ZÅÄÖ][a-zåäöé]+)?\b")


def redact(text: str | None) -> str | None:
    """Free text with personal data replaced by markers, cut to MAX_DESCRIPTION_CHARS."""
    if text is None:
        return None
    cleaned = str(text)
    cleaned = _EMAIL.sub("[E-POST]", cleaned)
    cleaned = _PERSONNUMMER.sub("[PERSONNUMMER]", cleaned)
    cleaned = _PHONE.sub("[TELEFON]", cleaned)
    cleaned = _PLATE.sub("[REGNR]", cleaned)
    cleaned = _NAME_CUE.sub(lambda m: m.group(0).replace(m.group(1), "[NAMN]"), cleaned)
    cleaned = _NAME_PAIR.sub("[NAMN]", cleaned)
    if len(cleaned) > MAX_DESCRIPTION_CHARS:
        cleaned = cleaned[: MAX_DESCRIPTION_CHARS - 1] + "…"
    return cleaned


def contains_pii(text: str | None) -> bool:
    """True when a rule still finds personal data (used by tests and by checks on tables outside the raw zone)."""
    if not text:
        return False
    return any(p.search(text) for p in (_EMAIL, _PERSONNUMMER, _PHONE, _PLATE, _NAME_PAIR)) or bool(
        _NAME_CUE.search(text)
    )
