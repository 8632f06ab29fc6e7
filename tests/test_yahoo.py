"""yahoo.fetch_history through yfinance's real parser, fed canned chart JSON (tests/yahoo_fakes.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yfinance as yf

from eventstudy.data import calendars, yahoo
from eventstudy.errors import FetchError

# The fakes patch yfinance's private HTTP layer (YfData.get/cache_get) and mimic the chart JSON
# yfinance 1.6-1.7 parses; other versions may request or parse differently.
_YF = tuple(int(p) for p in yf.__version__.split(".")[:2])
if not (1, 6) <= _YF < (1, 8):
    pytest.skip(f"yahoo fakes are pinned to yfinance 1.6-1.7, found {yf.__version__}", allow_module_level=True)

from yahoo_fakes import FakeYahoo, make_series  # noqa: E402

# Friday 14 March 2025, 22:00 UTC: every exchange here has closed that day's session.
NOW = pd.Timestamp("2025-03-14 22:00", tz="UTC")
START, END = "2025-01-02", "2025-03-14"


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch, home: Path) -> FakeYahoo:
    yahoo.configure(home)
    return FakeYahoo().install(monkeypatch)


def sessions(exchange: str, start: str = START, end: str = END) -> pd.DatetimeIndex:
    return calendars.sessions(exchange, start, end)


def no_sleep(_: float) -> None:
    pass


@pytest.mark.parametrize(
    "symbol, exchange",
    [("0700.HK", "HKEX"), ("600519.SS", "SSE"), ("000001.SZ", "SZSE"), ("AAPL", "NASDAQ")],
)
def test_fetch_each_market_lands_on_local_session_dates(
    fake: FakeYahoo, home: Path, symbol: str, exchange: str
) -> None:
    series = fake.add(make_series(symbol, exchange, sessions(exchange), seed=len(symbol)))
    frame, meta = yahoo.fetch_history(symbol, exchange, START, END, now=NOW, home=home)

    assert list(frame.columns) == [
        "open",
        "high",
        "low",
        "close",
        "adj_close",
        "volume",
        "dividends",
        "splits",
        "final",
    ]
    assert pd.DatetimeIndex(frame.index).tz is None and frame.index.name == "date"
    assert list(frame.index) == list(series.traded.index)
    assert frame.index.dtype == "datetime64[ns]"
    np.testing.assert_allclose(frame["close"], series.traded["close"])
    assert frame["final"].all()
    assert meta["source"] == "yahoo" and meta["exchange"] == exchange
    assert meta["yfinance_version"] == yf.__version__
    assert meta["adjusted"] == "raw"
    assert meta["timezone"] == yahoo.EXCHANGE_TZ[exchange]
    assert pd.Timestamp(meta["fetched_at"]) == NOW


def test_split_and_dividend_and_missing_day(fake: FakeYahoo, home: Path) -> None:
    days = sessions("HKEX")
    series = fake.add(
        make_series(
            "0700.HK",
            "HKEX",
            days,
            dividends={"2025-02-10": 1.5},
            splits={"2025-03-03": (2, 1)},
            skip=["2025-02-20"],
        )
    )
    frame, _ = yahoo.fetch_history("0700.HK", "HKEX", START, END, now=NOW, home=home)

    assert pd.Timestamp("2025-02-20") not in frame.index
    assert len(frame) == len(days) - 1
    assert frame.loc["2025-02-10", "dividends"] == 1.5
    assert frame.loc["2025-03-03", "splits"] == 2.0
    assert (frame["dividends"] != 0).sum() == 1 and (frame["splits"] != 0).sum() == 1
    # Yahoo's close is split-adjusted but not dividend-adjusted: halved before the split.
    expected = series.yahoo_prices()
    np.testing.assert_allclose(frame["close"], expected["close"])
    np.testing.assert_allclose(frame["adj_close"], expected["adjclose"])
    before_div = frame.loc[:"2025-02-07"]
    assert (before_div["adj_close"] < before_div["close"]).all()
    after_div = frame.loc["2025-02-10":]
    np.testing.assert_allclose(after_div["adj_close"], after_div["close"])


def test_requested_range_is_start_to_end_inclusive(fake: FakeYahoo, home: Path) -> None:
    fake.add(make_series("AAPL", "NASDAQ", sessions("NASDAQ")))
    frame, _ = yahoo.fetch_history("AAPL", "NASDAQ", "2025-03-03", "2025-03-07", now=NOW, home=home)
    (call,) = fake.history_calls("AAPL")
    assert fake.requested_dates(call) == (pd.Timestamp("2025-03-03"), pd.Timestamp("2025-03-08"))
    assert list(frame.index) == list(pd.bdate_range("2025-03-03", "2025-03-07"))


def test_bar_of_an_open_session_is_not_final(fake: FakeYahoo, home: Path) -> None:
    fake.add(make_series("AAPL", "NASDAQ", sessions("NASDAQ")))
    during = pd.Timestamp("2025-03-14 15:00", tz="UTC")  # 11:00 in New York
    frame, _ = yahoo.fetch_history("AAPL", "NASDAQ", "2025-03-10", "2025-03-14", now=during, home=home)
    assert frame["final"].tolist() == [True, True, True, True, False]


def test_empty_answer_is_a_fetch_error_with_reason(fake: FakeYahoo, home: Path) -> None:
    fake.add(make_series("600519.SS", "SSE", sessions("SSE")))
    fake.empty.add("600519.SS")
    with pytest.raises(FetchError) as err:
        yahoo.fetch_history("600519.SS", "SSE", START, END, now=NOW, home=home)
    assert err.value.symbol == "600519.SS"
    assert "no prices" in err.value.reason or "no bars" in err.value.reason


def test_unknown_symbol_is_a_fetch_error(fake: FakeYahoo, home: Path) -> None:
    with pytest.raises(FetchError) as err:
        yahoo.fetch_history("NOPE.HK", "HKEX", START, END, now=NOW, home=home, sleep=no_sleep)
    assert err.value.symbol == "NOPE.HK" and err.value.reason


def test_rate_limit_is_retried_with_backoff(fake: FakeYahoo, home: Path) -> None:
    fake.add(make_series("0700.HK", "HKEX", sessions("HKEX")))
    fake.rate_limited["0700.HK"] = 2
    waits: list[float] = []
    frame, _ = yahoo.fetch_history("0700.HK", "HKEX", START, END, now=NOW, home=home, sleep=waits.append)
    assert len(frame) == len(sessions("HKEX"))
    assert len(waits) == 2 and all(w > 0 for w in waits)


def test_persistent_rate_limit_gives_up_with_reason(fake: FakeYahoo, home: Path) -> None:
    fake.add(make_series("0700.HK", "HKEX", sessions("HKEX")))
    fake.rate_limited["0700.HK"] = 99
    waits: list[float] = []
    with pytest.raises(FetchError) as err:
        yahoo.fetch_history("0700.HK", "HKEX", START, END, now=NOW, home=home, sleep=waits.append, attempts=3)
    assert "rate limited" in err.value.reason and "429" in err.value.reason
    assert len(fake.calls) == 3 and len(waits) == 2


def test_transient_network_error_is_retried(fake: FakeYahoo, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake.add(make_series("AAPL", "NASDAQ", sessions("NASDAQ")))
    real = fake.answer
    failures = {"left": 1}

    def flaky(url, params, *, cached):
        if failures["left"]:
            failures["left"] -= 1
            raise ConnectionError("connection reset by peer")
        return real(url, params, cached=cached)

    monkeypatch.setattr(fake, "answer", flaky)
    frame, _ = yahoo.fetch_history("AAPL", "NASDAQ", START, END, now=NOW, home=home, sleep=no_sleep)
    assert not frame.empty


def test_time_zone_mismatch_is_a_fetch_error(fake: FakeYahoo, home: Path) -> None:
    # A Hong Kong listing fetched as if it traded in New York.
    fake.add(make_series("0700.HK", "HKEX", sessions("HKEX")))
    with pytest.raises(FetchError, match="Asia/Hong_Kong"):
        yahoo.fetch_history("0700.HK", "NYSE", START, END, now=NOW, home=home)


def test_unknown_exchange_is_a_fetch_error(fake: FakeYahoo, home: Path) -> None:
    with pytest.raises(FetchError, match="unknown exchange"):
        yahoo.fetch_history("0700.HK", "LSE", START, END, now=NOW, home=home)
    assert fake.calls == []


def test_caches_live_in_the_data_dir(fake: FakeYahoo, home: Path) -> None:
    fake.add(make_series("0700.HK", "HKEX", sessions("HKEX")))
    yahoo.fetch_history("0700.HK", "HKEX", START, END, now=NOW, home=home)
    assert (home / "yfinance-cache" / "tkr-tz.db").exists()
    assert yf.cache._TzDBManager.get_location() == str(home / "yfinance-cache")
    # The time zone is now cached, so a second fetch goes straight to the prices.
    fake.calls.clear()
    yahoo.fetch_history("0700.HK", "HKEX", START, END, now=NOW, home=home)
    assert [c.is_history for c in fake.calls] == [True]


def test_proxy_and_exceptions_configured(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yahoo, "_configured", {})
    try:
        yahoo.configure(home, proxy="http://proxy.example:3128")
        assert yf.config.network.proxy == "http://proxy.example:3128"
        assert yf.config.debug.hide_exceptions is False
    finally:
        yahoo.configure(home, proxy=None)
    assert yf.config.network.proxy is None
