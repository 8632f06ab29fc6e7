"""The SQ test (Gelbach, Helland & Klick 2013) and the minimum detectable effect of the group test.

The SQ test is checked against its definition (ranks in the estimation ARs), for its size under the
null by exact exchangeability (hypothesis), and on a planted jump through the full study. The MDE
of the KP-adjusted BMP is checked by simulation through the real engine and battery: planting the
MDE as every member's abnormal return, the test rejects about 80% of the time (slow).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eventstudy.stats import evidence
from eventstudy.stats.study import EventStudy
from eventstudy.stats.windows import Estimation, Window


def test_sq_p_is_the_two_sided_empirical_rank() -> None:
    est = np.arange(1, 40, dtype=float)  # 39 days: 1..39
    r = evidence.sq_test(100.0, est)
    assert r.n_days == 39 and r.p_value == pytest.approx(2 / 40) and r.min_p == pytest.approx(2 / 40)
    assert r.share_below == 1.0
    mid = evidence.sq_test(20.0, est)  # 20 of 39 at or above, 20 at or below
    assert mid.p_value == 1.0
    low = evidence.sq_test(2.5, est)  # 2 at or below
    assert low.p_value == pytest.approx(2 * 3 / 40)
    assert np.isnan(evidence.sq_test(1.0, np.array([])).p_value)


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=5, max_value=60), st.integers(min_value=0, max_value=2**32 - 1))
def test_sq_is_exact_under_exchangeability(n: int, seed: int) -> None:
    """With the day-0 AR exchangeable with the estimation ARs, P(p <= a) <= a for every a: over all
    n + 1 choices of which draw is 'day 0', the rejection share at 2k/(n+1) is at most that."""
    x = np.random.default_rng(seed).standard_t(3, n + 1)
    ps = np.array([evidence.sq_test(x[j], np.delete(x, j)).p_value for j in range(n + 1)])
    for a in (0.05, 0.1, 0.2, 0.5):
        assert np.mean(ps <= a) <= a + 1e-12


def test_sq_mde_needs_39_days_and_is_a_quantile_spread() -> None:
    rng = np.random.default_rng(1)
    assert evidence.sq_mde(rng.normal(0, 0.02, 30)) == np.inf
    x = rng.normal(0, 0.02, 5000)
    # For normal ARs: q(0.975) - q(0.20) = (1.96 + 0.84) sd.
    assert evidence.sq_mde(x) == pytest.approx(2.80 * 0.02, rel=0.05)


def test_study_reports_the_sq_test_of_a_planted_jump() -> None:
    rng = np.random.default_rng(4)
    dates = pd.bdate_range("2021-01-01", periods=300)
    m = pd.Series(rng.normal(0, 0.01, 300), index=dates)
    r = pd.Series(m.to_numpy() + rng.standard_t(3, 300) * 0.01, index=dates)
    r.iloc[260] += 0.15
    res = EventStudy({"A": r}, pd.DataFrame({"symbol": ["A"], "date": [dates[260]]}), market=m,
                     estimation=Estimation(Window(-250, -11)), window=Window(-5, 5), bootstrap=99).fit()
    sq = res.sq.set_index("day")
    assert sq.loc[0, "sq_days"] == 240 and sq.loc[0, "sq_p"] == pytest.approx(2 / 241)
    assert sq.loc[-3, "sq_p"] > 2 / 241


def test_kp_bmp_power_agrees_with_scipys_noncentral_t_where_that_is_stable() -> None:
    from scipy import stats

    for n, r, delta in ((10, 0.0, 0.6), (10, 0.3, 1.0), (30, 0.1, 0.4)):
        df, ncp = n - 1, delta * np.sqrt(n / (1 + (n - 1) * r))
        crit = stats.t.ppf(0.975, df)
        ref = stats.nct.sf(crit, df, ncp) + stats.nct.cdf(-crit, df, ncp)
        assert evidence.kp_bmp_power(delta, n, r) == pytest.approx(ref, abs=1e-7)
    assert evidence.kp_bmp_power(0.0, 3, 0.5) == pytest.approx(0.05, abs=1e-9)  # size at delta = 0


def test_group_mde_makes_the_power_80_percent() -> None:
    sd = np.array([0.02, 0.03, 0.025])
    mde = evidence.group_mde(3, 0.53, sd)
    delta = mde / float(pd.Series(sd).pipe(lambda s: len(s) / (1 / s).sum()))
    assert evidence.kp_bmp_power(delta, 3, 0.53) == pytest.approx(0.80, abs=1e-6)
    # With three correlated members the test sees only very large moves; with 30 far smaller ones.
    assert mde > 3 * sd.max()
    assert evidence.group_mde(30, 0.1, np.full(30, 0.025)) < 0.03
    assert evidence.group_mde(30, 0.1, np.full(30, 0.025)) > evidence.group_mde(30, 0.0, np.full(30, 0.025))
    assert np.isnan(evidence.group_mde(1, 0.0, sd))


@pytest.mark.slow
def test_rejection_rate_at_the_mde_is_80_percent() -> None:
    """N = 3 members on one date with residual correlation 0.5: planting the MDE (computed from the
    true r and volatility) as each member's day-0 abnormal return, the KP-adjusted BMP of the real
    battery rejects at 5% in about 80% of replications (99.9% band for 600 draws: +-0.054)."""
    n, r, sigma, reps = 3, 0.5, 0.02, 600
    mde = evidence.group_mde(n, r, np.full(n, sigma))
    rng = np.random.default_rng(20260114)
    dates = pd.bdate_range("2020-01-01", periods=140)
    day0 = dates[130]
    events = pd.DataFrame({"symbol": [f"S{i}" for i in range(n)], "date": [day0] * n})
    rejected = 0
    for _ in range(reps):
        m = rng.normal(0, 0.01, len(dates))
        common = rng.normal(0, np.sqrt(r) * sigma, len(dates))
        rets = {}
        for i in range(n):
            x = m + common + rng.normal(0, np.sqrt(1 - r) * sigma, len(dates))
            x[130] += mde
            rets[f"S{i}"] = pd.Series(x, index=dates)
        res = EventStudy(rets, events, market=pd.Series(m, index=dates), estimation=Estimation(Window(-120, -11)),
                         window=Window(0, 0), cars=[Window(0, 0)], bootstrap=1).fit()
        t = res.tests
        lead = t[(t["scope"] == "day") & (t["statistic"] == "KP-adjusted BMP")].iloc[0]
        rejected += bool(lead["p_value"] < 0.05)
    rate = rejected / reps
    assert abs(rate - 0.80) < 0.054, rate
