"""Great Expectations suites for the marts (GX 1.24 core, an ephemeral in-memory context), validated against
DataFrames read from the warehouse: GX has no DuckDB data source (platform-notes.md §3). Plain Python, no Dagster:
``validate_mart(name, frame)`` returns a ``Validation`` the asset checks turn into metadata."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cache

import pandas as pd

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

import great_expectations as gx  # noqa: E402
import great_expectations.expectations as gxe  # noqa: E402
from great_expectations.data_context.types.base import ProgressBarsConfig  # noqa: E402


def _between(column: str, low: float | None = None, high: float | None = None) -> gxe.Expectation:
    return gxe.ExpectColumnValuesToBeBetween(column=column, min_value=low, max_value=high)


def _not_null(*columns: str) -> list[gxe.Expectation]:
    return [gxe.ExpectColumnValuesToNotBeNull(column=c) for c in columns]


def _one_version(*columns: str) -> list[gxe.Expectation]:
    return [gxe.ExpectColumnUniqueValueCountToBeBetween(column=c, min_value=1, max_value=1) for c in columns]


def _at_least(column_a: str, column_b: str) -> gxe.Expectation:
    """column_a ≥ column_b wherever both are present."""
    return gxe.ExpectColumnPairValuesAToBeGreaterThanB(
        column_A=column_a, column_B=column_b, or_equal=True, ignore_row_if="either_value_is_missing"
    )


VERSIONS = ("harm_weight_version", "severity_scale_version", "parameters_version")
# What the API reads from the weekly mart: these must stay.
API_COLUMNS = (
    "area_id",
    "area_name",
    "week_start",
    "iso_year",
    "iso_week",
    "n_est_reports",
    "population",
    "est_rate_per_1000",
)


def _suppressed(k: int, *columns: str) -> list[gxe.Expectation]:
    return [gxe.ExpectColumnValuesToNotBeInSet(column=c, value_set=list(range(1, k))) for c in columns]


def suites(k: int = 3) -> dict[str, list[gxe.Expectation]]:
    """Expectations per mart; ``k`` is the public marts' suppression threshold."""
    return {
        "fct_area_week": [
            gxe.ExpectTableRowCountToBeBetween(min_value=1),
            *(gxe.ExpectColumnToExist(column=c) for c in API_COLUMNS),
            gxe.ExpectCompoundColumnsToBeUnique(column_list=["area_id", "week_start"]),
            *_not_null("area_id", "week_start", "n_est_reports", "n_police_crimes", "alert_flag", *VERSIONS),
            _between("iso_week", 1, 53),
            _between("n_est_reports", 0),
            _between("n_police_crimes", 0),
            _between("harm_sum", 0),
            _between("est_p_exceed", 0, 1),
            _between("police_p_exceed", 0, 1),
            _between("est_q_bh", 0, 1),
            _between("police_q_bh", 0, 1),
            _at_least("harm_rate_eb_hi90", "harm_rate_eb"),
            _at_least("harm_rate_eb", "harm_rate_eb_lo90"),
            _at_least("est_rate_eb_hi90", "est_rate_eb"),
            _at_least("est_rate_eb", "est_rate_eb_lo90"),
            gxe.ExpectColumnValuesToBeInSet(
                column="completeness_flag", value_set=["complete", "low_reporting", "unknown"]
            ),
            *_one_version(*VERSIONS),
        ],
        "fct_area_tertial": [
            gxe.ExpectTableRowCountToBeBetween(min_value=1),
            gxe.ExpectCompoundColumnsToBeUnique(column_list=["area_id", "tertial_id"]),
            *_not_null("area_id", "tertial_id", "n_incidents", "funnel_flag_998", "weights_version", *VERSIONS),
            gxe.ExpectColumnValuesToMatchRegex(column="tertial_id", regex=r"^\d{4}-T[123]$"),
            _between("p_top5", 0, 1),
            _between("persistence_6t", 0, 6),
            _between("share_cells_hot", 0, 1),
            _between("rr_prev_tertial_p", 0, 1),
            _between("harm_rate_eb", 0),
            _at_least("rank_ci90_hi", "rank_ci90_lo"),
            _at_least("sensitivity_rank_max", "sensitivity_rank_min"),
            _at_least("harm_rate_eb_hi95", "harm_rate_eb"),
            _at_least("harm_rate_eb", "harm_rate_eb_lo95"),
            *_one_version("weights_version", *VERSIONS),
        ],
        "fct_place_week": [
            gxe.ExpectTableRowCountToBeBetween(min_value=1),
            gxe.ExpectCompoundColumnsToBeUnique(column_list=["h3_cell", "week_start"]),
            *_not_null("h3_cell", "week_start", "n_incidents_8w", "is_hot_spot", "hot_spot_class", *VERSIONS),
            gxe.ExpectColumnValuesToBeInSet(
                column="hot_spot_class",
                value_set=["new_hot_spot", "persistent_hot_spot", "hot_spot", "not_significant"],
            ),
            _between("gi_star_p_sim_8w", 0, 1),
            _between("gi_star_q_bh_8w", 0, 1),
            _at_least("n_incidents_8w", "n_incidents"),
            *_one_version(*VERSIONS),
        ],
        "public_fct_area_week": [
            gxe.ExpectCompoundColumnsToBeUnique(column_list=["area_id", "week_start"]),
            *_suppressed(k, "n_est_reports", "n_police_crimes"),
        ],
        "public_fct_area_tertial": [
            gxe.ExpectCompoundColumnsToBeUnique(column_list=["area_id", "tertial_id"]),
            *_suppressed(k, "n_est_reports", "n_police_crimes", "n_incidents"),
        ],
        "public_fct_place_week": [
            gxe.ExpectCompoundColumnsToBeUnique(column_list=["h3_cell", "week_start"]),
            gxe.ExpectColumnValuesToBeInSet(column="h3_resolution", value_set=[8]),
            *_suppressed(k, "n_est_reports", "n_police_crimes", "n_incidents", "n_incidents_8w"),
        ],
    }


