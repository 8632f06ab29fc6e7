"""Daily price limits of A-shares, as data: which board a security trades on, its limit on a date,
and the closes that hit it.

A close at the limit censors the return: the price wanted to move further and could not, so the
day's return (and an abnormal return built on it) understates the move, and the next session
carries the rest. The limits live in ``price_limits.csv`` (per board and date range, with the
sessions after a listing that have none), the boards in ``boards.csv`` (exchange and code prefix ->
board, with an alternative benchmark per board). Hong Kong and US stocks have no daily limit.
A row of ``price_limits.csv`` naming a symbol applies to that symbol only over its dates (an ST
period: ``ST,600xxx.SS,2024-05-06,2025-04-30,0.05,0``) and wins over its board's row.
"""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from eventstudy.data.securities import Security
from eventstudy.errors import UserError

LIMIT_UP, LIMIT_DOWN = "limit up", "limit down"


@dataclass(frozen=True)
class LimitRule:
    board: str
    symbol: str
    start: pd.Timestamp
    end: pd.Timestamp
    limit: float
    free_days_after_listing: int


def _read(path: Path | None, name: str) -> list[dict[str, str]]:
    try:
        if path is None:
            text = (resources.files("eventstudy.data") / name).read_text(encoding="utf-8")
        else:
            text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read {name}: {exc}", file=str(path)) from None
    return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(io.StringIO(text))]


class PriceLimits:
    """The boards and limit tables; ``PriceLimits()`` reads the ones shipped with the package."""

    def __init__(self, limits_file: Path | None = None, boards_file: Path | None = None):
        self.boards = _read(boards_file, "boards.csv")
        rules = []
        for i, r in enumerate(_read(limits_file, "price_limits.csv"), start=2):
            try:
                rules.append(LimitRule(
                    board=r["board"], symbol=r.get("symbol", ""), start=pd.Timestamp(r["start"]),
                    end=pd.Timestamp(r["end"]) if r.get("end") else pd.Timestamp.max,
                    limit=float(r["limit"]), free_days_after_listing=int(r.get("free_days_after_listing") or 0)))
            except (ValueError, KeyError) as exc:
                raise UserError(f"bad price-limit row: {exc}", file=str(limits_file or "price_limits.csv"), line=i,
                                hint="columns: board,symbol,start,end,limit,free_days_after_listing,note") from None
        self.rules = rules

    def _board_row(self, sec: Security) -> dict[str, str] | None:
        code = sec.symbol.split(".")[0]
        hits = [r for r in self.boards if r["exchange"] == sec.exchange
                and code.startswith(r["code_prefix"]) and (r["code_prefix"] == "" or code.isdigit())]
        # The longest prefix decides (688 before 6).
        return max(hits, key=lambda r: len(r["code_prefix"])) if hits else None

    def board_of(self, sec: Security) -> str:
        row = self._board_row(sec)
        return "" if row is None else row["board"]

    def alt_benchmark(self, sec: Security) -> str | None:
        """The board's alternative benchmark (STAR 50 for STAR stocks), for robustness checks."""
        row = self._board_row(sec)
        return (row.get("alt_benchmark") or None) if row is not None else None

    def limits_on(self, sec: Security, dates: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
        """Per date: the limit (NaN: none) and the sessions after a listing without one."""
        limit = np.full(len(dates), np.nan)
        free = np.zeros(len(dates), dtype=int)
        board = self.board_of(sec)
        # Board rows first, then the symbol's own rows over them.
        for own in (False, True):
            for r in self.rules:
                if (r.symbol == sec.symbol) if own else (not r.symbol and r.board == board):
                    inside = (dates >= r.start) & (dates <= r.end)
                    limit[inside] = r.limit
                    free[inside] = r.free_days_after_listing
        return limit, free


@functools.cache
def shipped() -> PriceLimits:
    return PriceLimits()


def limit_closes(sec: Security, bars: pd.DataFrame, limits: PriceLimits | None = None,
                 listed: pd.Timestamp | None = None) -> pd.Series:
    """Per session: "limit up", "limit down" or "" (no limit hit, or no limit that day).

    A close counts as at the limit when the close-to-close move is within one price tick (0.01) of
    the limit, as exchanges round the limit price to the tick. ``listed``: the first session
    of the listing, when known, for the sessions after a listing that have no limit.
    """
    lim = limits or shipped()
    out = pd.Series("", index=bars.index, dtype=object)
    if len(bars) < 2:
        return out
    close = bars["close"].to_numpy(float)
    prev = np.concatenate([[np.nan], close[:-1]])
    with np.errstate(invalid="ignore", divide="ignore"):
        move = close / prev - 1
        tick = np.maximum(0.01 / prev, 1e-4)
    limit, free = lim.limits_on(sec, pd.DatetimeIndex(bars.index))
    if listed is not None:
        since = np.arange(len(bars)) - int(bars.index.searchsorted(pd.Timestamp(listed)))
        limit = np.where((since >= 0) & (since < free), np.nan, limit)
    with np.errstate(invalid="ignore"):
        # Within a tick of the limit; a move beyond it means no limit applied that day (a listing
        # the tables do not know of), not a close at the limit.
        out[np.abs(move - limit) <= tick] = LIMIT_UP
        out[np.abs(move + limit) <= tick] = LIMIT_DOWN
    return out
