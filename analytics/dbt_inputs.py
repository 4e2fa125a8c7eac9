"""What every dbt Python mart reads besides its own input: the analysis parameters, the versions to stamp, and the
min_date/max_date window. dbt finds a Python model's refs and config keys by reading the model file itself, so the
models call ``dbt.ref``/``dbt.config.get`` and hand the results here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

# dbt runs Python models in threads of one process; two models importing statsmodels/esda at the same moment can
# deadlock on Python's module locks (seen: narwhals, under statsmodels). Every mart imports this module first, so
# importing all the heavy modules here, once, behind this module's own lock, serialises those imports.
from analytics import places, tertial, weekly  # noqa: F401
from analytics.params import Parameters, Versions, single_version


@dataclass(frozen=True)
class MartInputs:
    params: Parameters
    versions: Versions
    min_date: date
    max_date: date


def mart_inputs(
    parameters: pd.DataFrame, harm_weights: pd.DataFrame, est_categories: pd.DataFrame, min_date: str, max_date: str
) -> MartInputs:
    params = Parameters.from_frame(parameters)
    versions = Versions(
        harm_weight_version=single_version(harm_weights, "harm_weight_version"),
        severity_scale_version=single_version(est_categories, "severity_scale_version"),
        parameters_version=params.version,
    )
    return MartInputs(params, versions, date.fromisoformat(str(min_date)), date.fromisoformat(str(max_date)))


def with_column_types(frame: pd.DataFrame) -> pd.DataFrame:
    """A text column that happens to be empty in this run (no alerts this week) arrives as an all-None object column,
    which DuckDB types as NULL; the next incremental run then cannot insert text into it. Such columns become
    strings (every non-text column of the marts has a numeric, boolean or date dtype)."""
    empty_text = [c for c in frame.columns if frame[c].dtype == object and frame[c].isna().all()]
    return frame.astype({c: "string" for c in empty_text}) if empty_text else frame
