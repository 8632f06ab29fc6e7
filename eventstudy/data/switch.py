"""Moving a stored series from an imported file to Yahoo without losing its history.

Yahoo's bars are fetched for the whole stored span. Where both have a bar, the closes must agree
(same currency, same adjustment basis), else the switch is refused and nothing changes; where
only the file has one (before Yahoo's coverage) the stored bar is kept.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from eventstudy.data import quality, yahoo
from eventstudy.errors import DataError, EnvironmentFailure, FetchError

# Closes of two vendors for the same session agree to rounding; a split or a currency unit does not.
CLOSE_RTOL = 0.01
MIN_AGREEMENT = 0.95
MIN_OVERLAP = 5


def check_overlap(symbol: str, stored: pd.DataFrame, fetched: pd.DataFrame) -> str:
    """One sentence on the overlap; DataError when the two series disagree."""
    common = stored.index.intersection(fetched.index)
    if len(common) < MIN_OVERLAP:
        raise DataError(f"{symbol}: Yahoo and the stored series share {len(common)} sessions, too few to check "
                        f"that they agree (need {MIN_OVERLAP})", hint="import a file that overlaps Yahoo's data")
    a = stored.loc[common, "close"].to_numpy(dtype=float)
    b = fetched.loc[common, "close"].to_numpy(dtype=float)
    ok = np.isclose(a, b, rtol=CLOSE_RTOL, equal_nan=True)
    share = float(ok.mean())
    if share < MIN_AGREEMENT:
        first = common[~ok][0]
        i = int(np.flatnonzero(~ok)[0])
        raise DataError(
            f"{symbol}: Yahoo's closes disagree with the stored ones on {int((~ok).sum())} of {len(common)} common "
            f"sessions (first {first.date()}: stored {a[i]:.4g}, Yahoo {b[i]:.4g}); nothing was changed",
            hint="a different adjustment or currency: re-import a file on Yahoo's basis, or remove and fetch",
        )
    return f"{len(common)} common sessions agree within {CLOSE_RTOL:.0%} ({share:.0%})"


def to_yahoo(
    symbol: str, exchange: str, stored: pd.DataFrame, meta: dict[str, Any], *, home: Path,
    proxy: str | None = None, now: pd.Timestamp | None = None,
) -> tuple[pd.DataFrame, dict[str, Any], str]:
    """(merged frame, new meta, summary) for a series that Yahoo will keep current from now on."""
    if meta.get("source") == "yahoo":
        raise DataError(f"{symbol} already comes from Yahoo", hint=f"eventstudy prices fetch {symbol}")
    if not exchange:
        raise DataError(f"{symbol}: no exchange is known", hint="add the security to the registry")
    why = yahoo.unreachable(proxy)
    if why:
        raise EnvironmentFailure(why, hint="switch sources when Yahoo can be reached")
    try:
        fetched, new_meta = yahoo.fetch_history(symbol, exchange, stored.index[0], now=now, home=home, proxy=proxy)
    except FetchError as exc:
        raise EnvironmentFailure(f"could not fetch {symbol} from Yahoo: {exc.reason}") from None
    summary = check_overlap(symbol, stored, fetched)
    kept = stored.loc[stored.index < fetched.index[0]]
    merged = pd.concat([kept, fetched]).sort_index()
    merged.index.name = "date"
    new_meta = dict(new_meta)
    new_meta["previous_source"] = str(meta.get("source", ""))
    new_meta["issues"] = list(quality.check(merged, exchange))
    text = (f"{symbol} now comes from Yahoo: {summary}; kept {len(kept)} earlier stored bars, "
            f"{len(fetched)} from Yahoo")
    return merged, new_meta, text
