"""A fitted study's figures with matplotlib: ``StudyResult.plot(kind=...)``.

matplotlib is imported here only, and this module only when a figure is made, so the command line's
light commands never load it (tests/test_startup.py). Figures are made as ``matplotlib.figure.Figure``
objects, never through pyplot: no GUI backend is chosen, no global figure list grows in a long
session, and saving renders with Agg (PNG) or the vector backends (PDF, SVG).

Bands are those of the deciding test, as in the reports' charts, so a figure never contradicts the
tests table: the interval implied by the lead statistic's two-sided p-value (the normal standard
error |mean| / z(p)) excludes zero exactly when that test has p < 0.05.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import special

from eventstudy.errors import UserError
from eventstudy.stats import significance
from eventstudy.stats.windows import Window

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from eventstudy.stats.study import StudyResult

KINDS = ("car", "ar", "securities", "distribution")
FORMATS = ("png", "pdf", "svg")
CONFIDENCE = 0.95
BLUE, BAND, GREY, INK = "#1f5fa8", "#b9cde6", "#8a8f98", "#222222"
MAX_LEGEND = 12  # securities named in a legend; beyond, only the extremes are named at the lines' ends
MAX_BARS = 40  # a distribution drawn as one named bar per event up to this many, else a histogram
# Saved files carry no date or tool version: the same study gives byte-identical files.
_METADATA: dict[str, dict[str, Any]] = {
    "png": {"Software": None},
    "pdf": {"CreationDate": None, "Producer": None, "Creator": None},
    "svg": {"Date": None, "Creator": None},
}


def plot(result: StudyResult, kind: str = "car", ax: Axes | None = None, *, names: Mapping[str, str] | None = None,
         window: Window | str | None = None) -> Figure:
    """Draw ``kind`` into ``ax`` (a new figure when None) and return the figure.

    ``names`` maps symbols to the names shown (the registry's, say); ``window`` is the CAR window of
    ``kind="distribution"`` (default: the study's first)."""
    if kind not in KINDS:
        raise UserError(f"unknown figure kind {kind!r}", field="kind", hint=f"choose one of: {', '.join(KINDS)}")
    own = ax is None
    fig, ax = _axes(ax)
    label = _labeller(names or {})
    if kind == "car":
        _car(result, ax)
    elif kind == "ar":
        _ar(result, ax)
    elif kind == "securities":
        _securities(result, ax, label)
    else:
        bars = _distribution(result, ax, label, window)
        if own and bars > 12:  # one readable row per named bar, in a figure of our own only
            fig.set_size_inches(6.4, max(4.0, 0.18 * bars + 1.2))
    return fig


def _axes(ax: Axes | None) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax  # type: ignore[return-value]  # a SubFigure's axes: drawn the same
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 4.0), dpi=100, layout="constrained")
    return fig, fig.add_subplot()


def _labeller(names: Mapping[str, str]) -> Any:
    return lambda symbol: names.get(symbol) or symbol


def _percent_axis(ax: Axes, axis: str = "y") -> None:
    from matplotlib.ticker import PercentFormatter

    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(PercentFormatter(1.0))


def _frame(ax: Axes, days: np.ndarray, xlabel: str) -> None:
    ax.axhline(0, color=INK, linewidth=0.8)
    ax.axvline(0, color=GREY, linewidth=0.8, linestyle=":")
    ax.set_xlim(days[0] - 0.5, days[-1] + 0.5)
    step = max(1, int(np.ceil(len(days) / 11)))
    ax.set_xticks(days[days % step == 0] if step > 1 else days)  # whole trading days, never beyond the window
    ax.set_xlabel(xlabel)
    _percent_axis(ax)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def implied_half_width(mean: np.ndarray, pvals: np.ndarray) -> np.ndarray:
    """Half-width of the 95% interval implied by a two-sided p-value (|mean| / z(p) times z(0.975)):
    it excludes zero exactly when p < 0.05, whatever the test; NaN without a p-value."""
    with np.errstate(divide="ignore", invalid="ignore"):
        z = -special.ndtri(np.asarray(pvals, dtype=float) / 2)
        return np.where(z > 1e-9, -special.ndtri((1 - CONFIDENCE) / 2) * np.abs(mean) / z, np.nan)


