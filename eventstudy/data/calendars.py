"""Exchange trading calendars: sessions, day 0 of an announcement, and bar finality.

Everything here goes through `exchange_calendars`. A calendar is built once per exchange (building
is slow) and reaches back to 1990, or to the earliest year its holidays are recorded, because our
price files go back to 1991.
"""

from __future__ import annotations

import functools
import warnings

import exchange_calendars as xc
import numpy as np
import pandas as pd

from eventstudy.errors import UserError

# Shenzhen (SZSE, XSHE) maps to XSHG: exchange_calendars has no XSHE calendar, and Shenzhen follows
# the SSE holiday calendar (the mainland public holidays; only some early-1990s closures differ,
# which the quality check then reports as missing sessions). CSI indices are computed on the same
# mainland sessions, so importers treat ".CSI" as SSE too.
EXCHANGE_CALENDARS: dict[str, str] = {
    "HKEX": "XHKG",
    "SSE": "XSHG",
    "SZSE": "XSHG",
    "XSHE": "XSHG",
    "NYSE": "XNYS",
    "NASDAQ": "XNAS",
}

EARLIEST = pd.Timestamp("1990-01-01")


class CalendarRangeWarning(UserWarning):
    """A requested date range reached past a calendar's bounds and was clipped."""


def calendar_code(exchange: str) -> str:
    """The exchange_calendars name for an exchange code (``HKEX``) or a calendar code (``XHKG``)."""
    code = exchange.strip().upper()
    if code in EXCHANGE_CALENDARS:
        return EXCHANGE_CALENDARS[code]
    if code in _known_calendar_names():
        return code
    known = ", ".join(sorted(EXCHANGE_CALENDARS))
    raise UserError(
        f"unknown exchange {exchange!r}",
        field="exchange",
        hint=f"use one of {known}, or an exchange_calendars code such as XHKG",
    )


@functools.lru_cache(maxsize=1)
def _known_calendar_names() -> frozenset[str]:
    return frozenset(name.upper() for name in xc.get_calendar_names(include_aliases=True))


def get_calendar(exchange: str) -> xc.ExchangeCalendar:
    """The cached calendar for an exchange, reaching back to 1990 where its holidays allow."""
    return _calendar(calendar_code(exchange))


@functools.lru_cache(maxsize=64)
def _calendar(code: str) -> xc.ExchangeCalendar:
    # exchange_calendars 4.x trips pandas 3 deprecation warnings while building; they are its own
    # business, and would otherwise surface in every caller.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        # Built once where the exchange's holidays reach back to EARLIEST (Hong Kong, New York: 0.1 s
        # per build, whatever the range); where they do not (Shanghai, Shenzhen: cheap), the first
        # try is refused and a default instance tells us the class's own earliest valid start.
        try:
            return xc.get_calendar(code, start=EARLIEST)
        except ValueError:
            bound_min = type(xc.get_calendar(code)).bound_min()
            if bound_min is None or bound_min <= EARLIEST:
                raise
            return xc.get_calendar(code, start=bound_min)


def _tz(exchange: str) -> str:
    return str(get_calendar(exchange).tz)


def _to_date(value: object) -> pd.Timestamp:
    """A tz-naive midnight; a tz-aware timestamp keeps its own local date."""
    ts = pd.Timestamp(value)  # type: ignore[arg-type]
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return ts.normalize()


