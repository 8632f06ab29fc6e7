"""The panel-wide array formulas against the per-event library calls they replace."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats
from statsmodels.stats.stattools import durbin_watson, jarque_bera

from eventstudy.stats.diagnostics import MIN_DAYS, residual_diagnostics
from eventstudy.stats.ranks import row_ranks, weighted_rank_sums_with_one_more
from eventstudy.stats.signed_rank import wilcoxon_p


@pytest.mark.parametrize("gaps", [True, False])
def test_diagnostics_match_statsmodels_on_random_panels(gaps: bool) -> None:
    """With missing days inside the estimation window, and (the faster path) without: each row's
    used days one run."""
    rng = np.random.default_rng(12)
    n, k = 60, 140
    resid = rng.standard_t(4, (n, k)) * rng.uniform(0.005, 0.05, (n, 1))
    resid[:, ::7] += rng.normal(0, 0.02, (n, 1))  # some autocorrelation and skew to detect
    if gaps:
        used = rng.random((n, k)) < rng.uniform(0.05, 1.0, (n, 1))
    else:
        a = rng.integers(0, k // 2, n)
        b = rng.integers(k // 2, k + 1, n)
        used = (np.arange(k) >= a[:, None]) & (np.arange(k) < b[:, None])
    used[0] = False
    used[1, :MIN_DAYS - 1] = True
    used[1, MIN_DAYS - 1:] = False
    resid[~used] = rng.normal(0, 1, (~used).sum())  # days not used must not matter
    got = residual_diagnostics(resid, used)
    for i in range(n):
        r = resid[i, used[i]]
        if len(r) < MIN_DAYS:
            assert np.isnan(got["durbin_watson"][i]) and np.isnan(got["jarque_bera_p"][i])
            continue
        np.testing.assert_allclose(got["durbin_watson"][i], durbin_watson(r), rtol=1e-10)
        np.testing.assert_allclose(got["jarque_bera_p"][i], jarque_bera(r)[1], rtol=1e-9, atol=1e-300)
    assert np.isfinite(got["durbin_watson"][2:]).any()


values = arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 12)),
                elements=st.sampled_from([np.nan, -np.inf, -1.5, 0.0, 0.25, 0.25, 2.0, np.inf]) | st.floats(-3, 3))


@settings(max_examples=200, deadline=None)
@given(values)
def test_row_ranks_equal_pandas_average_ranks(x: np.ndarray) -> None:
    expected = pd.DataFrame(x).rank(axis=1, method="average").to_numpy()
    np.testing.assert_array_equal(row_ranks(x), expected)
    np.testing.assert_array_equal(row_ranks(x, missing=0.0), np.nan_to_num(expected, nan=0.0))


def test_row_ranks_exact_for_values_equal_but_in_their_lowest_bits() -> None:
    """The packed-key sort drops the lowest bits of each value: values differing only there, signed
    zeros and NaNs with the sign bit set must still rank as pandas ranks them."""
    rng = np.random.default_rng(5)
    base = np.array([1.0, -2.5, 0.0, 3e-300, -1e300])
    rows = []
    for _ in range(200):
        b = rng.choice(base)
        near = [b, *(np.nextafter(b, np.inf) for _ in range(2)), np.nextafter(b, -np.inf), -0.0, 0.0,
                -np.nan, np.nan, np.inf, -np.inf, rng.normal()]
        row = np.array(near * 3)
        with np.errstate(over="ignore"):  # the largest finite value may step to infinity: fine
            for i in range(len(row)):  # walk a few values a few ulps away
                for _ in range(int(rng.integers(0, 4))):
                    row[i] = np.nextafter(row[i], np.inf if rng.random() < 0.5 else -np.inf)
        rows.append(rng.permutation(row))
    x = np.array(rows)
    np.testing.assert_array_equal(row_ranks(x), pd.DataFrame(x).rank(axis=1, method="average").to_numpy())


@settings(max_examples=200, deadline=None)
@given(values, st.integers(1, 3), st.data())
def test_appending_one_value_equals_ranking_from_scratch(x: np.ndarray, n_tests: int, data: st.DataObject) -> None:
    """Each test appends its own value to every row it includes; ranking from scratch must agree."""
    def draw() -> float:
        return data.draw(st.sampled_from([-1.5, 0.0, 0.25, 2.0, np.inf, np.nan]) | st.floats(-3, 3))

    extra = np.array([[draw() for _ in range(n_tests)] for _ in x])
    ok = np.array([[data.draw(st.booleans()) for _ in range(n_tests)] for _ in x]) & ~np.isnan(extra)
    weights = np.array([data.draw(st.sampled_from([0.5, 1.0, 0.125, 1 / 3])) for _ in x])
    counts = (~np.isnan(x)).sum(axis=1)
    sums, new = weighted_rank_sums_with_one_more(np.nan_to_num(row_ranks(x)), x, extra, ok, weights, counts)
    for g in range(n_tests):
        full = pd.DataFrame(np.column_stack([x, extra[:, g]])).rank(axis=1).to_numpy()
        keep = ok[:, g]
        np.testing.assert_array_equal(new[keep, g], full[keep, -1])
        expected = np.nansum(full[keep, :-1] * weights[keep, None], axis=0)
        np.testing.assert_allclose(sums[g], expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("n", [51, 80, 400, 5000])
@pytest.mark.parametrize("decimals", [None, 1])
def test_wilcoxon_p_equals_scipy(n: int, decimals: int | None) -> None:
    """Above 50 values the p-value is written out; it must be scipy's to the bit (ties included)."""
    rng = np.random.default_rng(n)
    for _ in range(10):
        x = rng.normal(rng.normal(0, 0.1), 1, n)
        if decimals is not None:
            x = np.round(x, decimals)  # many ties
        x = x[x != 0]
        assert wilcoxon_p(x) == stats.wilcoxon(x).pvalue
    small = rng.normal(0, 1, 20)
    assert wilcoxon_p(small) == stats.wilcoxon(small).pvalue


