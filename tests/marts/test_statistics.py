"""Every statistic of the marts against a direct computation with scipy, statsmodels or esda on at least one case.
Pure functions on small arrays: no warehouse, no dbt."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import stats

from analytics import change, priority, rates
from analytics.hotspots import conditional_p_sim, gi_star, gi_star_z, h3_weights, permutation_ids
from analytics.tertial import rate_ratio

# --- empirical Bayes --------------------------------------------------------------------------------------------


def test_marshall_eb_matches_esda_when_areas_differ():
    from esda.smoothing import Empirical_Bayes

    population = np.array([800, 1500, 3000, 5000, 12000, 400, 9000.0])
    events = np.array([3, 9, 40, 30, 70, 9, 44.0])
    eb = rates.marshall_eb(events, population)
    assert eb.A > 0
    reference = Empirical_Bayes(events, population).r.ravel()
    np.testing.assert_allclose(eb.rate, reference, rtol=1e-10)
    # The Gamma posterior's mean is the EB rate (Marshall's two forms agree), and its interval is scipy's.
    np.testing.assert_allclose(eb.shape / eb.inv_scale, eb.rate, rtol=1e-12)
    lo, hi = eb.interval(0.90)
    np.testing.assert_allclose(lo, stats.gamma.ppf(0.05, eb.shape, scale=1 / eb.inv_scale))
    np.testing.assert_allclose(hi, stats.gamma.ppf(0.95, eb.shape, scale=1 / eb.inv_scale))
    assert np.all((lo < eb.rate) & (eb.rate < hi))


def test_marshall_eb_clips_between_area_variance_at_zero():
    population = np.full(6, 5000.0)
    events = np.array([50, 51, 49, 50, 52, 48.0])  # less spread than Poisson noise alone
    eb = rates.marshall_eb(events, population)
    assert eb.A == 0
    np.testing.assert_allclose(eb.rate, events.sum() / population.sum())  # every area gets the city rate
    lo, hi = eb.interval(0.9)
    np.testing.assert_allclose(lo, eb.rate)


def test_ten_residents_and_one_event_do_not_top_the_eb_rate_ranking():
    population = np.array([4000, 5200, 6100, 3900, 7000, 4500, 10.0])
    events = np.array([12, 18, 30, 8, 25, 20, 1.0])  # the last area: 100 per 1,000 raw, by far the highest
    raw = events / population
    assert np.argmax(raw) == 6
    eb = rates.marshall_eb(events, population)
    assert np.argmax(eb.rate) != 6
    assert eb.shrinkage[6] < 0.01 < eb.shrinkage[:6].min()  # it moved almost all the way to the city rate
    print("raw per 1000:", np.round(raw * 1000, 2), "EB per 1000:", np.round(eb.rate * 1000, 2))


# --- funnel plot and robust z -----------------------------------------------------------------------------------


def test_funnel_against_a_direct_computation():
    exposure = np.array([2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000, 20000.0])
    y = np.array([10, 14, 25, 22, 40, 30, 50, 42, 55, 160.0])
    result = rates.funnel(y, exposure, limit=0.999, winsor=0.10)
    theta = y.sum() / exposure.sum()
    z = (y - theta * exposure) / np.sqrt(theta * exposure)
    np.testing.assert_allclose(result.z_raw, z)
    z_sorted = np.sort(z)
    z_sorted[0], z_sorted[-1] = z_sorted[1], z_sorted[-2]  # 10 % of 10 values winsorised at each end
    phi = np.mean(z_sorted**2)
    assert result.phi == pytest.approx(phi)
    expected_z = z / np.sqrt(phi) if phi > 1 else z
    np.testing.assert_allclose(result.z, expected_z)
    np.testing.assert_array_equal(result.flag, expected_z > stats.norm.ppf(0.999))
    assert result.flag[-1]


def test_robust_z_against_scipy_mad():
    x = np.array([1.0, 2, 3, 4, 5, 8, 40])
    scale = stats.median_abs_deviation(x, scale="normal")
    np.testing.assert_allclose(rates.robust_z(x), (x - np.median(x)) / scale, rtol=1e-4)


# --- weekly change detection ------------------------------------------------------------------------------------


def test_exceedance_p_values_against_scipy():
    y, mu = np.array([0, 3, 12, 25.0]), np.array([2.0, 2.0, 5.0, 9.5])
    np.testing.assert_allclose(change.exceedance_p(y, mu, None), stats.poisson.sf(y - 1, mu))
    k = 4.0
    np.testing.assert_allclose(change.exceedance_p(y, mu, k), stats.nbinom.sf(y - 1, k, k / (k + mu)))
    assert change.exceedance_p([0.0], [3.0], k)[0] == pytest.approx(1.0)


def test_nb_dispersion_recovers_a_known_k_and_falls_back_to_poisson():
    rng = np.random.default_rng(1)
    mu = rng.uniform(2, 20, 4000)
    k_true = 5.0
    y = rng.negative_binomial(k_true, k_true / (k_true + mu))
    k = change.fit_nb_dispersion(y, mu)
    assert 3.5 < k < 7.0
    k_poisson = change.fit_nb_dispersion(rng.poisson(mu), mu)
    assert k_poisson is None or k_poisson > 50


def test_bh_wheeler_cusum_ewma_against_direct_formulas():
    from statsmodels.stats.multitest import multipletests

    p = np.array([0.001, 0.008, 0.039, 0.041, 0.2, np.nan])
    q = change.bh_q(p)
    np.testing.assert_allclose(q[:5], multipletests(p[:5], method="fdr_bh")[1])
    assert np.isnan(q[5])
    ranked = np.sort(p[:5]) * 5 / np.arange(1, 6)  # BH by hand: p(i)·m/i, then the running minimum from the top
    np.testing.assert_allclose(np.sort(q[:5]), np.minimum.accumulate(ranked[::-1])[::-1])

    assert change.wheeler_z(np.array([16.0]), np.array([4.0]))[0] == pytest.approx(2 * (4 - 2))

    y = np.array([3, 6, 9, 2, 8.0])
    mu0 = np.array([4, 4, 4, np.nan, 4.0])
    shift = 1.5
    s, expected = 0.0, []
    for t in range(5):
        if np.isnan(mu0[t]):
            s = 0.0
            expected.append(np.nan)
            continue
        k = (shift * mu0[t] - mu0[t]) / np.log(shift)
        s = max(0.0, s + y[t] - k)
        expected.append(s)
    np.testing.assert_allclose(change.poisson_cusum(y, mu0, shift), expected)

    z, limit = change.ewma(y, mu0, 0.3, 3)
    direct = [0.3 * 3 + 0.7 * 4]
    direct.append(0.3 * 6 + 0.7 * direct[-1])
    direct.append(0.3 * 9 + 0.7 * direct[-1])
    np.testing.assert_allclose(z[:3], direct)
    assert np.isnan(z[3]) and z[4] == pytest.approx(0.3 * 8 + 0.7 * 4)  # restarted after the gap
    assert limit[0] == pytest.approx(4 + 3 * np.sqrt(4 * 0.3 / 1.7))


def test_cusum_threshold_gives_about_the_asked_false_alarm_rate():
    h = change.cusum_threshold(6.0, 1.5, 104, seed=1)
    y = np.random.default_rng(2).poisson(6.0, size=(1500, 104)).astype(float)
    alarmed = np.array([np.nanmax(change.poisson_cusum(row, np.full(104, 6.0), 1.5)) > h for row in y])
    assert 0.45 < alarmed.mean() < 0.8  # in control, about 1 − e⁻¹ ≈ 0.63 of series alarm within the ARL


# --- tertial rate ratio -----------------------------------------------------------------------------------------


def test_rate_ratio_exact_test_against_scipy_binomtest():
    from statsmodels.stats.rates import confint_poisson_2indep

    result = rate_ratio(54, 1200.0, 30, 1150.0)
    assert result.rr == pytest.approx((54 / 1200) / (30 / 1150))
    direct = stats.binomtest(54, 84, 1200 / 2350).pvalue
    assert result.p == pytest.approx(direct, rel=1e-9)
    lo, hi = confint_poisson_2indep(54, 1200.0, 30, 1150.0, method="mover")
    assert (result.ci_lo, result.ci_hi) == pytest.approx((lo, hi))
    assert result.ci_lo < result.rr < result.ci_hi
    assert np.isnan(rate_ratio(0, 100.0, 0, 100.0).p)


# --- Gi* ------------------------------------------------------------------------------------------------------


def _region():
    import h3

    rng = np.random.default_rng(4)
    centre = h3.latlng_to_cell(59.85, 17.64, 9)
    cells = [c for c in sorted(h3.grid_disk(centre, 9)) if rng.random() < 0.85]
    cells.append(h3.latlng_to_cell(60.0, 17.9, 9))  # an island
    y = rng.poisson(0.7, len(cells)).astype(float)
    hot = [i for i, c in enumerate(cells) if h3.grid_distance(centre, c) <= 1]
    y[hot] += 12
    return cells, y, hot


def test_gi_star_z_and_permutation_p_equal_esda():
    import libpysal
    from esda.crand import crand, vec_permutations
    from esda.getisord import G_Local, _g_local_star_crand

    cells, y, _ = _region()
    weights = h3_weights(cells)
    lists = {i: [int(j) for j in row[row >= 0]] for i, row in enumerate(weights.neighbours)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")

        def w_star():
            return libpysal.weights.fill_diagonal(libpysal.weights.W(lists, silence_warnings=True), 1)

        reference = G_Local(y, w_star(), transform="B", star=None, permutations=0)
        p_esda, _ = crand(
            y,
            w_star(),
            reference.Gs,
            199,
            False,
            1,
            _g_local_star_crand,
            scaling=y.sum(),
            seed=7,
            alternative="greater",
        )
    has_neighbours = weights.cardinality > 0
    np.testing.assert_allclose(gi_star_z(y, weights)[has_neighbours], reference.Zs[has_neighbours], atol=1e-9)
    np.testing.assert_allclose(
        conditional_p_sim(y, weights, 199, 7)[has_neighbours], p_esda[has_neighbours], atol=1e-6
    )  # esda stores p in float32
    np.testing.assert_array_equal(permutation_ids(6, len(y), 50, 3), vec_permutations(6, len(y), 50, 3))


def test_gi_star_finds_the_planted_cluster_and_tests_only_cells_with_enough_events():
    cells, y, hot = _region()
    result = gi_star(y, h3_weights(cells), permutations=999, seed=1, fdr_q=0.05, min_count=3)
    assert set(np.flatnonzero(result.hot)) <= set(hot) and result.hot[hot].sum() >= 5
    assert np.all(np.isnan(result.p_sim[y < 3]))
    assert not result.hot[-1]  # the island is never a hot spot
    tested = ~np.isnan(result.p_sim)
    from statsmodels.stats.multitest import multipletests

    np.testing.assert_allclose(result.q_bh[tested], multipletests(result.p_sim[tested], method="fdr_bh")[1])


# --- composite rank -----------------------------------------------------------------------------------------


def test_rank_uncertainty_is_sure_about_a_clear_leader_and_unsure_about_ties():
    base = np.array(
        [
            [3.0, 3, 3, 3, 3, 3],
            [0, 0, 0, 0, 0, 0],
            [0.1, 0, 0, 0, 0, 0],
            [0, 0.1, 0, 0, 0, 0],
            [-1, -1, -1, -1, -1, -1],
            [0, 0, 0.1, 0, 0, 0],
            [-0.5, 0, 0, 0, 0, 0],
        ]
    )
    draws = base[np.newaxis] + np.random.default_rng(2).normal(0, 0.3, size=(500, *base.shape))
    result = priority.rank_uncertainty(draws, np.full(6, 1 / 6), top_k=1, cap=3)
    assert result.p_top_k[0] == 1.0 and result.rank_lo90[0] == result.rank_hi90[0] == 1
    assert result.rank_hi90[1] - result.rank_lo90[1] >= 2
    assert priority.rank_desc(np.array([5.0, 9, 9, 1])).tolist() == [3, 1, 1, 4]
