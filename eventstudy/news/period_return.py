"""Measuring a ``period_return`` claim: the return from the close before the period's first session
to its last close, per security on its own exchange calendar, and for a group the equal-weighted
mean of its members with how many moved each way.

The return is on adjusted closes (as every return of the run; a split or a dividend inside the
period is not a move); the unadjusted closes are shown beside it. A period whose first close or
last close is not in the stored prices has no return: the reason names the missing close and the
prices' span. Sessions inside the period without a bar (a suspension) are counted and named.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from eventstudy.data.securities import Security
from eventstudy.news.periods import NoSessions, Period, Sessions, sessions_of


@dataclass(frozen=True)
class Measured:
    """One security's return over a period."""

    symbol: str
    sessions: Sessions
    base_close: float  # unadjusted close before the period's first session
    last_close: float  # unadjusted close of the period's last session
    value: float  # adjusted: adj_close[last] / adj_close[base] - 1
    unadjusted: float  # close[last] / close[base] - 1
    missing: int  # sessions of the period without a bar


def measure(bars: pd.DataFrame, sec: Security, period: Period, asof: dt.date) -> Measured | str:
    """``sec``'s return over ``period`` for a claim made on ``asof``, or why there is none."""
    try:
        s = sessions_of(period, sec.calendar or sec.exchange, asof)
    except NoSessions as exc:
        return str(exc)
    if bars.empty:
        return f"no prices stored for {sec.symbol}"
    span = f"its stored prices run {bars.index.min().date()} to {bars.index.max().date()}"
    for day, what in ((s.base, "the close before the period"), (s.last, "the period's last close")):
        if day not in bars.index or not np.isfinite(float(bars["adj_close"].loc[day])):
            return f"no close of {sec.symbol} on {day.date()} ({what}, {s.text()}); {span}"
    inside = bars.loc[(bars.index >= s.first) & (bars.index <= s.last), "adj_close"]
    missing = s.count - int(np.isfinite(inside.to_numpy(dtype=float)).sum())
    adj = bars["adj_close"]
    close = bars["close"]
    return Measured(sec.symbol, s, float(close[s.base]), float(close[s.last]), float(adj[s.last] / adj[s.base] - 1),
                    float(close[s.last] / close[s.base] - 1), missing)


@dataclass(frozen=True)
class GroupMeasured:
    """A group's members over a period: their equal-weighted mean and how many moved each way."""

    measured: list[Measured]
    missing: dict[str, str]  # member -> why it has no return
    members: int

    @property
    def n(self) -> int:
        return len(self.measured)

    @property
    def mean(self) -> float:
        return float(np.mean([m.value for m in self.measured])) if self.measured else np.nan

    @property
    def up(self) -> int:
        return sum(m.value > 0 for m in self.measured)

    @property
    def down(self) -> int:
        return sum(m.value < 0 for m in self.measured)

    @property
    def coverage(self) -> float:
        return self.n / self.members if self.members else 0.0


def measure_group(bars_of: dict[str, pd.DataFrame], members: Sequence[Security], period: Period,
                  asof: dt.date | Callable[[Security], dt.date]) -> GroupMeasured:
    """Each member on its own exchange's sessions (``bars_of``: symbol -> bars; absent: none stored);
    ``asof`` the claim's date, or per member the last day whose close the claim can speak of."""
    measured, missing = [], {}
    for sec in members:
        bars = bars_of.get(sec.symbol)
        when = asof(sec) if callable(asof) else asof
        got = measure(bars, sec, period, when) if bars is not None else f"no prices stored for {sec.symbol}"
        if isinstance(got, Measured):
            measured.append(got)
        else:
            missing[sec.symbol] = got
    return GroupMeasured(measured, missing, len(members))
