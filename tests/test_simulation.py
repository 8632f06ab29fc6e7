"""Brown & Warner (1985) style Monte Carlo checks of the test battery.

Daily returns are simulated as a market factor plus idiosyncratic noise on a business-day index;
each replication is its own :class:`EventStudy` (market model, estimation [-120,-11], event window
[-5,+5]) with N = 30 events. Three experiments:

1. size under the null with independent securities on distinct event dates: every statistic's 5%
   rejection rate on day 0 and on CAR[-1,+1] lies in a 99.9% binomial Monte Carlo band around 0.05;
2. cross-correlated residuals (common shock, correlation 0.3) with every event on one date: BMP
   over-rejects far beyond the band, the Kolari-Pynnonen adjusted BMP does not, and the estimated
   mean residual correlation recovers the planted one;
3. power against a planted +1% day-0 abnormal return (idiosyncratic sd 2%): BMP, Patell Z and the
   cross-sectional t reject at the rates the noncentral-t / normal approximations predict.

Everything is seeded, so the outcome is deterministic; every assertion can fail (a band, not a
tautology). The whole module runs in well under a minute on two cores.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import special, stats

from eventstudy.stats.study import EventStudy
from eventstudy.stats.windows import Estimation, Window

pytestmark = pytest.mark.slow

N = 30  # events per study
ALPHA = 0.05  # nominal size
EST = Estimation(Window(-120, -11), min_days=60)
WINDOW = Window(-5, 5)
CARS = [Window(0, 0), Window(-1, 1)]
L = EST.window.length  # 110 estimation days
SIGMA = 0.02  # idiosyncratic daily sd
BOOTSTRAP = 199

R_NULL = 400
R_CLUSTER = 200
R_POWER = 250

NULL_TESTS = [
    "cross-sectional t",
    "Brown-Warner 1980",
    "Brown-Warner 1985",
    "Patell Z",
    "BMP",
    "Corrado rank",
    "GRANK",
    "sign",
    "generalized sign",
    "Wilcoxon signed-rank",
    "bootstrap",
]
SCOPES = {"day 0": ("day", 0), "CAR[-1,+1]": ("window", "[-1,+1]")}


def band(rate: float, reps: int, level: float = 0.999) -> tuple[float, float]:
    """Two-sided binomial Monte Carlo band for an observed rejection rate out of ``reps``."""
    tail = (1 - level) / 2
    return stats.binom.ppf(tail, reps, rate) / reps, stats.binom.isf(tail, reps, rate) / reps


def simulate(
    rng: np.random.Generator, n: int, days: int, *, rho: float = 0.0, sigma: float = SIGMA
) -> tuple[pd.DataFrame, pd.Series]:
    """Returns of ``n`` securities over ``days`` business days: alpha + beta Rm + residual, with
    residuals sigma (sqrt(rho) F + sqrt(1 - rho) e) — equicorrelated at ``rho``, symmetric (normal)."""
    dates = pd.bdate_range("2001-01-01", periods=days)
    m = rng.normal(0.0004, 0.01, days)
    beta = rng.uniform(0.5, 1.5, n)
    alpha = rng.normal(0.0, 0.0005, n)
    common = rng.standard_normal(days)[:, None]
    own = rng.standard_normal((days, n))
    resid = sigma * (np.sqrt(rho) * common + np.sqrt(1 - rho) * own)
    r = alpha + m[:, None] * beta + resid
    cols = [f"S{i:03d}" for i in range(n)]
    return pd.DataFrame(r, index=dates, columns=cols), pd.Series(m, index=dates, name="mkt")


def fit(returns: pd.DataFrame, market: pd.Series, positions: np.ndarray, **kw):
    events = pd.DataFrame({"symbol": returns.columns, "date": returns.index[positions]})
    return EventStudy(
        returns, events, market=market, model="market", estimation=EST, window=WINDOW, cars=CARS,
        bootstrap=BOOTSTRAP, seed=int(kw.pop("seed", 0)), fallback=False, **kw,
    ).fit()


def pvalues(result) -> dict[tuple[str, str], float]:
    t = result.tests
    out = {}
    for label, (scope, key) in SCOPES.items():
        col = "day" if scope == "day" else "window"
        rows = t[(t["scope"] == scope) & (t[col] == key)]
        for stat, p in zip(rows["statistic"], rows["p_value"], strict=True):
            out[(label, str(stat))] = float(p)
    return out


def distinct_positions(rng: np.random.Generator, days: int) -> np.ndarray:
    """N distinct day-0 positions with a full estimation and event window inside the data."""
    lo, hi = -EST.window.start, days - WINDOW.end
    return rng.choice(np.arange(lo, hi), size=N, replace=False)


# -- 1. size under the null ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def null_runs() -> pd.DataFrame:
    rng = np.random.default_rng(19850301)
    days = -EST.window.start + 80
    rows = []
    for rep in range(R_NULL):
        returns, market = simulate(rng, N, days)
        res = fit(returns, market, distinct_positions(rng, days), seed=rep)
        assert not res.clustered
        rows.append(pvalues(res))
    return pd.DataFrame(rows)


@pytest.mark.parametrize("scope", list(SCOPES))
@pytest.mark.parametrize("statistic", NULL_TESTS)
def test_size_under_the_null(null_runs: pd.DataFrame, statistic: str, scope: str) -> None:
    p = null_runs[(scope, statistic)]
    assert p.notna().all(), f"{statistic} {scope}: {p.isna().sum()} NaN p-values"
    assert ((p > 0) & (p <= 1)).all()
    rate = float((p < ALPHA).mean())
    lo, hi = band(ALPHA, R_NULL)
    assert lo <= rate <= hi, f"{statistic} {scope}: rejection rate {rate:.4f} outside [{lo:.4f}, {hi:.4f}]"


def test_null_p_values_are_roughly_uniform(null_runs: pd.DataFrame) -> None:
    """Beyond the 5% tail: the continuous tests' p-values are uniform (KS, Bonferroni over tests)."""
    continuous = ["cross-sectional t", "Brown-Warner 1980", "Brown-Warner 1985", "Patell Z", "BMP",
                  "Corrado rank", "GRANK"]
    for stat in continuous:
        for scope in SCOPES:
            ks = stats.kstest(null_runs[(scope, stat)], "uniform")
            assert ks.pvalue > 0.001 / (len(continuous) * len(SCOPES)), (stat, scope, ks.statistic)


