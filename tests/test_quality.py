from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from eventstudy.data import calendars
from eventstudy.data.quality import KINDS, QualityIssue, benchmark_gaps, check, prev_close_breaks, summarize, worst

COLUMNS = ["open", "high", "low", "close", "adj_close", "volume", "dividends", "splits", "final"]


def bars(dates: list[str] | pd.DatetimeIndex, closes: list[float] | np.ndarray | None = None) -> pd.DataFrame:
    """A bar frame with the given dates and closes (open/high/low around the close)."""
    index = pd.DatetimeIndex(pd.to_datetime(list(dates)), name="date")
    n = len(index)
    c = np.asarray(closes if closes is not None else 100 + np.arange(n) * 0.37, dtype=float)
    return pd.DataFrame(
        {
            "open": c,
            "high": c * 1.01,
            "low": c * 0.99,
            "close": c,
            "adj_close": c,
            "volume": np.full(n, 1000.0),
            "dividends": np.full(n, np.nan),
            "splits": np.full(n, np.nan),
            "final": np.ones(n, dtype=bool),
        },
        index=index,
    )[COLUMNS]


def kinds(issues: list[QualityIssue]) -> list[str]:
    return [i.kind for i in issues]


JAN = ["2026-01-12", "2026-01-13", "2026-01-14", "2026-01-15", "2026-01-16"]


def test_clean_frame_has_no_issues() -> None:
    assert check(bars(JAN), "HKEX") == []
    assert check(bars(JAN), None) == []
    assert check(bars([]), "HKEX") == []


def test_missing_session_listed_by_date() -> None:
    issues = check(bars(["2026-01-12", "2026-01-13", "2026-01-16"]), "HKEX")
    assert kinds(issues) == ["missing_session", "missing_session"]
    assert [i.date for i in issues] == [pd.Timestamp("2026-01-14"), pd.Timestamp("2026-01-15")]
    assert all(i.severity == "warning" for i in issues)


def test_long_gap_is_one_range_issue() -> None:
    issues = check(bars(["2026-01-02", "2026-02-27"]), "HKEX")
    assert kinds(issues) == ["missing_session"]
    assert issues[0].date == pd.Timestamp("2026-01-05")
    assert "2026-01-05..2026-02-26" in issues[0].detail


def test_holiday_row() -> None:
    # 2026-01-19 is Martin Luther King Day: NYSE closed, HKEX open.
    dates = ["2026-01-15", "2026-01-16", "2026-01-19", "2026-01-20"]
    assert kinds(check(bars(dates), "NYSE")) == ["holiday_row"]
    assert check(bars(dates), "HKEX") == []
    weekend = check(bars(["2026-01-16", "2026-01-17", "2026-01-19"]), "HKEX")
    assert kinds(weekend) == ["holiday_row"]
    assert weekend[0].date == pd.Timestamp("2026-01-17")


def test_calendar_checks_skipped_without_exchange() -> None:
    assert check(bars(["2026-01-16", "2026-01-17", "2026-01-30"]), None) == []


def test_bars_outside_the_calendar_are_reported_not_checked() -> None:
    issues = check(bars(["2026-12-30", "2026-12-31", "2027-01-04"]), "SSE")
    assert [(i.kind, i.severity) for i in issues] == [("holiday_row", "info")]
    assert "outside" in issues[0].detail


def test_duplicate_dates() -> None:
    frame = bars(["2026-01-12", "2026-01-13", "2026-01-13", "2026-01-14"])
    issues = check(frame, "HKEX")
    assert kinds(issues) == ["duplicate_date"]
    assert issues[0].severity == "error"
    assert issues[0].date == pd.Timestamp("2026-01-13")


def test_nonpositive_price() -> None:
    frame = bars(JAN)
    frame.loc["2026-01-14", "low"] = 0.0
    frame.loc["2026-01-15", ["close", "adj_close"]] = -1.0
    issues = [i for i in check(frame, "HKEX") if i.kind == "nonpositive_price"]
    assert [i.date for i in issues] == [pd.Timestamp("2026-01-14"), pd.Timestamp("2026-01-15")]
    assert issues[0].detail.startswith("low")
    assert all(i.severity == "error" for i in issues)


def test_stale_close() -> None:
    dates = calendars.sessions("HKEX", "2026-01-05", "2026-01-20")
    closes = [10, 11, 12, 12, 12, 12, 12, 13, 14, 14, 14, 14]
    issues = check(bars(dates, closes), "HKEX")
    assert kinds(issues) == ["stale_close"]
    assert issues[0].date == dates[2]
    assert "5 bars" in issues[0].detail
    # Four repeats are not yet stale.
    assert check(bars(dates[:6], [10, 12, 12, 12, 12, 13]), "HKEX") == []


@pytest.mark.parametrize(("factor", "label"), [(0.5, "2:1 split"), (1 / 3, "3:1 split"), (10.0, "reverse")])
def test_suspect_split(factor: float, label: str) -> None:
    closes = np.array([50.0, 51.0, 52.0, 52.0 * factor * 1.01, 52.0 * factor * 1.02])
    issues = check(bars(JAN, closes), "HKEX")
    assert kinds(issues) == ["suspect_split"]
    assert issues[0].date == pd.Timestamp("2026-01-15")
    assert label in issues[0].detail


def test_split_recorded_by_the_source_is_mentioned() -> None:
    frame = bars(JAN, [50.0, 51.0, 52.0, 26.0, 26.5])
    frame["splits"] = [0.0, 0.0, 0.0, 2.0, 0.0]
    issues = check(frame, "HKEX")
    assert "records a split of 2" in issues[0].detail


def test_big_moves_that_are_not_split_ratios_pass() -> None:
    # A +30% day and a -45% day that is far from 1:2 are real moves, not splits.
    assert check(bars(JAN, [100.0, 130.0, 131.0, 72.0, 73.0]), "HKEX") == []


