"""Weekly change detection for one count series per area: exceedance p-values (negative binomial, Poisson
fallback), Benjamini–Hochberg, Wheeler's z, Poisson CUSUM and EWMA. analytics-methods.md §3.5."""

from __future__ import annotations

import warnings
from functools import lru_cache

import numpy as np
from scipy import stats
from statsmodels.discrete.discrete_model import NegativeBinomial
from statsmodels.stats.multitest import multipletests


def fit_nb_dispersion(y, mu) -> float | None:
    """The negative-binomial size k (Var = μ + μ²/k) of counts y around their expected values mu, fitted by
    maximum likelihood (statsmodels NB2 with log(mu) as offset). None means no overdispersion was found, or too
    little data to fit: use Poisson."""
    y = np.asarray(y, float)
    mu = np.asarray(mu, float)
    ok = np.isfinite(y) & np.isfinite(mu) & (mu > 0)
    if ok.sum() < 30 or y[ok].sum() == 0:
        return None
    model = NegativeBinomial(y[ok], np.ones(int(ok.sum())), offset=np.log(mu[ok]), loglike_method="nb2")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = model.fit(disp=0, maxiter=200)
        except (np.linalg.LinAlgError, ValueError):
            return None
    alpha = float(result.params[-1])
    if not np.isfinite(alpha) or alpha <= 1e-6:
        return None
    return 1.0 / alpha


def exceedance_p(y, mu, k: float | None) -> np.ndarray:
    """P(Y ≥ y) when Y ~ NB(mean mu, size k), or Poisson(mu) when k is None. NaN where mu is unknown."""
    y = np.asarray(y, float)
    mu = np.asarray(mu, float)
    ok = np.isfinite(mu) & np.isfinite(y)
    out = np.full(len(y), np.nan)
    if k is None:
        out[ok] = stats.poisson.sf(y[ok] - 1, mu[ok])
    else:
        out[ok] = stats.nbinom.sf(y[ok] - 1, k, k / (k + mu[ok]))
    return out


def bh_q(p) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (q-values) over the non-missing p; NaN stays NaN."""
    p = np.asarray(p, float)
    q = np.full(len(p), np.nan)
    ok = np.isfinite(p)
    if ok.any():
        q[ok] = multipletests(p[ok], method="fdr_bh")[1]
    return q


def wheeler_z(y, mu) -> np.ndarray:
    """Wheeler's Poisson z = 2(√y − √μ): a variance-stabilised difference, better than a percent change."""
    return 2 * (np.sqrt(np.asarray(y, float)) - np.sqrt(np.asarray(mu, float)))


def poisson_cusum(y, mu0, shift: float) -> np.ndarray:
    """Lucas's Poisson CUSUM S_t = max(0, S_{t−1} + y_t − k_t) with k_t = (μ1 − μ0)/ln(μ1/μ0), μ1 = shift·μ0_t.
    Restarts at 0 wherever the expected value is unknown or zero."""
    y = np.asarray(y, float)
    mu0 = np.asarray(mu0, float)
    out = np.full(len(y), np.nan)
    s = 0.0
    for t in range(len(y)):
        if not np.isfinite(mu0[t]) or mu0[t] <= 0:
            s = 0.0
            continue
        k = (shift - 1) * mu0[t] / np.log(shift)
        s = max(0.0, s + y[t] - k)
        out[t] = s
    return out


@lru_cache(maxsize=256)
def _cusum_threshold_cached(mu0: float, shift: float, arl_weeks: int, seed: int, sims: int) -> float:
    rng = np.random.default_rng(seed)
    y = rng.poisson(mu0, size=(sims, arl_weeks))
    k = (shift - 1) * mu0 / np.log(shift)
    s = np.zeros(sims)
    running_max = np.zeros(sims)
    for t in range(arl_weeks):
        s = np.maximum(0.0, s + y[:, t] - k)
        running_max = np.maximum(running_max, s)
    # A run length that is roughly geometric with mean ARL outlasts ARL weeks with probability e^-1: h is the value
    # the in-control CUSUM stays at or below over ARL weeks in that share of series.
    return float(np.quantile(running_max, np.exp(-1)))


def cusum_threshold(mu0: float, shift: float, arl_weeks: int, seed: int, sims: int = 2000) -> float:
    """The decision interval h that gives about one false alarm per ``arl_weeks`` weeks at a steady mean mu0,
    found by simulating in-control Poisson series (μ0 rounded to two significant digits, so it can be cached)."""
    if not np.isfinite(mu0) or mu0 <= 0:
        return np.nan
    rounded = float(f"{mu0:.2g}")
    return _cusum_threshold_cached(rounded, shift, arl_weeks, seed, sims)


def ewma(y, mu0, lam: float, sigmas: float) -> tuple[np.ndarray, np.ndarray]:
    """EWMA z_t = λy_t + (1 − λ)z_{t−1}, started at the expected value, and its upper limit
    μ0 + L·√(μ0·λ/(2 − λ)). Restarts wherever the expected value is unknown."""
    y = np.asarray(y, float)
    mu0 = np.asarray(mu0, float)
    z = np.full(len(y), np.nan)
    prev = np.nan
    for t in range(len(y)):
        if not np.isfinite(mu0[t]):
            prev = np.nan
            continue
        prev = mu0[t] if not np.isfinite(prev) else prev
        prev = lam * y[t] + (1 - lam) * prev
        z[t] = prev
    limit = mu0 + sigmas * np.sqrt(np.clip(mu0, 0, None) * lam / (2 - lam))
    return z, limit