# -- 2. cross-correlation on a shared event date ------------------------------------------------
RHO = 0.3


@pytest.fixture(scope="module")
def clustered_runs() -> pd.DataFrame:
    rng = np.random.default_rng(20100101)
    days = -EST.window.start + 20
    day0 = np.full(N, -EST.window.start + 5)
    rows = []
    for rep in range(R_CLUSTER):
        returns, market = simulate(rng, N, days, rho=RHO)
        res = fit(returns, market, day0, seed=rep)
        assert res.clustered
        row = pvalues(res)
        row[("r", "")] = res.mean_correlation
        rows.append(row)
    return pd.DataFrame(rows)


def test_mean_correlation_recovers_the_planted_one(clustered_runs: pd.DataFrame) -> None:
    r = clustered_runs[("r", "")]
    assert r.notna().all()
    assert abs(r.mean() - RHO) < 0.03, r.mean()
    assert r.between(RHO - 0.15, RHO + 0.15).all(), (r.min(), r.max())


@pytest.mark.parametrize("scope", list(SCOPES))
def test_bmp_over_rejects_under_cross_correlation(clustered_runs: pd.DataFrame, scope: str) -> None:
    rate = float((clustered_runs[(scope, "BMP")] < ALPHA).mean())
    _, hi = band(ALPHA, R_CLUSTER)
    # Theory: BMP's variance is inflated by (1 + (N-1) rho) / (1 - rho) ~ 13.9, so it rejects
    # roughly half the time; anything below 3x the band's top would mean the shock was lost.
    assert rate > 3 * hi, f"BMP {scope}: rejection rate {rate:.3f} (band top {hi:.3f})"


@pytest.mark.parametrize("scope", list(SCOPES))
def test_kp_adjusted_bmp_holds_its_size(clustered_runs: pd.DataFrame, scope: str) -> None:
    p = clustered_runs[(scope, "KP-adjusted BMP")]
    assert p.notna().all()
    rate = float((p < ALPHA).mean())
    lo, hi = band(ALPHA, R_CLUSTER)
    assert rate <= hi, f"KP-adjusted BMP {scope}: rejection rate {rate:.3f} above {hi:.3f}"
    assert rate >= lo, f"KP-adjusted BMP {scope}: rejection rate {rate:.3f} below {lo:.3f} (test is dead)"


