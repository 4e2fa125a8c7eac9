"""The tertial area mart's statistics (area × tertial, T1 Jan–Apr, T2 May–Aug, T3 Sep–Dec): empirical-Bayes rates
with credible intervals, funnel plots with overdispersion, rate ratios against the previous tertial and the same
tertial last year (exact conditional test), persistence, hot-spot cells, concentration, and the composite priority
index with its rank uncertainty and reason codes.

Input is ``int_area_tertial`` (every incident counted in the tertial of its own local date, exposure = residents ×
observed share of the tertial) and ``int_place_counts`` (cells). Rates are per 1,000 residents per tertial.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from dateutil.relativedelta import relativedelta
from statsmodels.stats.rates import confint_poisson_2indep, test_poisson_2indep

from analytics import priority, reasons
from analytics.change import bh_q
from analytics.hotspots import gi_star, h3_weights
from analytics.params import Parameters, Versions, in_window
from analytics.rates import EmpiricalBayes, funnel, marshall_eb


@dataclass(frozen=True)
class RateRatio:
    rr: float
    ci_lo: float
    ci_hi: float
    p: float


def rate_ratio(
    count: float, exposure: float, count_before: float, exposure_before: float, alpha: float = 0.05
) -> RateRatio:
    """(count/exposure) / (count_before/exposure_before) with the exact conditional test (the current count given
    the total is binomial) and a MOVER interval (statsmodels). The score-log interval inverts its test numerically
    (0.1–0.25 s per interval, minutes per rebuild); MOVER (Li, Tang & Wong 2014) is closed-form with similar
    coverage."""
    usable = all(np.isfinite([count, exposure, count_before, exposure_before]))
    if not usable or exposure <= 0 or exposure_before <= 0 or count + count_before == 0:
        return RateRatio(np.nan, np.nan, np.nan, np.nan)
    count, count_before = int(count), int(count_before)
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # a zero count before gives an infinite ratio and bound
        test = test_poisson_2indep(count, exposure, count_before, exposure_before, method="exact-cond")
        lo, hi = confint_poisson_2indep(count, exposure, count_before, exposure_before, method="mover", alpha=alpha)
    rr = (count / exposure) / (count_before / exposure_before) if count_before > 0 else np.inf
    return RateRatio(float(rr), float(lo), float(hi), float(test.pvalue))


def _comparisons(frame: pd.DataFrame, months_back: int, prefix: str, params: Parameters) -> pd.DataFrame:
    """Rate ratio of all incidents against the same area ``months_back`` months earlier, BH across areas."""
    earlier = frame.set_index(["area_id", "tertial_start"])[["n_incidents", "exposure"]]
    rows = []
    for row in frame.itertuples():
        key = (row.area_id, row.tertial_start - relativedelta(months=months_back))
        if key in earlier.index:
            before = earlier.loc[key]
            rows.append(
                rate_ratio(row.n_incidents, row.exposure, before["n_incidents"], before["exposure"], params.rr_alpha)
            )
        else:
            rows.append(RateRatio(np.nan, np.nan, np.nan, np.nan))
    out = pd.DataFrame([r.__dict__ for r in rows], index=frame.index)
    out.columns = [prefix, f"{prefix}_ci_lo", f"{prefix}_ci_hi", f"{prefix}_p"]
    out[f"{prefix}_p_bh"] = np.nan
    for _, rows_in_tertial in frame.groupby("tertial_start"):
        out.loc[rows_in_tertial.index, f"{prefix}_p_bh"] = bh_q(out.loc[rows_in_tertial.index, f"{prefix}_p"])
    return out


def _cells_by_tertial(place_counts: pd.DataFrame, params: Parameters, tertial_ids: list[str]) -> pd.DataFrame:
    """Per cell and tertial: incidents, and whether the cell is a Gi* hot spot (FDR) that tertial."""
    cells = sorted(place_counts["h3_cell"].unique())
    cell_area = place_counts.groupby("h3_cell")["area_id"].first()
    per_tertial = place_counts.groupby(["tertial_id", "h3_cell"])["n_incidents"].sum()
    weights = h3_weights(cells)
    frames = []
    for tertial_id in tertial_ids:
        counts = per_tertial.get(tertial_id, pd.Series(dtype=float)).reindex(cells, fill_value=0).to_numpy(float)
        result = gi_star(
            counts, weights, params.gi_permutations, params.random_seed, params.gi_fdr_q, params.gi_min_count
        )
        frames.append(
            pd.DataFrame(
                {
                    "tertial_id": tertial_id,
                    "h3_cell": cells,
                    "area_id": cell_area[cells].values,
                    "n_incidents": counts,
                    "is_hot": result.hot,
                }
            )
        )
    return (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=["tertial_id", "h3_cell", "area_id", "n_incidents", "is_hot"])
    )


def _place_summary(cells: pd.DataFrame) -> pd.DataFrame:
    """Per area and tertial: hot cells, their share of the active cells, concentration and the top places."""
    rows = []
    for (tertial_id, area_id), group in cells[cells["n_incidents"] > 0].groupby(["tertial_id", "area_id"]):
        ordered = group.sort_values(["n_incidents", "h3_cell"], ascending=[False, True])
        cumulative = ordered["n_incidents"].cumsum() / ordered["n_incidents"].sum()
        cells_for_half = int((cumulative < 0.5).sum() + 1)
        rows.append(
            {
                "tertial_id": tertial_id,
                "area_id": area_id,
                "n_cells_active": len(group),
                "n_cells_hot": int(group["is_hot"].sum()),
                "share_cells_hot": float(group["is_hot"].mean()),
                "cells_for_50pct_incidents": cells_for_half,
                "share_cells_for_50pct_incidents": cells_for_half / len(group),
                "top_places": json.dumps(
                    [
                        {"h3_cell": c, "n_incidents": int(n)}
                        for c, n in ordered[["h3_cell", "n_incidents"]].head(3).itertuples(index=False)
                    ]
                ),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "tertial_id",
            "area_id",
            "n_cells_active",
            "n_cells_hot",
            "share_cells_hot",
            "cells_for_50pct_incidents",
            "share_cells_for_50pct_incidents",
            "top_places",
        ],
    )


def _persistence(frame: pd.DataFrame, params: Parameters) -> pd.DataFrame:
    """How many of the last ``persistence_tertials`` tertials (this one included) each area was in the top share
    of areas by EB harm rate."""
    ranked = frame.groupby("tertial_start")["harm_rate_eb"].rank(ascending=False, method="min")
    n_ranked = frame.groupby("tertial_start")["harm_rate_eb"].transform("count")
    in_top = (ranked <= np.ceil(params.persistence_top_share * n_ranked)) & frame["harm_rate_eb"].notna()
    ordered = frame.assign(in_top=in_top.astype(int)).sort_values(["area_id", "tertial_start"])
    by_area = ordered.groupby("area_id")["in_top"]
    window = params.persistence_tertials
    out = pd.DataFrame(index=ordered.index)
    out["in_top_decile"] = ordered["in_top"].astype(bool)
    out["persistence_6t"] = by_area.transform(lambda s: s.rolling(window, min_periods=1).sum()).astype(int)
    out["persistence_tertials_observed"] = by_area.cumcount().add(1).clip(upper=window)
    return out.reindex(frame.index)


def _eb_columns(frame: pd.DataFrame, value: str, name: str, level: float) -> dict[date, EmpiricalBayes]:
    """EB per tertial of ``value`` over exposure, written as ``name``_eb / _lo95 / _hi95 per 1,000 residents."""
    models = {}
    for start, rows in frame.groupby("tertial_start"):
        eb = marshall_eb(rows[value].to_numpy(float), rows["exposure"].to_numpy(float))
        lo, hi = eb.interval(level)
        frame.loc[rows.index, f"{name}_eb"] = eb.rate * 1000
        frame.loc[rows.index, f"{name}_eb_lo95"] = lo * 1000
        frame.loc[rows.index, f"{name}_eb_hi95"] = hi * 1000
        models[start] = eb
    return models


def _priority_for_tertial(
    rows: pd.DataFrame,
    previous: pd.DataFrame | None,
    eb: dict[str, EmpiricalBayes],
    eb_previous: EmpiricalBayes | None,
    weights: priority.PriorityWeights,
    params: Parameters,
    seed: int,
) -> pd.DataFrame:
    """Components, score, rank and rank uncertainty for the areas of one tertial that have residents."""
    ranked = rows["exposure"].fillna(0).to_numpy() > 0
    sub = rows[ranked]
    positions = np.flatnonzero(ranked)
    prev_rate = np.full(len(sub), np.nan)
    prev_positions = None
    if previous is not None:
        lookup = dict(zip(previous["area_id"], range(len(previous)), strict=True))
        prev_positions = np.array([lookup.get(a, -1) for a in sub["area_id"]])
        has_prev = prev_positions >= 0
        prev_rate[has_prev] = previous["incident_rate_eb"].to_numpy(float)[prev_positions[has_prev]]

    def raw_components(harm_rate, est_rate, incident_rate, prev_incident_rate, exposure) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.stack(
                [
                    np.log(np.clip(harm_rate, 1e-12, None)),
                    np.log(np.clip(est_rate, 1e-12, None)),
                    np.log1p(harm_rate * exposure / 1000),
                    np.log(incident_rate / prev_incident_rate),
                    np.broadcast_to(sub["persistence_6t"].to_numpy(float), np.shape(harm_rate)),
                    np.broadcast_to(sub["share_cells_hot"].fillna(0).to_numpy(float), np.shape(harm_rate)),
                ],
                axis=-1,
            )

    exposure = sub["exposure"].to_numpy(float)
    raw = raw_components(
        sub["harm_rate_eb"].to_numpy(float),
        sub["est_severity_rate_eb"].to_numpy(float),
        sub["incident_rate_eb"].to_numpy(float),
        prev_rate,
        exposure,
    )
    components = priority.standardise(raw, params.z_cap)
    w = weights.vector()
    score = priority.score(components, w)
    rank = priority.rank_desc(score)
    sensitivity = np.column_stack([rank, priority.sensitivity_ranks(components, w)])

    rng = np.random.default_rng(seed)
    draws = params.rank_draws
    harm_d = eb["harm"].draws(rng, draws)[:, positions] * 1000
    est_d = eb["est"].draws(rng, draws)[:, positions] * 1000
    inc_d = eb["incident"].draws(rng, draws)[:, positions] * 1000
    prev_d = np.full_like(inc_d, np.nan)
    if eb_previous is not None and prev_positions is not None:
        prev_all = eb_previous.draws(rng, draws) * 1000
        has_prev = prev_positions >= 0
        prev_d[:, has_prev] = prev_all[:, prev_positions[has_prev]]
    uncertainty = priority.rank_uncertainty(
        raw_components(harm_d, est_d, inc_d, prev_d, exposure), w, params.top_k, params.z_cap
    )

    out = pd.DataFrame(components, columns=priority.COMPONENTS, index=sub.index)
    out["priority_score"] = score
    out["rank"] = rank
    out["rank_median"] = uncertainty.rank_median
    out["p_top5"] = uncertainty.p_top_k
    out["rank_ci90_lo"] = uncertainty.rank_lo90
    out["rank_ci90_hi"] = uncertainty.rank_hi90
    out["sensitivity_rank_min"] = sensitivity.min(axis=1)
    out["sensitivity_rank_max"] = sensitivity.max(axis=1)
    out["areas_ranked"] = len(sub)
    return out


def _reason_codes(row: pd.Series, params: Parameters) -> list[tuple[str, str, str]]:
    found: list[tuple[str, str, str]] = []

    def add(code: str, **values) -> None:
        found.append((code, *reasons.tertial_reason(code, **values)))

    if row["funnel_flag_998"]:
        add("harm_above_funnel_998")
    if row["funnel_flag_998_est"]:
        add("est_above_funnel_998")
    for prefix, label in (
        ("rr_prev_tertial", "previous_tertial"),
        ("rr_same_tertial_last_year", "same_tertial_last_year"),
    ):
        rr, p = row[prefix], row[f"{prefix}_p_bh"]
        if reasons.finite(p) and p < params.rr_alpha and reasons.finite(rr):
            direction = "increase" if rr > 1 else "decrease"
            add(f"{direction}_vs_{label}", change=reasons.percent_change(rr), p=reasons.p_text(p))
    n, of = int(row["persistence_6t"]), int(row["persistence_tertials_observed"])
    if n >= params.chronic_min_tertials:
        add("chronic", n=n, of=of)
    elif row["in_top_decile"] and n <= 2 and of >= 3:
        add("temporary_or_emerging", n=n, of=of)
    if reasons.finite(row["n_cells_hot"]) and row["n_cells_hot"] > 0:
        add("hot_cells", n=int(row["n_cells_hot"]))
    if reasons.finite(row["p_top5"]) and row["p_top5"] >= 0.8:
        add("likely_top_k", k=params.top_k, p=f"{row['p_top5']:.2f}")
    if reasons.finite(row["rank_ci90_lo"]) and row["rank_ci90_hi"] - row["rank_ci90_lo"] >= 5:
        add("rank_uncertain", lo=int(row["rank_ci90_lo"]), hi=int(row["rank_ci90_hi"]))
    if not row["is_complete"]:
        add("partial_tertial", days=int(row["days_observed"]), of=int(row["days_in_tertial"]))
    return found


def build_area_tertial(
    area_tertial: pd.DataFrame,
    place_counts: pd.DataFrame,
    params: Parameters,
    weights: priority.PriorityWeights,
    versions: Versions,
    min_date: date | None = None,
    max_date: date | None = None,
) -> pd.DataFrame:
    """All statistics for every area and tertial of the history, then the tertials overlapping [min_date, max_date)."""
    frame = area_tertial.copy()
    for column in ("tertial_start", "tertial_end", "data_start", "data_through"):
        frame[column] = pd.to_datetime(frame[column]).dt.date
    frame = frame.sort_values(["tertial_start", "area_id"]).reset_index(drop=True)
    frame["exposure"] = frame["exposure"].astype(float)

    frame["harm_rate_per_1000"] = 1000 * frame["harm_sum"] / frame["exposure"].where(frame["exposure"] > 0)
    frame["est_rate_per_1000"] = 1000 * frame["n_est_reports"] / frame["exposure"].where(frame["exposure"] > 0)
    eb_harm = _eb_columns(frame, "harm_sum", "harm_rate", params.eb_interval_tertial)
    eb_est = _eb_columns(frame, "est_severity_sum", "est_severity_rate", params.eb_interval_tertial)
    eb_incident = _eb_columns(frame, "n_incidents", "incident_rate", params.eb_interval_tertial)

    for _, rows in frame.groupby("tertial_start"):
        for value, suffix in (("harm_sum", ""), ("n_est_reports", "_est")):
            result = funnel(rows[value], rows["exposure"], params.funnel_limit, params.funnel_winsor)
            frame.loc[rows.index, f"funnel_expected{suffix}"] = result.expected
            frame.loc[rows.index, f"funnel_z{suffix}"] = result.z
            frame.loc[rows.index, f"funnel_flag_998{suffix}"] = result.flag
            frame.loc[rows.index, f"overdispersion_phi{suffix}"] = result.phi
    for column in ("funnel_flag_998", "funnel_flag_998_est"):
        frame[column] = frame[column].astype(bool)

    frame = frame.join(_comparisons(frame, 4, "rr_prev_tertial", params))
    frame = frame.join(_comparisons(frame, 12, "rr_same_tertial_last_year", params))
    frame = frame.join(_persistence(frame, params))
    frame["chronic_flag"] = frame["persistence_6t"] >= params.chronic_min_tertials

    cells = _cells_by_tertial(place_counts, params, sorted(frame["tertial_id"].unique()))
    frame = frame.merge(_place_summary(cells), on=["tertial_id", "area_id"], how="left")
    for column in ("n_cells_active", "n_cells_hot"):
        frame[column] = pd.to_numeric(frame[column]).fillna(0).astype(int)
    frame["share_cells_hot"] = pd.to_numeric(frame["share_cells_hot"]).fillna(0.0)
    frame["top_places"] = frame["top_places"].fillna("[]")

    tertials = sorted(frame["tertial_start"].unique())
    ranked = []
    for start in tertials:
        rows = frame[frame["tertial_start"] == start]
        previous_start = start - relativedelta(months=4)
        previous = frame[frame["tertial_start"] == previous_start] if previous_start in eb_incident else None
        ranked.append(
            _priority_for_tertial(
                rows,
                previous,
                {"harm": eb_harm[start], "est": eb_est[start], "incident": eb_incident[start]},
                eb_incident.get(previous_start),
                weights,
                params,
                params.random_seed + start.toordinal(),
            )
        )
    frame = frame.join(pd.concat(ranked))
    for column in (
        "rank",
        "rank_median",
        "rank_ci90_lo",
        "rank_ci90_hi",
        "sensitivity_rank_min",
        "sensitivity_rank_max",
        "areas_ranked",
    ):
        frame[column] = frame[column].astype("Int64")

    explained = [_reason_codes(row, params) for _, row in frame.iterrows()]
    frame["reason_codes"] = [json.dumps([c for c, _, _ in r]) for r in explained]
    frame["reasons_sv"] = ["; ".join(sv for _, sv, _ in r) or None for r in explained]
    frame["reasons_en"] = ["; ".join(en for _, _, en in r) or None for r in explained]
    frame["weights_version"] = weights.version
    return in_window(versions.stamp(frame), "tertial_start", "tertial_end", min_date, max_date)
