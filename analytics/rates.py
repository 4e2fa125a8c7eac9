"""Rates with small counts: Marshall's empirical-Bayes smoothing, its Gamma posterior, the funnel plot, and the
robust z-score used by the composite index. analytics-methods.md §3.2."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import stats
from scipy.stats.mstats import winsorize


@dataclass(frozen=True)
class EmpiricalBayes:
    """Marshall (1991) global empirical Bayes for rates y/n across areas.

    ``rate`` shrinks each area's raw rate towards the overall rate ``m`` by how noisy it is: an area with few
    residents (small n) or few events moves most. The between-area variance ``A`` is clipped at 0 (esda's
    Empirical_Bayes does not clip): when the areas differ no more than chance would make them, every area gets m.
    The posterior of an area's true rate is Gamma(shape, rate=inv_scale). Areas with n <= 0 or n missing get NaN.
    """

    m: float
    A: float
    rate: np.ndarray
    shrinkage: np.ndarray
    shape: np.ndarray
    inv_scale: np.ndarray

    def interval(self, level: float) -> tuple[np.ndarray, np.ndarray]:
        """Equal-tailed credible interval of each area's rate."""
        tail = (1 - level) / 2
        if self.A <= 0:
            return self.rate.copy(), self.rate.copy()
        with np.errstate(invalid="ignore"):
            lo = stats.gamma.ppf(tail, self.shape, scale=1 / self.inv_scale)
            hi = stats.gamma.ppf(1 - tail, self.shape, scale=1 / self.inv_scale)
        return lo, hi

    def draws(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Posterior draws of every area's rate, shape (size, areas); NaN where the area has no exposure."""
        if self.A <= 0:
            return np.broadcast_to(self.rate, (size, len(self.rate))).copy()
        ok = np.isfinite(self.shape)
        out = np.full((size, len(self.rate)), np.nan)
        out[:, ok] = rng.gamma(self.shape[ok], 1 / self.inv_scale[ok], size=(size, int(ok.sum())))
        return out


def marshall_eb(y, n) -> EmpiricalBayes:
    y = np.asarray(y, float)
    n = np.asarray(n, float)
    ok = np.isfinite(y) & np.isfinite(n) & (n > 0)
    nan = np.full(len(y), np.nan)
    if not ok.any():
        return EmpiricalBayes(np.nan, 0.0, nan, nan, nan, nan)
    yo, no = y[ok], n[ok]
    m = yo.sum() / no.sum()
    raw = yo / no
    s2 = (no * (raw - m) ** 2).sum() / no.sum()
    A = max(0.0, s2 - m / no.mean()) if m > 0 else 0.0
    rate, shrinkage, shape, inv_scale = nan.copy(), nan.copy(), nan.copy(), nan.copy()
    if A > 0:
        shrinkage[ok] = A / (A + m / no)
        rate[ok] = m + shrinkage[ok] * (raw - m)
        shape[ok] = m**2 / A + yo
        inv_scale[ok] = m / A + no
    else:
        shrinkage[ok] = 0.0
        rate[ok] = m
    return EmpiricalBayes(float(m), float(A), rate, shrinkage, shape, inv_scale)


@dataclass(frozen=True)
class Funnel:
    """Spiegelhalter (2005) funnel plot against the overall rate, with multiplicative overdispersion."""

    target: float  # overall rate Σy/Σn
    expected: np.ndarray  # E = target × n
    z_raw: np.ndarray  # (y − E)/√E
    phi: float  # overdispersion: mean of winsorised z², 1 when there is none
    z: np.ndarray  # z_raw/√φ when φ > 1
    flag: np.ndarray  # z above the one-sided limit (e.g. 0.999, the upper 99.8 % limit)


def funnel(y, n, limit: float = 0.999, winsor: float = 0.10) -> Funnel:
    y = np.asarray(y, float)
    n = np.asarray(n, float)
    ok = np.isfinite(y) & np.isfinite(n) & (n > 0)
    target = y[ok].sum() / n[ok].sum() if ok.any() else np.nan
    expected = np.where(ok, target * n, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        z_raw = np.where(ok & (expected > 0), (y - expected) / np.sqrt(expected), np.nan)
    finite = z_raw[np.isfinite(z_raw)]
    phi = float(np.mean(np.asarray(winsorize(finite, limits=(winsor, winsor))) ** 2)) if len(finite) > 2 else 1.0
    z = z_raw / np.sqrt(phi) if phi > 1 else z_raw
    with np.errstate(invalid="ignore"):
        flag = np.isfinite(z) & (z > stats.norm.ppf(limit))
    return Funnel(float(target), expected, z_raw, phi, z, flag)


def robust_z(x, axis: int | None = None) -> np.ndarray:
    """(x − median) / (1.4826 · MAD), ignoring NaN; along ``axis`` for a matrix (e.g. one row per posterior draw).
    When more than half the values are equal (MAD = 0) the scale falls back to 1.2533 × the mean absolute deviation
    (both estimate σ for normal data); when all values are equal every z is 0."""
    x = np.asarray(x, float)
    if axis is None:
        return robust_z(x[np.newaxis, :], axis=1)[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows
        centre = np.nanmedian(x, axis=axis, keepdims=True)
        deviation = np.abs(x - centre)
        scale = 1.4826 * np.nanmedian(deviation, axis=axis, keepdims=True)
        scale = np.where(scale > 0, scale, 1.2533 * np.nanmean(deviation, axis=axis, keepdims=True))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(scale > 0, (x - centre) / scale, np.where(np.isfinite(x), 0.0, np.nan))
