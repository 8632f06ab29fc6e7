"""The time of day of an event built from an article: ``--time`` if given, else the time the article
states ("after the close" -> the exchange's close + 30 min), else unknown.

A known time places day 0 through :func:`eventstudy.data.calendars.day_zero`, as for any event, and
makes the event ``confirmed``; the note says where the time came from. An unknown one leaves the
event ``uncertain``, and its note says how to give the time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pandas as pd

from eventstudy.data import calendars
from eventstudy.errors import UserError
from eventstudy.news.extract.article import ArticleClaims
from eventstudy.news.extract.timing import SLOT_WORDS, StatedTime

# The notes of an event read "<where the claims came from>; timing: <where the time came from>";
# `check` prints the second part.
TIMING_MARK = "; timing: "
BEFORE_OPEN = pd.Timedelta(minutes=60)  # "before the open": an hour before it, well clear of the auction
AFTER_CLOSE = pd.Timedelta(minutes=30)  # "after the close": past the closing auction
MIDDAY = dt.time(12, 0)
HOW_TO_GIVE = "give it with --time HH:MM (and --timezone ZONE if not the exchange's)"


@dataclass(frozen=True)
class GivenTime:
    """``--time`` and ``--timezone`` (None: the target's exchange's zone)."""

    time: dt.time
    timezone: str | None = None


@dataclass(frozen=True)
class Timing:
    date: dt.date
    time: dt.time | None
    timezone: str
    note: str

    @property
    def known(self) -> bool:
        return self.time is not None


def exchange_zone(exchange: str) -> str:
    return str(calendars.get_calendar(exchange).tz)


def _session(exchange: str, date: dt.date) -> pd.Timestamp:
    # A weekend or holiday takes the next session's hours: any time on it gives that session as day 0.
    return calendars.trading_day_offset(exchange, date, 0)


def clock(exchange: str, date: dt.date, slot: str) -> tuple[dt.time, str]:
    """The local time a stated slot stands for on ``date``, and how it was chosen."""
    session = _session(exchange, date)
    opens = calendars.session_open(exchange, session)
    closes = calendars.session_close(exchange, session)
    if slot == "before_open":
        return (opens - BEFORE_OPEN).time(), f"the open {opens:%H:%M} - {BEFORE_OPEN.seconds // 60} min"
    if slot == "after_close":
        return (closes + AFTER_CLOSE).time(), f"the close {closes:%H:%M} + {AFTER_CLOSE.seconds // 60} min"
    if opens.time() < MIDDAY < closes.time():
        return MIDDAY, "12:00, within the session"
    # A half day that closes at noon: the middle of what is left of the session.
    middle = opens + (closes - opens) / 2
    return middle.floor("min").time(), f"the middle of the session {opens:%H:%M}-{closes:%H:%M}"


def _day_zero(exchange: str, date: dt.date, time: dt.time | None, zone: str) -> dt.date:
    local = pd.Timestamp(dt.datetime.combine(date, time or dt.time(0, 0), tzinfo=ZoneInfo(zone)))
    return calendars.day_zero(exchange, local, time is not None).date()


def _check_exists(date: dt.date, time: dt.time, zone: str) -> None:
    local = dt.datetime.combine(date, time, tzinfo=ZoneInfo(zone))
    back = local.astimezone(dt.UTC).astimezone(ZoneInfo(zone))
    if back.replace(tzinfo=None) != local.replace(tzinfo=None):
        raise UserError(f"{time:%H:%M} does not exist on {date} in {zone} (a daylight-saving gap)", field="--time",
                        hint="give a time outside the gap")


def timing_of(art: ArticleClaims, date: dt.date, exchange: str, given: GivenTime | None) -> Timing:
    """The timing of the event holding ``art``'s claims dated ``date``, on ``exchange``."""
    zone = exchange_zone(exchange)
    if given is not None:
        tz = given.timezone or zone
        _check_exists(date, given.time, tz)
        said = f" (the article says {art.stated_time.quote!r})" if art.stated_time else ""
        d0 = _day_zero(exchange, date, given.time, tz)
        return Timing(date, given.time, tz, f"time given with --time {given.time:%H:%M} {tz}{said}; day 0 {d0}")
    stated = art.stated_time
    if stated is None:
        if art.time_phrases:
            quotes = ", ".join(repr(t.quote) for t in art.time_phrases)
            return Timing(date, None, zone, f"time of day unknown: the article states different times ({quotes}); "
                                            f"{HOW_TO_GIVE}")
        return Timing(date, None, zone, f"time of day unknown (the article states none): {HOW_TO_GIVE}, or "
                                        "confirm the claims and the date before relying on them")
    return _stated(stated, art.stated_day, date, exchange, zone)


def _stated(stated: StatedTime, day: dt.date | None, date: dt.date, exchange: str, zone: str) -> Timing:
    if stated.day and day is None:
        return Timing(date, None, zone, f"time of day unknown: the article says {stated.quote!r}, but its day could "
                                        f"not be read; {HOW_TO_GIVE}")
    on = day or date
    time, how = clock(exchange, on, stated.slot)
    d0 = _day_zero(exchange, on, time, zone)
    note = (f"time {time:%H:%M} {zone} read from the article: {stated.quote!r} ({SLOT_WORDS[stated.slot]}: {how}); "
            f"day 0 {d0}")
    if on == date:
        return Timing(date, time, zone, note)
    # The phrase names another day than the claims' ("results after the close on Wednesday ... shares
    # jumped on Thursday"): the event moves to the announcement's day when its day 0 is the claims' day.
    if on < date and d0 == _day_zero(exchange, date, None, zone):
        return Timing(on, time, zone, f"{note} (the claims are dated {date})")
    return Timing(date, None, zone, f"time of day unknown: the article times the announcement {stated.quote!r} on "
                                    f"{on}, which puts day 0 on {d0}, not on {date} where its claims are dated; "
                                    f"{HOW_TO_GIVE} if it applies")


def timing_note(notes: str) -> str:
    """The timing part of an event's notes (see TIMING_MARK)."""
    return notes.split(TIMING_MARK, 1)[-1]
