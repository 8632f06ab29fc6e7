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
    first = np.maximum.accumulate(np.where(starts, idx, 0), axis=1)
    last = np.minimum.accumulate(np.where(ends, idx, k - 1)[:, ::-1], axis=1)[:, ::-1]
    ranks = np.empty((n, k))
    np.put_along_axis(ranks, order, (first + last) / 2 + 1, axis=1)
    ranks[np.isnan(x)] = np.nan
    return ranks


def ranks_with_one_more(
    ranks: np.ndarray, values: np.ndarray, extra: np.ndarray, counts: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Ranks after appending ``extra[i]`` to row ``i``, from the rows' own ``ranks`` of ``values``.

    A value above the new one moves up by one, a tie by a half; the new value's rank is one more
    than the values below it plus half the ties. Exact (ranks are half-integers), so the result
    equals ranking the extended rows from scratch. ``counts``: each row's number of non-NaN values,
    if known. Returns (ranks of the old values, rank of the new).
    """
    e = extra[:, None]
    above = values > e
    tie = values == e
    moved = ranks + above
    n_tie = tie.sum(axis=1)
    if n_tie.any():
        moved += 0.5 * tie
    if counts is None:
        counts = np.isfinite(ranks).sum(axis=1)
    below = counts - above.sum(axis=1) - n_tie
    return moved, below + 1 + 0.5 * n_tie
