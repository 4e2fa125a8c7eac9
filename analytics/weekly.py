"""The weekly area mart's statistics (area × ISO week): empirical-Bayes rates, expected counts, exceedance tests
with Benjamini–Hochberg across areas, Wheeler's z, CUSUM, EWMA, alerts with reasons, and ranks.

Input is ``int_area_week`` (every area in every week, zeros included, with trailing means); output is the same rows
with the statistics added, cut to the requested window. The whole history is used, so that the first window week
has its baselines. Internally every column is an areas × weeks matrix.
"""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd

from analytics import change, reasons
from analytics.params import Parameters, Versions, in_window
from analytics.rates import marshall_eb

# The count series tested for unusual weeks: series → count column. EST reports and police crimes are tested
# apart (never add raw counts across types); harm is reported alongside the police series.
SERIES: dict[str, str] = {"est": "n_est_reports", "police": "n_police_crimes"}


def trailing(values: np.ndarray, weeks: int) -> tuple[np.ndarray, np.ndarray]:
    """Sum of the ``weeks`` columns before each column (not the column itself) and how many there were."""
    cumulative = np.cumsum(np.pad(values, ((0, 0), (1, 0))), axis=1)
    t = np.arange(values.shape[1])
    start = np.clip(t - weeks, 0, None)
    return cumulative[:, t] - cumulative[:, start], np.broadcast_to(t - start, values.shape)


def eb_rates(values: np.ndarray, population: np.ndarray, level: float) -> tuple[np.ndarray, ...]:
    """Cross-sectional empirical Bayes in every week (column): rate per 1,000 residents and its interval."""
    rate, lo, hi = (np.full(values.shape, np.nan) for _ in range(3))
    for t in range(values.shape[1]):
        eb = marshall_eb(values[:, t], population[:, t])
        rate[:, t] = eb.rate
        lo[:, t], hi[:, t] = eb.interval(level)
    return rate * 1000, lo * 1000, hi * 1000


def expected_values(values: np.ndarray, params: Parameters) -> np.ndarray:
    """The expected value of each area-week: the total of the previous ``baseline_weeks`` weeks, shrunk (Marshall
    EB across areas, with what the area's own 52-week level predicts as the exposure) towards the city-wide ratio of
    recent to long-run levels, times the long-run level. An area's recent level moves only as far from its long-run
    level as its counts support; a city-wide change (the season) moves every area. Residents are not used: they are
    a poor denominator for town centres. NaN before ``min_baseline_weeks`` weeks of history.
    """
    recent_sum, recent_weeks = trailing(values, params.baseline_weeks)
    long_sum, long_weeks = trailing(values, 52)
    with np.errstate(invalid="ignore", divide="ignore"):
        long_mean = long_sum / long_weeks
    expected = np.full(values.shape, np.nan)
    for t in range(values.shape[1]):
        eb = marshall_eb(recent_sum[:, t], long_mean[:, t] * recent_weeks[:, t])
        expected[:, t] = eb.rate * long_mean[:, t]
    expected[long_mean == 0] = 0.0  # nothing has happened here: expect nothing
    expected[recent_weeks < params.min_baseline_weeks] = np.nan
    return expected


def series_statistics(y: np.ndarray, params: Parameters) -> dict[str, np.ndarray]:
    """Exceedance, BH, Wheeler, CUSUM and EWMA of one count series (areas × weeks)."""
    mu = expected_values(y, params)
    k = change.fit_nb_dispersion(y.ravel(), mu.ravel())
    p = change.exceedance_p(y.ravel(), mu.ravel(), k).reshape(y.shape)
    q = np.full(y.shape, np.nan)
    for t in range(y.shape[1]):
        q[:, t] = change.bh_q(p[:, t])  # across the week's areas
    cusum, cusum_h, ewma, ewma_limit = (np.full(y.shape, np.nan) for _ in range(4))
    for a in range(y.shape[0]):
        cusum[a] = change.poisson_cusum(y[a], mu[a], params.cusum_shift)
        typical = np.nanmedian(mu[a]) if np.isfinite(mu[a]).any() else np.nan
        cusum_h[a] = change.cusum_threshold(typical, params.cusum_shift, params.cusum_arl_weeks, params.random_seed)
        ewma[a], ewma_limit[a] = change.ewma(y[a], mu[a], params.ewma_lambda, params.ewma_sigmas)
    z = change.wheeler_z(y, mu)
    with np.errstate(invalid="ignore"):
        alert = (
            (p < params.alert_p)
            & (y >= params.alert_min_count)
            & (y - mu >= params.alert_min_excess)
            & (q < params.alert_q)
        )
        return {
            "expected": mu,
            "nb_dispersion": np.full(y.shape, np.nan if k is None else k),
            "p_exceed": p,
            "q_bh": q,
            "z_wheeler": z,
            "cusum": cusum,
            "cusum_h": cusum_h,
            "ewma": ewma,
            "ewma_limit": ewma_limit,
            "alert": alert,
            "signal_wheeler_z": z >= params.wheeler_z,
            "signal_cusum": cusum > cusum_h,
            "signal_ewma": ewma > ewma_limit,
        }


