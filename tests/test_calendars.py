from __future__ import annotations

import datetime as dt
import warnings

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eventstudy.data import calendars
from eventstudy.errors import UserError

HKT = "Asia/Hong_Kong"
NY = "America/New_York"


def hk(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz=HKT)


@pytest.mark.parametrize(
    ("exchange", "code"),
    [
        ("HKEX", "XHKG"),
        ("SSE", "XSHG"),
        ("SZSE", "XSHG"),
        ("NYSE", "XNYS"),
        ("NASDAQ", "XNAS"),
        ("XHKG", "XHKG"),
        ("xshg", "XSHG"),
        (" hkex ", "XHKG"),
    ],
)
def test_calendar_code(exchange: str, code: str) -> None:
    assert calendars.calendar_code(exchange) == code


def test_unknown_exchange_is_a_user_error() -> None:
    with pytest.raises(UserError, match="unknown exchange 'MOON'"):
        calendars.calendar_code("MOON")
    with pytest.raises(UserError):
        calendars.sessions("MOON", "2026-01-01", "2026-01-31")


def test_calendar_is_built_once_per_code() -> None:
    assert calendars.get_calendar("HKEX") is calendars.get_calendar("XHKG")
    assert calendars.get_calendar("SZSE") is calendars.get_calendar("SSE")


def test_calendars_reach_back_to_old_data() -> None:
    assert calendars.bounds("HKEX")[0] <= pd.Timestamp("1990-01-02")
    assert calendars.bounds("NYSE")[0] <= pd.Timestamp("1990-01-02")
    # 399001.SZ starts in April 1991; the SSE calendar must cover it.
    assert len(calendars.sessions("SZSE", "1991-04-01", "1991-04-10")) > 0


def test_sessions_are_tz_naive_dates() -> None:
    s = calendars.sessions("HKEX", "2026-01-09", "2026-01-14")
    assert list(s) == [pd.Timestamp(d) for d in ("2026-01-09", "2026-01-12", "2026-01-13", "2026-01-14")]
    assert s.tz is None
    assert s.name == "date"


def test_sessions_skip_holidays() -> None:
    s = calendars.sessions("HKEX", "2026-02-13", "2026-02-23")
    assert pd.Timestamp("2026-02-17") not in s  # Lunar New Year
    assert pd.Timestamp("2026-01-19") not in calendars.sessions("NYSE", "2026-01-16", "2026-01-20")


def test_sessions_out_of_bounds_are_clipped_with_a_warning() -> None:
    with pytest.warns(calendars.CalendarRangeWarning, match="clipped"):
        s = calendars.sessions("SSE", "1980-01-01", "1991-01-10")
    assert s[0] >= calendars.bounds("SSE")[0]
    with pytest.warns(calendars.CalendarRangeWarning):
        assert len(calendars.sessions("SSE", "2100-01-01", "2100-02-01")) == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        calendars.sessions("SSE", "2026-01-05", "2026-01-09")


# --- day 0 -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("announced", "expected"),
    [
        (hk("2026-01-14 08:28"), "2026-01-14"),  # before the open
        (hk("2026-01-14 10:30"), "2026-01-14"),  # during the session
        (hk("2026-01-14 12:30"), "2026-01-14"),  # lunch break
        (hk("2026-01-14 16:00"), "2026-01-15"),  # exactly at the close: no reaction possible that day
        (hk("2026-01-14 16:30"), "2026-01-15"),  # after the close
        (hk("2026-01-17 10:00"), "2026-01-19"),  # Saturday
        (hk("2026-02-17 09:00"), "2026-02-20"),  # Lunar New Year holiday
        (hk("2025-12-24 13:00"), "2025-12-29"),  # after a half-day's noon close, over Christmas
        (pd.Timestamp("2026-01-13 17:00", tz=NY), "2026-01-14"),  # 06:00 HKT
        (pd.Timestamp("2026-01-14 05:00", tz="UTC"), "2026-01-14"),
    ],
)
def test_day_zero_hkex(announced: pd.Timestamp, expected: str) -> None:
    assert calendars.day_zero("HKEX", announced, time_known=True) == pd.Timestamp(expected)


def test_day_zero_nyse_and_sse() -> None:
    # 08:28 HKT is 19:28 the evening before in New York, after the close.
    assert calendars.day_zero("NYSE", hk("2026-01-14 08:28")) == pd.Timestamp("2026-01-14")
    assert calendars.day_zero("NYSE", hk("2026-01-14 04:00")) == pd.Timestamp("2026-01-13")
    assert calendars.day_zero("NASDAQ", pd.Timestamp("2026-01-16 16:05", tz=NY)) == pd.Timestamp("2026-01-20")
    assert calendars.day_zero("SSE", hk("2026-01-14 15:00")) == pd.Timestamp("2026-01-15")
    assert calendars.day_zero("SZSE", hk("2026-01-14 14:59")) == pd.Timestamp("2026-01-14")


