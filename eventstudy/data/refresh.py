"""Incremental refresh of the price store from Yahoo.

For each security only the sessions after its last final stored bar are fetched, plus a short
overlap of stored bars. When nothing has closed since the last final bar, no request is made.
The overlap is what catches a new split or dividend (and any revision of adjusted closes): Yahoo
re-adjusts the whole history backwards then, so that security is fetched again in full.

All successes are written together at the end, as one switch of the store (all or nothing), so
a killed refresh leaves the store as it was; one security's failure never costs the others their
data, and the report says which failed and why. Before the first request a quick probe decides
whether Yahoo can be reached at all: without a network the refresh fails in seconds, not after
every security's retries.
"""

from __future__ import annotations

import functools
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from tqdm import tqdm

from eventstudy.data import calendars, quality, yahoo
from eventstudy.data.store import PriceStore
from eventstudy.errors import FetchError

Status = Literal["ok", "failed", "up-to-date"]
Fetcher = Callable[..., tuple[pd.DataFrame, dict[str, Any]]]

# Stored final bars fetched again with each incremental request, to notice backward re-adjustments.
OVERLAP_BARS = 5
# After this many securities fail with network errors before Yahoo has answered once, the rest
# are reported as not tried instead of each waiting through its own retries.
UNREACHABLE_AFTER = 2
# Yahoo recomputes adjusted closes on every request; float noise stays far below this, while the
# smallest real re-adjustment (a dividend of 0.01% of the price) is above it.
ADJ_RTOL = 1e-5
# How far back to look for the last closed session; longer than any exchange holiday.
_LOOKBACK = pd.Timedelta(days=30)


@dataclass
class SymbolResult:
    symbol: str
    exchange: str
    status: Status
    rows_added: int = 0
    reason: str = ""
    full_history: bool = False
    requested: tuple[pd.Timestamp, pd.Timestamp] | None = None


@dataclass
class RefreshReport:
    results: list[SymbolResult] = field(default_factory=list)

    def by_status(self, status: Status) -> list[SymbolResult]:
        return [r for r in self.results if r.status == status]

    @property
    def failed(self) -> list[SymbolResult]:
        return self.by_status("failed")

    @property
    def ok(self) -> bool:
        return not self.failed

    def __getitem__(self, symbol: str) -> SymbolResult:
        for result in self.results:
            if result.symbol == symbol:
                return result
        raise KeyError(symbol)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {
                    "symbol": r.symbol,
                    "exchange": r.exchange,
                    "status": r.status,
                    "rows_added": r.rows_added,
                    "full_history": r.full_history,
                    "reason": r.reason,
                }
                for r in self.results
            ],
            columns=["symbol", "exchange", "status", "rows_added", "full_history", "reason"],
        )

    def summary(self) -> str:
        counts = {s: len(self.by_status(s)) for s in ("ok", "up-to-date", "failed")}
        head = ", ".join(f"{n} {s}" for s, n in counts.items())
        lines = [head] + [f"  {r.symbol}: {r.reason}" for r in self.failed]
        return "\n".join(lines)


def last_closed_session(exchange: str, now: pd.Timestamp) -> pd.Timestamp | None:
    """The latest session of ``exchange`` whose close is at or before ``now``."""
    today = pd.Timestamp(now).tz_convert("UTC").tz_localize(None).normalize()
    candidates = calendars.sessions(exchange, today - _LOOKBACK, today + pd.Timedelta(days=1))
    for day in reversed(candidates):
        if calendars.is_final(exchange, day, now):
            return pd.Timestamp(day)
    return None


def _plan(
    stored: pd.DataFrame | None, exchange: str, last_closed: pd.Timestamp, full_start: pd.Timestamp
) -> tuple[pd.DataFrame | None, pd.Timestamp | None]:
    """(stored frame or None, first date to request or None when up to date)."""
    if stored is None:
        return None, full_start
    final_dates = stored.index[stored["final"].to_numpy(dtype=bool)]
    if len(final_dates) == 0:
        return stored, full_start
    last_final = final_dates.max()
    pending = calendars.sessions(exchange, last_final + pd.Timedelta(days=1), last_closed)
    if len(pending) == 0:
        return stored, None
    overlap = final_dates[-OVERLAP_BARS:]
    return stored, min(overlap[0], pending[0])