def bounds(exchange: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last session the calendar knows."""
    cal = get_calendar(exchange)
    return _to_date(cal.first_session), _to_date(cal.last_session)


def clip_range(exchange: str, start: object, end: object) -> tuple[pd.Timestamp, pd.Timestamp, bool]:
    """Clip [start, end] to the calendar's bounds; the flag says whether anything was cut."""
    lo, hi = bounds(exchange)
    s, e = _to_date(start), _to_date(end)
    clipped = s < lo or e > hi
    return max(s, lo), min(e, hi), clipped


def sessions(exchange: str, start: object, end: object) -> pd.DatetimeIndex:
    """Session dates (tz-naive midnights) in [start, end].

    A range beyond the calendar's bounds is clipped with a :class:`CalendarRangeWarning`, since
    exchange_calendars only knows holidays for a limited span.
    """
    s, e, clipped = clip_range(exchange, start, end)
    if clipped:
        lo, hi = bounds(exchange)
        warnings.warn(
            f"{exchange}: sessions requested for {_to_date(start).date()}..{_to_date(end).date()}, "
            f"the calendar covers {lo.date()}..{hi.date()}; clipped",
            CalendarRangeWarning,
            stacklevel=2,
        )
    if s > e:
        return pd.DatetimeIndex([], name="date")
    out = get_calendar(exchange).sessions_in_range(s, e)
    return pd.DatetimeIndex(out.tz_localize(None) if out.tz is not None else out, name="date")


def is_session(exchange: str, date: object) -> bool:
    """Whether the exchange trades on this date (False outside the calendar's bounds)."""
    d = _to_date(date)
    lo, hi = bounds(exchange)
    if not lo <= d <= hi:
        return False
    return bool(get_calendar(exchange).is_session(d))


def _require_session(exchange: str, date: object) -> pd.Timestamp:
    d = _to_date(date)
    if not is_session(exchange, d):
        raise UserError(f"{d.date()} is not a {exchange} trading session", field="date")
    return d


def session_close(exchange: str, date: object) -> pd.Timestamp:
    """Close of the session on ``date``, tz-aware in the exchange's time zone."""
    d = _require_session(exchange, date)
    close = get_calendar(exchange).session_close(d)
    return pd.Timestamp(close).tz_convert(_tz(exchange))


def session_open(exchange: str, date: object) -> pd.Timestamp:
    """Open of the session on ``date``, tz-aware in the exchange's time zone."""
    d = _require_session(exchange, date)
    return pd.Timestamp(get_calendar(exchange).session_open(d)).tz_convert(_tz(exchange))


def _closes_ns(exchange: str) -> tuple[np.ndarray, pd.DatetimeIndex]:
    return _closes_for(calendar_code(exchange))


@functools.lru_cache(maxsize=64)
def _closes_for(code: str) -> tuple[np.ndarray, pd.DatetimeIndex]:
    cal = _calendar(code)
    closes = pd.DatetimeIndex(cal.closes)
    if closes.tz is None:
        closes = closes.tz_localize("UTC")
    utc_ns = closes.tz_convert("UTC").tz_localize(None).as_unit("ns").asi8
    sess = pd.DatetimeIndex(cal.sessions)
    if sess.tz is not None:
        sess = sess.tz_localize(None)
    return utc_ns, sess


def _require_aware(ts: pd.Timestamp, what: str) -> pd.Timestamp:
    ts = pd.Timestamp(ts)
    if ts.tzinfo is None:
        raise UserError(f"{what} {ts} has no time zone", field=what, hint="pass a tz-aware timestamp")
    return ts


# A run asks for the same announcement's day 0 once per security, variant and confounder check.
@functools.lru_cache(maxsize=4096)
def day_zero(exchange: str, announced_at: pd.Timestamp, time_known: bool = True) -> pd.Timestamp:
    """Day 0 of an announcement: the first session of ``exchange`` whose close is after it.

    So a release before the open or during the session lands on that session, one at or after
    the close on the next session, one on a weekend or holiday on the next session.

    With ``time_known=False`` the time of day is unknown and ``announced_at`` stands for its local
    date (it is normalised to midnight in its own time zone): the release is treated as "at the
    start of its local date", so day 0 is the first session that closes after that local midnight.
    A release that in fact came after that session's close then falls on day +1, so an event
    window of at least [0, +1] always catches it.
    """
    ts = _require_aware(announced_at, "announced_at")
    if not time_known:
        ts = ts.normalize()
    closes, sess = _closes_ns(exchange)
    t = ts.tz_convert("UTC").tz_localize(None).as_unit("ns").value
    lo, hi = bounds(exchange)
    local_date = _to_date(ts.tz_convert(_tz(exchange)))
    if local_date < lo:
        raise UserError(
            f"announcement {ts} is before the {exchange} calendar starts ({lo.date()})",
            field="announced_at",
        )
    idx = int(np.searchsorted(closes, t, side="right"))
    if idx >= len(closes):
        raise UserError(
            f"announcement {ts} is after the last {exchange} session the calendar knows ({hi.date()})",
            field="announced_at",
            hint="upgrade exchange_calendars for later holidays",
        )
    return pd.Timestamp(sess[idx])


def is_final(exchange: str, date: object, now: pd.Timestamp) -> bool:
    """Whether the bar for ``date`` can no longer change: its session has closed by ``now``.

    A non-session date (a bar a source should not have produced) counts as final once that local
    calendar day is over, so it is not refetched forever.
    """
    now = _require_aware(now, "now")
    d = _to_date(date)
    if is_session(exchange, d):
        return bool(now >= session_close(exchange, d))
    end_of_day = (d + pd.Timedelta(days=1)).tz_localize(_tz(exchange))
    return bool(now >= end_of_day)


def trading_day_offset(exchange: str, date: object, n: int) -> pd.Timestamp:
    """The session ``n`` sessions after ``date`` (before, for negative ``n``).

    A non-session ``date`` first rolls forward to the next session, like day 0 does.
    """
    _, sess = _closes_ns(exchange)
    d = _to_date(date)
    idx = int(sess.searchsorted(d, side="left"))
    target = idx + n
    if idx >= len(sess) or not 0 <= target < len(sess):
        lo, hi = bounds(exchange)
        raise UserError(
            f"{n:+d} sessions from {d.date()} is outside the {exchange} calendar ({lo.date()}..{hi.date()})",
            field="date",
        )
    return pd.Timestamp(sess[target])
