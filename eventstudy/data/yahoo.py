"""Daily bars from Yahoo Finance through yfinance: the only module that imports yfinance.

One ``Ticker.history`` call per security, raw closes plus Yahoo's adjusted close, dividends and
splits, converted to the bar frame of ``docs/architecture.md``. yfinance is made to raise instead
of logging, its caches live in our data directory, and rate limits and transient network errors
are retried with exponential backoff and jitter.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
import urllib.parse
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import tenacity
import yfinance as yf
from yfinance import exceptions as yf_exceptions

from eventstudy import paths
from eventstudy.data import calendars
from eventstudy.errors import FetchError

EXCHANGE_TZ: dict[str, str] = {
    "HKEX": "Asia/Hong_Kong",
    "SSE": "Asia/Shanghai",
    "SZSE": "Asia/Shanghai",
    "NYSE": "America/New_York",
    "NASDAQ": "America/New_York",
}
LAYOUT = "yahoo-chart-v8"
DEFAULT_ATTEMPTS = 4

_TRANSIENT_NAMES = frozenset({"Timeout", "ConnectionError", "ConnectTimeout", "ReadTimeout", "ChunkedEncodingError"})

_configured: dict[str, Any] = {}


def configure(home: str | Path | None = None, *, proxy: str | None = None) -> None:
    """Point yfinance at our data dir, set the proxy, make it raise and keep it quiet.

    Safe to call repeatedly; the cache location only moves when ``home`` changes.
    """
    # Without this yfinance logs "possibly delisted" and returns an empty frame for what is often a
    # network error, and we could not tell a failure from a quiet day.
    yf.config.debug.hide_exceptions = False
    yf.config.debug.logging = False
    logging.getLogger("yfinance").setLevel(logging.CRITICAL)
    if proxy is not None or "proxy" in _configured:
        yf.config.network.proxy = proxy
        _configured["proxy"] = proxy
    if home is not None:
        cache_dir = str(Path(home).expanduser() / "yfinance-cache")
        if _configured.get("cache_dir") != cache_dir:
            Path(cache_dir).mkdir(parents=True, exist_ok=True)
            yf.set_tz_cache_location(cache_dir)
            _reset_cache_singletons()
            _configured["cache_dir"] = cache_dir


def _reset_cache_singletons() -> None:
    # set_tz_cache_location only moves the databases not yet opened; an already-initialised cache
    # object keeps its old connection, so drop those objects (private, pinned to yfinance 1.6-1.7).
    from yfinance import cache

    for name in ("_TzCacheManager", "_CookieCacheManager", "_ISINCacheManager"):
        manager = getattr(cache, name, None)
        for attr in ("_tz_cache", "_cookie_cache", "_isin_cache"):
            if manager is not None and hasattr(manager, attr):
                setattr(manager, attr, None)


YAHOO_HOST = "query2.finance.yahoo.com"
# Long enough for a slow but working link (a TCP handshake to Yahoo takes well under a second);
# short enough that an offline machine hears "unreachable" within the 5 s the user will wait.
PROBE_TIMEOUT = 3.0


def unreachable(proxy: str | None = None, *, timeout: float = PROBE_TIMEOUT) -> str:
    """Why Yahoo (or the proxy in front of it) cannot be reached now; "" when a TCP connection opens.

    One name look-up and one connection, no HTTP and no cache files: offline, the refresh learns
    in seconds what yfinance's retries would take a minute to say."""
    host, port = YAHOO_HOST, 443
    if proxy:
        parts = urllib.parse.urlsplit(proxy if "://" in proxy else f"http://{proxy}")
        host, port = parts.hostname or host, parts.port or (443 if parts.scheme == "https" else 80)
    via = f"proxy {host}:{port}" if proxy else host
    answer: list[str] = []

    def connect() -> None:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                answer.append("")
        except Exception as exc:  # name look-up, refused, timed out, or sockets blocked by a sandbox
            answer.append(f"Yahoo Finance is unreachable ({via}: {type(exc).__name__}: {exc})")

    # The name look-up ignores the socket time-out (a resolver may retry for 10 s and more), so the
    # whole probe runs in a thread that is given up on after the deadline.
    worker = threading.Thread(target=connect, daemon=True)
    worker.start()
    worker.join(timeout + 1.0)
    return answer[0] if answer else f"Yahoo Finance is unreachable ({via}: no answer within {timeout + 1.0:g} s)"


