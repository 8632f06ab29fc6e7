"""Charts for the report: PNG bytes drawn with matplotlib's Agg canvas.

Figures are built with ``matplotlib.figure.Figure`` and ``FigureCanvasAgg`` directly rather than
pyplot: no GUI backend is ever selected, and no global figure registry leaks memory or state
between reports (or between threads). PNGs carry no Software/time metadata so that re-running on
the same data gives byte-identical files (the example report is committed).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import DateFormatter
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter
from PIL import Image

from eventstudy.formatting import slug
from eventstudy.news.pipeline import EventAnalysis, Sample
from eventstudy.stats.study import StudyResult
from eventstudy.stats.windows import Window

SIZE = (7.0, 3.5)
DPI = 100
Z95 = 1.96
UP, DOWN, NEUTRAL, BENCH, DAY0 = "#1f77b4", "#d62728", "#7f7f7f", "#ff7f0e", "#444444"


@dataclass(frozen=True)
class Chart:
    """One chart: ``name`` is its file name under charts/; ``key`` the symbol or group it shows."""

    name: str
    key: str
    kind: str  # price | ar | car | group
    title: str
    caption: str
    png: bytes

    @property
    def path(self) -> str:
        return f"charts/{self.name}"


def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    # Flat-colour charts survive a 64-colour palette unchanged to the eye at about a third of the
    # size, which keeps the HTML (charts embedded) and the committed example light. Pillow writes
    # no text chunks, so the bytes stay deterministic.
    img = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    small = img.quantize(colors=64, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO()
    small.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _figure() -> Figure:
    fig = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
    return fig


def _style(ax, title: str) -> None:  # type: ignore[no-untyped-def]
    ax.set_title(title, fontsize=9, loc="left")
    ax.tick_params(labelsize=7)
    ax.grid(True, color="#e5e5e5", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _pct_axis(ax) -> None:  # type: ignore[no-untyped-def]
    # decimals=None lets the formatter pick one precision for all ticks from their spacing.
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=None))


def price_chart(prices: pd.DataFrame) -> bytes | None:
    """Security and benchmark adjusted closes, both rebased to 100 at day -1 (or the first point)."""
    sym, bench, d0 = prices.attrs.get("symbol", ""), prices.attrs.get("benchmark", ""), prices.attrs.get("day0")
    px = prices["adj_close"].astype(float)
    if px.notna().sum() < 2 or d0 is None:
        return None
    pos = int(prices.index.searchsorted(pd.Timestamp(d0)))
    base_at = pos - 1 if pos >= 1 else 0
    # Rebase where both series have a value, so the two lines start from the same point.
    both = prices[["adj_close", "benchmark"]].astype(float).notna().all(axis=1).to_numpy()
    candidates = np.flatnonzero(both[: base_at + 1])
    base_i = int(candidates[-1]) if len(candidates) else int(np.flatnonzero(px.notna().to_numpy())[0])
    fig = _figure()
    ax = fig.add_subplot()
    ax.plot(px.index, px / px.iloc[base_i] * 100, color=UP, linewidth=1.6, label=sym, marker="o", markersize=2.5)
    bm = prices["benchmark"].astype(float)
    if bm.notna().any() and np.isfinite(bm.iloc[base_i]):
        bm = bm.dropna()  # the benchmark may skip sessions of the security's exchange: join the points
        ax.plot(bm.index, bm / prices["benchmark"].iloc[base_i] * 100, color=BENCH, linewidth=1.2,
                label=f"{bench} (benchmark)")
    ax.axhline(100, color=NEUTRAL, linewidth=0.6, linestyle=":")
    ax.axvline(pd.Timestamp(d0), color=DAY0, linewidth=0.9, linestyle="--")  # type: ignore[arg-type]
    y0 = float(px.loc[pd.Timestamp(d0)] / px.iloc[base_i] * 100) if pd.Timestamp(d0) in px.index else 100.0
    ax.annotate(f"day 0\n{pd.Timestamp(d0).date()}", xy=(pd.Timestamp(d0), y0), xytext=(6, 6),
                textcoords="offset points", fontsize=7, color=DAY0)
    base_label = "day -1" if base_i == base_at and pos >= 1 else "first point"
    _style(ax, f"{sym}: adjusted close and benchmark, rebased to 100 at {base_label}")
    ax.legend(fontsize=7, frameon=False, loc="best")
    ax.xaxis.set_major_formatter(DateFormatter("%d %b"))
    return _png(fig)


def _rows(result: StudyResult, symbol: str) -> list[int]:
    return [i for i, s in enumerate(result.output.series) if s.symbol == symbol]


def ar_chart(result: StudyResult, i: int) -> bytes:
    """Daily abnormal returns by relative day, with the 95% band of each day's prediction error."""
    out = result.output
    cols = out.win_cols
    days, ar, sd = out.rel[cols], out.ar[i, cols], np.sqrt(out.var_ar[i, cols])
    fig = _figure()
    ax = fig.add_subplot()
    colors = [UP if v >= 0 else DOWN for v in np.nan_to_num(ar)]
    ax.bar(days, np.nan_to_num(ar), color=colors, width=0.7, alpha=0.85)
    if np.isfinite(sd).any():
        ax.errorbar(days, np.nan_to_num(ar), yerr=Z95 * sd, fmt="none", ecolor=DAY0, elinewidth=0.7, capsize=2)
    ax.axhline(0, color=NEUTRAL, linewidth=0.6)
    ax.axvline(0, color=DAY0, linewidth=0.9, linestyle="--")
    ax.set_xticks(days)
    ax.set_xlabel("trading day relative to day 0", fontsize=7)
    _pct_axis(ax)
    band = "whiskers: ±1.96 sd" if np.isfinite(sd).any() else "no sd: too few estimation days"
    _style(ax, f"{out.series[i].symbol}: daily abnormal returns ({out.model_used[i]}; {band})")
    return _png(fig)


