"""Ranks along the rows of a whole panel at once: one sort instead of a ranking per event."""

from __future__ import annotations

import numpy as np

from eventstudy.stats.counts import count_true


def row_ranks(x: np.ndarray, missing: float = np.nan) -> np.ndarray:
    """Average ranks (ties share the mean of their positions, 1-based) of each row's finite and
    infinite values; NaN gets ``missing`` (NaN by default). Equal to
    ``pandas.DataFrame(x).rank(axis=1)`` and to ``scipy.stats.rankdata(row, nan_policy="omit")``
    row by row, for every row in one sort."""
    n, k = x.shape
    if k == 0:
        return np.empty((n, 0))
    positions, xs = _row_order(x)
    idx = np.arange(k)
    starts = np.ones((n, k), dtype=bool)
    starts[:, 1:] = xs[:, 1:] != xs[:, :-1]
    del xs  # a panel's worth, let go before the ranks' own arrays are made
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
    ranks = np.empty((n, k))  # C-ordered: its reshape is a view, which the flat positions fill
    ranks.reshape(-1)[positions] = sorted_ranks
    ranks[np.isnan(x)] = missing
    return ranks


def _row_offsets(n: int, k: int) -> np.ndarray:
    """Where each row of an (n, k) panel starts in its row-major flattening, as a column."""
    return np.arange(0, n * k, k, dtype=np.intp)[:, None]


_SIGN = np.uint64(1 << 63)


def _row_order(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A permutation sorting each row ascending (NaN last), as positions in the row-major
    flattened panel, and the sorted rows.

    Average ranks do not depend on the order of equal values, so any such permutation serves. One
    value sort of packed keys finds it: each float's bits made order-preserving as an unsigned
    integer, the lowest bits replaced by the column (about twice as fast as an argsort). Two
    values differing only in those bits may come out of order; the rows where that happened
    (checked on the sorted values, so the result is always exact) are argsorted instead.

    Flat positions because numpy's take with them, and an assignment through them into a C-ordered
    array's flat view, gather and scatter a chunk's 1,150 x 271 panel in a third and a half of the
    time of take_along_axis and put_along_axis, which build and broadcast an index array per axis:
    20 ms of CPU in a 10,000-event study."""
    n, k = x.shape
    bits = max(int(k - 1).bit_length(), 1)
    if bits > 20:
        positions = np.argsort(x, axis=1, kind="stable") + _row_offsets(n, k)
        return positions, np.take(x, positions)
    u = np.where(np.isnan(x), np.nan, x).view(np.uint64)  # one NaN pattern, above +inf once mapped
    # Negative floats' bits all flipped (reversed, below the positive ones), the positive ones' sign
    # bit set: the sign spread by an arithmetic shift, not np.where on unsigned scalars (1.2 ms of
    # a 1,150 x 271 chunk's 7 ms; now 0.16 ms).
    key = (u.view(np.int64) >> 63).view(np.uint64)
    key |= _SIGN
    key ^= u
    low = np.uint64((1 << bits) - 1)
    key &= ~low
    key |= np.arange(k, dtype=np.uint64)
    key.sort(axis=1)
    key &= low
    positions = key.view(np.intp)  # the columns, in place
    positions += _row_offsets(n, k)
    xs = np.take(x, positions)
    bad = np.flatnonzero((xs[:, 1:] < xs[:, :-1]).any(axis=1))
    if len(bad):
        positions[bad] = np.argsort(x[bad], axis=1, kind="stable") + _row_offsets(n, k)[bad]
        xs[bad] = np.take(x, positions[bad])
    return positions, xs


def weighted_rank_sums_with_one_more(
    ranks0: np.ndarray, values: np.ndarray, extra: np.ndarray, ok: np.ndarray, weights: np.ndarray,
    counts: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """For each test ``g`` (a column of ``extra`` (n, G)): append ``extra[i, g]`` to row ``i`` of
    ``values`` for the rows with ``ok[i, g]`` and re-rank. Return the (G, K) sums over those rows of
    ``weights[i] * new rank`` of each column's non-NaN values, and the (n, G) appended values' ranks.

    ``ranks0`` is :func:`row_ranks` of ``values`` with NaN as 0, ``counts`` each row's number of
    non-NaN values. A value above the new one moves up by one rank, a tie by a half; the new value
    ranks one above the values below it plus half the ties. The ranks' weighted sums are taken once
    for all tests; what each test adds are counts of values above its new value: integer sums
    over the rows of each distinct weight (rows of one security history share one), not a
    floating-point product with the whole comparison mask.
    """
    n, k = values.shape
    n_tests = extra.shape[1]
    base = weights @ ranks0
    levels, level_of = np.unique(weights, return_inverse=True)
    by_level = [np.flatnonzero(level_of == j) for j in range(len(levels))] if len(levels) <= 8 else None
    # Column-major, the comparisons with each row's one value and the counts along both axes run
    # faster (19 to 14 ms for the 24 tests of a 1,150-event chunk); the counts are integers, so
    # every sum is as before.
    if by_level is not None:
        values = np.asfortranarray(values)  # (a product with the weights is faster row-major)
    sums = np.empty((n_tests, k))
    new = np.empty((n, n_tests))
    for g in range(n_tests):
        left_out = ~ok[:, g]
        e = np.where(left_out, np.nan, extra[:, g])[:, None]  # NaN compares false: a left-out row adds nothing
        above = values > e
        total = base - weights[left_out] @ ranks0[left_out] if left_out.any() else base.copy()
        if by_level is None:
            total += weights @ above
        elif len(by_level) == 1:
            total += levels[0] * count_true(above, 0)
        else:
            for w, rows in zip(levels, by_level, strict=True):
                total += w * count_true(above[rows], 0)
        n_above = count_true(above, 1)
        # Ties with the new value are rare (stale prices): counted along the rows only when present.
        tie = values == e
        if np.count_nonzero(tie):
            n_tie = count_true(tie, 1)
            total += 0.5 * (weights @ tie)
            new[:, g] = counts - n_above - n_tie + 1 + 0.5 * n_tie
        else:
            new[:, g] = counts - n_above + 1
        sums[g] = total
    return sums, new
