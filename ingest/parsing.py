"""Parsing exported values (Swedish formats) into types, returning None instead of raising.

A value that cannot be parsed becomes None plus a reason in the validator, never an exception.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")

_EXTRA_FORMATS = (
    "%Y-%m-%d %H.%M",
    "%Y-%m-%d %H.%M.%S",
    "%Y-%m-%d kl. %H.%M",
    "%Y-%m-%d kl %H:%M",
    "%d/%m/%Y %H:%M",
    "%d.%m.%Y %H:%M",
    "%Y%m%d %H%M",
)


def parse_timestamp(value, local_zone: ZoneInfo = STOCKHOLM) -> datetime | None:
    """An exported timestamp → naive UTC. Times without an offset are local (Europe/Stockholm) time."""
    if value is None:
        return None
    text = " ".join(str(value).split())
    if not text or text.lower() in {"nan", "none", "null"}:
        return None
    text = text.replace("T", " ", 1) if re.match(r"^\d{4}-\d{2}-\d{2}T", text) else text
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        # Police events write the hour without zero padding ("2024-01-01 0:40:16 +01:00").
        match = re.match(r"^(\d{4}-\d{2}-\d{2}) (\d):(\d{2}(?::\d{2})?)(.*)$", text)
        if match:
            try:
                parsed = datetime.fromisoformat(f"{match[1]} 0{match[2]}:{match[3]}{match[4].replace(' ', '')}")
            except ValueError:
                parsed = None
        if parsed is None:
            for fmt in _EXTRA_FORMATS:
                try:
                    parsed = datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=local_zone)
    return parsed.astimezone(UTC).replace(tzinfo=None)


def parse_number(value) -> float | None:
    """'59,8586' (decimal comma), '6 638 123' (space thousands) or '59.8586' → float; None if not a number."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    text = str(value).strip().replace("\u00a0", "").replace(" ", "")
    if not text or text.lower() in {"nan", "none", "null"}:
        return None
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    elif text.count(",") >= 1 and text.count(".") == 1 and text.index(",") < text.index("."):
        text = text.replace(",", "")  # 1,234.5
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


_TRUE = {"ja", "j", "yes", "y", "true", "sant", "1", "x"}
_FALSE = {"nej", "n", "no", "false", "falskt", "0"}


def parse_bool(value) -> bool | None:
    """Swedish and English yes/no; None when blank or unknown (unknown is not an error)."""
    if value is None:
        return None
    text = str(value).strip().casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def blank(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or not str(value).strip()


def clean_text(value) -> str | None:
    return None if blank(value) else " ".join(str(value).split())
