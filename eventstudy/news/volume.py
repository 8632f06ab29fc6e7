"""Abnormal trading volume of a run's securities (Campbell & Wasley 1996), from the store's bars.

For each studied security whose stored bars carry volume, the log volume v_t = ln(1 + V_t) on its
exchange's sessions is studied like a return (:mod:`eventstudy.stats.measures`): with the
mean-adjusted model (AV_t = v_t minus its estimation-window mean) and with the market model of v_t on
its benchmark's log volume, where the benchmark has volume. Sessions whose close repeats the last one
(a suspension the vendor filled) have no volume, as they have no return. A security or benchmark
without volume is named, with why, never given a volume of zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from eventstudy.data.quality import stale_mask
from eventstudy.errors import UserError
from eventstudy.stats.study import EventStudy, StudyResult

if TYPE_CHECKING:
    from eventstudy.data.securities import Security
    from eventstudy.news.pipeline import Prices, Sample, Settings

MODELS = ("constant-mean", "market")
MODEL_NAMES = {"constant-mean": "mean-adjusted", "market": "market model"}
COLUMNS = ["event_id", "target", "symbol", "model", "market_volume", "day0", "window", "n_days",
           "abnormal_log_volume", "sd", "t_stat", "p_value", "estimation_days", "note"]


@dataclass
class VolumeStudy:
    """One sample's abnormal log volume: a study per model (of the securities it could take), the
    benchmark whose volume each security's market model used, and why the others have none."""

    results: dict[str, StudyResult] = field(default_factory=dict)  # model -> study
    market_of: dict[str, str] = field(default_factory=dict)  # symbol -> benchmark symbol (market model)
    missing: dict[str, str] = field(default_factory=dict)  # symbol -> why it has no volume study at all
    no_market: dict[str, str] = field(default_factory=dict)  # symbol -> why it has no market model

    @property
    def symbols(self) -> list[str]:
        """The securities studied (by either model), in study order."""
        seen: dict[str, None] = {}
        for r in self.results.values():
            seen.update(dict.fromkeys(s.symbol for s in r.output.series))
        return list(seen)


def volume_on_sessions(data: Prices, sec: Security) -> pd.Series | None:
    """The security's volume on its exchange's sessions (the sessions its returns are on), or None
    when the store has no volume for it: NaN where a session has no bar, no volume, or a stale close."""
    bars = data.bars(sec.symbol)
    if "volume" not in bars.columns:
        return None
    vol = bars["volume"].astype(float).mask(stale_mask(bars["close"]))
    vol = vol.where(vol >= 0)
    if not (vol > 0).any():
        return None
    return vol.reindex(data.returns(sec).index)


def study(sample: Sample, data: Prices, st: Settings, event_id: str) -> VolumeStudy:
    """The abnormal log volume of ``sample``'s studied securities, around the same days 0."""
    out = VolumeStudy()
    volumes: dict[str, pd.Series] = {}
    markets: dict[str, pd.Series] = {}
    bench_volume: dict[str, pd.Series | None] = {}
    for sec in sample.securities:
        if sec.symbol not in sample.day0:
            continue
        v = volume_on_sessions(data, sec)
        if v is None:
            out.missing[sec.symbol] = "no trading volume in its stored prices"
            continue
        volumes[sec.symbol] = v
        bench = sample.benchmarks.get(sec.symbol)
        if bench is None:
            out.no_market[sec.symbol] = "no benchmark"
            continue
        if bench.symbol not in bench_volume:
            bench_volume[bench.symbol] = volume_on_sessions(data, bench)
        bv = bench_volume[bench.symbol]
        if bv is None:
            out.no_market[sec.symbol] = f"its benchmark {bench.symbol} has no trading volume in its stored prices"
            continue
        markets[sec.symbol] = bv
        out.market_of[sec.symbol] = bench.symbol
    for model, symbols in (("constant-mean", list(volumes)), ("market", list(markets))):
        if not symbols:
            continue
        rows = pd.DataFrame([{"symbol": s, "date": sample.day0[s], "event_id": event_id} for s in symbols])
        try:  # each security's own test, as the page shows it: no cross-sectional battery
            out.results[model] = EventStudy(
                {s: volumes[s] for s in symbols}, rows, market=markets if model == "market" else None,
                model=model, estimation=st.estimation, fallback="none", window=st.window, cars=st.cars,
                event_day="next", bootstrap=0, seed=st.seed, returns_on_sessions=True, measure="volume",
            ).fit_each()
        except UserError as exc:
            for s in symbols:
                (out.no_market if model == "market" else out.missing)[s] = exc.message
    return out


def frame(rows: Sequence[tuple[str, str, VolumeStudy]]) -> pd.DataFrame:
    """volume.csv: per (event, target, security, model, CAR window) the cumulative abnormal log
    volume with its t and p; securities without volume get a row saying why."""
    parts = []
    for event_id, target, vs in rows:
        for model, res in vs.results.items():
            car = res.car
            parts.append(pd.DataFrame({
                "event_id": event_id, "target": target, "symbol": car["symbol"], "model": MODEL_NAMES[model],
                "market_volume": car["symbol"].map(vs.market_of).fillna("") if model == "market" else "",
                "day0": car["day0"].dt.date, "window": car["window"], "n_days": car["n_days"],
                "abnormal_log_volume": car["car"], "sd": car["sd"], "t_stat": car["t_stat"],
                "p_value": car["p_value"], "estimation_days": car["estimation_days"], "note": car["note"],
            }))
        notes = [(s, "mean-adjusted", f"no volume: {why}") for s, why in vs.missing.items()]
        notes += [(s, "market model", f"no market model of volume: {why}") for s, why in vs.no_market.items()
                  if s not in vs.missing]
        if notes:
            parts.append(pd.DataFrame([{"event_id": event_id, "target": target, "symbol": s, "model": m, "note": n}
                                       for s, m, n in notes]))
    if not parts:
        return pd.DataFrame(columns=COLUMNS)
    out = pd.concat(parts, ignore_index=True).reindex(columns=COLUMNS)
    out["estimation_days"] = out["estimation_days"].astype("Int64")
    out["n_days"] = out["n_days"].astype("Int64")
    return out


def day_rows(vs: VolumeStudy, model: str, symbol: str) -> pd.DataFrame:
    """One security's daily abnormal log volume under ``model`` (empty when it has none)."""
    res = vs.results.get(model)
    if res is None:
        return pd.DataFrame()
    ar = res.ar
    return ar[ar["symbol"] == symbol]


def multiple(av: float) -> float:
    """An abnormal log volume as a multiple of the normal volume (exp(AV); 1 is normal)."""
    return float(np.exp(av)) if np.isfinite(av) else np.nan
