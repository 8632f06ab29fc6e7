"""The skewness-adjusted t (Hall 1992; Lyon, Barber & Tsai 1999) and its bootstrap, as eventstudy2
and EventStudyTools report it beside the battery.

For N abnormal returns (or CARs) x with mean m and sample sd s (ddof 1):

    S     = m / s
    gamma = N sum (x - m)^3 / ((N - 1)(N - 2) s^3)
    t_sa  = sqrt(N) (S + gamma S^2 / 3 + gamma^2 S^3 / 27 + gamma / (6 N))

t_sa is referred to t(N - 1). Long-horizon and thinly traded samples are right-skewed, which biases
the plain cross-sectional t; the correction moves it by the sample's own skewness.

The bootstrap variant resamples the centred sample (x - m, so the null holds) with replacement,
B times, each of size n_b = min(N, 1,000), and reads the p-value off the resampled t_sa equal-tailed:
p = 2 min(P*(t_sa* <= t_sa), P*(t_sa* >= t_sa)), with the add-one correction, capped at 1. The
skewness makes the two tails differ, which a symmetric |t| rule would hide. Resamples smaller than
the sample are Lyon, Barber & Tsai's own design (they draw n/4): t_sa is asymptotically pivotal, so
its null distribution does not grow with the resample size. The cap keeps each row of the battery at
most B x 1,000 draws (0.04 s) however many events there are; below it the resample is the sample's size.
"""

from __future__ import annotations

import numpy as np
from scipy import special

# Resampled values per block of draws: 2,000 draws of 10,000 events in blocks of 2 million values.
_BLOCK = 2_000_000
MAX_RESAMPLE = 1_000


def skew_adjusted_t(x: np.ndarray) -> float:
    """t_sa of the finite values of ``x``; NaN with fewer than three or no spread."""
    x = np.asarray(x, dtype=float)
    finite = np.isfinite(x)
    if not finite.all():  # (a battery's sample is all finite: not copied)
        x = x[finite]
    del finite
    return float(_t_sa(x[None, :])[0]) if len(x) >= 3 else np.nan


def _t_sa(x: np.ndarray) -> np.ndarray:
    """Row-wise t_sa of an (rows, N) array."""
    n = x.shape[1]
    m = x.mean(axis=1)
    d = x - m[:, None]
    # The squares, then the cubes in their place ((d * d) * d, the same numbers as d * d * d): two
    # arrays of the sample's size alive, not four (a million events' in a client's battery).
    power = d * d
    s = np.sqrt(power.sum(axis=1) / (n - 1))
    power *= d
    del d
    with np.errstate(divide="ignore", invalid="ignore"):
        big_s = m / s
        gamma = n * power.sum(axis=1) / ((n - 1) * (n - 2) * s**3)
        t = np.sqrt(n) * (big_s + gamma * big_s**2 / 3 + gamma**2 * big_s**3 / 27 + gamma / (6 * n))
    return np.where(s > 0, t, np.nan)


def _t_sa_centred(g: np.ndarray) -> np.ndarray:
    """Row-wise t_sa of resamples of a centred sample, from power sums: one pass over the draws
    instead of three (their means are near zero, so the power sums lose nothing: 1e-15 here)."""
    n = g.shape[1]
    g2 = g * g
    s1, s2, s3 = g.sum(axis=1), g2.sum(axis=1), np.einsum("ij,ij->i", g2, g)
    m = s1 / n
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.sqrt((s2 - n * m * m) / (n - 1))
        big_s = m / s
        gamma = n * (s3 - 3 * m * s2 + 2 * n * m**3) / ((n - 1) * (n - 2) * s**3)
        t = np.sqrt(n) * (big_s + gamma * big_s**2 / 3 + gamma**2 * big_s**3 / 27 + gamma / (6 * n))
    return np.where(s > 0, t, np.nan)


_DRAWS: dict[tuple[int, int, int, int, int], np.ndarray] = {}


def _draws(n: int, size: int, start: int, k: int, seed: int) -> np.ndarray:
    """Positions of draws ``start .. start + k`` (each ``size`` long) of the seeded stream: the same for
    every row of a battery with the same N, so made once (the last block kept; 16 MB at most)."""
    key = (n, size, start, k, seed)
    got = _DRAWS.get(key)
    if got is None:
        _DRAWS.clear()
        got = _DRAWS[key] = np.random.default_rng([seed, start]).integers(0, n, size=(k, size))
    return got


def t_p_value(t: float, n: int) -> float:
    """Two-sided p of t_sa on t(N - 1)."""
    return float(2 * special.stdtr(n - 1, -abs(t))) if np.isfinite(t) and n > 1 else np.nan


def bootstrap_p(x: np.ndarray, draws: int, seed: int) -> float:
    """Equal-tailed bootstrap p-value of t_sa (see the module's note); NaN when t_sa is undefined."""
    x = np.asarray(x, dtype=float)
    # Sorted: the draws pick positions, so the events' order must not change the p-value.
    x = x[np.isfinite(x)]  # a copy, sorted in its place
    x.sort()
    n = len(x)
    observed = skew_adjusted_t(x)
    if not np.isfinite(observed) or draws < 1:
        return np.nan
    centred = x  # the copy centred in its place: x - x.mean(), without a second array
    centred -= x.mean()
    del x
    below = above = valid = 0
    size = min(n, MAX_RESAMPLE)
    rows = max(1, _BLOCK // size)
    done = 0
    while done < draws:
        k = min(rows, draws - done)
        picks = _draws(n, size, done, k, seed)
        # The statistic is row by row, so a block's resamples are taken a quarter at a time: the
        # same numbers with a quarter of the 16 MB sample and its square alive (a client's peak).
        step = -(-k // 4)
        t = np.concatenate([_t_sa_centred(centred[picks[i : i + step]]) for i in range(0, k, step)])
        t = t[np.isfinite(t)]  # a draw of one repeated value has no spread: it says nothing
        below += int((t <= observed).sum())
        above += int((t >= observed).sum())
        valid += len(t)
        done += k
    return float(min(1.0, 2 * min(1 + below, 1 + above) / (valid + 1)))