def _explain(row, params: Parameters) -> tuple[list[dict], list[str]]:
    """The formal alerts (with numbers, Swedish and English) and the softer signals (codes) of one area-week."""
    alerts: list[dict] = []
    signals: list[str] = []
    for series, column in SERIES.items():
        y, mu, p = row[column], row[f"{series}_expected"], row[f"{series}_p_exceed"]
        if row[f"{series}_alert"]:
            sv, en = reasons.above_expected(series, y, mu, p)
            alerts.append(
                {
                    "code": f"{series}_above_expected",
                    "series": series,
                    "observed": int(y),
                    "expected": round(float(mu), 2),
                    "excess": round(float(y - mu), 2),
                    "p": float(p),
                    "q": float(row[f"{series}_q_bh"]),
                    "text_sv": sv,
                    "text_en": en,
                }
            )
            if series == "police" and row["harm_sum"] > row["harm_expected"]:
                sv, en = reasons.harm_above_expected(row["harm_sum"], row["harm_expected"])
                alerts.append(
                    {
                        "code": "harm_above_expected",
                        "series": "harm",
                        "observed": float(row["harm_sum"]),
                        "expected": round(float(row["harm_expected"]), 2),
                        "excess": round(float(row["harm_sum"] - row["harm_expected"]), 2),
                        "text_sv": sv,
                        "text_en": en,
                    }
                )
        signals += [f"{series}_{name}" for name in ("wheeler_z", "cusum", "ewma") if row[f"{series}_signal_{name}"]]
    if row["completeness_flag"] == "low_reporting":
        signals.append("low_reporting")
    return alerts, signals


def build_area_week(
    area_week: pd.DataFrame,
    params: Parameters,
    versions: Versions,
    min_date: date | None = None,
    max_date: date | None = None,
) -> pd.DataFrame:
    """All statistics for every area-week of the history, then the rows whose week starts in [min_date, max_date)."""
    frame = area_week.sort_values(["area_id", "week_start"]).reset_index(drop=True)
    frame["week_start"] = pd.to_datetime(frame["week_start"]).dt.date
    shape = (frame["area_id"].nunique(), frame["week_start"].nunique())
    if shape[0] * shape[1] != len(frame):
        raise ValueError("int_area_week must hold every area in every week (a complete spine)")

    def matrix(column: str) -> np.ndarray:
        return frame[column].to_numpy(dtype=float).reshape(shape)

    def put(column: str, values: np.ndarray) -> None:
        frame[column] = values.ravel()

    population = matrix("population")
    for column, value in (("harm_rate_eb", "harm_sum"), ("est_rate_eb", "n_est_reports")):
        rate, lo, hi = eb_rates(matrix(value), population, params.eb_interval_weekly)
        put(column, rate), put(f"{column}_lo90", lo), put(f"{column}_hi90", hi)
    put("harm_expected", expected_values(matrix("harm_sum"), params))
    for series, column in SERIES.items():
        for name, values in series_statistics(matrix(column), params).items():
            put(f"{series}_{name}", values)

    alerts = frame[[f"{s}_alert" for s in SERIES]].any(axis=1)
    signal_columns = [c for c in frame.columns if "_signal_" in c]
    notable = alerts | frame[signal_columns].any(axis=1) | (frame["completeness_flag"] == "low_reporting")
    explained = {i: _explain(row, params) for i, row in frame[notable].iterrows()}
    frame["alert_flag"] = alerts
    frame["alert_reasons"] = [
        json.dumps(explained[i][0], ensure_ascii=False) if i in explained else "[]" for i in frame.index
    ]
    frame["alert_text_sv"] = [
        "; ".join(r["text_sv"] for r in explained[i][0]) or None if i in explained else None for i in frame.index
    ]
    frame["alert_text_en"] = [
        "; ".join(r["text_en"] for r in explained[i][0]) or None if i in explained else None for i in frame.index
    ]
    frame["signals"] = [json.dumps(explained[i][1]) if i in explained else "[]" for i in frame.index]
    frame = frame.drop(columns=[*(f"{s}_alert" for s in SERIES), *signal_columns])

    by_week = frame.groupby("week_start")
    frame["rank_harm_rate_eb"] = by_week["harm_rate_eb"].rank(ascending=False, method="min").astype("Int64")
    frame["rank_est_rate_eb"] = by_week["est_rate_eb"].rank(ascending=False, method="min").astype("Int64")
    frame["data_through"] = frame["week_start"].max() + pd.Timedelta(days=6)
    return in_window(versions.stamp(frame), "week_start", "week_start", min_date, max_date)