# Public marts must never carry these: points, fine cells, categories, places, free text.
FORBIDDEN_PUBLIC_COLUMNS = frozenset(
    {
        "lat",
        "lon",
        "top_places",
        "h3_parent_r8",
        "n_est_by_category",
        "n_crimes_by_type",
        "harm_by_type",
        "place_name",
        "description",
        "alert_reasons",
    }
)


@dataclass(frozen=True)
class Validation:
    mart: str
    success: bool
    evaluated: int
    failed: list[dict] = field(default_factory=list)

    def metadata(self) -> dict:
        return {
            "expectations_evaluated": self.evaluated,
            "expectations_failed": len(self.failed),
            "failed": self.failed[:20],
        }


@cache
def _context():
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def validate_mart(mart: str, frame: pd.DataFrame, k: int = 3) -> Validation:
    """Run the mart's suite on a DataFrame. Also fails a public mart that carries a forbidden column."""
    context = _context()
    batch = (
        context.data_sources.add_or_update_pandas(f"marts_{mart}")
        .add_dataframe_asset(mart)
        .add_batch_definition_whole_dataframe("whole")
    )
    suite = context.suites.add_or_update(gx.ExpectationSuite(name=mart, expectations=suites(k)[mart]))
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=mart, data=batch, suite=suite)
    )
    result = definition.run(batch_parameters={"dataframe": frame})
    failed = [
        {
            "expectation": r.expectation_config.type,
            "kwargs": {k: v for k, v in r.expectation_config.kwargs.items() if k != "batch_id"},
            "unexpected_count": (r.result or {}).get("unexpected_count"),
        }
        for r in result.results
        if not r.success
    ]
    if mart.startswith("public_"):
        leaked = sorted(FORBIDDEN_PUBLIC_COLUMNS & set(frame.columns))
        if leaked:
            failed.append({"expectation": "no_forbidden_public_columns", "kwargs": {"columns": leaked}})
    return Validation(mart, not failed, len(result.results), failed)