def _readjusted(stored: pd.DataFrame, fetched: pd.DataFrame) -> str:
    """Why the fetched bars imply a backward re-adjustment of the stored history ("" if none)."""
    old = stored.loc[stored["final"].to_numpy(dtype=bool)]
    common = fetched.index.intersection(old.index)
    new_dates = fetched.index.difference(old.index)
    for col, what in (("splits", "split"), ("dividends", "dividend")):
        fresh = fetched.loc[new_dates, col]
        hits = fresh[fresh.fillna(0.0) != 0.0]
        if len(hits):
            return f"new {what} on {hits.index[0].date()}"
        before = old.loc[common, col].fillna(0.0).to_numpy()
        after = fetched.loc[common, col].fillna(0.0).to_numpy()
        changed = ~np.isclose(before, after)
        if changed.any():
            return f"{what} changed on {common[changed][0].date()}"
    a = old.loc[common, "adj_close"].to_numpy()
    b = fetched.loc[common, "adj_close"].to_numpy()
    moved = ~np.isclose(a, b, rtol=ADJ_RTOL, atol=0.0, equal_nan=True)
    if moved.any():
        return f"adjusted close changed on {common[moved][0].date()}"
    return ""


def _merge(stored: pd.DataFrame, fetched: pd.DataFrame) -> pd.DataFrame:
    keep = stored.loc[~stored.index.isin(fetched.index)]
    merged = pd.concat([keep, fetched]).sort_index()
    merged.index.name = "date"
    return merged


def _with_issues(frame: pd.DataFrame, exchange: str, meta: dict[str, Any]) -> dict[str, Any]:
    out = dict(meta)
    out["issues"] = list(quality.check(frame, exchange))
    return out


def _refresh_one(
    store: PriceStore,
    symbol: str,
    exchange: str,
    *,
    now: pd.Timestamp,
    full_start: pd.Timestamp,
    fetch: Fetcher,
    pending: dict[str, tuple[pd.DataFrame, dict[str, Any]]],
) -> SymbolResult:
    """Refresh one security; what was fetched goes into ``pending`` for the one write at the end."""
    last_closed = last_closed_session(exchange, now)
    if last_closed is None:
        return SymbolResult(symbol, exchange, "failed", reason="no closed session in the calendar")
    stored: pd.DataFrame | None = None
    if store.has(symbol):
        stored, stored_meta = store.read_with_meta(symbol)
        source = stored_meta.get("source")
        if source != "yahoo":
            # Mixing another source's adjustment basis with Yahoo's would corrupt returns silently.
            reason = (
                f"stored prices come from {source}, not Yahoo; refresh will not mix sources "
                f"(move it to Yahoo: eventstudy prices source {symbol} yahoo; or eventstudy prices remove {symbol})"
            )
            return SymbolResult(symbol, exchange, "failed", reason=reason)
    stored, start = _plan(stored, exchange, last_closed, full_start)
    if start is None:
        return SymbolResult(symbol, exchange, "up-to-date")

    full = stored is None or start == full_start
    fetched, meta = fetch(symbol, exchange, start, last_closed, now=now)
    result = SymbolResult(symbol, exchange, "ok", full_history=full, requested=(start, last_closed))
    if stored is not None and not full:
        why = _readjusted(stored, fetched)
        if why:
            # Adjusted (and Yahoo's split-adjusted) prices change backwards: only a full fetch is right.
            # Reach back as far as what is stored, so an earlier full_history_start is not truncated.
            origin = min(full_start, pd.Timestamp(stored.index[0]))
            fetched, meta = fetch(symbol, exchange, origin, last_closed, now=now)
            result.full_history = True
            result.requested = (origin, last_closed)
            result.reason = f"{why}; fetched the full history again"
            frame = fetched
        else:
            frame = _merge(stored, fetched)
    else:
        frame = fetched
    before = stored.index if stored is not None else pd.DatetimeIndex([])
    result.rows_added = int((~frame.index.isin(before)).sum())
    if result.rows_added == 0 and not result.reason:
        result.reason = f"Yahoo has no new bar yet up to {last_closed.date()}"
    pending[symbol] = (frame, _with_issues(frame, exchange, meta))
    return result


