"""The Wilcoxon signed-rank test's two-sided p-value, as ``scipy.stats.wilcoxon(d).pvalue`` gives
it for float64 values, to the bit, without importing scipy.stats (scipy computes a float32 sample
in float32; here every sample is taken as float64).

scipy.stats takes 0.35-0.6 s to import, a fifth of a warm ``eventstudy run``, whose groups of a
few securities need only this p-value from it. scipy's rule (``method="auto"``, no zeros, which
the caller has dropped) is followed step by step:

- up to 50 values without ties: the exact null distribution of W+ (scipy's recursion,
  ``stats._hypotests._get_wilcoxon_distr``), the smaller tail at floor/ceil of W+, doubled;
- up to 13 values with ties: every one of the 2**n sign flips (scipy's exact permutation test),
  counted here by the sums of doubled ranks, which are integers, so the counts are exact;
- otherwise the normal approximation with the tie correction and no continuity correction.

Anything else (a missing or zero value, an empty sample) is left to scipy itself.
"""

from __future__ import annotations

import functools

import numpy as np
from scipy import special

from eventstudy.stats.ranks import row_ranks

EXACT_MAX = 50  # scipy's largest sample for the exact distribution
PERMUTATION_MAX = 13  # 2**13 sign flips fit scipy's 9,999 resamples: its permutation test is exact


def wilcoxon_p(d: np.ndarray, ranks: np.ndarray | None = None) -> float:
    """Two-sided p-value of the signed-rank test of the non-zero differences ``d`` (as float64);
    ``ranks`` are the average ranks of ``|d|`` when the caller has them."""
    d = np.asarray(d, dtype=float)
    n = len(d)
    if n == 0 or not np.isfinite(d).all() or (d == 0).any():
        from scipy import stats  # what scipy does there (NaN, zero_method) is scipy's to say

        return float(stats.wilcoxon(d).pvalue)
    r = ranks if ranks is not None else row_ranks(np.abs(d)[None, :])[0]
    r_plus = float(np.sum((d > 0).astype(float) * r))
    ties = np.unique(np.abs(d), return_counts=True)[1].astype(float)
    if len(ties) == n and n <= EXACT_MAX:
        return _exact_p(n, r_plus)
    if len(ties) < n and n <= PERMUTATION_MAX:
        return _sign_flip_p(r, r_plus)
    count = float(n)
    mean = count * (count + 1.0) * 0.25
    var = count * (count + 1.0) * (2.0 * count + 1.0)
    se = np.sqrt((var - np.sum(ties**3 - ties) / 2) / 24)
    z = (r_plus - mean) / se
    return float(2 * special.ndtr(-np.abs(z)))


@functools.cache
def _null_pmf(n: int) -> np.ndarray:
    """P(W+ = k), k = 0..n(n+1)/2, for n values without ties: scipy's recursion, operation for
    operation (so every probability is the same float)."""
    c = np.ones(1, dtype=np.float64)
    for k in range(1, n + 1):
        prev = c
        c = np.zeros(k * (k + 1) // 2 + 1, dtype=np.float64)
        m = len(prev)
        c[:m] = prev * 0.5
        c[-m:] += prev * 0.5
    c.flags.writeable = False
    return c


def _exact_p(n: int, r_plus: float) -> float:
    pmf = _null_pmf(n)
    mean = n * (n + 1) / 4
    lo, hi = int(np.floor(r_plus)), int(np.ceil(r_plus))
    # Each tail summed from the near end, as scipy's WilcoxonDistribution does.
    sf = pmf[lo:].sum() if lo <= mean else 1 - pmf[:lo].sum()
    cdf = pmf[: hi + 1].sum() if hi <= mean else 1 - pmf[hi + 1 :].sum()
    return float(np.clip(2 * np.minimum(sf, cdf), 0, 1))


def _sign_flip_p(ranks: np.ndarray, r_plus: float) -> float:
    """The share of the 2**n sign flips whose W+ is at most, and at least, the observed one: the
    smaller, doubled. Average ranks are multiples of 1/2, so doubled they count exactly."""
    doubled = np.rint(2 * np.asarray(ranks, dtype=float)).astype(np.int64)
    counts = np.zeros(int(doubled.sum()) + 1, dtype=np.int64)
    counts[0] = 1
    top = 0
    for r in doubled:  # subsets with, and without, each rank
        counts[r : top + r + 1] += counts[: top + 1].copy()
        top += int(r)
    observed = round(2 * r_plus)
    total = 2 ** len(doubled)
    below = float(counts[: observed + 1].sum()) / total
    above = float(counts[observed:].sum()) / total
    return float(np.clip(min(below, above) * 2, 0.0, 1.0))
