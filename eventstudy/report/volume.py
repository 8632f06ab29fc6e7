"""The event page's trading-volume panel: abnormal log volume around day 0 with its test
(Campbell & Wasley 1996; computed in :mod:`eventstudy.news.volume`): a sentence and a chart of the
daily abnormal log volume for the event's own security, every security and model in a folded table,
and a plain sentence for every security without volume."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from eventstudy.formatting import named, num, pvalue, slug, stat_p
from eventstudy.news.pipeline import EventAnalysis
from eventstudy.news.volume import MODEL_NAMES, multiple
from eventstudy.stats.engine import degrees_of_freedom
from eventstudy.stats.study import StudyResult
from eventstudy.stats.windows import Window

from .charts import Chart, _day_ticks, _tcrit
from .svg import BLUE, INK, Plot, finite_range, fmt
from .tables import Cell, Table

CAPTION = ("Abnormal log volume: the log of 1 + shares traded, less its normal level (mean-adjusted: its mean over "
           "the estimation window; market model: predicted from the benchmark's log volume). 0 is a normal day, "
           "+0.69 twice the normal volume, +1.10 three times; t and p from the same prediction-error test as the "
           "returns. CAV: the cumulative abnormal log volume over the window.")
MAX_CHARTS = 1


@dataclass
class VolumePanel:
    table: Table | None = None  # every security and model, folded on the page
    lines: list[str] = field(default_factory=list)  # the event's own securities' day 0, in words
    charts: list[Chart] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)  # securities without volume, in plain words
    caption: str = CAPTION

    def __bool__(self) -> bool:
        return self.table is not None or bool(self.absent)


def _window(cars: Sequence[Window]) -> Window | None:
    """The multi-day window the panel shows beside day 0: [-1,+1] when the run has it."""
    multi = [w for w in cars if w.end > w.start]
    return next((w for w in multi if (w.start, w.end) == (-1, 1)), multi[0] if multi else None)


def _row(res: StudyResult, symbol: str, window: Window | None) -> tuple[float, float, float, list[str]]:
    ar = res.ar
    day0 = ar[(ar["symbol"] == symbol) & (ar["day"] == 0)]
    av, t, p = (float(day0[c].iloc[0]) if len(day0) else np.nan for c in ("abnormal_return", "t_stat", "p_value"))
    cells = [num(av), f"×{num(multiple(av))}" if np.isfinite(av) else "n/a",
             stat_p(t, p) if np.isfinite(t) else "n/a"]
    if window is not None:
        car = res.car
        row = car[(car["symbol"] == symbol) & (car["window"] == window.label)]
        if len(row) and np.isfinite(row["t_stat"].iloc[0]):
            cells += [num(row["car"].iloc[0]), stat_p(row["t_stat"].iloc[0], row["p_value"].iloc[0])]
        elif len(row):
            cells += [num(row["car"].iloc[0]), "n/a"]
        else:
            cells += ["n/a", "n/a"]
    return av, t, p, cells


def _line(who: str, av: float, t: float, p: float, res: StudyResult, symbol: str) -> str:
    if not np.isfinite(av):
        i = next((k for k, s in enumerate(res.output.series) if s.symbol == symbol), None)
        if i is not None and not res.output.usable[i]:
            n = int(res.output.fit.n_obs[i])
            return (f"{who}: no abnormal volume on day 0: {n} valid estimation days, too few for a normal volume "
                    "(a recent listing, or a gap in the volume data).")
        return f"{who}: no abnormal volume on day 0: no volume on that session."
    test = f"t = {num(t)}, p = {pvalue(p)}" if np.isfinite(t) else "no test: too few estimation days"
    return (f"{who} traded ×{num(multiple(av))} its normal volume on day 0 (abnormal log volume {av:+.2f}, "
            f"mean-adjusted; {test}).")


def chart(res: StudyResult, symbol: str, who: str, short: str) -> Plot | None:
    """One security's daily abnormal log volume (mean-adjusted), whiskers its 95% interval."""
    out = res.output
    i = next((k for k, s in enumerate(out.series) if s.symbol == symbol), None)
    if i is None:
        return None
    cols = out.win_cols
    days, av = out.rel[cols].astype(float), out.ar[i, cols]
    if not np.isfinite(av).any():
        return None
    half = _tcrit(float(degrees_of_freedom(out)[i])) * np.sqrt(out.var_ar[i, cols])
    lo, hi = av - half, av + half
    p = Plot(f"{who} abnormal log volume", f"Abnormal log volume of {who} on each day of the event window "
             f"[{out.window.start:+d},{out.window.end:+d}] (mean-adjusted); whiskers: 95% interval of the daily t "
             "test.", (days[0], days[-1]), finite_range(av, lo, hi) or (0, 0), xticks=_day_ticks(days),
             xlabel="trading day relative to day 0", yfmt=fmt)
    p.heading = f"{short}: abnormal log volume"
    p.hline(0)
    p.vline(0)
    p.bars(days, av)
    p.legend("abnormal log volume", BLUE, "box")
    if np.isfinite(half).any():
        p.whiskers(days, lo, hi)
        p.legend("95% interval", INK)
    p.missing(days[~np.isfinite(av)], "no volume")
    return p


