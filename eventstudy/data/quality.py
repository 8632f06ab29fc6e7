"""Data-quality checks on a bar frame against its exchange calendar."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

from eventstudy.data import calendars

KINDS = (
    "duplicate_date",
    "holiday_row",
    "repeated_neighbour",
    "missing_session",
    "nonpositive_price",
    "stale_close",
    "suspect_split",
    "unit_jump",
    "not_final",
    "placeholder_bar",
    "intraday_snapshot",
    "source_disagreement",
    "benchmark_gap",
    "unadjusted",
    "source_join",
)
SEVERITIES = ("error", "warning", "info")

# Gaps up to this many sessions are listed date by date; longer ones become one range issue.
MAX_LISTED_GAP = 5
STALE_RUN = 5
SPLIT_RATIOS = np.array([2.0, 3.0, 4.0, 5.0, 8.0, 10.0, 20.0, 25.0, 50.0])
SPLIT_TOLERANCE = 0.03
SPLIT_MIN_MOVE = 0.40
UNIT_RATIO = 100.0
UNIT_TOLERANCE = 0.12
PRICE_COLUMNS = ("open", "high", "low", "close", "adj_close")


@dataclass(frozen=True)
class QualityIssue:
    """One finding about a bar frame; ``date`` is None when it concerns no single bar.

    ``source`` names the file (or files, ``a | b``) the finding is about once several sources of one
    symbol are merged; None for a single source.
    """

    kind: str
    date: pd.Timestamp | None
    detail: str
    severity: str
    source: str | None = None

    def __str__(self) -> str:
        when = f"{self.date.date()} " if self.date is not None else ""
        where = f" [{self.source}]" if self.source else ""
        return f"{self.severity}: {self.kind}: {when}{self.detail}{where}"


def _d(ts: pd.Timestamp) -> str:
    return str(pd.Timestamp(ts).date())


def check(frame: pd.DataFrame, exchange: str | None) -> list[QualityIssue]:
    """All quality issues of ``frame``; calendar checks are skipped when ``exchange`` is None."""
    if len(frame) == 0:
        return []
    issues: list[QualityIssue] = []
    idx = pd.DatetimeIndex(frame.index)
    issues += _duplicates(idx)
    frame = frame.loc[~idx.duplicated(keep="first")].sort_index()
    if exchange is not None:
        issues += _calendar_checks(pd.DatetimeIndex(frame.index), exchange)
    issues += _nonpositive(frame)
    if "close" in frame:
        issues += _stale(frame["close"])
    price = frame["adj_close"] if "adj_close" in frame else frame.get("close")
    if price is not None:
        issues += _jumps(price, frame.get("splits"))
    if "final" in frame:
        issues += _not_final(frame["final"])
    if exchange is not None:
        issues += placeholder_bars(frame, exchange)
    return issues


def placeholder_mask(frame: pd.DataFrame, exchange: str) -> pd.Series:
    """True on bars with open = high = low = close and zero volume on a half-day session.

    Yahoo writes such a bar for Hong Kong's half days (24 and 31 December, Lunar New Year's Eve):
    its close is a stale or intraday price, not the official close.
    """
    idx = pd.DatetimeIndex(frame.index)
    if len(idx) == 0 or not {"open", "high", "low", "close", "volume"} <= set(frame.columns):
        return pd.Series(False, index=frame.index)
    early = pd.DatetimeIndex(calendars.get_calendar(exchange).early_closes)
    if early.tz is not None:
        early = early.tz_localize(None)
    c = frame["close"]
    flat = (frame["open"] == c) & (frame["high"] == c) & (frame["low"] == c) & (frame["volume"] == 0)
    return flat & idx.normalize().isin(early.normalize())


def placeholder_bars(frame: pd.DataFrame, exchange: str) -> list[QualityIssue]:
    mask = placeholder_mask(frame, exchange)
    close = frame["close"]
    return [
        QualityIssue(
            "placeholder_bar",
            pd.Timestamp(d),
            f"open = high = low = close = {close.loc[d]:g} with volume 0 on a {exchange} half-day "
            "session: a placeholder, not the official close",
            "warning",
        )
        for d in frame.index[mask.to_numpy()]
    ]


def prev_close_breaks(close: pd.Series, prev_close: pd.Series, tolerance: float) -> list[QualityIssue]:
    """Bars whose close the next bar's own previous close contradicts (beyond ``tolerance``).

    Updaters that run during trading hours save an intraday snapshot as the day's bar; the source's
    next row then carries the true previous close. An ex-dividend day breaks the chain too (the
    exchange lowers the previous close by the dividend), so the detail names both causes.
    """
    c = close.to_numpy(dtype=float)
    nxt = prev_close.to_numpy(dtype=float)[1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        dev = nxt / c[:-1] - 1
    bad = np.isfinite(dev) & (np.abs(dev) > tolerance)
    issues = []
    for i in np.flatnonzero(bad).tolist():
        issues.append(
            QualityIssue(
                "intraday_snapshot",
                pd.Timestamp(close.index[i]),
                f"close {c[i]:g} but the next bar ({_d(close.index[i + 1])}) gives a previous close of "
                f"{nxt[i]:g} ({dev[i]:+.2%}): an intraday snapshot saved as the daily bar, or an ex-dividend day",
                "warning",
            )
        )
    return issues


def benchmark_gaps(frame: pd.DataFrame, exchange: str, other: str = "SSE") -> list[QualityIssue]:
    """One issue for a benchmark series that misses sessions of its own exchange.

    Every security measured against it loses its abnormal return on those days. When each missing
    session is a holiday of ``other`` (the mainland exchanges), the file follows the Stock Connect
    calendar rather than its exchange's own, which the detail says.
    """
    idx = pd.DatetimeIndex(frame.index)
    if len(idx) == 0:
        return []
    start, end, _ = calendars.clip_range(exchange, idx.min(), idx.max())
    if start > end:
        return []
    sess = calendars.sessions(exchange, start, end)
    missing = sess[~sess.isin(idx)]
    if len(missing) == 0:
        return []
    shown = ", ".join(_d(d) for d in missing[:12]) + (", ..." if len(missing) > 12 else "")
    detail = (
        f"benchmark misses {len(missing)} {exchange} sessions ({shown}); stocks measured against it lose those days"
    )
    olo, ohi = calendars.bounds(other)
    inside = missing[(missing >= olo) & (missing <= ohi)]
    if len(inside):
        other_sess = calendars.sessions(other, inside.min(), inside.max())
        closed = int((~inside.isin(other_sess)).sum())
        # Mostly mainland holidays: the producer kept Stock Connect's calendar, not the exchange's.
        if closed * 2 > len(missing):
            detail += f"; {closed} of them are {other} holidays (Stock Connect closed)"
    return [QualityIssue("benchmark_gap", pd.Timestamp(missing[0]), detail, "warning")]


def _duplicates(idx: pd.DatetimeIndex) -> list[QualityIssue]:
    dup = idx[idx.duplicated(keep=False)]
    counts = Counter(dup)
    return [
        QualityIssue("duplicate_date", pd.Timestamp(d), f"{n} bars share this date", "error")
        for d, n in sorted(counts.items())
    ]


def _calendar_checks(idx: pd.DatetimeIndex, exchange: str) -> list[QualityIssue]:
    issues: list[QualityIssue] = []
    dates = idx.normalize()
    if dates.tz is not None:
        dates = dates.tz_localize(None)
    lo, hi = calendars.bounds(exchange)
    inside = (dates >= lo) & (dates <= hi)
    if not inside.all():
        out = dates[~inside]
        issues.append(
            QualityIssue(
                "holiday_row",
                None,
                f"{len(out)} bars ({_d(out.min())}..{_d(out.max())}) lie outside the {exchange} calendar "
                f"({_d(lo)}..{_d(hi)}) and were not checked against it",
                "info",
            )
        )
    dates = dates[inside]
    if len(dates) == 0:
        return issues
    cal_sessions = calendars.get_calendar(exchange).sessions_in_range(dates.min(), dates.max())
    sess = pd.DatetimeIndex(cal_sessions)
    if sess.tz is not None:
        sess = sess.tz_localize(None)
    for d in dates[~dates.isin(sess)]:
        issues.append(QualityIssue("holiday_row", d, f"bar on a day {exchange} does not trade", "warning"))
    missing_mask = ~sess.isin(dates)
    if missing_mask.any():
        pos = np.flatnonzero(missing_mask)
        # A new run starts wherever the missing sessions stop being adjacent on the calendar.
        starts = np.flatnonzero(np.diff(pos, prepend=-2) != 1)
        ends = np.append(starts[1:], len(pos)) - 1
        for s, e in zip(starts, ends, strict=True):
            run = sess[pos[s : e + 1]]
            if len(run) <= MAX_LISTED_GAP:
                issues += [
                    QualityIssue("missing_session", d, f"no bar for this {exchange} session", "warning") for d in run
                ]
            else:
                issues.append(
                    QualityIssue(
                        "missing_session",
                        run[0],
                        f"{len(run)} {exchange} sessions missing: {_d(run[0])}..{_d(run[-1])}",
                        "warning",
                    )
                )
    return issues


def _nonpositive(frame: pd.DataFrame) -> list[QualityIssue]:
    cols = [c for c in PRICE_COLUMNS if c in frame]
    if not cols:
        return []
    bad = frame[cols] <= 0
    rows = bad.any(axis=1)
    issues = []
    for d, row in bad.loc[rows].iterrows():
        names = ", ".join(c for c in cols if row[c])
        issues.append(
            QualityIssue("nonpositive_price", pd.Timestamp(d), f"{names} <= 0", "error")  # type: ignore[arg-type]
        )
    return issues


def _stale_run_ids(c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Run id of every bar (consecutive equal closes share one) and each run's length."""
    same = np.zeros(len(c), dtype=bool)
    same[1:] = c[1:] == c[:-1]
    run_id = np.cumsum(~same)
    return run_id, np.bincount(run_id)