@pytest.mark.parametrize("scope", list(SCOPES))
def test_kp_adjusted_patell_does_not_over_reject(clustered_runs: pd.DataFrame, scope: str) -> None:
    # One-sided: with the BMP factor sqrt((1-r)/(1+(N-1)r)) applied to Patell's Z (whose null
    # variance is 1+(N-1)r, not (1+(N-1)r)/(1-r)) the test is conservative (~2% at r = 0.3).
    rate = float((clustered_runs[(scope, "KP-adjusted Patell")] < ALPHA).mean())
    assert rate <= band(ALPHA, R_CLUSTER)[1], rate


# -- 3. power against a planted abnormal return --------------------------------------------------
DELTA = 0.01


def expected_power(statistic: str, length: int) -> float:
    """Rejection probability at 5% for a mean abnormal return DELTA on day 0, tested over a window
    of ``length`` days containing day 0 (noncentral t / normal approximations)."""
    df = L - 2
    # Standardized shift of one event's (C)AR; the prediction-error variance adds ~ length/L.
    shift = DELTA / (SIGMA * np.sqrt(length * (1 + length / L)))
    if statistic == "cross-sectional t":
        ncp = np.sqrt(N) * shift
        crit = stats.t.isf(ALPHA / 2, N - 1)
        return float(stats.nct.sf(crit, N - 1, ncp) + stats.nct.cdf(-crit, N - 1, ncp))
    # SAR_i = (C)AR_i / s_i...: Student-t(df) noise with sd sqrt(df/(df-2)); the shift gains E[sigma/s].
    gain = np.sqrt(df / 2) * np.exp(special.gammaln((df - 1) / 2) - special.gammaln(df / 2))  # E[sigma/s]
    sd = np.sqrt(df / (df - 2))
    ncp = np.sqrt(N) * shift * gain / sd
    if statistic == "Patell Z":
        crit = stats.norm.isf(ALPHA / 2)
        return float(stats.norm.sf(crit - ncp) + stats.norm.cdf(-crit - ncp))
    crit = stats.t.isf(ALPHA / 2, N - 1)
    return float(stats.nct.sf(crit, N - 1, ncp) + stats.nct.cdf(-crit, N - 1, ncp))


@pytest.fixture(scope="module")
def power_runs() -> pd.DataFrame:
    rng = np.random.default_rng(19800601)
    days = -EST.window.start + 80
    rows = []
    for rep in range(R_POWER):
        returns, market = simulate(rng, N, days)
        pos = distinct_positions(rng, days)
        values = returns.to_numpy(copy=True)
        values[pos, np.arange(N)] += DELTA
        returns = pd.DataFrame(values, index=returns.index, columns=returns.columns)
        rows.append(pvalues(fit(returns, market, pos, seed=rep)))
    return pd.DataFrame(rows)


@pytest.mark.parametrize(("scope", "length"), [("day 0", 1), ("CAR[-1,+1]", 3)])
@pytest.mark.parametrize("statistic", ["BMP", "Patell Z", "cross-sectional t"])
def test_power_matches_theory(power_runs: pd.DataFrame, statistic: str, scope: str, length: int) -> None:
    expected = expected_power(statistic, length)
    rate = float((power_runs[(scope, statistic)] < ALPHA).mean())
    lo, hi = band(expected, R_POWER)
    slack = 0.03  # the approximations' own error
    assert lo - slack <= rate <= hi + slack, (
        f"{statistic} {scope}: power {rate:.3f}, theory {expected:.3f}, band [{lo:.3f}, {hi:.3f}]"
    )


def test_power_exceeds_size(power_runs: pd.DataFrame, null_runs: pd.DataFrame) -> None:
    """Every test detects the planted day-0 return more often than it rejects under the null."""
    for stat in NULL_TESTS:
        power = float((power_runs[("day 0", stat)] < ALPHA).mean())
        size = float((null_runs[("day 0", stat)] < ALPHA).mean())
        assert power > size + 0.2, (stat, power, size)
