"""Evidence for a verdict beyond the test battery: a single-firm test that survives fat tails and the
power of the tests the verdicts lean on.

- SQ test (Gelbach, Helland & Klick 2013): one security, one day. The day-0 abnormal return is
  compared with the empirical distribution of the same security's abnormal returns over the days
  its volatility was estimated on (the estimation window, or the post-event days of a fallback).
  No normality is assumed, which matters for single stocks whose daily returns have fat tails.
  Two-sided p = min(1, 2 min(P_up, P_down)) with P_up = (1 + #{AR_s >= AR_0}) / (L + 1) and
  P_down = (1 + #{AR_s <= AR_0}) / (L + 1) over the L estimation ARs; so the smallest p it can
  give is 2 / (L + 1): with fewer than 39 days it cannot reach 5%, and the verdict says so.
- Minimum detectable effect (MDE), 80% power at 5% two-sided size:
  * a group on one date, tested by the Kolari-Pynnonen adjusted BMP: with standardized ARs
    SAR_i = delta + e_i, e_i equicorrelated with correlation r, KP-BMP is exactly noncentral
    t(N - 1) with noncentrality delta sqrt(N / (1 + (N - 1) r)) (the mean and the spread of
    equicorrelated normals are independent). The MDE in SARs is the delta that rejects with 80%
    probability; as a mean abnormal return it is delta times the harmonic mean of the members'
    AR standard deviations (a common AR of A gives SAR_i = A / sd_i).
  * one security, SQ test: the shift that lifts the day-0 AR above the empirical 97.5% quantile
    with 80% probability, q(0.975) - q(0.20) of the estimation ARs (for a rise; mirrored for a
    fall); infinite when the 97.5% quantile is out of reach (fewer than 39 days).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from eventstudy.stats.engine import Output

ALPHA = 0.05
POWER = 0.80


@dataclass(frozen=True)
class SQ:
    """The SQ test of one abnormal return against ``n_days`` estimation ARs."""

    abnormal_return: float
    p_value: float
    n_days: int
    share_below: float  # share of estimation ARs below the tested AR (its empirical quantile)
    min_p: float  # the smallest p the test can give with this many days


def sq_test(ar0: float, ar_est: np.ndarray) -> SQ:
    x = np.asarray(ar_est, dtype=float)
    x = x[np.isfinite(x)]
    n = len(x)
    if n == 0 or not np.isfinite(ar0):
        return SQ(float(ar0), np.nan, n, np.nan, np.nan)
    up = (1 + np.sum(x >= ar0)) / (n + 1)
    down = (1 + np.sum(x <= ar0)) / (n + 1)
    return SQ(float(ar0), float(min(1.0, 2 * min(up, down))), n, float(np.mean(x < ar0)), 2 / (n + 1))


def sq_table(out: Output) -> pd.DataFrame:
    """The SQ test of every event-window day of every event, against that event's estimation ARs."""
    rows = []
    for i, s in enumerate(out.series):
        ar_est = out.ar[i, out.est[i]]
        for col in out.win_cols:
            r = sq_test(float(out.ar[i, col]), ar_est)
            rows.append({"event_id": s.event_id, "symbol": s.symbol, "day": int(out.rel[col]),
                         "abnormal_return": r.abnormal_return, "sq_p": r.p_value, "sq_days": r.n_days,
                         "sq_quantile": r.share_below, "sq_min_p": r.min_p})
    return pd.DataFrame(rows)


def sq_mde(ar_est: np.ndarray, *, alpha: float = ALPHA, power: float = POWER, rising: bool = True) -> float:
    """The smallest shift of the day-0 AR that the SQ test detects with ``power``; inf when the
    test cannot reach ``alpha`` on this many days."""
    x = np.asarray(ar_est, dtype=float)
    x = x[np.isfinite(x)]
    if len(x) == 0 or 2 / (len(x) + 1) > alpha:
        return np.inf
    if not rising:
        x = -x
    return float(np.quantile(x, 1 - alpha / 2) - np.quantile(x, 1 - power))


def kp_bmp_power(delta: float, n: int, r: float, *, alpha: float = ALPHA) -> float:
    """Rejection probability of the KP-adjusted BMP at two-sided size ``alpha`` when every member's
    standardized AR has mean ``delta`` and the members are equicorrelated with ``r``."""
    if n < 2:
        return np.nan
    df = n - 1
    ncp = delta * np.sqrt(n / (1 + (n - 1) * r))
    # scipy.special rather than scipy.stats: the same functions without scipy.stats' import and
    # per-call cost (quad evaluates the integrand hundreds of times, once per MDE bisection step).
    from scipy.integrate import quad

    crit = float(special.stdtrit(df, 1 - alpha / 2))
    log_norm = (df / 2) * np.log(2) + special.gammaln(df / 2)

    # P(|Z + ncp| > crit sqrt(V / df)), V ~ chi2(df), integrated over V: scipy's nct loses
    # precision (NaN) for the small df and large noncentrality that small groups need.
    def given_v(v: float) -> float:
        c = crit * np.sqrt(v / df)
        chi2_pdf = np.exp(special.xlogy(df / 2 - 1, v) - v / 2 - log_norm)
        return float(special.ndtr(ncp - c) + special.ndtr(-c - ncp)) * float(chi2_pdf)

    value, _ = quad(given_v, 0, np.inf, limit=200)
    return float(min(1.0, value))


def group_mde(n: int, r: float, sd: np.ndarray, *, alpha: float = ALPHA, power: float = POWER) -> float:
    """Minimum detectable mean abnormal return of a group of ``n`` members on one date under the
    KP-adjusted BMP; ``sd`` are the members' AR standard deviations on the tested day."""
    sd = np.asarray(sd, dtype=float)
    sd = sd[np.isfinite(sd) & (sd > 0)]
    if n < 2 or len(sd) == 0 or not np.isfinite(r) or 1 + (n - 1) * r <= 0:
        return np.nan
    # Power rises with delta; bracket the root by doubling (small N needs a large delta).
    hi = 1.0
    while kp_bmp_power(hi, n, r, alpha=alpha) < power:
        hi *= 2
        if hi > 1e6:
            return np.inf
    from scipy.optimize import brentq

    delta = brentq(lambda d: kp_bmp_power(d, n, r, alpha=alpha) - power, 0.0, hi, xtol=1e-10)
    return float(delta * len(sd) / np.sum(1 / sd))  # the harmonic mean of the sds