def stale_mask(close: pd.Series, min_run: int = STALE_RUN) -> pd.Series:
    """True on the repeated bars of a run of >= ``min_run`` equal closes (all but the run's first):
    a vendor filling a suspension with the last close, whose zero returns are not trading."""
    c = close.to_numpy(dtype=float)
    run_id, lengths = _stale_run_ids(c)
    first = np.ones(len(c), dtype=bool)
    first[1:] = run_id[1:] != run_id[:-1]
    return pd.Series((lengths[run_id] >= min_run) & ~first, index=close.index)


def _stale(close: pd.Series) -> list[QualityIssue]:
    c = close.to_numpy(dtype=float)
    if len(c) < STALE_RUN:
        return []
    run_id, lengths = _stale_run_ids(c)
    issues = []
    for rid in np.flatnonzero(lengths >= STALE_RUN).tolist():
        members = np.flatnonzero(run_id == rid)
        first, last = close.index[members[0]], close.index[members[-1]]
        issues.append(
            QualityIssue(
                "stale_close",
                pd.Timestamp(first),
                f"close {c[members[0]]:g} unchanged for {len(members)} bars ({_d(first)}..{_d(last)})",
                "warning",
            )
        )
    return issues


def _jumps(price: pd.Series, splits: pd.Series | None) -> list[QualityIssue]:
    p = price.to_numpy(dtype=float)
    if len(p) < 2:
        return []
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = p[1:] / p[:-1]
    valid = np.isfinite(ratio) & (ratio > 0)
    issues: list[QualityIssue] = []
    # Fold falls and rises together: a 1:2 reverse split and a 2:1 split are the same distance.
    big = np.where(valid & (ratio < 1), 1 / np.where(valid, ratio, 1), ratio)
    unit = valid & (np.abs(big / UNIT_RATIO - 1) <= UNIT_TOLERANCE)
    near = np.abs(big[:, None] / SPLIT_RATIOS[None, :] - 1) <= SPLIT_TOLERANCE
    split = valid & ~unit & near.any(axis=1) & (np.abs(ratio - 1) > SPLIT_MIN_MOVE)
    for i in np.flatnonzero(unit).tolist():
        d = pd.Timestamp(price.index[i + 1])
        issues.append(
            QualityIssue(
                "unit_jump",
                d,
                f"price moved x{ratio[i]:.4g} in one bar ({p[i]:g} -> {p[i + 1]:g}): a unit error?",
                "error",
            )
        )
    split_values = splits.to_numpy(dtype=float) if splits is not None else None
    for i in np.flatnonzero(split).tolist():
        d = pd.Timestamp(price.index[i + 1])
        k = SPLIT_RATIOS[np.argmin(np.abs(big[i] / SPLIT_RATIOS - 1))]
        kind = f"{k:g}:1 split" if ratio[i] < 1 else f"1:{k:g} reverse split"
        note = ""
        if split_values is not None and np.isfinite(split_values[i + 1]) and split_values[i + 1] > 0:
            note = f"; the source records a split of {split_values[i + 1]:g} that day"
        issues.append(
            QualityIssue(
                "suspect_split",
                d,
                f"one-bar return {ratio[i] - 1:+.1%} ({p[i]:g} -> {p[i + 1]:g}) looks like an unadjusted {kind}{note}",
                "warning",
            )
        )
    return issues


