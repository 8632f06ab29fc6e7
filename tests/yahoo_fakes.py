"""Canned Yahoo /v8/finance/chart answers, fed to yfinance's real parser without a socket.

``FakeYahoo`` replaces ``yfinance.data.YfData.get`` and ``cache_get`` (private API, shaped after
yfinance 1.6-1.7): every chart request is answered from synthetic series, sliced to the requested
``period1``/``period2`` like Yahoo does, deep-copied per call because yfinance mutates the JSON,
and recorded so tests can count requests and check the ranges asked for.

Prices follow Yahoo's conventions: ``close`` is split-adjusted (not dividend-adjusted) and
``adjclose`` is split- and dividend-adjusted; daily timestamps are the session's local open.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from datetime import time
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pandas as pd
import pytest
from yfinance.data import YfData
from yfinance.exceptions import YFRateLimitError


@dataclass(frozen=True)
class Market:
    timezone: str  # exchangeTimezoneName
    tz_short: str
    exchange_name: str
    full_exchange_name: str
    currency: str
    open_time: time


MARKETS: dict[str, Market] = {
    "HKEX": Market("Asia/Hong_Kong", "HKT", "HKG", "HKSE", "HKD", time(9, 30)),
    "SSE": Market("Asia/Shanghai", "CST", "SHH", "Shanghai", "CNY", time(9, 30)),
    "SZSE": Market("Asia/Shanghai", "CST", "SHZ", "Shenzhen", "CNY", time(9, 30)),
    "NYSE": Market("America/New_York", "EST", "NYQ", "NYSE", "USD", time(9, 30)),
    "NASDAQ": Market("America/New_York", "EST", "NMS", "NasdaqGS", "USD", time(9, 30)),
}


@dataclass
class Series:
    """A synthetic security: traded (unadjusted) prices per session date and its corporate actions."""

    symbol: str
    market: Market
    traded: pd.DataFrame  # index session dates; open, high, low, close, volume as traded
    dividends: dict[pd.Timestamp, float] = field(default_factory=dict)
    splits: dict[pd.Timestamp, tuple[int, int]] = field(default_factory=dict)  # ex-date -> (num, den)
    instrument_type: str = "EQUITY"

    def timestamp(self, day: pd.Timestamp) -> int:
        local = pd.Timestamp.combine(day.date(), self.market.open_time).tz_localize(self.market.timezone)
        return int(local.timestamp())

    def gmtoffset(self, day: pd.Timestamp) -> int:
        local = pd.Timestamp(day).tz_localize(self.market.timezone)
        offset = local.utcoffset()
        return int(offset.total_seconds()) if offset is not None else 0

    def yahoo_prices(self) -> pd.DataFrame:
        """What Yahoo serves: OHLC split-adjusted, adjclose also dividend-adjusted, volume split-adjusted."""
        t = self.traded.sort_index()
        dates = t.index
        split_factor = np.ones(len(dates))  # price divisor for dates before each split
        for ex_date, (num, den) in self.splits.items():
            split_factor[dates < ex_date] *= num / den
        out = t.copy()
        for col in ("open", "high", "low", "close"):
            out[col] = t[col] / split_factor
        out["volume"] = (t["volume"] * split_factor).round()
        div_factor = np.ones(len(dates))
        for ex_date, amount in self.dividends.items():
            before = dates < ex_date
            if not before.any():
                continue
            prev_close = out["close"][before].iloc[-1]
            div_factor[before] *= 1.0 - amount / prev_close
        out["adjclose"] = out["close"] * div_factor
        return out


def make_series(
    symbol: str,
    exchange: str,
    dates: pd.DatetimeIndex | list[pd.Timestamp],
    *,
    start_price: float = 100.0,
    seed: int = 0,
    dividends: dict[str, float] | None = None,
    splits: dict[str, tuple[int, int]] | None = None,
    skip: list[str] | None = None,
) -> Series:
    """Deterministic random walk on ``dates``; ``skip`` drops sessions (Yahoo's missing days).

    A split (num, den) divides the traded price by num/den from its ex-date on.
    """
    idx = pd.DatetimeIndex(dates)
    if skip:
        idx = idx.difference(pd.DatetimeIndex(skip))
    rng = np.random.default_rng(seed)
    steps = rng.normal(0.0, 0.01, len(idx))
    close = start_price * np.exp(np.cumsum(steps))
    for ex_date, (num, den) in (splits or {}).items():
        close[idx >= pd.Timestamp(ex_date)] /= num / den
    close = np.round(close, 3)
    openp = np.round(close * (1 + rng.normal(0.0, 0.003, len(idx))), 3)
    high = np.round(np.maximum(openp, close) * 1.01, 3)
    low = np.round(np.minimum(openp, close) * 0.99, 3)
    volume = rng.integers(1_000_000, 5_000_000, len(idx)).astype(float)
    traded = pd.DataFrame({"open": openp, "high": high, "low": low, "close": close, "volume": volume}, index=idx)
    return Series(
        symbol=symbol.upper(),
        market=MARKETS[exchange],
        traded=traded,
        dividends={pd.Timestamp(k): v for k, v in (dividends or {}).items()},
        splits={pd.Timestamp(k): v for k, v in (splits or {}).items()},
    )


def _meta(series: Series, last_day: pd.Timestamp) -> dict[str, Any]:
    m = series.market
    first = series.traded.index.min()
    return {
        "currency": m.currency,
        "symbol": series.symbol,
        "exchangeName": m.exchange_name,
        "fullExchangeName": m.full_exchange_name,
        "instrumentType": series.instrument_type,
        "firstTradeDate": series.timestamp(first),
        "regularMarketTime": series.timestamp(last_day) + 6 * 3600,
        "hasPrePostMarketData": False,
        "gmtoffset": series.gmtoffset(last_day),
        "timezone": m.tz_short,
        "exchangeTimezoneName": m.timezone,
        "regularMarketPrice": float(series.traded["close"].iloc[-1]),
        "priceHint": 2,
        "currentTradingPeriod": {
            kind: {
                "timezone": m.tz_short,
                "start": series.timestamp(last_day),
                "end": series.timestamp(last_day) + 6 * 3600,
                "gmtoffset": series.gmtoffset(last_day),
            }
            for kind in ("pre", "regular", "post")
        },
        "dataGranularity": "1d",
        "range": "",
        "validRanges": ["1d", "5d", "1mo", "3mo", "6mo", "1y", "2y", "5y", "10y", "ytd", "max"],
    }


def chart_json(series: Series, period1: int | None = None, period2: int | None = None) -> dict[str, Any]:
    """The /v8/finance/chart answer for bars with period1 <= timestamp < period2."""
    prices = series.yahoo_prices()
    stamps = np.array([series.timestamp(d) for d in prices.index], dtype=np.int64)
    keep = np.ones(len(stamps), dtype=bool)
    if period1 is not None:
        keep &= stamps >= period1
    if period2 is not None:
        keep &= stamps < period2
    chosen = prices.loc[keep]
    last_day = series.traded.index.max()
    result: dict[str, Any] = {"meta": _meta(series, last_day)}
    if chosen.empty:
        # Yahoo's shape for a range without bars: meta, no timestamps, empty indicator objects.
        result["indicators"] = {"quote": [{}], "adjclose": [{}]}
    else:
        result["timestamp"] = [int(s) for s in stamps[keep]]
        result["indicators"] = {
            "quote": [
                {
                    "open": [float(v) for v in chosen["open"]],
                    "high": [float(v) for v in chosen["high"]],
                    "low": [float(v) for v in chosen["low"]],
                    "close": [float(v) for v in chosen["close"]],
                    "volume": [int(v) for v in chosen["volume"]],
                }
            ],
            "adjclose": [{"adjclose": [float(v) for v in chosen["adjclose"]]}],
        }
        lo, hi = int(stamps[keep].min()), int(stamps[keep].max())
        events: dict[str, Any] = {}
        divs = {
            str(series.timestamp(d)): {"amount": a, "date": series.timestamp(d)}
            for d, a in series.dividends.items()
            if lo <= series.timestamp(d) <= hi
        }
        spl = {
            str(series.timestamp(d)): {
                "date": series.timestamp(d),
                "numerator": float(n),
                "denominator": float(k),
                "splitRatio": f"{n}:{k}",
            }
            for d, (n, k) in series.splits.items()
            if lo <= series.timestamp(d) <= hi
        }
        if divs:
            events["dividends"] = divs
        if spl:
            events["splits"] = spl
        if events:
            result["events"] = events
    return {"chart": {"result": [result], "error": None}}


def not_found_json(symbol: str) -> dict[str, Any]:
    return {
        "chart": {
            "result": None,
            "error": {"code": "Not Found", "description": f"No data found, symbol may be delisted ({symbol})"},
        }
    }


class FakeResponse:
    def __init__(self, url: str, payload: dict[str, Any], status_code: int = 200):
        self.url = url
        self.status_code = status_code
        self._payload = payload
        self.text = json.dumps(payload)

    def json(self) -> dict[str, Any]:
        return copy.deepcopy(self._payload)


@dataclass
class Call:
    symbol: str
    params: dict[str, Any]
    cached: bool

    @property
    def is_history(self) -> bool:
        """A price request (start/end), not the time-zone probe yfinance makes first."""
        return "period1" in self.params


class FakeYahoo:
    """Stands in for Yahoo's chart endpoint; install with :meth:`install`."""

    def __init__(self) -> None:
        self.series: dict[str, Series] = {}
        self.calls: list[Call] = []
        self.rate_limited: dict[str, int] = {}  # symbol -> how many more requests answer 429
        self.empty: set[str] = set()

    def add(self, series: Series) -> Series:
        self.series[series.symbol] = series
        return series

    def install(self, monkeypatch: pytest.MonkeyPatch) -> FakeYahoo:
        fake = self

        def get(_self: YfData, url: str, params: dict[str, Any] | None = None, timeout: float = 30) -> Any:
            return fake.answer(url, dict(params or {}), cached=False)

        def cache_get(_self: YfData, url: str, params: dict[str, Any] | None = None, timeout: float = 30) -> Any:
            return fake.answer(url, dict(params or {}), cached=True)

        monkeypatch.setattr(YfData, "get", get)
        monkeypatch.setattr(YfData, "cache_get", cache_get)
        # The fake is a reachable Yahoo: the connection probe (a real socket) answers "reachable".
        from eventstudy.data import yahoo

        monkeypatch.setattr(yahoo, "unreachable", lambda proxy=None, **kw: "")
        return self

    def answer(self, url: str, params: dict[str, Any], *, cached: bool) -> FakeResponse:
        path = urlsplit(url).path
        if "/v8/finance/chart/" not in path:
            raise AssertionError(f"unexpected Yahoo request {url} {params}")
        symbol = path.rsplit("/", 1)[-1]
        self.calls.append(Call(symbol, params, cached))
        if self.rate_limited.get(symbol, 0) > 0:
            self.rate_limited[symbol] -= 1
            # What YfData._make_request raises on HTTP 429.
            raise YFRateLimitError()
        series = self.series.get(symbol)
        if series is None:
            return FakeResponse(url, not_found_json(symbol), status_code=404)
        if "period1" not in params:
            # The time-zone probe (range=1d): the latest bar only.
            last = series.traded.index.max()
            return FakeResponse(url, chart_json(series, series.timestamp(last), None))
        if symbol in self.empty:
            return FakeResponse(url, chart_json(series, 0, 1))
        return FakeResponse(url, chart_json(series, params.get("period1"), params.get("period2")))

    # -- what was asked --------------------------------------------------------------------------

    def history_calls(self, symbol: str | None = None) -> list[Call]:
        return [c for c in self.calls if c.is_history and (symbol is None or c.symbol == symbol.upper())]

    def requested_dates(self, call: Call) -> tuple[pd.Timestamp, pd.Timestamp]:
        """(first date, exclusive end date) of a history request, in the exchange's time zone."""
        tz = self.series[call.symbol].market.timezone

        def local(stamp: int) -> pd.Timestamp:
            return pd.Timestamp(stamp, unit="s", tz="UTC").tz_convert(tz).tz_localize(None).normalize()

        return local(call.params["period1"]), local(call.params["period2"])
