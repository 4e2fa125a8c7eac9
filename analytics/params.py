"""The analysis parameters and versions every mart row is stamped with.

The values live in the dbt seed ``analysis_parameters`` (published and versioned with the marts); the defaults here
are the same values, so the functions can be called without the warehouse (a test keeps the two in step).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date

import pandas as pd


@dataclass(frozen=True)
class Parameters:
    baseline_weeks: int = 12
    min_baseline_weeks: int = 4
    alert_p: float = 0.01
    alert_min_count: int = 3
    alert_min_excess: float = 2
    alert_q: float = 0.10
    wheeler_z: float = 3
    cusum_shift: float = 1.5
    cusum_arl_weeks: int = 104
    ewma_lambda: float = 0.3
    ewma_sigmas: float = 3
    eb_interval_weekly: float = 0.90
    eb_interval_tertial: float = 0.95
    gi_window_weeks: int = 8
    gi_permutations: int = 999
    gi_fdr_q: float = 0.05
    gi_min_count: int = 3
    hot_history_weeks: int = 26
    persistent_share: float = 0.9
    random_seed: int = 20260101
    rank_draws: int = 1000
    top_k: int = 5
    z_cap: float = 3
    persistence_tertials: int = 6
    persistence_top_share: float = 0.10
    chronic_min_tertials: int = 5
    funnel_limit: float = 0.999
    funnel_winsor: float = 0.10
    rr_alpha: float = 0.05
    version: str = "params-v1"

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> Parameters:
        """From the seed (columns parameter, value, parameters_version); unknown parameters are an error."""
        known = {f.name: f.type for f in fields(cls) if f.name != "version"}
        values: dict[str, object] = {}
        for row in frame.itertuples(index=False):
            if row.parameter not in known:
                raise ValueError(f"unknown analysis parameter {row.parameter!r}")
            values[row.parameter] = int(float(row.value)) if known[row.parameter] == "int" else float(row.value)
        versions = frame["parameters_version"].unique()
        if len(versions) != 1:
            raise ValueError(f"analysis_parameters must carry one version, found {sorted(versions)}")
        return replace(cls(), **values, version=str(versions[0]))


@dataclass(frozen=True)
class Versions:
    """The versions of the weight tables and parameters that shaped a mart row."""

    harm_weight_version: str
    severity_scale_version: str
    parameters_version: str

    def stamp(self, frame: pd.DataFrame) -> pd.DataFrame:
        for name in ("harm_weight_version", "severity_scale_version", "parameters_version"):
            frame[name] = getattr(self, name)
        return frame


def in_window(
    frame: pd.DataFrame, first_day: str, last_day: str, min_date: date | None, max_date: date | None
) -> pd.DataFrame:
    """The rows whose period [first_day, last_day] overlaps the window [min_date, max_date) (dbt vars), renumbered.
    A week is in the window when it starts in it (first_day = last_day = week_start)."""
    keep = pd.Series(True, index=frame.index)
    if min_date is not None:
        keep &= frame[last_day] >= min_date
    if max_date is not None:
        keep &= frame[first_day] < max_date
    return frame[keep].reset_index(drop=True)


def single_version(frame: pd.DataFrame, column: str) -> str:
    """The one version a seed carries (a seed with two versions at once is a mistake, not a choice)."""
    values = frame[column].dropna().unique()
    if len(values) != 1:
        raise ValueError(f"{column} must have exactly one value, found {sorted(values)}")
    return str(values[0])
