"""Price limits as data: boards, limits by date, limit closes on a synthetic limit-up day."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from synthetic import bars

from eventstudy.data import calendars
from eventstudy.data.limits import LIMIT_DOWN, LIMIT_UP, PriceLimits, limit_closes
from eventstudy.data.securities import Security

STAR = Security("688256.SS", "Cambricon", "SSE", "CNY", "000300.SS")
MAIN = Security("600000.SS", "Main", "SSE", "CNY", "000300.SS")
CHINEXT = Security("300474.SZ", "ChiNext", "SZSE", "CNY", "000300.SS")
HK = Security("2513.HK", "Zhipu", "HKEX", "HKD", "^HSI")


def test_boards_and_limits_come_from_the_tables() -> None:
    lim = PriceLimits()
    assert [lim.board_of(s) for s in (STAR, MAIN, CHINEXT, HK)] == ["STAR", "main", "ChiNext", "HK"]
    assert lim.alt_benchmark(STAR) == "000688.SS"
    day = pd.DatetimeIndex(["2026-01-14"])
    assert lim.limits_on(STAR, day)[0][0] == 0.20
    assert lim.limits_on(MAIN, day)[0][0] == 0.10
    assert np.isnan(lim.limits_on(HK, day)[0][0])
    # ChiNext moved from 10% to 20% with the 2020 reform.
    assert lim.limits_on(CHINEXT, pd.DatetimeIndex(["2020-08-21", "2020-08-24"]))[0].tolist() == [0.10, 0.20]


def _prices(moves: dict[int, float], start: float = 50.0) -> pd.DataFrame:
    dates = calendars.sessions("SSE", "2025-12-01", "2026-01-30")
    r = np.zeros(len(dates))
    for k, m in moves.items():
        r[k] = m
    close = np.round(start * np.cumprod(1 + r), 2)
    return bars(close, dates)


def test_a_synthetic_limit_up_day_is_flagged() -> None:
    frame = _prices({10: 0.20, 20: -0.20, 30: 0.15})
    flags = limit_closes(STAR, frame)
    assert flags.iloc[10] == LIMIT_UP and flags.iloc[20] == LIMIT_DOWN
    assert (flags.drop(flags.index[[10, 20]]) == "").all()  # +15% is no limit on STAR
    assert limit_closes(STAR, _prices({12: 0.28})).iloc[12] == ""  # beyond the limit: none applied
    assert limit_closes(MAIN, _prices({30: 0.10})).iloc[30] == LIMIT_UP
    assert (limit_closes(HK, frame) == "").all()


def test_no_limit_in_the_first_sessions_after_listing() -> None:
    frame = _prices({2: 0.20, 8: 0.20})
    flags = limit_closes(STAR, frame, listed=frame.index[0])
    assert flags.iloc[2] == "" and flags.iloc[8] == LIMIT_UP


def test_a_symbol_row_overrides_its_board(tmp_path: Path) -> None:
    text = Path(__file__).resolve().parents[1].joinpath("eventstudy", "data", "price_limits.csv").read_text()
    (tmp_path / "limits.csv").write_text(text + "ST,600000.SS,2025-12-01,2026-12-31,0.05,0,test\n")
    lim = PriceLimits(tmp_path / "limits.csv")
    assert limit_closes(MAIN, _prices({12: 0.05}), lim).iloc[12] == LIMIT_UP


def test_a_bad_row_is_a_user_error(tmp_path: Path) -> None:
    from eventstudy.errors import UserError

    (tmp_path / "limits.csv").write_text("board,symbol,start,end,limit,free_days_after_listing,note\n"
                                         "STAR,,2019-07-22,,twenty,5,x\n")
    with pytest.raises(UserError, match="bad price-limit row"):
        PriceLimits(tmp_path / "limits.csv")
