"""pandera schemas of the marts computed in Python (analytics via dbt Python models): the types and
the statistical invariants the code promises (intervals contain their estimate, q ≥ p, an alert needs ≥ 3 events,
a hot spot is FDR-significant). Plain Python; the asset checks in ``marts.py`` run them with ``lazy=True``."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

PROBABILITY = {"ge": 0, "le": 1, "nullable": True}
TOLERANCE = 1e-9


def _ordered(low: pd.Series, high: pd.Series) -> pd.Series:
    """low ≤ high wherever both are present."""
    return low.isna() | high.isna() | (low <= high + TOLERANCE)


class AreaWeek(pa.DataFrameModel):
    area_id: Series[str] = pa.Field(nullable=False)
    week_start: Series[pd.Timestamp] = pa.Field(nullable=False, coerce=True)
    iso_week: Series[int] = pa.Field(ge=1, le=53, coerce=True)
    n_est_reports: Series[int] = pa.Field(ge=0)
    n_police_crimes: Series[int] = pa.Field(ge=0)
    harm_sum: Series[float] = pa.Field(ge=0)
    est_expected: Series[float] = pa.Field(ge=0, nullable=True)
    police_expected: Series[float] = pa.Field(ge=0, nullable=True)
    est_p_exceed: Series[float] = pa.Field(**PROBABILITY)
    police_p_exceed: Series[float] = pa.Field(**PROBABILITY)
    est_q_bh: Series[float] = pa.Field(**PROBABILITY)
    police_q_bh: Series[float] = pa.Field(**PROBABILITY)
    harm_rate_eb: Series[float] = pa.Field(ge=0, nullable=True)
    est_rate_eb: Series[float] = pa.Field(ge=0, nullable=True)
    alert_flag: Series[bool]

    @pa.dataframe_check
    def eb_intervals_contain_estimates(cls, df: pd.DataFrame) -> pd.Series:
        return (
            _ordered(df["harm_rate_eb_lo90"], df["harm_rate_eb"])
            & _ordered(df["harm_rate_eb"], df["harm_rate_eb_hi90"])
            & _ordered(df["est_rate_eb_lo90"], df["est_rate_eb"])
            & _ordered(df["est_rate_eb"], df["est_rate_eb_hi90"])
        )

    @pa.dataframe_check
    def q_not_below_p(cls, df: pd.DataFrame) -> pd.Series:
        return _ordered(df["est_p_exceed"], df["est_q_bh"]) & _ordered(df["police_p_exceed"], df["police_q_bh"])

    @pa.dataframe_check
    def alerts_need_three_events(cls, df: pd.DataFrame) -> pd.Series:
        return ~df["alert_flag"] | (df[["n_est_reports", "n_police_crimes"]].max(axis=1) >= 3)

    @pa.dataframe_check
    def one_row_per_area_week(cls, df: pd.DataFrame) -> bool:
        return not df.duplicated(["area_id", "week_start"]).any()


class AreaTertial(pa.DataFrameModel):
    area_id: Series[str] = pa.Field(nullable=False)
    tertial_id: Series[str] = pa.Field(str_matches=r"^\d{4}-T[123]$")
    n_incidents: Series[int] = pa.Field(ge=0)
    exposure: Series[float] = pa.Field(ge=0, nullable=True)
    harm_rate_eb: Series[float] = pa.Field(ge=0, nullable=True)
    overdispersion_phi: Series[float] = pa.Field(ge=0)
    rr_prev_tertial_p: Series[float] = pa.Field(**PROBABILITY)
    rr_prev_tertial_p_bh: Series[float] = pa.Field(**PROBABILITY)
    persistence_6t: Series[int] = pa.Field(ge=0, le=6)
    share_cells_hot: Series[float] = pa.Field(ge=0, le=1)
    p_top5: Series[float] = pa.Field(**PROBABILITY)
    weights_version: Series[str] = pa.Field(nullable=False)

    @pa.dataframe_check
    def intervals_contain_estimates(cls, df: pd.DataFrame) -> pd.Series:
        return (
            _ordered(df["harm_rate_eb_lo95"], df["harm_rate_eb"])
            & _ordered(df["harm_rate_eb"], df["harm_rate_eb_hi95"])
            & _ordered(df["rr_prev_tertial_ci_lo"], df["rr_prev_tertial_ci_hi"])
        )

    @pa.dataframe_check
    def rank_inside_its_ranges(cls, df: pd.DataFrame) -> pd.Series:
        ranked = df["rank"].notna()
        return ~ranked | (
            _ordered(df["rank_ci90_lo"], df["rank_ci90_hi"])
            & _ordered(df["sensitivity_rank_min"], df["rank"])
            & _ordered(df["rank"], df["sensitivity_rank_max"])
        )

    @pa.dataframe_check
    def one_rank_per_place_in_a_tertial(cls, df: pd.DataFrame) -> bool:
        ranked = df[df["rank"].notna()]
        return bool((ranked.groupby("tertial_id")["rank"].min() == 1).all()) if len(ranked) else True


class PlaceWeek(pa.DataFrameModel):
    h3_cell: Series[str] = pa.Field(str_matches=r"^[0-9a-f]{15}$")
    week_start: Series[pd.Timestamp] = pa.Field(nullable=False, coerce=True)
    n_incidents: Series[int] = pa.Field(ge=0)
    n_incidents_8w: Series[int] = pa.Field(ge=0)
    gi_star_p_sim_8w: Series[float] = pa.Field(**PROBABILITY)
    gi_star_q_bh_8w: Series[float] = pa.Field(**PROBABILITY)
    is_hot_spot: Series[bool]
    hot_spot_class: Series[str] = pa.Field(isin=["new_hot_spot", "persistent_hot_spot", "hot_spot", "not_significant"])

    @pa.dataframe_check
    def hot_spots_are_significant(cls, df: pd.DataFrame) -> pd.Series:
        return ~df["is_hot_spot"] | ((df["gi_star_q_bh_8w"] <= 0.05) & (df["gi_star_z_8w"] > 0))

    @pa.dataframe_check
    def class_agrees_with_flag(cls, df: pd.DataFrame) -> pd.Series:
        return df["is_hot_spot"] == (df["hot_spot_class"] != "not_significant")

    @pa.dataframe_check
    def window_holds_the_week(cls, df: pd.DataFrame) -> pd.Series:
        return df["n_incidents_8w"] >= df["n_incidents"]


SCHEMAS: dict[str, type[pa.DataFrameModel]] = {
    "fct_area_week": AreaWeek,
    "fct_area_tertial": AreaTertial,
    "fct_place_week": PlaceWeek,
}


def validate_schema(mart: str, frame: pd.DataFrame) -> list[dict]:
    """The mart's schema violations, every one collected (lazy validation), one entry per column and check with
    how many rows failed and a few failing values; empty when the frame passes."""
    try:
        SCHEMAS[mart].validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases.astype({"column": str, "check": str})
        return [
            {
                "column": column,
                "check": check,
                "failures": int(len(group["index"].unique())),
                "examples": [str(v) for v in group["failure_case"].head(3)],
            }
            for (column, check), group in cases.groupby(["column", "check"], dropna=False)
        ]
    return []
