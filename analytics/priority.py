"""The composite tertial priority index (analytics-methods.md §3.4): robust z-scores of six components, a published
weighted sum, and the rank's uncertainty from posterior draws and from the choice of weights."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.rates import robust_z

COMPONENTS = ("z_harm", "z_est", "z_abs", "z_trend", "z_persist", "z_cluster")


@dataclass(frozen=True)
class PriorityWeights:
    weights: dict[str, float]
    version: str

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> PriorityWeights:
        weights = dict(zip(frame["component"], frame["weight"].astype(float), strict=True))
        if set(weights) != set(COMPONENTS):
            raise ValueError(f"priority weights must cover exactly {COMPONENTS}, got {sorted(weights)}")
        if abs(sum(weights.values()) - 1) > 1e-9:
            raise ValueError(f"priority weights must sum to 1, got {sum(weights.values())}")
        versions = frame["weights_version"].unique()
        if len(versions) != 1:
            raise ValueError(f"priority_weights must carry one version, found {sorted(versions)}")
        return cls(weights, str(versions[0]))

    def vector(self) -> np.ndarray:
        return np.array([self.weights[c] for c in COMPONENTS])


def score(components: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted sum over the last axis; a missing component counts as 0 (the median area)."""
    return np.nansum(np.nan_to_num(components, nan=0.0) * weights, axis=-1)


def rank_desc(values: np.ndarray) -> np.ndarray:
    """Rank 1 = highest, along the last axis; ties share the lower rank (competition ranking)."""
    values = np.asarray(values, float)
    return (values[..., np.newaxis, :] > values[..., :, np.newaxis]).sum(axis=-1) + 1


def standardise(raw: np.ndarray, cap: float) -> np.ndarray:
    """Robust z of each component across areas, clipped at ±cap so that no single component decides a rank alone
    (e.g. the one area that changed in an otherwise flat tertial); raw is (..., areas, components)."""
    out = np.empty_like(raw, dtype=float)
    for j in range(raw.shape[-1]):
        column = raw[..., j]
        out[..., j] = robust_z(column, axis=-1) if column.ndim > 1 else robust_z(column)
    return np.clip(out, -cap, cap)


def sensitivity_ranks(components: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Ranks (areas × scenarios) under equal weights and with each component left out (weights renormalised)."""
    scenarios = [np.full(len(weights), 1 / len(weights))]
    for j in range(len(weights)):
        w = weights.copy()
        w[j] = 0
        scenarios.append(w / w.sum())
    return np.column_stack([rank_desc(score(components, w)) for w in scenarios])


@dataclass(frozen=True)
class RankUncertainty:
    p_top_k: np.ndarray
    rank_lo90: np.ndarray
    rank_hi90: np.ndarray
    rank_median: np.ndarray


def rank_uncertainty(raw_draws: np.ndarray, weights: np.ndarray, top_k: int, cap: float) -> RankUncertainty:
    """raw_draws: (draws, areas, components) of the un-standardised components; each draw is standardised and
    ranked on its own, as if that draw were the truth."""
    ranks = rank_desc(score(standardise(raw_draws, cap), weights))
    lo, median, hi = np.percentile(ranks, [5, 50, 95], axis=0, method="nearest")
    return RankUncertainty((ranks <= top_k).mean(axis=0), lo, hi, median)
