"""Ranks along the rows of a whole panel at once: one sort instead of a ranking per event."""

from __future__ import annotations

import numpy as np


def row_ranks(x: np.ndarray) -> np.ndarray:
    """Average ranks (ties share the mean of their positions, 1-based) of each row's finite and
    infinite values; NaN stays NaN. Equal to ``pandas.DataFrame(x).rank(axis=1)`` and to
    ``scipy.stats.rankdata(row, nan_policy="omit")`` row by row, for every row in one sort."""
    n, k = x.shape
    if k == 0:
        return np.empty((n, 0))
    order = np.argsort(x, axis=1, kind="stable")  # NaN sorts last
    xs = np.take_along_axis(x, order, axis=1)
    idx = np.arange(k)
    starts = np.ones((n, k), dtype=bool)
    starts[:, 1:] = xs[:, 1:] != xs[:, :-1]
    ends = np.ones((n, k), dtype=bool)
    ends[:, :-1] = starts[:, 1:]
    # Rows without two equal values (NaNs never compare equal) rank by sorted position; only rows
    # with ties need the mean position of each run of equal values.
    sorted_ranks = np.broadcast_to(idx + 1.0, (n, k)).copy()
    tied = np.flatnonzero(~starts.all(axis=1))
    if len(tied):
        st, en = starts[tied], ends[tied]
        first = np.maximum.accumulate(np.where(st, idx, 0), axis=1)
        last = np.minimum.accumulate(np.where(en, idx, k - 1)[:, ::-1], axis=1)[:, ::-1]
        sorted_ranks[tied] = (first + last) / 2 + 1
    ranks = np.empty((n, k))
    np.put_along_axis(ranks, order, sorted_ranks, axis=1)
    ranks[np.isnan(x)] = np.nan
    return ranks


def weighted_rank_sums_with_one_more(
    ranks0: np.ndarray, values: np.ndarray, extra: np.ndarray, weights: np.ndarray, counts: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Append ``extra[i]`` to row ``i`` of ``values`` and re-rank: return, per column, the sum over
    rows of ``weights[i] * new rank`` of the row's non-NaN values, and each appended value's rank.

    ``ranks0`` is :func:`row_ranks` of ``values`` with NaN as 0, ``counts`` each row's number of
    non-NaN values. A value above the new one moves up by one rank, a tie by a half; the new value
    ranks one above the values below it plus half the ties. Nothing of the panel's size is built
    but two comparison masks: the sums are matrix-vector products. Rows with weight 0 drop out.
    """
    e = extra[:, None]
    above = values > e
    tie = values == e
    n_tie = tie.sum(axis=1)
    sums = weights @ ranks0 + weights @ above
    if n_tie.any():
        sums += 0.5 * (weights @ tie)
    below = counts - above.sum(axis=1) - n_tie
    return sums, below + 1 + 0.5 * n_tie
