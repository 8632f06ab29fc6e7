"""The period of a ``period_return`` claim: its label, what the label means, and its sessions.

A period is written as a short label, in events.csv (``period_return(^HSI, 2025-08) > 5% "..."``)
and in what ``eventstudy claims extract`` proposes:

==============================  ===========================================================
label                           period
==============================  ===========================================================
``2025-08``                     a calendar month
``2025``                        a calendar year
``2025-Q3``                     a calendar quarter
``2025-W34``                    an ISO week (Monday to Sunday)
``ytd``                         the year to date (of the claim's date)
``since 2026-02-01``            from a date to the claim's date
``2025-07-25 to 2025-08-26``    between two dates
``5 sessions``                  the last N sessions of the security's exchange
``7 days``, ``2 weeks``,        the last N calendar days, weeks, months or years
``12 months``, ``2 years``
==============================  ===========================================================

Every label but a range may end in ``to YYYY-MM-DD`` (``5 sessions to 2025-08-25``); without it a
period ends at the claim's date, and a month, year or week still under way on that date is measured
to it. The return is measured from **the close before the period's first session to the period's
last close**, each on the security's own exchange calendar (:func:`sessions_of`): "in August" is
the last close of July to the last close of August; "5 sessions" is five daily returns; "12
months" runs from the last close on or before the same date a year earlier.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pandas as pd

from eventstudy.data import calendars
from eventstudy.errors import UserError

FIXED = ("month", "quarter", "year", "week", "ytd", "since", "range")  # periods that start on a calendar date
COUNTED = ("sessions", "days", "weeks", "months", "years")  # the last N of a unit
PERIOD_HINT = ("write a month (2025-08), a quarter (2025-Q3), a year (2025), an ISO week (2025-W34), ytd, "
               "since 2026-02-01, 2025-07-25 to 2025-08-26, or N sessions, days, weeks, months or years "
               "(5 sessions, 12 months), optionally ending in 'to YYYY-MM-DD'")
MAX_COUNT = 1000

_DATE = r"(\d{4}-\d{2}-\d{2})"
_TO = re.compile(rf"^(.*?)\s+to\s+{_DATE}$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$", re.IGNORECASE)
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$", re.IGNORECASE)
_SINCE = re.compile(rf"^since\s+{_DATE}$", re.IGNORECASE)
_RANGE = re.compile(rf"^{_DATE}\s+to\s+{_DATE}$", re.IGNORECASE)
_COUNT = re.compile(r"^(\d+)\s+(session|day|week|month|year)s?$", re.IGNORECASE)


@dataclass(frozen=True)
class Period:
    """What a period label says. ``start`` is the first calendar day of a fixed period (None for
    ``ytd`` and counted periods); ``end`` the last day stated with "to", or the natural end of a
    month, year or week (None: the claim's date); ``count`` the N of a counted period."""

    kind: str
    start: dt.date | None = None
    end: dt.date | None = None
    count: int = 0
    to: bool = False  # the label states its end with "to DATE"

    @property
    def label(self) -> str:
        to = f" to {self.end.isoformat()}" if self.to and self.end is not None else ""
        if self.kind == "month":
            assert self.start is not None
            return f"{self.start:%Y-%m}{to}"
        if self.kind == "quarter":
            assert self.start is not None
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}{to}"
        if self.kind == "year":
            assert self.start is not None
            return f"{self.start.year}{to}"
        if self.kind == "week":
            assert self.start is not None
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}{to}"
        if self.kind == "ytd":
            return f"ytd{to}"
        if self.kind == "since":
            assert self.start is not None
            return f"since {self.start.isoformat()}{to}"
        if self.kind == "range":
            assert self.start is not None and self.end is not None
            return f"{self.start.isoformat()} to {self.end.isoformat()}"
        unit = self.kind if self.count != 1 else self.kind[:-1]
        return f"{self.count} {unit}{to}"

    def __str__(self) -> str:
        return self.label

    def last_day(self, asof: dt.date) -> dt.date:
        """The period's last calendar day for a claim made on ``asof``: its stated or natural end,
        never after ``asof`` (a claim cannot speak of closes still to come)."""
        return min(self.end, asof) if self.end is not None else asof

    def first_day(self, asof: dt.date) -> dt.date | None:
        """The first calendar day of a period that starts on a date (None: a counted period)."""
        if self.kind == "ytd":
            return dt.date(self.last_day(asof).year, 1, 1)
        return self.start


def month(year: int, number: int, to: dt.date | None = None) -> Period:
    start = dt.date(year, number, 1)
    end = (pd.Timestamp(start) + pd.offsets.MonthEnd(1)).date()
    return Period("month", start, to or end, to=to is not None)


def quarter(year: int, number: int, to: dt.date | None = None) -> Period:
    """The calendar quarter ``number`` (1-4) of ``year``."""
    start = dt.date(year, 3 * number - 2, 1)
    end = (pd.Timestamp(start) + pd.offsets.QuarterEnd(1)).date()
    return Period("quarter", start, to or end, to=to is not None)


def year(number: int, to: dt.date | None = None) -> Period:
    return Period("year", dt.date(number, 1, 1), to or dt.date(number, 12, 31), to=to is not None)


