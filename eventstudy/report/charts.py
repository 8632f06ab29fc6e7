"""The report's charts as inline SVG (see :mod:`.svg`): what each chart shows and which band it draws.

Bands are those of the test that decides, so a chart never contradicts the verdict beside it:

- one security's AR and CAR: the 95% interval of its time-series t (Student's t with the estimation's
  degrees of freedom), which excludes zero exactly when that t test has p < 0.05;
- a group's mean AR: the interval implied by the lead statistic's p-value on that day (for a group on
  one date the cross-correlation-robust KP-adjusted BMP), which excludes zero exactly when p < 0.05.

A series without data gets no chart, and a day without a price gets no bar and no whisker (a grey
cross marks it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from eventstudy.formatting import named, slug
from eventstudy.news.pipeline import EventAnalysis, Sample
from eventstudy.stats.engine import degrees_of_freedom
from eventstudy.stats.study import StudyResult
from eventstudy.stats.windows import Window

from .svg import AMBER, BAND, BLUE, GREY, INK, Plot, finite_range, fmt, pct_tick

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Chart:
    """One chart: ``name`` is its anchor on the page; ``caption`` only what this chart does
    differently from its kind's standard caption (said once per section, :data:`SPECS`)."""

    name: str
    kind: str  # price | ar | car | group | timeline
    title: str
    caption: str
    svg: str
    symbol: str = ""  # the security charted ("" for a group or the timeline)
    move: float = 0.0  # |day-0 abnormal return|: the members that moved most are shown first


def _day_ticks(days: np.ndarray) -> list[tuple[float, str]]:
    step = 1 if len(days) <= 13 else 2
    return [(float(d), f"{int(d):+d}" if d else "0") for d in days if int(d) % step == 0]