def _is_transient(exc: BaseException) -> bool:
    """Worth retrying: rate limits, timeouts, dropped connections (not "no data")."""
    if isinstance(exc, yf_exceptions.YFRateLimitError):
        return True
    if isinstance(exc, yf_exceptions.YFException):
        return False
    if isinstance(exc, TimeoutError | ConnectionError):
        return True
    # curl_cffi and requests name their network errors alike; match by name to support both.
    names = {cls.__name__ for cls in type(exc).__mro__}
    return bool(names & _TRANSIENT_NAMES)


def _kind(exc: BaseException) -> str:
    if isinstance(exc, yf_exceptions.YFRateLimitError):
        return "rate_limit"
    return "network" if _is_transient(exc) else "data"


def _reason(exc: BaseException, attempts: int) -> str:
    if isinstance(exc, yf_exceptions.YFRateLimitError):
        return f"rate limited by Yahoo (HTTP 429) after {attempts} attempts; try again later"
    if _is_transient(exc):
        return f"network error after {attempts} attempts: {type(exc).__name__}: {exc}"
    if isinstance(exc, yf_exceptions.YFTzMissingError):
        return "Yahoo knows no time zone for this symbol (unknown or delisted symbol)"
    if isinstance(exc, yf_exceptions.YFTickerMissingError):
        return f"Yahoo returned no prices: {exc.rationale}"
    return f"{type(exc).__name__}: {exc}"


def _as_date(value: Any) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return ts.normalize()