def panel(analyses: Sequence[EventAnalysis], names: dict[str, str], cars: Sequence[Window]) -> VolumePanel:
    """The panel of a page's studies: each security once, under each volume model it has."""
    window = _window(cars)
    rows: list[list[str | Cell]] = []
    out = VolumePanel()
    seen: set[str] = set()
    absent: dict[str, str] = {}
    no_market: dict[str, str] = {}
    singles = {s.target for a in analyses for s in a.samples if not s.is_group}
    moves: list[tuple[bool, float, str, StudyResult]] = []
    for a in analyses:
        for s in a.samples:
            vs = s.volume
            if vs is None:
                continue
            for sym, why in vs.missing.items():
                absent.setdefault(sym, why)
            for sym, why in vs.no_market.items():
                no_market.setdefault(sym, why)
            for sym in vs.symbols:
                if sym in seen:
                    continue
                seen.add(sym)
                for model, res in vs.results.items():
                    if sym not in {x.symbol for x in res.output.series}:
                        continue
                    av, t, p, cells = _row(res, sym, window)
                    rows.append([named(sym, names.get(sym)), MODEL_NAMES[model], *cells])
                    if model == "constant-mean":
                        moves.append((sym in singles, abs(av) if np.isfinite(av) else -1.0, sym, res))
                        if sym in singles:
                            out.lines.append(_line(named(sym, names.get(sym)), av, t, p, res, sym))
    if rows:
        headers = ["security", "model", "day 0", "vs normal", "t (p)"]
        if window is not None:
            headers += [f"CAV{window.label}", "t (p)"]
        out.table = Table.of(headers, rows, numeric=tuple(range(2, len(headers))), prose=(0,))
    for sym, why in absent.items():
        out.absent.append(f"{named(sym, names.get(sym))} has no trading volume in its stored prices, so its volume "
                          f"is not studied ({why}).")
    for sym, why in no_market.items():
        if sym not in absent:
            out.absent.append(f"{named(sym, names.get(sym))}: mean-adjusted only, no market model of volume ({why}).")
    # The event's own security (a group's members are in the table: the page is long enough); one
    # without an abnormal volume (too little history) has no chart.
    drawn = [m for m in moves if m[0] and m[1] >= 0]
    for _, _, sym, res in drawn[:MAX_CHARTS]:
        who = named(sym, names.get(sym))
        plot = chart(res, sym, who, names.get(sym) or sym)
        if plot is not None:
            out.charts.append(Chart(f"chart-volume-{slug(sym)}", "volume", f"{who}: abnormal log volume", "",
                                    plot.render(), sym))
    return out
