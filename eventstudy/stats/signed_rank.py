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
    return _normal_p(n, r_plus, np.sum(ties**3 - ties))


def _normal_p(n: int, r_plus: float, tie_sum: np.floating) -> float:
    """The normal approximation's p-value; ``tie_sum``: the sum of t**3 - t over the groups of
    equal |d| (0 without ties)."""
    count = float(n)
    mean = count * (count + 1.0) * 0.25
    var = count * (count + 1.0) * (2.0 * count + 1.0)
    se = np.sqrt((var - tie_sum / 2) / 24)
    z = (r_plus - mean) / se
    return float(2 * special.ndtr(-np.abs(z)))


# Values per block of the rank lookups in signed_rank: up to 2 index arrays of 8 bytes each (8 MB).
_LOOKUPS = 1 << 19


def signed_rank(x: np.ndarray) -> tuple[float, float, int] | None:
    """W+ (the sum of the average ranks of |d| over the positive d), its two-sided p-value
    (:func:`wilcoxon_p`) and the count of the non-zero values d of ``x``; None without any.

    The battery's samples have up to an event per value (a million): the ranks are not made.
    Instead the positive values and the negatives' magnitudes are sorted apart, and each positive
    value's average rank, (#|d| < v + #|d| <= v + 1) / 2, is counted by binary searches in both,
    a block at a time: the two sorted halves and a block's indices are all it holds (an array of
    ranks, the sort's order and np.unique's copies were five event-long arrays at once). Ranks
    are multiples of 1/2 and their sums integers below 2**53 doubled, so W+ is the same number;
    without ties every t**3 - t is 0, so the tie term is too, and with ties it is np.unique's."""
    if not np.isfinite(x).all():
        return _ranked(x)
    pos = x[x > 0]
    neg = x[x < 0]
    np.negative(neg, out=neg)
    n = len(pos) + len(neg)
    if n <= EXACT_MAX:  # the exact tests' sizes, small: through the ranks
        return _ranked(x)
    pos.sort()
    neg.sort()
    doubled = 0
    pos_tied = bool((pos[1:] == pos[:-1]).any())
    tied = pos_tied or bool((neg[1:] == neg[:-1]).any())
    for start in range(0, len(pos), _LOOKUPS):
        v = pos[start : start + _LOOKUPS]
        stop = start + len(v)
        below_neg, upto_neg = np.searchsorted(neg, v, "left"), np.searchsorted(neg, v, "right")
        tied = tied or bool((upto_neg != below_neg).any())
        doubled += int(below_neg.sum()) + int(upto_neg.sum()) + len(v)
        del below_neg, upto_neg
        if pos_tied:
            doubled += int(np.searchsorted(pos, v, "left").sum()) + int(np.searchsorted(pos, v, "right").sum())
        else:  # the i-th positive value has i below it and i + 1 up to it: the sum of 2i + 1
            doubled += stop * stop - start * start
    r_plus = doubled / 2
    if tied:
        ties = np.unique(np.concatenate([pos, neg]), return_counts=True)[1].astype(float)
        tie_sum = np.sum(ties**3 - ties)
    else:
        tie_sum = np.float64(0.0)
    return r_plus, _normal_p(n, r_plus, tie_sum), n


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


def _ranked(x: np.ndarray) -> tuple[float, float, int] | None:
    """:func:`signed_rank` through the ranks of |d| (small samples, or values that are not all finite)."""
    d = x[x != 0]
    if not len(d):
        return None
    ranks = row_ranks(np.abs(d)[None, :])[0]
    return float(ranks[d > 0].sum()), wilcoxon_p(d, ranks), len(d)
