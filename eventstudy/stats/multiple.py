"""p-values adjusted for testing several claims at once: Holm's step-down and Benjamini-Hochberg's
step-up, as statsmodels' ``multipletests(p, method="holm" | "fdr_bh")[1]`` gives them, to the bit.

Written out (a sort and a running extreme each) because importing statsmodels.stats.multitest
imports scipy.stats with it, 0.3 s of every ``eventstudy run``, and its Holm branch runs a full
garbage collection; the operations are statsmodels', in its order, so the floats are the same
(tests/test_multiple.py).
"""

from __future__ import annotations

import numpy as np


def holm(p: np.ndarray) -> np.ndarray:
    """Holm-adjusted p-values of finite ``p``, in ``p``'s order."""
    p = np.asarray(p, dtype=float)
    order = np.argsort(p)
    adjusted = np.maximum.accumulate(p[order] * np.arange(len(p), 0, -1))
    return _capped_in_input_order(adjusted, order)


def benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg (false discovery rate) adjusted p-values of finite ``p``, in ``p``'s order."""
    p = np.asarray(p, dtype=float)
    order = np.argsort(p)
    ecdf = np.arange(1, len(p) + 1) / float(len(p))
    adjusted = np.minimum.accumulate((p[order] / ecdf)[::-1])[::-1]
    return _capped_in_input_order(adjusted, order)


def _capped_in_input_order(adjusted: np.ndarray, order: np.ndarray) -> np.ndarray:
    adjusted[adjusted > 1] = 1
    out = np.empty_like(adjusted)
    out[order] = adjusted
    return out
