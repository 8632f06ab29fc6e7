"""Placebo calibration: the claim's own procedure run on ordinary sessions of its own securities.

For a claim about one security (or a group), up to :data:`MAX_DAYS` sessions of the same
security (group) on which no event of events.csv falls inside the event window become
pseudo-events, studied together in one vectorised study with the run's model, estimation rule
and fallback. On each, the test that decides ``cause = yes`` is applied as on the claim's day
(the SQ test for one security, the KP-adjusted BMP for a group; timing and confounders are taken
as clean, which is what makes a day ordinary). Two numbers follow, with no distributional
assumption:

- ``yes_share``: the share of ordinary days on which the rule would say the news caused a move
  the claimed way (its false-alarm rate on this very stock; about 2.5% when the test is
  calibrated, since ``yes`` is one tail of a two-sided 5% test);
- ``rank_p``: the claim's day-0 statistic ranked among the ordinary days' in the claimed
  direction, ``(1 + #{placebo >= claim}) / (n + 1)`` (an empirical p-value).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from eventstudy.data.securities import Security
from eventstudy.errors import UserError
from eventstudy.news import answers
from eventstudy.news.pipeline import Prices, Settings
from eventstudy.stats import evidence
from eventstudy.stats.study import EventStudy
from eventstudy.stats.windows import Window

MAX_DAYS = 500  # the ordinary sessions nearest the claim's day 0; enough for a 1% share to show
MIN_DAYS = 200  # below this the card says how many there are


@dataclass(frozen=True)
class Placebo:
    days: int  # ordinary days on which the procedure could be run
    yes_share: float
    rank_p: float
    statistic: str  # what was ranked
    note: str = ""  # why there are fewer than MIN_DAYS, or why there is no placebo

    def text(self) -> str:
        """One sentence, to follow "placebo: "."""
        if self.days == 0:
            return self.note or "no ordinary day could be studied"
        short = f" (only {self.days} ordinary days: {self.note})" if self.days < MIN_DAYS and self.note else (
            f" (only {self.days} ordinary days)" if self.days < MIN_DAYS else "")
        return (f"on {self.days} ordinary days of the same {self.statistic.split(':')[0]}, the rule would say "
                f"'caused' on {self.yes_share:.1%}; the claim's day ranks at p = {self.rank_p:.3f} among them{short}")

    def numbers(self) -> dict[str, object]:
        return {"placebo_days": self.days, "placebo_yes_share": self.yes_share, "placebo_rank_p": self.rank_p}


NOT_APPLICABLE = Placebo(0, np.nan, np.nan, "", "not applicable: a level since listing has no ordinary days "
                                                "to compare with (a security lists once)")


def ordinary_days(idx: pd.DatetimeIndex, event_days: pd.DatetimeIndex, window: Window,
                  day0: pd.Timestamp) -> pd.DatetimeIndex:
    """Sessions of ``idx`` whose event window holds none of ``event_days`` (the days 0 of every event
    of events.csv on this exchange) and lies inside the data, nearest ``day0`` first, at most
    :data:`MAX_DAYS`."""
    n = len(idx)
    ok = np.zeros(n, dtype=bool)
    lo, hi = max(0, -window.start + 1), n - max(0, window.end)
    if hi <= lo:
        return pd.DatetimeIndex([])
    ok[lo:hi] = True
    at = idx.searchsorted(event_days)
    inside = at < n
    for q in at[inside][idx[at[inside]] == event_days[inside]]:
        ok[max(0, q - window.end): max(0, q - window.start + 1)] = False
    pos = np.flatnonzero(ok)
    centre = int(idx.searchsorted(day0))
    nearest = pos[np.argsort(np.abs(pos - centre), kind="stable")[:MAX_DAYS]]
    return idx[np.sort(nearest)]


def _study(returns: dict[str, pd.Series], market: dict[str, pd.Series], rows: list[dict], st: Settings,
           sector: dict[str, pd.Series] | None):
    study = EventStudy(returns, pd.DataFrame(rows), market=market, sector=sector or None, model=st.model,
                       estimation=st.estimation, fallback=st.fallback, window=st.window, cars=[Window(0, 0)],
                       event_day="next", bootstrap=0, returns_on_sessions=st.missing == "drop",
                       factors=st.factors)
    return study.abnormal_returns()


def single(data: Prices, sec: Security, bench: Security, sector: Security | None, st: Settings,
           event_days: Callable[[str], pd.DatetimeIndex], day0: pd.Timestamp, claim_stat: float, op: str,
           threshold: float) -> Placebo:
    """Ordinary days of one security, judged by the SQ test as the claim is; ``event_days(exchange)``
    gives the days 0 of every event on an exchange."""
    returns = data.returns(sec)
    priced = returns.index[np.isfinite(returns.to_numpy())]
    days = ordinary_days(pd.DatetimeIndex(priced), event_days(sec.exchange), st.window, day0)
    label = "stock: t of the day-0 abnormal return"
    if len(days) == 0:
        return Placebo(0, np.nan, np.nan, label, "its history is too short for an ordinary event window")
    rows = [{"symbol": sec.symbol, "date": d, "event_id": f"placebo-{k}"} for k, d in enumerate(days)]
    secs = {sec.symbol: returns}
    sector_r = {sec.symbol: data.returns(sector)} if sector is not None and st.model == "two-index" else None
    try:
        out = _study(secs, {sec.symbol: data.returns(bench)}, rows, st, sector_r)
    except UserError as exc:
        return Placebo(0, np.nan, np.nan, label, exc.message)
    col = int(np.flatnonzero(out.rel == 0)[0])
    d = answers.direction(op, threshold)
    yes, stats = [], []
    for i in range(out.n):
        ar0, var = float(out.ar[i, col]), float(out.var_ar[i, col])
        if not (np.isfinite(ar0) and np.isfinite(var) and var > 0):
            continue
        sq = evidence.sq_test(ar0, out.ar[i, out.est[i]])
        yes.append(bool(np.isfinite(sq.p_value) and sq.p_value < answers.ALPHA and np.sign(ar0) == d))
        stats.append(d * ar0 / np.sqrt(var))
    return _summary(np.asarray(yes), np.asarray(stats), d * claim_stat, label, sec.symbol)


def group(data: Prices, members: Sequence[tuple[Security, Security]], st: Settings,
          event_days: Callable[[str], pd.DatetimeIndex], day0: pd.Timestamp, r: float, claim_stat: float, op: str,
          threshold: float) -> Placebo:
    """Ordinary dates of a group (on its first member's exchange), judged by the KP-adjusted BMP
    with the claim's residual correlation, as the claim is; ``event_days(exchange)`` gives the days 0
    of every event on an exchange."""
    label = "group: KP-adjusted BMP"
    if not members:
        return Placebo(0, np.nan, np.nan, label, "no member with prices")
    first = members[0][0]
    ref = data.returns(first)
    priced = ref.index[np.isfinite(ref.to_numpy())]
    days = ordinary_days(pd.DatetimeIndex(priced), event_days(first.exchange), st.window, day0)
    if len(days) == 0:
        return Placebo(0, np.nan, np.nan, label, "the history is too short for an ordinary event window")
    returns, market, rows = {}, {}, []
    for sec, bench in members:
        r_sec = data.returns(sec)
        returns[sec.symbol], market[sec.symbol] = r_sec, data.returns(bench)
        first_day, last_day = r_sec.index.min(), r_sec.index.max()
        rows += [{"symbol": sec.symbol, "date": d, "event_id": f"placebo-{k}"}
                 for k, d in enumerate(days) if first_day < d <= last_day]
    try:
        out = _study(returns, market, rows, st, None)
    except UserError as exc:
        return Placebo(0, np.nan, np.nan, label, exc.message)
    col = int(np.flatnonzero(out.rel == 0)[0])
    order = {sec.symbol: j for j, (sec, _) in enumerate(members)}
    sar = np.full((len(days), len(members)), np.nan)
    mean_ar = np.zeros(len(days))
    count = np.zeros(len(days))
    for i, s in enumerate(out.series):
        k = int(s.event_id.rsplit("-", 1)[1])
        ar0, var = float(out.ar[i, col]), float(out.var_ar[i, col])
        if np.isfinite(ar0) and np.isfinite(var) and var > 0:
            sar[k, order[s.symbol]] = ar0 / np.sqrt(var)
            mean_ar[k] += ar0
            count[k] += 1
    stat, p = answers.group_lead(sar, r)
    valid = np.isfinite(stat)
    d = answers.direction(op, threshold)
    with np.errstate(invalid="ignore"):
        sign = np.sign(mean_ar / np.maximum(count, 1))
    yes = (p[valid] < answers.ALPHA) & (sign[valid] == d)
    return _summary(yes, d * stat[valid], d * claim_stat, label, "group")


def _summary(yes: np.ndarray, stats: np.ndarray, claim: float, label: str, what: str) -> Placebo:
    n = len(stats)
    if n == 0:
        return Placebo(0, np.nan, np.nan, label, f"no ordinary day of the {what} has an abnormal return")
    note = "" if n >= MIN_DAYS else f"the history holds fewer than {MIN_DAYS} sessions with a clean event window"
    rank_p = float((1 + np.sum(stats >= claim)) / (n + 1)) if np.isfinite(claim) else np.nan
    return Placebo(n, float(np.mean(yes)), rank_p, label, note)
