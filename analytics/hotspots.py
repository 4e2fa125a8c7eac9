"""Getis-Ord Gi* hot spots on H3 cells (analytics-methods.md §2.3), with conditional-permutation p-values and
Benjamini–Hochberg control of the false discovery rate across cells.

The study region is a fixed set of cells (every cell that has ever had an incident), so that Gi* is comparable
from one window to the next. Neighbours are the cell's ring of six (h3 grid_disk(cell, 1)) that lie in the region;
Gi* includes the cell itself (star), with binary weights.

Why not call esda here: ``esda.G_Local`` runs its conditional permutation as a Python loop per cell when numba is
absent (numba is not installed: compiling esda's kernels takes minutes) and rebuilds the sparse weights on every
call, about 0.3 s a week for ~1,300 cells; importing esda also pulls in scikit-learn and SQLAlchemy (seconds in every
dbt run). ``gi_star_z`` and ``conditional_p_sim`` compute the same z-scores and the same permutation test,
vectorised, with the same permutation draws for the same seed; tests/marts check that they equal esda's ``Zs`` and
``p_sim`` (esda stays the reference, in the tests).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import h3
import numpy as np

from analytics.change import bh_q


@dataclass(frozen=True)
class CellWeights:
    """Gi* weights over a fixed list of cells: binary ring-1 contiguity plus the cell itself."""

    cells: list[str]
    neighbours: np.ndarray  # (cells, max neighbours) indices of each cell's neighbours, -1 padded
    cardinality: np.ndarray  # neighbours per cell (without itself); 0 = an island


def h3_weights(cells: list[str]) -> CellWeights:
    index = {cell: i for i, cell in enumerate(cells)}
    lists = [sorted(index[n] for n in h3.grid_disk(cell, 1) if n != cell and n in index) for cell in cells]
    width = max((len(x) for x in lists), default=0)
    neighbours = np.full((len(cells), max(width, 1)), -1)
    for i, row in enumerate(lists):
        neighbours[i, : len(row)] = row
    return CellWeights(cells, neighbours, np.array([len(x) for x in lists]))


@lru_cache(maxsize=8)
def permutation_ids(max_card: int, n: int, permutations: int, seed: int) -> np.ndarray:
    """The draws of esda.crand.vec_permutations: per permutation, ``max_card`` ids sampled without replacement from
    range(n − 1), from numpy's legacy generator seeded with ``seed`` (a private one: the global state is untouched)."""
    generator = np.random.RandomState(seed)
    ids = np.stack([generator.choice(n - 1, size=max_card, replace=False) for _ in range(permutations)])
    ids.setflags(write=False)
    return ids


def conditional_p_sim(
    y: np.ndarray, weights: CellWeights, permutations: int, seed: int, tested: np.ndarray | None = None
) -> np.ndarray:
    """esda's conditional randomisation for binary Gi*, vectorised: hold cell i's value, draw its c neighbours'
    values from the other cells (the same permutation ids esda draws for this seed), and take the one-sided
    pseudo p-value for a hot spot, (1 + #draws ≥ observed)/(1 + permutations): esda's ``alternative="greater"``.

    Why one-sided: esda's default ("directed") folds to whichever tail the observation lies in, and on sparse
    counts a cell whose neighbourhood is all zeros ties with most draws yet lands in the lower tail with the
    smallest possible p-value; hundreds of such "cold spots" would also loosen the FDR threshold for hot spots.

    esda's draw r for cell i sums y_without_i[ids[r, j]] over j < c, where y_without_i[m] is y[m] below i and
    y[m + 1] from i on: Σ_j y[ids + 1] plus y[ids] − y[ids + 1] for every id below i, for all cells at once.
    """
    y = np.asarray(y, float)
    n = len(y)
    card = weights.cardinality
    ids = permutation_ids(int(card.max()), n, permutations, seed)
    observed = y + np.where(weights.neighbours >= 0, y[weights.neighbours], 0).sum(axis=1)
    # Counts are summed exactly in float32 (below 2^24), which halves the work; other values stay float64.
    exact = np.all(y == np.round(y)) and observed.max() < 2**24
    y = y.astype(np.float32 if exact else np.float64)
    y_next = np.append(y[1:], y.dtype.type(0))  # y[m + 1]; never used at m = n − 1, which no draw without i can reach
    wanted = (card > 0) if tested is None else (card > 0) & tested
    p = np.full(n, np.nan)
    for c in np.unique(card[wanted]):
        chosen = ids[:, :c]  # (permutations, c)
        rows = np.flatnonzero(wanted & (card == c))
        below_row = chosen[:, :, np.newaxis] < rows[np.newaxis, np.newaxis, :]  # (permutations, c, rows)
        delta = (y[chosen] - y_next[chosen])[:, :, np.newaxis]
        draws = y_next[chosen].sum(axis=1)[:, np.newaxis] + (delta * below_row).sum(axis=1)  # (permutations, rows)
        larger = (draws + y[rows] >= observed[rows]).sum(axis=0)
        p[rows] = (larger + 1.0) / (permutations + 1.0)
    return p


