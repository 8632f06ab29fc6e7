"""Prices to returns, on each security's own trading days.

Simple returns are the default (they compound into buy-and-hold returns and are what news quotes);
log returns on request. A missing price is handled per ``missing``:

- ``"drop"`` (default): the return after a gap spans several sessions, so it is set missing and kept
  out of estimation; it shows as a missing AR in an event window.
- ``"span"``: the return after a gap is computed across it (last available price to this one), as
  packages that work on "own trading days" do (eventstudies).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MISSING = ("drop", "span")


def to_returns(
    prices: pd.Series,
    *,
    log: bool = False,
    missing: str = "drop",
    sessions: pd.DatetimeIndex | None = None,
) -> pd.Series:
    """Returns on the security's sessions; the first is NaN (no previous price).

    ``sessions``: the exchange's sessions (or the file's dates); a session inside the price
    history with no price is a gap. With ``missing="drop"`` the result is indexed by every session
    from the first price to the last (NaN where a return is missing); with ``"span"`` by the
    dates that have a price.
    """
    if missing not in MISSING:
        raise ValueError(f"missing must be one of {MISSING}")
    p = prices.astype(float)
    p = p[np.isfinite(p) & (p > 0)]
    if p.empty:
        return p
    if missing == "span" or sessions is None:
        r = p / p.shift(1) - 1
    else:
        # The session without a price stays (a missing return on a trading day), and so does the
        # next one, whose return would span two sessions.
        grid = sessions[(sessions >= p.index[0]) & (sessions <= p.index[-1])].union(p.index)
        full = p.reindex(grid)
        r = full / full.shift(1) - 1
    return np.log1p(r) if log else r


def wide_returns(
    prices: pd.DataFrame, *, log: bool = False, missing: str = "drop"
) -> dict[str, pd.Series]:
    """Per column of a wide price table; the table's own dates are the sessions."""
    sessions = pd.DatetimeIndex(prices.index)
    return {str(c): to_returns(prices[c], log=log, missing=missing, sessions=sessions) for c in prices.columns}