def week_of(day: dt.date, to: dt.date | None = None) -> Period:
    """The ISO week (Monday to Sunday) holding ``day``."""
    monday = day - dt.timedelta(days=day.weekday())
    return Period("week", monday, to or monday + dt.timedelta(days=6), to=to is not None)


def parse_period(text: str) -> Period:
    """A period label (see the module's table); ValueError saying what is wrong otherwise."""
    label = " ".join(text.split())
    if not label:
        raise ValueError("empty period")
    if (r := _RANGE.match(label)) is not None:
        start, end = _date(r.group(1)), _date(r.group(2))
        if end < start:
            raise ValueError(f"the period {label!r} ends before it starts")
        return Period("range", start, end, to=True)
    to: dt.date | None = None
    if (m := _TO.match(label)) is not None:
        label, to = m.group(1), _date(m.group(2))
    p = _parse(label, to)
    if p is None:
        raise ValueError(f"unknown period {text.strip()!r}")
    if p.start is not None and p.end is not None and p.end < p.start:
        raise ValueError(f"the period {text.strip()!r} ends before it starts")
    return p


def _parse(label: str, to: dt.date | None) -> Period | None:
    if (m := _MONTH.match(label)) is not None:
        if not 1 <= int(m.group(2)) <= 12:
            raise ValueError(f"{label!r}: there is no month {m.group(2)}")
        return month(int(m.group(1)), int(m.group(2)), to)
    if (m := _YEAR.match(label)) is not None:
        return year(int(m.group(1)), to)
    if (m := _QUARTER.match(label)) is not None:
        return quarter(int(m.group(1)), int(m.group(2)), to)
    if (m := _WEEK.match(label)) is not None:
        try:
            monday = dt.date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
        except ValueError:
            raise ValueError(f"{label!r}: {m.group(1)} has no ISO week {m.group(2)}") from None
        return week_of(monday, to)
    if label.lower() == "ytd":
        return Period("ytd", end=to, to=to is not None)
    if (m := _SINCE.match(label)) is not None:
        return Period("since", _date(m.group(1)), to, to=to is not None)
    if (m := _COUNT.match(label)) is not None:
        n = int(m.group(1))
        if not 1 <= n <= MAX_COUNT:
            raise ValueError(f"{label!r}: the count must be 1 to {MAX_COUNT}")
        return Period(m.group(2).lower() + "s", end=to, count=n, to=to is not None)
    return None


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a date") from None


# -- the period's sessions on an exchange ---------------------------------------------------------------
@dataclass(frozen=True)
class Sessions:
    """A period on one exchange: ``base`` is the close the return starts from (the session before
    ``first``), ``last`` the period's last session; ``count`` sessions from ``first`` to ``last``."""

    base: pd.Timestamp
    first: pd.Timestamp
    last: pd.Timestamp
    count: int
    capped: bool = False  # the period had not ended by the claim's date: measured to it

    def text(self) -> str:
        return f"{self.count} session(s) {self.first.date()} to {self.last.date()}"


class NoSessions(Exception):
    """Why a period has no sessions on an exchange (a plain sentence)."""


def sessions_of(period: Period, exchange: str, asof: dt.date) -> Sessions:
    """The sessions of ``period`` on ``exchange`` for a claim made on ``asof``; NoSessions says why
    there are none (the period is after the claim's date, outside the calendar, or holds no session)."""
    end = period.last_day(asof)
    capped = period.end is not None and end < period.end
    try:
        last = _last_session_by(exchange, end)
        if period.kind in COUNTED and period.kind != "sessions":
            anchor = (pd.Timestamp(end) - _span(period)).date()
            base = _last_session_by(exchange, anchor)
            first = calendars.trading_day_offset(exchange, base + pd.Timedelta(days=1), 0)
        elif period.kind == "sessions":
            first = calendars.trading_day_offset(exchange, last, -(period.count - 1))
            base = calendars.trading_day_offset(exchange, first, -1)
        else:
            start = period.first_day(asof)
            assert start is not None
            if start > end:
                raise NoSessions(f"the period {period.label} starts after the claim's date {asof}")
            first = calendars.trading_day_offset(exchange, start, 0)
            base = calendars.trading_day_offset(exchange, first, -1)
    except UserError as exc:
        raise NoSessions(f"the period {period.label} is outside the {exchange} calendar ({exc.message})") from None
    if first > last:
        raise NoSessions(f"no {exchange} session in the period {period.label} up to {end}")
    count = len(calendars.sessions(exchange, first, last))
    return Sessions(pd.Timestamp(base), pd.Timestamp(first), pd.Timestamp(last), count, capped)


def _span(period: Period) -> pd.DateOffset:
    n = period.count
    return {"days": pd.DateOffset(days=n), "weeks": pd.DateOffset(weeks=n), "months": pd.DateOffset(months=n),
            "years": pd.DateOffset(years=n)}[period.kind]


def _last_session_by(exchange: str, day: dt.date) -> pd.Timestamp:
    """The last session on or before ``day``."""
    if calendars.is_session(exchange, day):
        return pd.Timestamp(day)
    return calendars.trading_day_offset(exchange, day, -1)
