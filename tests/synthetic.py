"""A small synthetic world for pipeline, claims and report tests: a benchmark and a few stocks on
real NYSE sessions, a registry and an events file written to a temporary folder."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from eventstudy.data import calendars
from eventstudy.data.securities import Registry, load_registry
from eventstudy.data.store import PriceStore
from eventstudy.news.events import Event, load_events

SECURITIES = """symbol,name,exchange,currency,benchmark,sector_index,groups,kind,calendar
^BM,Benchmark Index,NYSE,USD,,,,index,
AAA,Alpha | Corp,NYSE,USD,^BM,,tech,stock,
BBB,Beta Inc,NYSE,USD,^BM,,tech,stock,
CCC,Gamma <b>Co</b>,NYSE,USD,^BM,,tech,stock,
DDD,Delta (no prices),NYSE,USD,^BM,,,stock,
"""
EVENTS_HEADER = "id,date,time,timezone,title,source,targets,offer_price,claims,certainty,notes\n"
SESSIONS = ("2023-01-03", "2024-07-31")
VOLUME_JUMP = 3.0


def bars(closes: np.ndarray, dates: pd.DatetimeIndex, volume: np.ndarray | None = None) -> pd.DataFrame:
    """A bar frame (the store's contract) with every price equal to ``closes``; ``volume`` by default
    about a million shares a day, varying (its own draws: the prices do not depend on it)."""
    if volume is None:
        volume = np.round(1e6 * np.random.default_rng(int(closes[-1] * 1000) % 2**32).lognormal(0, 0.3, len(closes)))
    return pd.DataFrame({
        "open": closes, "high": closes * 1.01, "low": closes * 0.99, "close": closes, "adj_close": closes,
        "volume": volume, "dividends": np.zeros(len(closes)), "splits": np.zeros(len(closes)),
        "final": np.ones(len(closes), dtype=bool),
    }, index=pd.DatetimeIndex(dates, name="date"))


def sessions() -> pd.DatetimeIndex:
    return calendars.sessions("NYSE", *SESSIONS)


def make_store(home: Path, jumps: Mapping[str, Mapping[str, float]] | None = None, *, seed: int = 7,
               idio: float = 0.012, symbols: tuple[str, ...] = ("AAA", "BBB", "CCC")) -> PriceStore:
    """Benchmark ^BM and ``symbols`` following it with beta 1, 1.2, 1.4...; ``jumps`` adds a return
    to a symbol on a date ({"AAA": {"2024-06-03": 0.10}})."""
    dates = sessions()
    rng = np.random.default_rng(seed)
    market = rng.normal(0.0003, 0.01, len(dates))
    items = {"^BM": (bars(100 * np.cumprod(1 + market), dates), {"source": "test"})}
    for k, sym in enumerate(symbols):
        r = 0.0002 + (1.0 + 0.2 * k) * market + rng.normal(0, idio, len(dates))
        for day, size in (jumps or {}).get(sym, {}).items():
            r[int(dates.searchsorted(pd.Timestamp(day)))] += size
        frame = bars(50 * np.cumprod(1 + r), dates)
        for day in (jumps or {}).get(sym, {}):  # a jump trades three times the usual volume
            frame.iloc[int(dates.searchsorted(pd.Timestamp(day))), frame.columns.get_loc("volume")] *= VOLUME_JUMP
        items[sym] = (frame, {"source": "test"})
    store = PriceStore(home)
    store.write_many(items)
    return store


def registry(folder: Path) -> Registry:
    (folder / "securities.csv").write_text(SECURITIES, encoding="utf-8")
    return load_registry(folder / "securities.csv")


def events(folder: Path, rows: list[str], reg: Registry) -> list[Event]:
    path = folder / "events.csv"
    path.write_text(EVENTS_HEADER + "".join(r if r.endswith("\n") else r + "\n" for r in rows), encoding="utf-8")
    return load_events(path, reg)