def _lead(tests: pd.DataFrame, scope: str) -> pd.DataFrame:
    """The deciding (first-listed) statistic of each day or window of a tests table."""
    t = tests[tests["scope"] == scope]
    key = "day" if scope == "day" else "window"
    return t.groupby(key, sort=False).head(1).set_index(key)


def _n(result: StudyResult) -> int:
    return int(result.output.n)


def _what(result: StudyResult) -> str:
    out = result.output
    return f"N = {out.n}, {out.model}, event window {out.window.label}"


def _ar(result: StudyResult, ax: Axes) -> None:
    """The average abnormal return per day with the interval of each day's deciding test."""
    lead = _lead(result.tests, "day")
    if lead.empty:
        raise UserError("the study has no daily tests to plot", hint="fit the study first")
    days = lead.index.to_numpy(dtype=float)
    order = np.argsort(days)
    days, mean, p = days[order], lead["mean"].to_numpy(float)[order], lead["p_value"].to_numpy(float)[order]
    half = implied_half_width(mean, p)
    stat = str(lead["statistic"].iloc[0])
    ax.bar(days, mean, width=0.6, color=BLUE, label="AAR" if _n(result) > 1 else "AR")
    ok = np.isfinite(half)
    if ok.any():
        ax.errorbar(days[ok], mean[ok], yerr=half[ok], fmt="none", ecolor=INK, elinewidth=1, capsize=2.5,
                    label=f"95% ({stat})")
    _frame(ax, days, "trading day relative to day 0")
    ax.set_ylabel("average abnormal return" if _n(result) > 1 else "abnormal return")
    ax.set_title(f"Abnormal returns by day ({_what(result)})", fontsize=10)
    ax.legend(frameon=False, fontsize=8)


def _car_path(result: StudyResult) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """CAAR from the event window's start to each of its days, and the half-width of the 95%
    interval implied by each such window's deciding test (the battery run on every prefix window,
    without the bootstrap); a chunked study keeps no estimation data, so its band is the
    cross-sectional t's."""
    out = result.output
    w = out.window
    days = np.arange(w.start, w.end + 1)
    prefixes = [Window(w.start, int(d)) for d in days]
    if not out.compact:
        cars = [out.car(p) for p in prefixes]
        table, _, _ = significance.test_table(out, cars, clustered=None if result.clustered else False,
                                              bootstrap=0)
        lead = _lead(table, "window").reindex([p.label for p in prefixes])
        mean, p_value = lead["mean"].to_numpy(float), lead["p_value"].to_numpy(float)
        stat = str(lead["statistic"].dropna().iloc[0]) if lead["statistic"].notna().any() else "t"
        return days, mean, implied_half_width(mean, p_value), stat
    wide = result.ar.pivot_table(index="event_id", columns="day", values="abnormal_return", dropna=False)
    path = wide.reindex(columns=days).cumsum(axis=1, skipna=False).to_numpy(float)
    n = np.isfinite(path).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.nanmean(path, axis=0) if len(path) else np.full(len(days), np.nan)
        se = np.nanstd(path, axis=0, ddof=1) / np.sqrt(n)
        half = special.stdtrit(np.maximum(n - 1, 1), 0.5 + CONFIDENCE / 2) * se
    return days, mean, np.where(n > 1, half, np.nan), "cross-sectional t"


def _car(result: StudyResult, ax: Axes) -> None:
    days, mean, half, stat = _car_path(result)
    x = days.astype(float)
    ok = np.isfinite(half)
    if ok.any():
        ax.fill_between(x, mean - np.where(ok, half, 0), mean + np.where(ok, half, 0), where=ok, color=BAND,
                        linewidth=0, label=f"95% band ({stat})")
    many = _n(result) > 1
    ax.plot(x, mean, color=BLUE, marker="o", markersize=3, linewidth=1.6, label="CAAR" if many else "CAR")
    start = int(days[0])
    _frame(ax, days, f"trading day relative to day 0 (cumulated from day {start:+d})")
    ax.set_ylabel("cumulative average abnormal return" if many else "cumulative abnormal return")
    ax.set_title(f"{'CAAR' if many else 'CAR'} ({_what(result)})", fontsize=10)
    ax.legend(frameon=False, fontsize=8, loc="best")