def test_adjusted_series_is_what_is_checked() -> None:
    frame = bars(JAN, [50.0, 51.0, 52.0, 26.0, 26.5])
    frame["adj_close"] = [25.0, 25.5, 26.0, 26.0, 26.5]  # adjusted: no jump in returns
    assert check(frame, "HKEX") == []


@pytest.mark.parametrize("factor", [100.0, 0.01])
def test_unit_jump(factor: float) -> None:
    closes = [5.0, 5.1, 5.2 * factor, 5.3 * factor, 5.2 * factor]
    issues = check(bars(JAN, closes), "HKEX")
    assert kinds(issues) == ["unit_jump"]
    assert issues[0].severity == "error"
    assert issues[0].date == pd.Timestamp("2026-01-14")


def test_not_final() -> None:
    frame = bars(JAN)
    frame.loc["2026-01-16", "final"] = False
    issues = check(frame, "HKEX")
    assert [(i.kind, i.severity) for i in issues] == [("not_final", "info")]
    frame.loc["2026-01-13", "final"] = False
    assert [(i.kind, i.severity) for i in check(frame, "HKEX")] == [
        ("not_final", "warning"),
        ("not_final", "info"),
    ]


def test_summarize() -> None:
    assert summarize([]) == "no issues"
    issues = [
        QualityIssue("stale_close", None, "x", "warning"),
        QualityIssue("duplicate_date", pd.Timestamp("2026-01-02"), "x", "error"),
        QualityIssue("duplicate_date", pd.Timestamp("2026-01-05"), "x", "warning"),
    ]
    assert summarize(issues) == "duplicate_date: 2 (1 error, 1 warning)\nstale_close: 1 (1 warning)"
    assert worst(issues) == "error"
    assert worst([]) is None


def test_issue_is_frozen_and_printable() -> None:
    issue = QualityIssue("holiday_row", pd.Timestamp("2026-01-17"), "bar on a closed day", "warning")
    assert str(issue) == "warning: holiday_row: 2026-01-17 bar on a closed day"
    with pytest.raises(AttributeError):
        issue.kind = "x"  # type: ignore[misc]
    assert set(KINDS) >= {"duplicate_date", "holiday_row", "missing_session", "not_final"}


def test_fast_on_long_files() -> None:
    dates = calendars.sessions("SSE", "1991-04-03", "2026-07-31")
    rng = np.random.default_rng(0)
    closes = 1000 * np.exp(np.cumsum(rng.normal(0, 0.01, len(dates))))
    frame = bars(dates, closes).drop(dates[100:110])
    check(frame, "SSE")  # warm the calendar cache
    start = time.perf_counter()
    issues = check(frame, "SSE")
    assert time.perf_counter() - start < 0.5
    assert kinds(issues) == ["missing_session"]


# --- placeholder bars, intraday snapshots, benchmark gaps ----------------------------------------


def _flat(frame: pd.DataFrame, day: str, price: float) -> pd.DataFrame:
    frame = frame.copy()
    frame.loc[pd.Timestamp(day), ["open", "high", "low", "close", "adj_close", "volume"]] = [price] * 5 + [0.0]
    return frame


@pytest.mark.parametrize("day", ["2025-12-24", "2025-12-31", "2026-02-16"])
def test_placeholder_bar_on_a_half_day(day: str) -> None:
    week = pd.Timedelta(days=7)
    dates = calendars.sessions("HKEX", pd.Timestamp(day) - week, pd.Timestamp(day) + week)
    frame = _flat(bars(dates), day, 502.5)
    found = [i for i in check(frame, "HKEX") if i.kind == "placeholder_bar"]
    assert [i.date for i in found] == [pd.Timestamp(day)]
    assert "502.5" in found[0].detail and "half-day" in found[0].detail


def test_flat_zero_volume_bar_on_a_full_day_is_not_a_placeholder() -> None:
    frame = _flat(bars(JAN), "2026-01-14", 100.0)
    assert "placeholder_bar" not in kinds(check(frame, "HKEX"))
    traded = _flat(bars(["2025-12-23", "2025-12-24", "2025-12-29"]), "2025-12-24", 100.0)
    traded.loc["2025-12-24", "volume"] = 5.0  # a real half-day bar with trades
    assert "placeholder_bar" not in kinds(check(traded, "HKEX"))


def test_previous_close_breaks() -> None:
    close = pd.Series([100.0, 101.0, 102.0, 103.0], index=pd.to_datetime(JAN[:4]))
    prev = pd.Series([99.0, 100.0, 101.4, 102.0], index=close.index)  # day 3 says day 2 closed 101.4
    found = prev_close_breaks(close, prev, 0.0005)
    assert [(i.kind, i.date) for i in found] == [("intraday_snapshot", pd.Timestamp(JAN[1]))]
    assert prev_close_breaks(close, prev, 0.01) == []  # 0.4% is inside a 1% tolerance


def test_benchmark_gap_on_mainland_holidays() -> None:
    hk = calendars.sessions("HKEX", pd.Timestamp("2026-02-02"), pd.Timestamp("2026-02-27"))
    # Stock Connect is closed while the mainland celebrates: the file lacks those HK sessions.
    frame = bars(hk[~hk.isin(pd.to_datetime(["2026-02-16", "2026-02-20", "2026-02-23"]))])
    found = benchmark_gaps(frame, "HKEX")
    assert len(found) == 1 and found[0].kind == "benchmark_gap"
    assert "3 HKEX sessions" in found[0].detail and "2026-02-16" in found[0].detail
    assert "SSE holidays (Stock Connect closed)" in found[0].detail
    assert benchmark_gaps(bars(hk), "HKEX") == []
