"""Windows in event time: the estimation window, the event window and CAR windows.

All offsets count the security's own trading days relative to day 0. An estimation window may
instead be given as calendar dates (estudy2's convention); it is then a date mask per security.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from eventstudy.errors import UserError


def _signed(x: int) -> str:
    return "0" if x == 0 else f"{x:+d}"


@dataclass(frozen=True, order=True)
class Window:
    """Relative trading days ``start..end``, both inclusive."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise UserError(f"window {self.start}:{self.end} ends before it starts", hint="write A:B with A <= B")

    @property
    def label(self) -> str:
        return f"[{_signed(self.start)},{_signed(self.end)}]"

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    def __str__(self) -> str:
        return self.label


@dataclass(frozen=True)
class DateWindow:
    """Calendar dates ``start..end`` (inclusive), e.g. estudy2's estimation window."""

    start: pd.Timestamp
    end: pd.Timestamp

    @property
    def label(self) -> str:
        return f"{self.start.date()}..{self.end.date()}"


@dataclass(frozen=True)
class Estimation:
    """The estimation window and the least number of valid days a fit may use.

    ``window`` is relative (``Window(-250, -11)``: a 240-day window with a 10-day gap before an
    event window starting at -10) or calendar dates (:class:`DateWindow`).
    """

    window: Window | DateWindow = Window(-250, -11)
    min_days: int = 30


_REL = re.compile(r"^\s*([+-]?\d+)\s*[:,]\s*([+-]?\d+)\s*$")
_DATES = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})\s*[:,]\s*(\d{4}-\d{2}-\d{2})\s*$")


def parse_window(text: str, *, what: str = "window", allow_dates: bool = True) -> Window | DateWindow:
    """Parse ``-30:-11`` (relative trading days) or ``2019-04-01:2020-03-13`` (dates)."""
    text = text.strip().strip("[]()")
    m = _REL.match(text)
    if m:
        if int(m.group(2)) < int(m.group(1)):
            raise UserError(f"{what} {text!r} ends before it starts", field=what, hint="write A:B with A <= B")
        return Window(int(m.group(1)), int(m.group(2)))
    m = _DATES.match(text)
    if m and allow_dates:
        try:
            start, end = pd.Timestamp(m.group(1)), pd.Timestamp(m.group(2))
        except ValueError as exc:
            raise UserError(f"bad date in {what} {text!r}: {exc}", field=what) from None
        if end < start:
            raise UserError(f"{what} {text!r} ends before it starts", field=what)
        return DateWindow(start, end)
    forms = "A:B in trading days (e.g. -30:-11)" + (" or dates (2019-04-01:2020-03-13)" if allow_dates else "")
    raise UserError(f"cannot read {what} {text!r}", field=what, hint=f"write {forms}")


def parse_relative(text: str, *, what: str = "window") -> Window:
    w = parse_window(text, what=what, allow_dates=False)
    assert isinstance(w, Window)
    return w


DEFAULT_CARS: tuple[Window, ...] = (Window(0, 0), Window(-1, 1), Window(0, 5))


def default_cars(window: Window) -> tuple[Window, ...]:
    """The default CAR windows that fit inside ``window``, else the event window itself."""
    return tuple(c for c in DEFAULT_CARS if window.start <= c.start and c.end <= window.end) or (window,)