@settings(max_examples=400, deadline=None)
@given(n=st.integers(1, 60), levels=st.sampled_from([None, 3, 6, 12, 40]), shift=st.floats(-1.5, 1.5),
       seed=st.integers(0, 2**32 - 1))
def test_wilcoxon_p_small_samples_equal_scipy(n: int, levels: int | None, shift: float, seed: int) -> None:
    """Up to 50 values scipy takes its exact distribution (no ties), its exact sign-flip test (ties,
    up to 13 values) or the normal approximation (ties, 14-50): each written out without
    scipy.stats, each scipy's p-value to the bit."""
    rng = np.random.default_rng(seed)
    x = rng.normal(shift, 1, n)
    if levels is not None:
        x = np.round(x * levels / 4) / levels  # ties; zeros possible
        x = x[x != 0]
        if not len(x):
            return
    assert wilcoxon_p(x) == stats.wilcoxon(x).pvalue


@pytest.mark.parametrize("x", [
    [1.0], [-2.0], [1.0, -1.0], [1.0, 1.0, 1.0], [-1.0, -1.0, -1.0, -1.0, -1.0, -1.0, -1.0, -1.0, -1.0, -1.0],
    [0.5, -0.5, 1.5, -1.5, 2.5, 2.5, -3.5, 4.0, 4.0, 4.0, -4.0, 5.0, 6.0],  # 13 with ties: sign flips
    [0.5, -0.5, 1.5, -1.5, 2.5, 2.5, -3.5, 4.0, 4.0, 4.0, -4.0, 5.0, 6.0, 7.0],  # 14: the approximation
    list(range(1, 51)), [-v for v in range(1, 51)],  # the exact tails at their ends
])
def test_wilcoxon_p_edges_equal_scipy(x: list[float]) -> None:
    a = np.array(x, dtype=float)
    assert wilcoxon_p(a) == stats.wilcoxon(a).pvalue


def test_wilcoxon_p_leaves_missing_and_zero_values_to_scipy() -> None:
    for x in ([1.0, np.nan, -2.0], [0.0, 1.0, 2.0, -3.0]):
        a = np.array(x)
        np.testing.assert_equal(wilcoxon_p(a), stats.wilcoxon(a).pvalue)