def price_chart(prices: pd.DataFrame, names: dict[str, str]) -> Plot | None:
    """Security and benchmark adjusted closes, rebased to 100 at day -1 (or the first shared point),
    on the security's own sessions; a session without a price breaks the line."""
    sym, bench, d0 = prices.attrs.get("symbol", ""), prices.attrs.get("benchmark", ""), prices.attrs.get("day0")
    px = prices["adj_close"].astype(float).to_numpy()
    if np.isfinite(px).sum() < 2 or d0 is None:
        return None
    bm = prices["benchmark"].astype(float).to_numpy()
    pos = int(prices.index.searchsorted(pd.Timestamp(d0)))
    both = np.flatnonzero(np.isfinite(px) & np.isfinite(bm))
    before = both[both <= max(pos - 1, 0)]
    base = int(before[-1]) if len(before) else int(both[0]) if len(both) else int(np.flatnonzero(np.isfinite(px))[0])
    base_label = "day -1" if base == pos - 1 else "the first shared point"
    x = np.arange(len(px), dtype=float)
    sec = px / px[base] * 100
    ref = bm / bm[base] * 100 if np.isfinite(bm[base]) else np.full(len(bm), np.nan)
    rng = finite_range(sec, ref)
    assert rng is not None
    dates = prices.index
    step = max(1, len(x) // 5)
    ticks = [(float(i), dates[i].strftime("%d %b")) for i in range(0, len(x), step)]
    who, ref_who = named(sym, names.get(sym)), named(bench, names.get(bench))
    p = Plot(f"{who} and {ref_who}", f"Adjusted closes of {who} and of its benchmark {ref_who}, rebased to 100 at "
             f"{base_label}, from {dates[0].date()} to {dates[-1].date()}; day 0 is {pd.Timestamp(d0).date()}.",
             (0, len(x) - 1), rng, xticks=ticks, xlabel="session (security's exchange)",
             yfmt=lambda v: fmt(v), zero=False)
    p.heading = f"{names.get(sym) or sym}: price"
    p.hline(100, dash="2 3")
    p.vline(float(pos), "day 0")
    # The benchmark may skip sessions of the security's exchange: join its points across them.
    ok = np.isfinite(ref)
    if ok.any():
        p.line(x[ok], ref[ok], AMBER, width=1.6, markers=False)
        p.legend(f"{names.get(bench) or bench} (benchmark)", AMBER)
    p.line(x, sec, BLUE)
    p.legend(names.get(sym) or sym, BLUE)
    p.missing(x[~np.isfinite(px)])
    return p


def _tcrit(df: float) -> float:
    return float(special.stdtrit(df, 0.5 + CONFIDENCE / 2)) if np.isfinite(df) and df > 0 else np.nan


def ar_chart(result: StudyResult, i: int, df: float, who: str, short: str = "") -> Plot | None:
    """Daily abnormal returns by relative day, whiskers the 95% interval of each day's t test
    (``df``: the estimation's degrees of freedom of row ``i``)."""
    return daily_chart(result, i, df, who, short, noun="abnormal return", plural="abnormal returns", legend="AR",
                       model=result.output.model_used[i], yfmt=pct_tick)


def daily_chart(result: StudyResult, i: int, df: float, who: str, short: str, *, noun: str, plural: str,
                legend: str, model: str, yfmt: Callable[[float], str], missing: str = "no price") -> Plot | None:
    """A study's row ``i`` day by day: bars, whiskers the 95% interval of each day's t test (``df``
    its degrees of freedom); abnormal returns, or abnormal log volume (report/volume.py)."""
    out = result.output
    cols = out.win_cols
    days, values = out.rel[cols].astype(float), out.ar[i, cols]
    if not np.isfinite(values).any():
        return None
    half = _tcrit(df) * np.sqrt(out.var_ar[i, cols])
    lo, hi = values - half, values + half
    has_band = bool(np.isfinite(half[np.isfinite(values)]).any())
    band = "whiskers: 95% interval of the daily t test" if has_band else "no interval: too few estimation days"
    p = Plot(f"{who} {plural}", f"{noun.capitalize()} of {who} on each day of the event window "
             f"[{out.window.start:+d},{out.window.end:+d}] ({model}); {band}.",
             (days[0], days[-1]), finite_range(values, lo, hi) or (0, 0), xticks=_day_ticks(days),
             xlabel="trading day relative to day 0", yfmt=yfmt)
    p.heading = f"{short or who}: {plural}"
    p.hline(0)
    p.vline(0)
    p.bars(days, values)
    p.legend(legend, BLUE, "box")
    if has_band:
        p.whiskers(days, lo, hi)
        p.legend("95% interval", INK)
    else:
        p.caption = (f"{noun.capitalize()} on each day of the event window. No interval: too few estimation days "
                     "to estimate the volatility, so no test is possible.")
    p.missing(days[~np.isfinite(values)], missing)
    return p


@dataclass(frozen=True)
class CarPath:
    """CAR from the event window's start to each of its days, and its variance (estimation error
    included), for every series of one study: ``car`` and ``var`` are (days, series)."""

    days: np.ndarray
    car: np.ndarray
    var: np.ndarray


def car_path(result: StudyResult) -> CarPath:
    # One pass over all series per day of the window, shared by every security charted from this study.
    out = result.output
    w = out.window
    days = np.arange(w.start, w.end + 1)
    cars = [out.car(Window(w.start, int(d))) for d in days]
    return CarPath(days, np.array([c.car for c in cars]), np.array([c.var for c in cars]))


def car_chart(result: StudyResult, i: int, path: CarPath, df: float, who: str, short: str = "") -> Plot | None:
    """Row ``i``'s CAR path with the 95% band of its t test (``df``: its degrees of freedom)."""
    days, car, var = path.days, path.car[:, i], path.var[:, i]
    out = result.output
    if not np.isfinite(car).any():
        return None
    half = _tcrit(df) * np.sqrt(var)
    has_band = bool(np.isfinite(half).any())
    band = "95% band of the CAR's t test" if has_band else "no band: too few estimation days"
    x = days.astype(float)
    p = Plot(f"{who} cumulative abnormal return", f"CAR of {who} from day {out.window.start:+d} to each day of the "
             f"event window; {band} (its variance includes the model's estimation error).",
             (x[0], x[-1]), finite_range(car, car - half, car + half) or (0, 0), xticks=_day_ticks(days),
             xlabel=f"trading day relative to day 0 (CAR from day {out.window.start:+d})", yfmt=pct_tick)
    p.heading = f"{short or who}: CAR"
    if has_band:
        p.band(x, car - half, car + half)
        p.legend("95% band", BAND, "box")
    else:
        p.caption = ("CAR from the start of the event window. No band: too few estimation days to estimate "
                     "the volatility, so no test is possible.")
    p.hline(0)
    p.vline(0)
    p.line(x, car, BLUE)
    p.legend("CAR", BLUE)
    return p


def _implied_half_width(mean: np.ndarray, pvals: np.ndarray) -> np.ndarray:
    """Half-width of the 95% interval implied by a test's two-sided p-value: the normal standard error
    |mean| / z(p), so the interval excludes zero exactly when p < 0.05, whatever the test."""
    with np.errstate(divide="ignore", invalid="ignore"):
        z = -special.ndtri(pvals / 2)
        return np.where(z > 1e-9, -special.ndtri((1 - CONFIDENCE) / 2) * np.abs(mean) / z, np.nan)


def group_chart(result: StudyResult, target: str) -> Plot | None:
    """Each member's AR (grey dots) beside the mean AR (bars) with the lead statistic's interval."""
    out = result.output
    cols = out.win_cols
    days = out.rel[cols].astype(float)
    ar = out.ar[:, cols]
    if np.isfinite(ar).sum(axis=0).max(initial=0) < 2:
        return None
    t = result.tests
    lead = t[t["scope"] == "day"].groupby("day", sort=True).head(1).set_index("day")
    mean = lead["mean"].reindex(out.rel[cols]).to_numpy(dtype=float)
    pv = lead["p_value"].reindex(out.rel[cols]).to_numpy(dtype=float)
    stat = str(lead["statistic"].iloc[0]) if not lead.empty else "lead test"
    half = _implied_half_width(mean, pv)
    lo, hi = mean - half, mean + half
    spread = finite_range(ar, mean)
    assert spread is not None
    # A p close to 1 implies a very wide interval; clip it to three times the members' spread so the
    # members stay readable (the description says so).
    width = max(spread[1] - spread[0], 1e-4)
    lo_c, hi_c = np.maximum(lo, spread[0] - width), np.minimum(hi, spread[1] + width)
    clipped = bool(np.any((lo_c > lo) | (hi_c < hi)))
    n = int(np.isfinite(ar).sum(axis=0).max())
    p = Plot(f"{target}: {n} members", f"Abnormal return of each of the {n} members of {target} studied (grey "
             f"dots) and their mean (bars) on each day of the event window; whiskers: the 95% interval implied "
             f"by the deciding {stat} test's p-value, which excludes zero exactly when p < 0.05"
             + ("; very wide intervals are cut at the chart's edge." if clipped else "."),
             (days[0], days[-1]), finite_range(ar, mean, lo_c, hi_c) or (0, 0), xticks=_day_ticks(days),
             xlabel="trading day relative to day 0", yfmt=pct_tick)
    p.hline(0)
    p.vline(0)
    p.bars(days, mean, width=0.5)
    p.legend("mean AR", BLUE, "box")
    p.whiskers(days, lo_c, hi_c)
    p.legend(f"95% ({stat})", INK)
    offsets = np.linspace(-0.3, 0.3, out.n) if out.n > 1 else np.zeros(1)
    for k in range(out.n):
        p.points(days + offsets[k] * 0.8, ar[k], GREY, r=2.2, opacity=0.8)
    p.legend("members", GREY, "box")
    if clipped:
        p.caption = "Very wide intervals are cut at the chart's edge."
    return p


def timeline_chart(analysis: EventAnalysis, window: Window, offsets: dict[str, int]) -> Plot | None:
    """Other events inside this event's window, by trading day relative to its day 0."""
    others = [(o.id, offsets[o.id]) for o, _ in analysis.confounders if o.id in offsets]
    if not others:
        return None
    days = np.arange(window.start, window.end + 1)
    rows = len(others) + 1
    p = Plot(f"Events around {analysis.event.id}", f"Other events announced inside the event window of "
             f"{analysis.event.id} (day 0), by trading day: " + ", ".join(f"{i} on day {d:+d}" for i, d in others)
             + ".", (float(days[0]), float(days[-1])), (0.5, rows + 0.5), xticks=_day_ticks(days),
             xlabel="trading day relative to day 0", yfmt=lambda v: "", zero=False)
    p.yticks = []
    p.y0, p.y1 = 0.0, rows + 0.6
    items = [(analysis.event.id, 0, BLUE), *((i, d, AMBER) for i, d in others)]
    for k, (ev, d, color) in enumerate(items):
        y = rows - k
        p.points([float(d)], [float(y)], color, r=5)
        anchor = "end" if d > (window.start + window.end) / 2 else "start"
        p.label(d + (-0.35 if anchor == "end" else 0.35), y - 0.12, ev, anchor=anchor)
    p.vline(0)
    return p


@dataclass(frozen=True)
class _Spec:
    title: str
    caption: str


SPECS = {
    "price": _Spec("price and benchmark", "Adjusted close of the security and of its benchmark, rebased "
                   "to 100 at day -1; the dashed line marks day 0, a grey cross a session without a price."),
    "ar": _Spec("daily abnormal returns", "Abnormal return on each day of the event window; whiskers: the "
                "95% interval of the day's time-series t test (crossing zero means not significant at 5%)."),
    "car": _Spec("cumulative abnormal return", "CAR from the start of the event window with the 95% band "
                 "of its t test, whose variance includes the model's estimation error."),
    "group": _Spec("members and their mean", "Each member's abnormal return (grey dots) beside the "
                   "mean (bars); whiskers: the 95% interval implied by the deciding test's p-value."),
    "timeline": _Spec("other events in the window", "Other announcements inside the event window, "
                      "by trading day relative to day 0: their effects cannot be told apart from this one's."),
}


def _chart(base: str, label: str, kind: str, plot: Plot | None, symbol: str = "", move: float = 0.0) -> Chart | None:
    if plot is None:
        return None
    return Chart(f"chart-{base}-{kind}", kind, f"{label}: {SPECS[kind].title}", plot.caption, plot.render(),
                 symbol, move)


def _moves(res: StudyResult) -> dict[str, float]:
    ar = res.ar[res.ar["day"] == 0]
    return {str(k): abs(float(v)) for k, v in zip(ar["symbol"], ar["abnormal_return"], strict=True)
            if np.isfinite(v)}


def _sample_charts(base: str, sample: Sample, done: set[str], analysis: EventAnalysis,
                   names: dict[str, str]) -> list[Chart]:
    res = sample.result
    if res is None:
        return []
    found: list[Chart | None] = []
    first_row: dict[str, int] = {}
    for i, s in enumerate(res.output.series):
        first_row.setdefault(s.symbol, i)
    df: np.ndarray | None = None
    path: CarPath | None = None
    moves = _moves(res)
    for sym in sample.day0:
        # A symbol targeted alone and inside a group of the same event is studied the same way in
        # both samples, so it is drawn once.
        row = first_row.get(sym)
        if sym in done or row is None:
            continue
        done.add(sym)
        if df is None or path is None:
            df, path = degrees_of_freedom(res.output), car_path(res)
        key = f"{base}-{slug(sym)}"
        who = named(sym, names.get(sym))
        prices = analysis.prices.get(sym)
        move = moves.get(sym, 0.0)
        found.append(_chart(key, who, "price", price_chart(prices, names) if prices is not None else None, sym, move))
        short = names.get(sym) or sym
        found.append(_chart(key, who, "ar", ar_chart(res, row, float(df[row]), who, short), sym, move))
        found.append(_chart(key, who, "car", car_chart(res, row, path, float(df[row]), who, short), sym, move))
    if sample.is_group:
        found.append(_chart(f"{base}-{slug(sample.target)}", sample.target, "group", group_chart(res, sample.target)))
    return [c for c in found if c is not None]


def event_charts(analysis: EventAnalysis, window: Window, names: dict[str, str]) -> list[Chart]:
    """Every chart of one event: per sample its securities then its group, then the timeline of the
    other events inside ``window``."""
    done: set[str] = set()
    charts: list[Chart] = []
    base = slug(analysis.event.id)
    for sample in analysis.samples:
        charts.extend(_sample_charts(base, sample, done, analysis, names))
    tl = _chart(base, analysis.event.id, "timeline", timeline_chart(analysis, window, analysis.confounder_days))
    if tl is not None:
        charts.append(tl)
    return charts
