"""Counts of true values along an axis of a boolean array."""

from __future__ import annotations

import numpy as np


def count_true(mask: np.ndarray, axis: int) -> np.ndarray:
    """How many values are true along ``axis``, as 32-bit integers (exact below 2**31 per count).

    numpy's ``count_nonzero`` and ``sum`` along an axis widen every bool before adding; the same
    bytes viewed as integers and summed into 32 bits take a third of the time, which counts where a
    10,000-event study compares whole panels two dozen times (GRANK) or checks 6 million returns."""
    return mask.view(np.uint8).sum(axis=axis, dtype=np.int32)
