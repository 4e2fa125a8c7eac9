"""Reason codes with Swedish and English texts: why a row was flagged, in words an EST group can act on.
The code is the stable, machine-readable part; the texts are for people."""

from __future__ import annotations

import math

SERIES_LABELS: dict[str, tuple[str, str]] = {
    "est": ("EST-rapporter", "EST reports"),
    "police": ("polisanmälda brott", "police-reported crimes"),
    "harm": ("brottsskada", "crime harm"),
}


def p_text(p: float, decimal: str = ".") -> str:
    """'p<0.001' or 'p=0.004' (Swedish with a decimal comma)."""
    text = "p<0.001" if p < 0.001 else f"p={p:.3f}"
    return text.replace(".", decimal)


def number(x: float, decimal: str = ".", digits: int = 1) -> str:
    return f"{x:.{digits}f}".replace(".", decimal)


def above_expected(series: str, observed: float, expected: float, p: float) -> tuple[str, str]:
    """('EST-rapporter över förväntat (41 mot 14,2; p<0,001; +27 händelser)', 'EST reports above expected (...)')."""
    sv_label, en_label = SERIES_LABELS[series]
    excess = observed - expected
    sv = (
        f"{sv_label} över förväntat ({observed:.0f} mot {number(expected, ',')}; {p_text(p, ',')}; "
        f"+{excess:.0f} händelser)"
    )
    en = f"{en_label} above expected ({observed:.0f} vs {number(expected)}, {p_text(p)}, +{excess:.0f} events)"
    return sv, en


def harm_above_expected(observed: float, expected: float) -> tuple[str, str]:
    return (
        f"brottsskada över förväntat ({observed:.0f} mot {number(expected, ',')} poäng)",
        f"harm above expected ({observed:.0f} vs {number(expected)} points)",
    )


def percent_change(rr: float) -> str:
    return f"{(rr - 1) * 100:+.0f} %"


TERTIAL_TEXTS: dict[str, tuple[str, str]] = {
    "harm_above_funnel_998": (
        "brottsskadan per invånare över trattdiagrammets 99,8 %-gräns",
        "harm rate above the 99.8 % funnel limit",
    ),
    "est_above_funnel_998": (
        "EST-rapporterna per invånare över trattdiagrammets 99,8 %-gräns",
        "EST report rate above the 99.8 % funnel limit",
    ),
    "increase_vs_previous_tertial": ("{change} mot föregående tertial ({p})", "{change} vs the previous tertial ({p})"),
    "decrease_vs_previous_tertial": ("{change} mot föregående tertial ({p})", "{change} vs the previous tertial ({p})"),
    "increase_vs_same_tertial_last_year": (
        "{change} mot samma tertial i fjol ({p})",
        "{change} vs the same tertial last year ({p})",
    ),
    "decrease_vs_same_tertial_last_year": (
        "{change} mot samma tertial i fjol ({p})",
        "{change} vs the same tertial last year ({p})",
    ),
    "chronic": (
        "kroniskt: bland de högsta i {n} av de senaste {of} tertialerna",
        "chronic: among the highest in {n} of the last {of} tertials",
    ),
    "temporary_or_emerging": (
        "nytt eller tillfälligt: bland de högsta nu, men bara {n} av de senaste {of} tertialerna",
        "new or temporary: among the highest now, but only {n} of the last {of} tertials",
    ),
    "hot_cells": ("{n} signifikanta hot spot-celler (Gi*, FDR)", "{n} significant hot-spot cells (Gi*, FDR)"),
    "likely_top_k": (
        "sannolikt bland de {k} högst prioriterade (P = {p})",
        "likely among the top {k} priorities (P = {p})",
    ),
    "rank_uncertain": ("osäker rangordning (90 %-intervall {lo}–{hi})", "uncertain rank (90 % interval {lo}–{hi})"),
    "partial_tertial": (
        "tertialen är inte komplett ({days} av {of} dagar)",
        "the tertial is incomplete ({days} of {of} days)",
    ),
}


def tertial_reason(code: str, **values) -> tuple[str, str]:
    sv, en = TERTIAL_TEXTS[code]
    sv_values = {k: (str(v).replace(".", ",") if isinstance(v, float | str) else v) for k, v in values.items()}
    return sv.format(**sv_values), en.format(**values)


def finite(x) -> bool:
    return x is not None and isinstance(x, int | float) and math.isfinite(x)