def car_path(result: StudyResult, i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CAR from the event window's start to each day, and its variance (estimation error included)."""
    out = result.output
    w = out.window
    days = np.arange(w.start, w.end + 1)
    cars = [out.car(Window(w.start, int(d))) for d in days]
    return days, np.array([c.car[i] for c in cars]), np.array([c.var[i] for c in cars])


def car_chart(result: StudyResult, i: int) -> bytes:
    days, car, var = car_path(result, i)
    out = result.output
    fig = _figure()
    ax = fig.add_subplot()
    half = Z95 * np.sqrt(var)
    if np.isfinite(half).any():
        ax.fill_between(days, car - half, car + half, color=UP, alpha=0.15, linewidth=0, label="95% band")
    ax.plot(days, car, color=UP, linewidth=1.6, marker="o", markersize=3, label="CAR")
    ax.axhline(0, color=NEUTRAL, linewidth=0.6)
    ax.axvline(0, color=DAY0, linewidth=0.9, linestyle="--")
    ax.set_xticks(days)
    ax.set_xlabel(f"trading day relative to day 0 (CAR from day {out.window.start:+d})", fontsize=7)
    _pct_axis(ax)
    ax.legend(fontsize=7, frameon=False, loc="best")
    band = "±1.96 sd of the CAR" if np.isfinite(half).any() else "no band: too few estimation days"
    _style(ax, f"{out.series[i].symbol}: cumulative abnormal return ({band})")
    return _png(fig)


def group_chart(result: StudyResult, target: str) -> bytes | None:
    """Mean AR (bars) and mean CAR (line) across members, bands ±1.96 cross-sectional standard errors."""
    out = result.output
    cols = out.win_cols
    days = out.rel[cols]
    ar = out.ar[:, cols]
    n = np.isfinite(ar).sum(axis=0)
    if n.max(initial=0) < 2:
        return None
    car = np.nancumsum(ar, axis=1)
    car = np.where(np.isfinite(ar).any(axis=0), car, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_ar = np.nanmean(np.where(np.isfinite(ar), ar, np.nan), axis=0)
        se_ar = np.nanstd(ar, axis=0, ddof=1) / np.sqrt(n)
        mean_car = np.nanmean(car, axis=0)
        se_car = np.nanstd(car, axis=0, ddof=1) / np.sqrt(n)
    fig = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
    left, right = fig.subplots(1, 2)
    left.bar(days, np.nan_to_num(mean_ar), color=[UP if v >= 0 else DOWN for v in np.nan_to_num(mean_ar)],
             width=0.7, alpha=0.85)
    left.errorbar(days, np.nan_to_num(mean_ar), yerr=Z95 * se_ar, fmt="none", ecolor=DAY0, elinewidth=0.7, capsize=2)
    right.fill_between(days, mean_car - Z95 * se_car, mean_car + Z95 * se_car, color=UP, alpha=0.15, linewidth=0)
    right.plot(days, mean_car, color=UP, linewidth=1.6, marker="o", markersize=3)
    for ax, title in ((left, "mean AR"), (right, f"mean CAR from day {out.window.start:+d}")):
        ax.axhline(0, color=NEUTRAL, linewidth=0.6)
        ax.axvline(0, color=DAY0, linewidth=0.9, linestyle="--")
        ax.set_xticks(days)
        _pct_axis(ax)
        _style(ax, title)
    fig.suptitle(f"{target}: {int(n.max())} members, bands ±1.96 cross-sectional s.e.", fontsize=9, x=0.01,
                 ha="left")
    return _png(fig)


def _sample_charts(event_id: str, sample: Sample, done: set[str], analysis: EventAnalysis) -> list[Chart]:
    res = sample.result
    if res is None:
        return []
    charts: list[Chart] = []
    for sym in sample.day0:
        # A symbol both targeted alone and inside a group of the same event is studied the same way
        # in both samples, so it is drawn once (file names are per event and symbol).
        if sym in done:
            continue
        rows = _rows(res, sym)
        if not rows:
            continue
        done.add(sym)
        base = f"{slug(event_id)}-{slug(sym)}"
        prices = analysis.prices.get(sym)
        png = price_chart(prices) if prices is not None else None
        if png is not None:
            charts.append(Chart(f"{base}-price.png", sym, "price", f"{sym}: price and benchmark",
                                "Adjusted close of the security and of its benchmark, both rebased to 100 at "
                                "day -1 (or the first point); the dashed line marks day 0.", png))
        charts.append(Chart(f"{base}-ar.png", sym, "ar", f"{sym}: daily abnormal returns",
                            "Abnormal return on each day of the event window; whiskers ±1.96 standard "
                            "deviations of the prediction error.", ar_chart(res, rows[0])))
        charts.append(Chart(f"{base}-car.png", sym, "car", f"{sym}: cumulative abnormal return",
                            "CAR from the start of the event window, with a 95% band from the CAR's variance "
                            "(including the estimation error of the model).", car_chart(res, rows[0])))
    if sample.is_group:
        png = group_chart(res, sample.target)
        if png is not None:
            charts.append(Chart(f"{slug(event_id)}-{slug(sample.target)}-group.png", sample.target, "group",
                                f"{sample.target}: mean abnormal returns across members",
                                "Mean AR and mean CAR across the members studied; bands ±1.96 cross-sectional "
                                "standard errors (sd / sqrt(N)).", png))
    return charts


def event_charts(analysis: EventAnalysis) -> list[Chart]:
    """Every chart of one event, in sample order (securities first within each sample)."""
    done: set[str] = set()
    charts: list[Chart] = []
    for sample in analysis.samples:
        charts.extend(_sample_charts(analysis.event.id, sample, done, analysis))
    return charts
