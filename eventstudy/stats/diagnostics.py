"""Estimation-residual diagnostics for every event at once, as array formulas.

Durbin-Watson for autocorrelation (which thin trading produces) and the Jarque-Bera p-value for the
normality the parametric tests assume, over each event's estimation residuals in time order. They
equal ``statsmodels.stats.stattools.durbin_watson`` and ``jarque_bera`` applied to each event's
residuals (tests/test_diagnostics.py checks it on random data), without a Python call per event.
"""

from __future__ import annotations

import numpy as np

MIN_DAYS = 8  # fewer residuals: no diagnostics (NaN)


def residual_diagnostics(resid: np.ndarray, used: np.ndarray) -> dict[str, np.ndarray]:
    """``resid`` (n, K) residuals, ``used`` (n, K) the estimation days; returns ``durbin_watson`` and
    ``jarque_bera_p`` (n,). Days not used are skipped: consecutive used days are neighbours."""
    x = np.where(used, resid, 0.0)
    cnt = used.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = x.sum(axis=1) / cnt
        d = np.where(used, x - mean[:, None], 0.0)
        d2 = d * d
        m2 = d2.sum(axis=1) / cnt
        m3 = (d2 * d).sum(axis=1) / cnt
        m4 = (d2 * d2).sum(axis=1) / cnt
        skew = m3 / m2**1.5
        kurt = m4 / m2**2
        jb = cnt / 6.0 * (skew**2 + 0.25 * (kurt - 3.0) ** 2)
        jb_p = np.exp(-0.5 * jb)  # chi-squared survival function with 2 degrees of freedom
    # Durbin-Watson: differences between each used day and the previous used day of the same row.
    both = used[:, 1:] & used[:, :-1]
    if ((used[:, 1:] & ~used[:, :-1]).sum(axis=1) + used[:, 0] <= 1).all():
        # Every row's used days are one run (no missing day inside): the previous used day is the
        # previous column.
        diff = np.where(both, x[:, 1:] - x[:, :-1], 0.0)
    else:
        k = resid.shape[1]
        last = np.maximum.accumulate(np.where(used, np.arange(k), -1), axis=1)
        prev = np.full_like(last, -1)
        prev[:, 1:] = last[:, :-1]
        has_prev = used & (prev >= 0)
        prev_val = np.take_along_axis(x, np.maximum(prev, 0), axis=1)
        diff = np.where(has_prev, x - prev_val, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        dw = (diff * diff).sum(axis=1) / (x * x).sum(axis=1)
    few = cnt < MIN_DAYS
    return {"durbin_watson": np.where(few, np.nan, dw), "jarque_bera_p": np.where(few, np.nan, jb_p)}
