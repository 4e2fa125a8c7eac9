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
from orchestration.analytics import places, tertial, weekly  # noqa: F401
from orchestration.analytics.params import Parameters, Versions, single_version


@dataclass(frozen=True)
class MartInputs:
    params: Parameters
    versions: Versions
    min_date: date
    max_date: date


def mart_inputs(parameters: pd.DataFrame, harm_weights: pd.DataFrame, est_categories: pd.DataFrame,
                min_date: str, max_date: str) -> MartInputs:
    params = Parameters.from_frame(parameters)
    versions = Versions(
        harm_weight_version=single_version(harm_weights, "harm_weight_version"),
        severity_scale_version=single_version(est_categories, "severity_scale_version"),
        parameters_version=params.version,
    )
    return MartInputs(params, versions, date.fromisoformat(str(min_date)), date.fromisoformat(str(max_date)))