def gi_star_z(y: np.ndarray, weights: CellWeights) -> np.ndarray:
    """Gi* with binary weights including the cell itself, as a z-score (Ord & Getis 1995; esda's analytical
    moments): G_i = Σ_j w_ij y_j / Σ y, E[G_i] = k_i/n, Var[G_i] = k_i(n − k_i)/(n − 1)/n² · s²/ȳ², with k_i the
    cell plus its neighbours and s² the (population) variance of y."""
    n = len(y)
    local_sum = y + np.where(weights.neighbours >= 0, y[weights.neighbours], 0).sum(axis=1)
    k = weights.cardinality + 1.0
    mean = y.mean()
    variance = (y**2).mean() - mean**2
    expected = k / n
    spread = k * (n - k) / (n - 1) / n**2 * variance / mean**2
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.nan_to_num((local_sum / y.sum() - expected) / np.sqrt(spread))


@dataclass(frozen=True)
class GiStar:
    z: np.ndarray  # Gi* as a z-score (analytical moments)
    p_sim: np.ndarray  # one-sided (hot) pseudo p-value from conditional permutations; NaN where not tested
    q_bh: np.ndarray  # Benjamini–Hochberg adjusted p_sim across the tested cells
    hot: np.ndarray  # q_bh ≤ q and z > 0


def gi_star(values, weights: CellWeights, permutations: int, seed: int, fdr_q: float, min_count: float = 0) -> GiStar:
    """Gi* hot spots of ``values`` over ``weights.cells`` (same order).

    Only cells with at least ``min_count`` themselves are tested (the minimum-count rule, analytics-methods.md §1);
    the others get p = q = NaN. Because the permutation test holds the cell's own value fixed, filtering on that
    value leaves the p-values of the tested cells valid, and Benjamini–Hochberg runs over far fewer cells: with 999
    permutations (smallest p 0.001) and ~1,300 cells, BH could otherwise not reject anything. An island (a cell
    without neighbours in the region) is never tested: it has no neighbourhood to cluster with. Cold spots are not
    tested: on sparse counts "significantly few" is mostly "nothing happened", which is not news."""
    y = np.asarray(values, float)
    n = len(y)
    if n < 3 or np.all(y == y[0]):
        return GiStar(np.zeros(n), np.full(n, np.nan), np.full(n, np.nan), np.zeros(n, bool))
    island = weights.cardinality == 0
    z = np.where(island, 0.0, gi_star_z(y, weights))
    tested = ~island & (y >= max(min_count, np.finfo(float).tiny))
    p_sim = conditional_p_sim(y, weights, permutations, seed, tested)
    q = bh_q(p_sim)
    with np.errstate(invalid="ignore"):
        hot = tested & (q <= fdr_q) & (z > 0)
    return GiStar(z, p_sim, q, hot)