def fetch_history(
    symbol: str,
    exchange: str,
    start: Any,
    end: Any = None,
    *,
    now: pd.Timestamp | None = None,
    home: str | Path | None = None,
    proxy: str | None = None,
    attempts: int = DEFAULT_ATTEMPTS,
    sleep: Callable[[float], None] = time.sleep,
    max_wait: float = 60.0,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Daily bars of ``symbol`` for session dates ``start``..``end`` (both inclusive).

    ``end`` defaults to today in UTC. Returns ``(bar frame, meta)`` for :class:`PriceStore`. Raises
    :class:`FetchError` with a reason for anything that yields no usable frame: rate limits that
    outlast ``attempts``, network errors, unknown symbols, an empty answer or a time-zone mismatch.
    ``sleep`` is the backoff sleep (tests pass a no-op). yfinance's caches go under ``home``
    (default: the eventstudy data directory).
    """
    if exchange not in EXCHANGE_TZ:
        raise FetchError(symbol, f"unknown exchange {exchange!r}; expected one of {sorted(EXCHANGE_TZ)}")
    now = pd.Timestamp.now(tz="UTC") if now is None else pd.Timestamp(now)
    if now.tzinfo is None:
        raise ValueError("now must be tz-aware")
    configure(home if home is not None else paths.data_home(), proxy=proxy)
    first = _as_date(start)
    last = _as_date(end) if end is not None else _as_date(now.tz_convert("UTC"))
    if last < first:
        raise FetchError(symbol, f"empty date range {first.date()}..{last.date()}")

    def call() -> tuple[pd.DataFrame, dict[str, Any]]:
        ticker = yf.Ticker(symbol)
        with warnings.catch_warnings():
            # yfinance's own pandas deprecation warnings are not the user's to act on.
            warnings.filterwarnings("ignore", module=r"yfinance(\..*)?$")
            # yfinance's end is exclusive; ours is the last session wanted.
            raw = ticker.history(
                start=first.strftime("%Y-%m-%d"),
                end=(last + pd.Timedelta(days=1)).strftime("%Y-%m-%d"),
                interval="1d",
                auto_adjust=False,
                actions=True,
            )
        # Read single keys: copying the whole mapping makes yfinance fetch intraday trading periods.
        history_meta = ticker.history_metadata
        wanted = ("currency", "exchangeTimezoneName")
        return raw, {k: history_meta.get(k) for k in wanted if k in history_meta}

    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_attempt(max(1, attempts)),
        # Random jitter keeps parallel refreshes (or a retry storm after an outage) from re-syncing.
        wait=tenacity.wait_exponential(multiplier=2.0, max=max_wait) + tenacity.wait_random(0.0, 2.0),
        retry=tenacity.retry_if_exception(_is_transient),
        sleep=sleep,
        reraise=True,
    )
    try:
        raw, yahoo_meta = retrying(call)
    except FetchError:
        raise
    except Exception as exc:
        raise FetchError(symbol, _reason(exc, attempts), kind=_kind(exc)) from exc

    frame = to_bar_frame(symbol, exchange, raw, now)
    frame = frame.loc[(frame.index >= first) & (frame.index <= last)]
    if frame.empty:
        raise FetchError(symbol, f"Yahoo returned no bars for {first.date()}..{last.date()} (empty answer)")
    meta: dict[str, Any] = {
        "source": "yahoo",
        "layout": LAYOUT,
        "fetched_at": now.tz_convert("UTC").isoformat(),
        "yfinance_version": yf.__version__,
        "adjusted": "raw",
        "exchange": exchange,
    }
    for key, ours in (("currency", "currency"), ("exchangeTimezoneName", "timezone")):
        if yahoo_meta.get(key):
            meta[ours] = str(yahoo_meta[key])
    return frame, meta


def to_bar_frame(symbol: str, exchange: str, raw: pd.DataFrame, now: pd.Timestamp) -> pd.DataFrame:
    """yfinance ``history(auto_adjust=False, actions=True)`` output -> bar frame."""
    if raw is None or raw.empty:
        raise FetchError(symbol, "Yahoo returned no bars (empty answer)")
    expected = EXCHANGE_TZ[exchange]
    if not isinstance(raw.index, pd.DatetimeIndex) or raw.index.tz is None:
        raise FetchError(symbol, f"Yahoo's index has no time zone; expected {expected}")
    if str(raw.index.tz) != expected:
        raise FetchError(
            symbol,
            f"Yahoo reports time zone {raw.index.tz} but {exchange} trades in {expected}; "
            "is the symbol's suffix right for this exchange?",
        )
    needed = ["Open", "High", "Low", "Close", "Adj Close", "Volume"]
    missing = [c for c in needed if c not in raw.columns]
    if missing:
        raise FetchError(symbol, f"Yahoo's answer lacks columns {missing}")
    # Yahoo stamps daily bars at local midnight; dropping the zone keeps the local session date.
    dates = pd.DatetimeIndex(raw.index.tz_convert(expected).tz_localize(None).normalize().as_unit("ns"), name="date")
    frame = pd.DataFrame(
        {
            "open": raw["Open"].to_numpy(dtype="float64"),
            "high": raw["High"].to_numpy(dtype="float64"),
            "low": raw["Low"].to_numpy(dtype="float64"),
            "close": raw["Close"].to_numpy(dtype="float64"),
            "adj_close": raw["Adj Close"].to_numpy(dtype="float64"),
            "volume": raw["Volume"].to_numpy(dtype="float64"),
            "dividends": _column(raw, "Dividends"),
            "splits": _column(raw, "Stock Splits"),
        },
        index=dates,
    )
    frame = frame[~frame.index.duplicated(keep="last")].sort_index()
    frame["final"] = mark_final(exchange, pd.DatetimeIndex(frame.index), now)
    return frame


def _column(raw: pd.DataFrame, name: str) -> Any:
    if name not in raw.columns:
        return float("nan")  # the source did not say
    return raw[name].fillna(0.0).to_numpy(dtype="float64")


def mark_final(exchange: str, dates: pd.DatetimeIndex, now: pd.Timestamp) -> list[bool]:
    """calendars.is_final per bar; bars two or more UTC days old are final without asking.

    Every session closes on its own local date and no exchange is a full day from UTC, so the
    shortcut gives the same answer while sparing thousands of calendar look-ups on a full history.
    """
    cutoff = _as_date(now.tz_convert("UTC")) - pd.Timedelta(days=2)
    return [True if d < cutoff else calendars.is_final(exchange, d, now) for d in dates]