def _securities(result: StudyResult, ax: Axes, label: Any) -> None:
    """Each event's CAR path from the event window's start (a missing day breaks its line)."""
    ar = result.ar
    wide = ar.pivot_table(index="event_id", columns="day", values="abnormal_return", dropna=False, sort=False)
    days = np.arange(result.output.window.start, result.output.window.end + 1)
    path = wide.reindex(columns=days).cumsum(axis=1, skipna=True).where(wide.reindex(columns=days).notna())
    first = ar.drop_duplicates("event_id")
    symbol_of = dict(zip(first["event_id"].astype(str), first["symbol"].astype(str), strict=True))
    count = pd.Series(list(symbol_of.values())).value_counts().to_dict()
    # An event is named by its security (the registry's name where given); a security with several
    # events by the event id as well, so that two lines never share a name.
    tags = {e: label(s) + (f" ({e})" if count[s] > 1 else "") for e, s in symbol_of.items()}
    x = days.astype(float)
    ids = [str(e) for e in path.index]
    values = path.to_numpy(float)
    finals = pd.Series(path.ffill(axis=1).iloc[:, -1].to_numpy(float), index=ids)
    few = len(ids) <= MAX_LEGEND
    named = set(ids) if few else set(finals.nlargest(3).index) | set(finals.nsmallest(3).index)
    cmap = _palette(len(ids))
    for k, event_id in enumerate(ids):
        color = cmap[k] if few else (BLUE if event_id in named else GREY)
        ax.plot(x, values[k], color=color, linewidth=1.3 if event_id in named else 0.8,
                alpha=1.0 if event_id in named else 0.5, label=tags[event_id] if few else None)
        end = float(finals.iloc[k])
        if not few and event_id in named and np.isfinite(end):
            ax.annotate(tags[event_id], (x[-1], end), xytext=(4, 0), textcoords="offset points", fontsize=7,
                        va="center")
    _frame(ax, days, f"trading day relative to day 0 (CAR from day {int(days[0]):+d})")
    ax.set_ylabel("cumulative abnormal return")
    ax.set_title(f"CAR of each security ({_what(result)})", fontsize=10)
    if few:
        ax.legend(frameon=False, fontsize=7, ncol=2 if len(path) > 6 else 1)
    else:
        ax.set_xlim(x[0] - 0.5, x[-1] + 0.2 * (x[-1] - x[0]) + 2)


def _palette(n: int) -> list[Any]:
    from matplotlib import colormaps

    cmap = colormaps["tab20" if n > 10 else "tab10"]
    return [cmap(k % cmap.N) for k in range(max(n, 1))]


def window_label(result: StudyResult, window: Window | str | None) -> str:
    """The label of a CAR window of the study (its first by default); a window it has no CAR for is a
    user's mistake, named with the windows there are."""
    labels = [c.window.label for c in result.car_arrays]
    if window is None:
        return labels[0]
    label = window.label if isinstance(window, Window) else str(window)
    if label not in labels:
        raise UserError(f"the study has no CAR window {label}", field="window",
                        hint=f"its CAR windows: {', '.join(labels)} (add one with cars=[...] or --car A:B)")
    return label