@pytest.mark.parametrize(
    ("announced", "expected"),
    [
        (hk("2026-01-14 00:00"), "2026-01-14"),
        (hk("2026-01-14 20:00"), "2026-01-14"),  # normalised to its local date: "start of the day"
        (hk("2026-01-17 00:00"), "2026-01-19"),  # Saturday
        (hk("2026-01-01 00:00"), "2026-01-02"),  # New Year holiday
        # Midnight in New York is 13:00 in Hong Kong, before that day's HKEX close.
        (pd.Timestamp("2026-01-13", tz=NY), "2026-01-13"),
    ],
)
def test_day_zero_unknown_time(announced: pd.Timestamp, expected: str) -> None:
    assert calendars.day_zero("HKEX", announced, time_known=False) == pd.Timestamp(expected)


def test_day_zero_needs_a_time_zone() -> None:
    with pytest.raises(UserError, match="no time zone"):
        calendars.day_zero("HKEX", pd.Timestamp("2026-01-14 10:00"))


def test_day_zero_outside_the_calendar() -> None:
    with pytest.raises(UserError, match="before"):
        calendars.day_zero("SSE", pd.Timestamp("1980-01-02", tz=HKT))
    with pytest.raises(UserError, match="after the last"):
        calendars.day_zero("SSE", pd.Timestamp("2099-01-02", tz=HKT))


TZS = [HKT, NY, "Asia/Shanghai", "UTC", "Europe/London", "Asia/Tokyo"]


@settings(max_examples=200, deadline=None)
@given(
    exchange=st.sampled_from(["HKEX", "SSE", "NYSE"]),
    moment=st.datetimes(min_value=dt.datetime(1995, 1, 1), max_value=dt.datetime(2026, 6, 30)),
    tz=st.sampled_from(TZS),
    time_known=st.booleans(),
)
def test_day_zero_properties(exchange: str, moment: dt.datetime, tz: str, time_known: bool) -> None:
    announced = pd.Timestamp(moment).tz_localize(tz, ambiguous=True, nonexistent="shift_forward")
    d0 = calendars.day_zero(exchange, announced, time_known=time_known)
    effective = announced if time_known else announced.normalize()
    exch_tz = calendars.session_close(exchange, d0).tz
    local_date = effective.tz_convert(exch_tz).tz_localize(None).normalize()
    assert calendars.is_session(exchange, d0)
    assert d0 >= local_date  # never before the announcement's date where the exchange is
    assert d0 >= pd.Timestamp(announced.date()) - pd.Timedelta(days=1)
    assert calendars.session_close(exchange, d0) > effective
    # No session closed in between: day 0 is the first one that could react.
    previous = calendars.trading_day_offset(exchange, d0, -1)
    assert calendars.session_close(exchange, previous) <= effective


# --- closes, finality, offsets ------------------------------------------------------------------


def test_session_close() -> None:
    close = calendars.session_close("HKEX", "2026-01-14")
    assert close == hk("2026-01-14 16:00")
    assert str(close.tz) == HKT
    assert calendars.session_close("HKEX", "2025-12-24") == hk("2025-12-24 12:00")  # half day
    assert calendars.session_close("NYSE", "2026-01-14") == pd.Timestamp("2026-01-14 16:00", tz=NY)
    with pytest.raises(UserError, match="not a HKEX trading session"):
        calendars.session_close("HKEX", "2026-01-17")


def test_is_final() -> None:
    assert not calendars.is_final("HKEX", "2026-01-14", hk("2026-01-14 15:59"))
    assert calendars.is_final("HKEX", "2026-01-14", hk("2026-01-14 16:00"))
    assert calendars.is_final("HKEX", "2026-01-14", pd.Timestamp("2026-01-14 08:01", tz="UTC"))
    assert not calendars.is_final("NYSE", "2026-01-14", hk("2026-01-15 04:59"))
    assert calendars.is_final("NYSE", "2026-01-14", hk("2026-01-15 05:00"))
    assert not calendars.is_final("HKEX", "2026-01-17", hk("2026-01-17 23:00"))  # Saturday
    assert calendars.is_final("HKEX", "2026-01-17", hk("2026-01-18 00:00"))
    with pytest.raises(UserError):
        calendars.is_final("HKEX", "2026-01-14", pd.Timestamp("2026-01-15"))


def test_trading_day_offset() -> None:
    assert calendars.trading_day_offset("HKEX", "2026-01-16", 1) == pd.Timestamp("2026-01-19")
    assert calendars.trading_day_offset("HKEX", "2026-01-19", -1) == pd.Timestamp("2026-01-16")
    assert calendars.trading_day_offset("HKEX", "2026-01-17", 0) == pd.Timestamp("2026-01-19")
    assert calendars.trading_day_offset("HKEX", "2026-01-14", 0) == pd.Timestamp("2026-01-14")
    with pytest.raises(UserError, match="outside"):
        calendars.trading_day_offset("SSE", "2026-01-14", 10_000)


def test_is_session() -> None:
    assert calendars.is_session("HKEX", "2026-01-14")
    assert not calendars.is_session("HKEX", "2026-01-01")
    assert not calendars.is_session("HKEX", "1900-01-02")
