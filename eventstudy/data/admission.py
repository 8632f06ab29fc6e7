"""What a price file must be before it may enter the store: daily bars of a sane symbol.

These checks sit at the edge, before any parsing work is spent: a file that cannot be daily bars
(several rows per date, intraday timestamps, millions of rows), one without a usable price, and
bars dated after today are refused with the file, line and field that show it.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from eventstudy.data.securities import SYMBOL_RE
from eventstudy.errors import UserError

# Daily bars since 1700 fit in 100,000 rows; far more is minute or tick data (or a runaway export).
MAX_ROWS = 100_000
MAX_SYMBOL = 32
# Prices are stored as nanosecond timestamps, which end in 2262; no price series starts before 1800.
FIRST_YEAR, LAST_YEAR = 1800, 2200
_TIME_RE = re.compile(r"[ T](\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)")
# The latest local date anywhere on earth (UTC+14) is today's date plus at most one day.
_AHEAD = pd.Timedelta(days=1)


def check_symbol(symbol: str, *, file: str | Path | None = None, field: str = "--symbol") -> str:
    """The symbol, or a UserError saying why it cannot name a security."""
    hint = "a symbol is letters, digits and ^ . = - only, e.g. 2513.HK or ^HSI"
    if symbol != symbol.strip():
        raise UserError(f"symbol {symbol!r} has leading or trailing spaces", file=file, field=field, hint=hint)
    if len(symbol) > MAX_SYMBOL:
        raise UserError(f"symbol of {len(symbol)} characters (at most {MAX_SYMBOL})", file=file, field=field,
                        hint=hint)
    if not SYMBOL_RE.fullmatch(symbol) or symbol in (".", ".."):
        raise UserError(f"invalid symbol {symbol!r}", file=file, field=field, hint=hint)
    return symbol


def read_bounded(path: Path) -> bytes:
    """The file's bytes, refused once it has more rows than daily bars can have (read in pieces, so
    a minute-bar file is refused without being held whole)."""
    lines = 0
    parts = []
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            lines += chunk.count(b"\n")
            if lines > MAX_ROWS + 3:
                raise UserError(
                    f"more than {MAX_ROWS:,} rows: not daily bars (minute or tick data?)",
                    file=path, line=MAX_ROWS + 4, field="rows",
                    hint="aggregate the file to one row per session first",
                )
            parts.append(chunk)
    return b"".join(parts)


def check_daily(path: Path, data: list[tuple[int, list[str]]], date_col: int, date_name: str) -> None:
    """Refuse intraday bars: times of day that differ within a date, or three or more rows on a date."""
    cells = [(ln, row[date_col] if date_col < len(row) else "") for ln, row in data]
    per_day: Counter[str] = Counter()
    times: dict[str, set[str]] = {}
    for ln, cell in cells:
        day = cell[:10]
        if re.fullmatch(r"[0-9]{4}", cell[:4]) and not FIRST_YEAR <= int(cell[:4]) <= LAST_YEAR:
            raise UserError(f"date {cell!r} is outside {FIRST_YEAR}-{LAST_YEAR}", file=path, line=ln, field=date_name,
                            hint="check the year")
        per_day[day] += 1
        m = _TIME_RE.search(cell)
        clock = m.group(1) if m else ""
        seen = times.setdefault(day, set())
        seen.add(clock)
        if len(seen) > 1:
            raise UserError(
                f"several times of day on {day} ({', '.join(sorted(t or 'none' for t in seen)[:3])}): "
                "intraday bars, not daily bars", file=path, line=ln, field=date_name,
                hint="aggregate to one row per session first",
            )
        if per_day[day] > 2:
            raise UserError(f"{per_day[day]} rows dated {day}: not daily bars", file=path, line=ln, field=date_name,
                            hint="keep one row per session")


def check_dates(path: Path, index: pd.DatetimeIndex, lines: np.ndarray, date_name: str,
                today: pd.Timestamp | None = None) -> None:
    """Refuse bars dated after today: they cannot be final prices (a wrong year, a test file)."""
    today = (pd.Timestamp.now(tz="UTC") if today is None else today).tz_convert("UTC").tz_localize(None).normalize()
    ahead = index > today + _AHEAD
    if ahead.any():
        i = int(np.flatnonzero(ahead)[0])
        raise UserError(f"bar dated {index[i].date()} is in the future", file=path, line=int(lines[i]),
                        field=date_name, hint="check the year; only closed sessions can be imported")


def check_usable(path: Path, frame: pd.DataFrame, close_name: str) -> None:
    """Refuse a file in which no row has a positive close."""
    close = frame["close"].to_numpy(dtype=float)
    if not (np.isfinite(close) & (close > 0)).any():
        raise UserError("no usable price: every close is empty, zero or negative", file=path, line=2,
                        field=close_name, hint="export the prices again")
