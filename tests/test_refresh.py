"""refresh() end to end: fake Yahoo chart JSON -> yfinance's parser -> yahoo.py -> the store."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yfinance as yf

from eventstudy.data import calendars, yahoo
from eventstudy.data import refresh as refresh_mod
from eventstudy.data.refresh import OVERLAP_BARS, refresh
from eventstudy.data.store import PriceStore

# The fakes patch yfinance's private HTTP layer; they mimic what yfinance 1.6-1.7 requests and parses.
_YF = tuple(int(p) for p in yf.__version__.split(".")[:2])
if not (1, 6) <= _YF < (1, 8):
    pytest.skip(f"yahoo fakes are pinned to yfinance 1.6-1.7, found {yf.__version__}", allow_module_level=True)

from yahoo_fakes import FakeYahoo, make_series  # noqa: E402

FULL_START = "2025-01-01"
# Fridays after every exchange's close (22:00 UTC); one week apart.
NOW1 = pd.Timestamp("2025-03-14 22:00", tz="UTC")
NOW2 = pd.Timestamp("2025-03-21 22:00", tz="UTC")
DATA_END = "2025-03-21"

SECURITIES = [
    ("0700.HK", "HKEX"),
    ("600519.SS", "SSE"),
    ("000001.SZ", "SZSE"),
    ("AAPL", "NASDAQ"),
    ("IBM", "NYSE"),
]


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch, home: Path) -> FakeYahoo:
    yahoo.configure(home)
    fake = FakeYahoo().install(monkeypatch)
    for i, (symbol, exchange) in enumerate(SECURITIES):
        fake.add(make_series(symbol, exchange, calendars.sessions(exchange, FULL_START, DATA_END), seed=i))
    return fake


@pytest.fixture
def store(home: Path) -> PriceStore:
    return PriceStore(home)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def run(store: PriceStore, now: pd.Timestamp, sleeps: Sleeps, securities=SECURITIES, **kw):
    return refresh(store, securities, now=now, full_history_start=FULL_START, progress=False, sleep=sleeps, **kw)


def closed_sessions(exchange: str, now: pd.Timestamp) -> pd.DatetimeIndex:
    days = calendars.sessions(exchange, FULL_START, now.tz_convert("UTC").tz_localize(None).normalize())
    return days[[calendars.is_final(exchange, d, now) for d in days]]


def test_first_refresh_stores_full_history(fake: FakeYahoo, store: PriceStore, sleeps: Sleeps) -> None:
    report = run(store, NOW1, sleeps)
    assert report.ok, report.summary()
    assert [r.status for r in report.results] == ["ok"] * 5
    assert store.symbols() == sorted(s for s, _ in SECURITIES)
    for symbol, exchange in SECURITIES:
        frame = store.read(symbol)
        expected = closed_sessions(exchange, NOW1)
        assert list(frame.index) == list(expected)
        assert frame["final"].all()
        assert report[symbol].rows_added == len(expected) and report[symbol].full_history
        meta = store.meta(symbol)
        assert meta["source"] == "yahoo" and meta["exchange"] == exchange
        assert isinstance(meta["issues"], list)
    # Throttled between the five requests, never before the first.
    assert sleeps == [1.0] * 4


def test_second_refresh_right_after_makes_zero_requests(fake: FakeYahoo, store: PriceStore, sleeps: Sleeps) -> None:
    run(store, NOW1, sleeps)
    stored = {s: store.path(s).read_bytes() for s, _ in SECURITIES}
    fake.calls.clear()
    sleeps.clear()

    report = run(store, NOW1 + pd.Timedelta(minutes=5), sleeps)

    assert fake.calls == []
    assert sleeps == []
    assert [r.status for r in report.results] == ["up-to-date"] * 5
    assert {s: store.path(s).read_bytes() for s, _ in SECURITIES} == stored


def test_no_request_while_the_next_session_is_still_open(fake: FakeYahoo, store: PriceStore, sleeps: Sleeps) -> None:
    run(store, NOW1, sleeps, securities=[("0700.HK", "HKEX")])
    fake.calls.clear()
    # Monday 17 March, 03:00 UTC = 11:00 in Hong Kong: that session has not closed.
    report = run(store, pd.Timestamp("2025-03-17 03:00", tz="UTC"), sleeps, securities=[("0700.HK", "HKEX")])
    assert report["0700.HK"].status == "up-to-date"
    assert fake.calls == []


def test_incremental_fetch_asks_only_for_the_missing_range(fake: FakeYahoo, store: PriceStore, sleeps: Sleeps) -> None:
    run(store, NOW1, sleeps)
    first = {s: store.read(s) for s, _ in SECURITIES}
    fake.calls.clear()

    report = run(store, NOW2, sleeps)

    assert report.ok, report.summary()
    for symbol, exchange in SECURITIES:
        (call,) = fake.history_calls(symbol)  # the tz is cached: one request per security
        start, end_excl = fake.requested_dates(call)
        stored_before = pd.DatetimeIndex(first[symbol].index)
        new = closed_sessions(exchange, NOW2).difference(stored_before)
        assert len(new) > 0
        # Missing sessions plus a short overlap of stored final bars, nothing older.
        assert start == stored_before[-OVERLAP_BARS]
        assert end_excl == new[-1] + pd.Timedelta(days=1)
        assert report[symbol].rows_added == len(new)
        assert not report[symbol].full_history
        frame = store.read(symbol)
        assert list(frame.index) == list(closed_sessions(exchange, NOW2))
        pd.testing.assert_frame_equal(frame.loc[stored_before], first[symbol])


def test_new_split_triggers_full_refetch(fake: FakeYahoo, store: PriceStore, sleeps: Sleeps) -> None:
    days = calendars.sessions("HKEX", FULL_START, DATA_END)
    secs = [("0700.HK", "HKEX")]
    fake.add(make_series("0700.HK", "HKEX", days))
    run(store, NOW1, sleeps, securities=secs)
    before = store.read("0700.HK")

    # Yahoo learns of a 2:1 split effective Tuesday 18 March, after our last stored bar.
    fake.add(make_series("0700.HK", "HKEX", days, splits={"2025-03-18": (2, 1)}))
    fake.calls.clear()
    report = run(store, NOW2, sleeps, securities=secs)

    result = report["0700.HK"]
    assert result.status == "ok" and result.full_history
    assert "split" in result.reason
    calls = fake.history_calls("0700.HK")
    assert len(calls) == 2
    assert fake.requested_dates(calls[0])[0] == before.index[-OVERLAP_BARS]
    assert fake.requested_dates(calls[1])[0] == pd.Timestamp(FULL_START)
    after = store.read("0700.HK")
    assert after.loc["2025-03-18", "splits"] == 2.0
    # History before the split is restated at half the price, in close and adj_close alike.
    np.testing.assert_allclose(after.loc[before.index, "close"], before["close"] / 2)
    np.testing.assert_allclose(after.loc[before.index, "adj_close"], before["adj_close"] / 2)
    assert result.rows_added == len(after) - len(before)


def test_new_dividend_triggers_full_refetch(fake: FakeYahoo, store: PriceStore, sleeps: Sleeps) -> None:
    days = calendars.sessions("NASDAQ", FULL_START, DATA_END)
    secs = [("AAPL", "NASDAQ")]
    fake.add(make_series("AAPL", "NASDAQ", days))
    run(store, NOW1, sleeps, securities=secs)
    before = store.read("AAPL")

    fake.add(make_series("AAPL", "NASDAQ", days, dividends={"2025-03-19": 0.25}))
    fake.calls.clear()
    report = run(store, NOW2, sleeps, securities=secs)

    assert report["AAPL"].full_history and "dividend" in report["AAPL"].reason
    after = store.read("AAPL")
    assert after.loc["2025-03-19", "dividends"] == 0.25
    np.testing.assert_allclose(after.loc[before.index, "close"], before["close"])
    assert (after.loc[before.index, "adj_close"] < before["adj_close"]).all()


def test_rate_limit_on_one_of_five_keeps_the_other_four(fake: FakeYahoo, store: PriceStore, sleeps: Sleeps) -> None:
    fake.rate_limited["600519.SS"] = 10**6
    report = run(store, NOW1, sleeps)

    assert [r.symbol for r in report.failed] == ["600519.SS"]
    failed = report["600519.SS"]
    assert "rate limited" in failed.reason and "429" in failed.reason
    assert "600519.SS" in report.summary() and "rate limited" in report.summary()
    assert store.symbols() == sorted(s for s, _ in SECURITIES if s != "600519.SS")
    for symbol, exchange in SECURITIES:
        if symbol != "600519.SS":
            assert list(store.read(symbol).index) == list(closed_sessions(exchange, NOW1))
    # Backoff went through the injected sleep: yahoo.DEFAULT_ATTEMPTS - 1 waits, besides the throttle.
    assert len([s for s in sleeps if s != 1.0]) >= yahoo.DEFAULT_ATTEMPTS - 1
    frame = report.to_frame()
    assert frame.set_index("symbol").loc["600519.SS", "status"] == "failed"


def test_empty_answer_is_reported_not_stored(fake: FakeYahoo, store: PriceStore, sleeps: Sleeps) -> None:
    fake.empty.add("000001.SZ")
    report = run(store, NOW1, sleeps)
    assert [r.symbol for r in report.failed] == ["000001.SZ"]
    assert report["000001.SZ"].reason
    assert not store.has("000001.SZ")
    assert len(store.symbols()) == 4


def test_failure_on_incremental_keeps_stored_data(fake: FakeYahoo, store: PriceStore, sleeps: Sleeps) -> None:
    run(store, NOW1, sleeps)
    before = store.path("IBM").read_bytes()
    fake.rate_limited["IBM"] = 10**6
    report = run(store, NOW2, sleeps)
    assert [r.symbol for r in report.failed] == ["IBM"]
    assert store.path("IBM").read_bytes() == before
    assert sum(r.status == "ok" for r in report.results) == 4


def test_quality_issues_are_stored_in_meta(fake: FakeYahoo, store: PriceStore, sleeps: Sleeps) -> None:
    days = calendars.sessions("HKEX", FULL_START, DATA_END)
    fake.add(make_series("0700.HK", "HKEX", days, skip=["2025-02-20"]))
    run(store, NOW1, sleeps, securities=[("0700.HK", "HKEX")])
    issues = store.meta("0700.HK")["issues"]
    missing = [i for i in issues if i["kind"] == "missing_session"]
    assert missing and "2025-02-20" in str(missing)
    assert store.status().set_index("symbol").loc["0700.HK", "issues"] != ""


def test_imported_prices_are_not_mixed_with_yahoo(fake: FakeYahoo, store: PriceStore, sleeps: Sleeps) -> None:
    run(store, NOW1, sleeps, securities=[("AAPL", "NASDAQ")])
    frame = store.read("AAPL")
    store.write("AAPL", frame, {"source": "/data/aapl.csv", "adjusted": "auto", "exchange": "NASDAQ"})
    fake.calls.clear()
    report = run(store, NOW2, sleeps, securities=[("AAPL", "NASDAQ")])
    assert report["AAPL"].status == "failed" and "/data/aapl.csv" in report["AAPL"].reason
    assert fake.calls == []


def test_progress_bar_is_off_without_a_tty(fake: FakeYahoo, store: PriceStore, sleeps: Sleeps, capsys) -> None:
    refresh(store, SECURITIES[:1], now=NOW1, full_history_start=FULL_START, progress=True, sleep=sleeps)
    assert capsys.readouterr().err == ""


def test_batches_pause_longer(fake: FakeYahoo, store: PriceStore, sleeps: Sleeps) -> None:
    run(store, NOW1, sleeps, batch_size=2, throttle=0.5, batch_pause=7.0)
    assert sleeps == [0.5, 7.0, 0.5, 7.0]


def test_custom_fetcher_and_unexpected_errors_are_contained(store: PriceStore, sleeps: Sleeps) -> None:
    def broken(symbol, exchange, start, end, *, now):
        raise RuntimeError("boom")

    report = run(store, NOW1, sleeps, securities=SECURITIES[:2], fetch=broken)
    assert [r.status for r in report.results] == ["failed", "failed"]
    assert report.results[0].reason == "RuntimeError: boom"


def test_last_closed_session() -> None:
    assert refresh_mod.last_closed_session("HKEX", NOW1) == pd.Timestamp("2025-03-14")
    # Saturday: Friday's session is the last closed one.
    assert refresh_mod.last_closed_session("NYSE", pd.Timestamp("2025-03-15 12:00", tz="UTC")) == pd.Timestamp(
        "2025-03-14"
    )
    # Friday 15:00 UTC: New York is still trading, so Thursday is the last closed session.
    assert refresh_mod.last_closed_session("NYSE", pd.Timestamp("2025-03-14 15:00", tz="UTC")) == pd.Timestamp(
        "2025-03-13"
    )


def test_unreachable_yahoo_is_reported_without_trying_every_security(store: PriceStore, sleeps: Sleeps) -> None:
    from eventstudy.errors import FetchError

    tried: list[str] = []

    def offline(symbol: str, *args, **kwargs):  # type: ignore[no-untyped-def]
        tried.append(symbol)
        raise FetchError(symbol, "network error after 4 attempts: DNSError", kind="network")

    report = run(store, NOW1, sleeps, fetch=offline)
    assert tried == [s for s, _ in SECURITIES[:2]]
    assert [r.status for r in report.results] == ["failed"] * len(SECURITIES)
    assert all("Yahoo unreachable" in r.reason for r in report.results[2:])
    assert store.symbols() == []


def test_a_rate_limit_is_not_taken_for_an_unreachable_network(store: PriceStore, sleeps: Sleeps) -> None:
    from eventstudy.errors import FetchError

    tried: list[str] = []

    def limited(symbol: str, *args, **kwargs):  # type: ignore[no-untyped-def]
        tried.append(symbol)
        raise FetchError(symbol, "rate limited", kind="rate_limit")

    run(store, NOW1, sleeps, fetch=limited)
    assert tried == [s for s, _ in SECURITIES]