class _Throttled:
    """Wraps the fetcher so only real requests are spaced out: up-to-date securities cost no pause."""

    def __init__(
        self,
        fetch: Fetcher,
        sleep: Callable[[float], None],
        pause: float,
        batch_size: int,
        batch_pause: float,
        probe: Callable[[], str] | None = None,
    ):
        self.fetch, self.sleep = fetch, sleep
        self.pause, self.batch_size, self.batch_pause = pause, max(1, batch_size), batch_pause
        self.calls = 0
        self.probe = probe

    def __call__(self, *args: Any, **kwargs: Any) -> tuple[pd.DataFrame, dict[str, Any]]:
        if self.probe is not None:
            why, self.probe = self.probe(), None
            if why:
                raise FetchError(str(args[0]) if args else "", why, kind="unreachable")
        if self.calls:
            self.sleep(self.batch_pause if self.calls % self.batch_size == 0 else self.pause)
        self.calls += 1
        return self.fetch(*args, **kwargs)


def refresh(
    store: PriceStore,
    securities: Sequence[tuple[str, str]],
    *,
    now: pd.Timestamp | None = None,
    full_history_start: Any = "2015-01-01",
    progress: bool = True,
    fetch: Fetcher | None = None,
    sleep: Callable[[float], None] = time.sleep,
    throttle: float = 1.0,
    batch_size: int = 20,
    batch_pause: float = 10.0,
    proxy: str | None = None,
    probe: Callable[[], str] | None = None,
) -> RefreshReport:
    """Bring the stored bars of ``securities`` (``(symbol, exchange)`` pairs) up to ``now``.

    ``sleep`` serves the pause between securities (``throttle`` seconds, ``batch_pause`` after
    every ``batch_size`` requests) and yfinance retry backoff; tests pass a no-op. ``fetch``
    replaces :func:`eventstudy.data.yahoo.fetch_history`; ``probe`` (default with the real fetcher:
    :func:`eventstudy.data.yahoo.unreachable`) runs once before the first request and returns why
    the source cannot be reached ("" when it can). The store's writer lock is held throughout, so
    an import cannot interleave with the read-merge-write of a refresh.
    """
    now = pd.Timestamp.now(tz="UTC") if now is None else pd.Timestamp(now)
    if now.tzinfo is None:
        raise ValueError("now must be tz-aware")
    full_start = pd.Timestamp(full_history_start).normalize()
    if fetch is None:
        fetch = functools.partial(yahoo.fetch_history, home=store.home, proxy=proxy, sleep=sleep)
        if probe is None:
            probe = functools.partial(yahoo.unreachable, proxy=proxy)
    throttled = _Throttled(fetch, sleep, throttle, batch_size, batch_pause, probe)
    pending: dict[str, tuple[pd.DataFrame, dict[str, Any]]] = {}
    report = RefreshReport()
    items: Iterable[tuple[str, str]] = securities
    show = progress and sys.stderr.isatty()
    bar = tqdm(items, desc="refresh", unit="security", disable=not show, leave=False)
    unreachable: list[str] = []  # network failures while Yahoo has not answered once
    answered = False
    down = ""  # why the probe found Yahoo unreachable
    with store.lock():
        for symbol, exchange in bar:
            bar.set_postfix_str(symbol)
            if down:
                report.results.append(SymbolResult(symbol, exchange, "failed", reason=f"not tried: {down}"))
                continue
            if not answered and len(unreachable) >= UNREACHABLE_AFTER:
                # Without a network every security would sit through its own retries; say so once.
                report.results.append(SymbolResult(
                    symbol, exchange, "failed",
                    reason=f"not tried: Yahoo unreachable (network errors on {', '.join(unreachable)})"))
                continue
            try:
                result = _refresh_one(store, symbol, exchange, now=now, full_start=full_start, fetch=throttled,
                                      pending=pending)
            except FetchError as exc:
                result = SymbolResult(symbol, exchange, "failed", reason=exc.reason)
                if exc.kind == "unreachable":
                    down = exc.reason
                elif exc.kind == "network":
                    unreachable.append(symbol)
                else:
                    answered = True  # Yahoo answered, if only with a refusal
            except Exception as exc:
                # One security's surprise (bad data, a bug) must not abort the others' refresh.
                result = SymbolResult(symbol, exchange, "failed", reason=f"{type(exc).__name__}: {exc}")
            else:
                answered = answered or result.requested is not None
            report.results.append(result)
        bar.close()
        if pending:
            store.write_many(pending)
    return report
