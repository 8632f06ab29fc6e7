"""The skewness-adjusted t (Hall 1992) and its bootstrap, against a direct computation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from eventstudy.stats import skewness
from eventstudy.stats.study import EventStudy


def direct_t_sa(x: np.ndarray) -> float:
    """Term by term, with scipy's unbiased skewness (N sum d^3 / ((N-1)(N-2) s^3)) as gamma."""
    n = len(x)
    big_s = x.mean() / x.std(ddof=1)
    gamma = stats.skew(x, bias=False)
    return float(np.sqrt(n) * (big_s + gamma * big_s**2 / 3 + gamma**2 * big_s**3 / 27 + gamma / (6 * n)))


def test_the_statistic_matches_the_formula() -> None:
    rng = np.random.default_rng(0)
    x = rng.lognormal(0, 1, 40) - 1.2  # right-skewed, as long-horizon returns are
    assert skewness.skew_adjusted_t(x) == pytest.approx(direct_t_sa(x), rel=1e-12)
    assert skewness.t_p_value(2.0, 40) == pytest.approx(2 * stats.t.sf(2.0, 39), rel=1e-12)
    assert np.isnan(skewness.skew_adjusted_t(np.array([0.1, 0.2])))


def test_the_bootstrap_matches_a_loop_over_draws() -> None:
    rng = np.random.default_rng(1)
    x = np.sort(rng.gamma(0.5, 0.04, 25) - 0.01)  # the module resamples the sorted sample
    draws, seed = 999, 7
    idx = np.random.default_rng([seed, 0]).integers(0, len(x), size=(draws, len(x)))
    centred = x - x.mean()
    t_obs = direct_t_sa(x)
    boot = np.array([direct_t_sa(centred[row]) for row in idx])
    expected = min(1.0, 2 * min(1 + (boot <= t_obs).sum(), 1 + (boot >= t_obs).sum()) / (draws + 1))
    assert skewness.bootstrap_p(x, draws, seed) == pytest.approx(expected, abs=1e-12)


def test_the_battery_reports_both_for_days_and_car_windows() -> None:
    rng = np.random.default_rng(2)
    days = pd.bdate_range("2022-01-03", periods=320)
    market = pd.Series(rng.normal(0, 0.01, 320), index=days, name="M")
    rets = pd.DataFrame({f"S{k}": market * 1.1 + rng.standard_t(3, 320) * 0.01 for k in range(30)}, index=days)
    rets["M"] = market
    ev = pd.DataFrame({"symbol": [f"S{k}" for k in range(30)], "date": days[280 + np.arange(30) % 9]})
    res = EventStudy(rets, ev, market="M", bootstrap=500, seed=3).fit()
    tests = res.tests
    day0 = tests[(tests["scope"] == "day") & (tests["day"] == 0)].set_index("statistic")
    ars = res.ar[res.ar["day"] == 0]["abnormal_return"].to_numpy()
    assert day0.loc["skewness-adjusted t", "value"] == pytest.approx(direct_t_sa(ars), rel=1e-10)
    assert day0.loc["skewness-adjusted t", "p_value"] == pytest.approx(
        2 * stats.t.sf(abs(direct_t_sa(ars)), len(ars) - 1), rel=1e-8)
    assert day0.loc["skewness-adjusted t bootstrap", "p_value"] == pytest.approx(
        skewness.bootstrap_p(ars, 500, 3), abs=1e-15)
    win = tests[(tests["scope"] == "window") & (tests["window"] == "[0,+5]")].set_index("statistic")
    cars = res.car[res.car["window"] == "[0,+5]"]["car"].to_numpy()
    assert win.loc["skewness-adjusted t", "value"] == pytest.approx(direct_t_sa(cars), rel=1e-10)
    assert win.loc["skewness-adjusted t", "n"] == 30


def test_large_samples_resample_a_thousand() -> None:
    """Above 1,000 events each resample has 1,000 (a subsample bootstrap, as Lyon, Barber & Tsai's n/4)."""
    rng = np.random.default_rng(4)
    x = np.sort(rng.lognormal(0, 0.8, 3000) - 1.35)
    draws, seed = 300, 2
    idx = np.random.default_rng([seed, 0]).integers(0, len(x), size=(draws, 1000))
    centred = x - x.mean()
    t_obs = direct_t_sa(x)
    boot = np.array([direct_t_sa(centred[row]) for row in idx])
    expected = min(1.0, 2 * min(1 + (boot <= t_obs).sum(), 1 + (boot >= t_obs).sum()) / (draws + 1))
    assert skewness.bootstrap_p(x, draws, seed) == pytest.approx(expected, abs=1e-12)


def test_the_bootstrap_does_not_depend_on_the_events_order() -> None:
    x = np.random.default_rng(5).lognormal(0, 1, 30)
    assert skewness.bootstrap_p(x, 500, 1) == skewness.bootstrap_p(x[::-1], 500, 1)