def _not_final(final: pd.Series) -> list[QualityIssue]:
    f = final.to_numpy(dtype=bool)
    issues = []
    for i in np.flatnonzero(~f).tolist():
        d = pd.Timestamp(final.index[i])
        if i == len(f) - 1:
            issues.append(QualityIssue("not_final", d, "last bar's session has not closed yet", "info"))
        else:
            issues.append(QualityIssue("not_final", d, "bar is not final but later bars exist", "warning"))
    return issues


def summarize(issues: list[QualityIssue]) -> str:
    """One line per kind: count and the worst severity, e.g. ``missing_session: 3 (warning)``."""
    if not issues:
        return "no issues"
    by_kind: dict[str, list[QualityIssue]] = {}
    for issue in issues:
        by_kind.setdefault(issue.kind, []).append(issue)
    order = {k: i for i, k in enumerate(KINDS)}
    lines = []
    for kind in sorted(by_kind, key=lambda k: (order.get(k, len(order)), k)):
        items = by_kind[kind]
        sev = Counter(i.severity for i in items)
        parts = ", ".join(f"{sev[s]} {s}" for s in SEVERITIES if sev[s])
        lines.append(f"{kind}: {len(items)} ({parts})")
    return "\n".join(lines)


def worst(issues: list[QualityIssue]) -> str | None:
    """The most severe severity among ``issues`` (None when there are none)."""
    present = {i.severity for i in issues}
    return next((s for s in SEVERITIES if s in present), None)