def _distribution(result: StudyResult, ax: Axes, label: Any, window: Window | str | None) -> int:
    """The cross-section of one window's CARs: one named bar per event (sorted), or a histogram;
    returns the number of bars (0 for a histogram)."""
    which = window_label(result, window)
    car = result.car[result.car["window"] == which]
    values = car["car"].to_numpy(float)
    ok = np.isfinite(values)
    lead = _lead(result.tests, "window")
    mean = float(np.mean(values[ok])) if ok.any() else np.nan
    test = ""
    if which in lead.index:
        row = lead.loc[which]
        test = f"; {row['statistic']} p = {row['p_value']:.3g}" if np.isfinite(row["p_value"]) else ""
    if ok.sum() <= MAX_BARS:
        symbols = car["symbol"].astype(str).to_numpy()[ok]
        repeated = pd.Series(symbols).duplicated(keep=False).to_numpy()
        tags = [label(s) + (f" ({e})" if r else "") for s, e, r in
                zip(symbols, car["event_id"].astype(str).to_numpy()[ok], repeated, strict=True)]
        order = np.argsort(values[ok], kind="stable")
        y = np.arange(len(order))
        ax.barh(y, values[ok][order], color=[BLUE if v >= 0 else "#b5452f" for v in values[ok][order]], height=0.7)
        ax.set_yticks(y, [tags[i] for i in order], fontsize=7 if len(order) > 20 else 8)
        ax.axvline(0, color=INK, linewidth=0.8)
        ax.axvline(mean, color=INK, linewidth=1, linestyle="--", label=f"mean {mean:+.2%}{test}")
        _percent_axis(ax, "x")
        ax.set_xlabel(f"CAR{which}")
        bars = len(order)
    else:
        bars = 0
        ax.hist(values[ok], bins="auto", color=BLUE, alpha=0.85)
        ax.axvline(0, color=INK, linewidth=0.8)
        ax.axvline(mean, color=INK, linewidth=1, linestyle="--", label=f"mean {mean:+.2%}{test}")
        _percent_axis(ax, "x")
        ax.set_xlabel(f"CAR{which}")
        ax.set_ylabel("events")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_title(f"CAR{which} across {int(ok.sum())} event(s) ({result.output.model})", fontsize=10)
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    return bars


def save(fig: Figure, path: str | Path, fmt: str) -> None:
    """Write ``fig`` as ``fmt`` (png at 200 dpi for slides; pdf and svg as vectors for papers), without
    a date or a version inside, so the same figure gives the same bytes."""
    if fmt not in FORMATS:
        raise UserError(f"unknown figure format {fmt!r}", field="--figure-format", hint=f"use {', '.join(FORMATS)}")
    import matplotlib

    with matplotlib.rc_context({"svg.hashsalt": "eventstudy", "pdf.compression": 6}):
        fig.savefig(path, format=fmt, dpi=200 if fmt == "png" else "figure", metadata=_METADATA[fmt])


def parse_formats(text: str) -> tuple[str, ...]:
    """``png,pdf`` -> ("png", "pdf"); an unknown or empty list is a user's mistake."""
    formats = tuple(dict.fromkeys(f.strip().lower().lstrip(".") for f in text.split(",") if f.strip()))
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise UserError(f"unknown figure format {bad[0]!r}" if bad else "no figure format given",
                        field="--figure-format", hint=f"a comma-separated list of {', '.join(FORMATS)}")
    return formats


def figure_kinds(result: StudyResult) -> list[tuple[str, str, Window | None]]:
    """(file stem, kind, CAR window) of every figure a study's output holds: the mean paths, and for
    more than one event each security's path and one cross-section per CAR window."""
    todo: list[tuple[str, str, Window | None]] = [("car", "car", None), ("ar", "ar", None)]
    if result.output.n > 1:
        todo.append(("securities", "securities", None))
        todo += [(f"distribution_{c.window.start}_{c.window.end}", "distribution", c.window)
                 for c in result.car_arrays]
    return todo


def write_figures(result: StudyResult, folder: Path, formats: tuple[str, ...], *,
                  names: Mapping[str, str] | None = None, prefix: str = "") -> list[Path]:
    """Every figure of :func:`figure_kinds` in every format, into ``folder`` (a generation being
    staged: the caller switches it in whole); returns the paths in the order written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for stem, kind, window in figure_kinds(result):
        fig = plot(result, kind, names=names, window=window)
        for fmt in formats:
            path = folder / f"{prefix}{stem}.{fmt}"
            save(fig, path, fmt)
            written.append(path)
    return written
