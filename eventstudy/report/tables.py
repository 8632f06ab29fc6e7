"""The report's tables and lists as plain data (pre-formatted strings), shared by the Markdown and HTML
renderers, so the two formats cannot disagree on a number. Only summary statistics reach the
report: never a table of prices."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from eventstudy.formatting import integer, named, num, pct, pvalue, stat_p
from eventstudy.news.events import Event
from eventstudy.news.pipeline import EventAnalysis, Sample
from eventstudy.news.verdicts import Verdict
from eventstudy.stats.windows import Window


@dataclass
class Cell:
    text: str
    strong: bool = False
    href: str = ""  # a link inside the report (never to an outside address)


@dataclass
class Table:
    headers: list[str]
    rows: list[list[Cell]]
    # Columns holding numbers are right-aligned in both formats.
    numeric: list[bool] = field(default_factory=list)
    # Columns holding sentences wrap; the others stay on one line (a date or a number never breaks),
    # and a table wider than the screen scrolls in its own box.
    prose: list[bool] = field(default_factory=list)

    @classmethod
    def of(cls, headers: list[str], rows: list[list[str | Cell]], numeric: Sequence[int] = (),
           prose: Sequence[int] = ()) -> Table:
        cells = [[c if isinstance(c, Cell) else Cell(c) for c in row] for row in rows]
        return cls(headers, cells, [i in numeric for i in range(len(headers))],
                   [i in prose for i in range(len(headers))])


@dataclass
class Battery:
    target: str
    n_members: int
    correlation: str
    lead_note: str
    table: Table


def when(e: Event) -> tuple[str, str]:
    if e.time_known and e.time is not None:
        return f"{e.date.isoformat()} {e.time.strftime('%H:%M')} ({e.timezone})", ""
    note = (
        f"time unknown: treated as the start of the local day (00:00 {e.timezone}), so day 0 is the first "
        "session closing after it; a release that came after that session's close falls on day +1"
    )
    return f"{e.date.isoformat()} ({e.timezone})", note


def _who(sym: str, names: dict[str, str], tag: str) -> str:
    # ``tag``: the event a row belongs to on a page that shows several events' differing samples.
    return named(sym, names.get(sym)) + (f", for {tag}" if tag else "")


def day0_table(a: EventAnalysis, names: dict[str, str], tag: str = "") -> Table | None:
    rows: list[list[str | Cell]] = []
    seen: set[str] = set()
    for s in a.samples:
        secs = {sec.symbol: sec for sec in s.securities}
        for sym, d0 in s.day0.items():
            if sym in seen:
                continue
            seen.add(sym)
            sec = secs.get(sym)
            bench = a.prices[sym].attrs.get("benchmark", "") if sym in a.prices else (sec.benchmark if sec else "")
            rows.append([_who(sym, names, tag), sec.exchange if sec else "", str(pd.Timestamp(d0).date()),
                         named(bench, names.get(bench)) if bench else ""])
    if not rows:
        return None
    return Table.of(["security", "exchange", "day 0", "benchmark"], rows, prose=(0, 3))


def _car_note(s: Sample, symbol: str, note: str) -> str:
    limits = "; ".join(f"{pd.Timestamp(d).date()} {f}" for d, f in s.limits.get(symbol, {}).items())
    return "; ".join(x for x in (note, f"closes at the daily price limit: {limits}" if limits else "") if x)


def _text(value: object) -> str:
    """A text cell of a results frame: empty for a missing value (NaN or None), never "nan"."""
    return "" if value is None or (isinstance(value, float) and value != value) else str(value)


def robustness(v: Verdict) -> Table | None:
    """A claim's key number and p under each model, benchmark and estimation window."""
    t = v.robustness
    if t is None or t.empty:
        return None
    rows: list[list[str | Cell]] = [
        [str(r.variant), str(r.model), str(r.benchmark), str(r.estimation), Cell(pct(r.value), True),
         _text(r.statistic), pvalue(r.p_value), integer(r.n), _text(r.note)]
        for r in t.itertuples(index=False)]
    return Table.of(["variant", "model", "benchmark", "estimation", "day-0 AR (mean)", "test", "p", "N / days",
                     "note"], rows, numeric=(4, 6, 7), prose=(8,))


def cars_table(a: EventAnalysis, names: dict[str, str], tag: str = "") -> Table | None:
    rows: list[list[str | Cell]] = []
    seen: set[str] = set()
    for s in a.samples:
        if s.result is None:
            continue
        car = s.result.car
        for sym, g in car.groupby("symbol", sort=False):
            if sym in seen:  # studied identically in another sample of this event
                continue
            seen.add(str(sym))
            for k, r in enumerate(g.itertuples(index=False)):
                # The note is the same for every window of a security: print it once.
                rows.append([_who(str(sym), names, tag) if k == 0 else "", str(r.window), pct(r.raw_return),
                             Cell(pct(r.car), True),
                             pct(r.bhar), num(r.t_stat), pvalue(r.p_value), str(r.model),
                             integer(r.estimation_days), _car_note(s, str(sym), str(r.note)) if k == 0 else ""])
    if not rows:
        return None
    return Table.of(["security", "window", "raw return", "CAR", "BHAR", "t", "p", "model", "est. days", "notes"],
                    rows, numeric=(2, 3, 4, 5, 6, 8),
                    prose=(0, 9))


def battery(s: Sample, cars: Sequence[Window]) -> Battery | None:
    res = s.result
    if res is None or not s.is_group:
        return None
    t = res.tests
    day0 = t[(t["scope"] == "day") & (t["day"] == 0)]
    has_00 = any(w.start == 0 and w.end == 0 for w in cars)
    columns: list[tuple[str, pd.DataFrame]] = [("day 0" + (" = CAR[0,0]" if has_00 else ""), day0)]
    for w in cars:
        if w.start == 0 and w.end == 0:
            continue  # identical to day 0, shown in that column
        columns.append((f"CAR{w.label}", t[(t["scope"] == "window") & (t["window"] == w.label)]))
    columns = [(label, frame) for label, frame in columns if not frame.empty]
    if not columns:
        return None
    order: list[str] = []
    for _, frame in columns:  # statistics in the battery's own order (robust first when clustered)
        order += [str(x) for x in frame["statistic"] if x not in order]
    assumptions = dict(zip(t["statistic"], t["assumption"], strict=False))
    rows: list[list[str | Cell]] = [
        ["mean AR / CAR", "", *[Cell(pct(f["mean"].iloc[0]), True) for _, f in columns]],
        ["N", "", *[integer(f["n"].iloc[0]) for _, f in columns]],
    ]
    # One dict per column rather than a frame filter per cell: the battery has dozens of cells.
    found = [{str(r.statistic): (r.value, r.p_value) for r in f[["statistic", "value", "p_value"]].itertuples()}
             for _, f in columns]
    leads = [str(f["statistic"].iloc[0]) for _, f in columns]
    for stat in order:
        row: list[str | Cell] = [stat, str(assumptions.get(stat, ""))]
        for k in range(len(columns)):
            if stat not in found[k]:
                row.append("")
                continue
            # The lead statistic is the first row of that day's / window's tests.
            lead = leads[k] == stat
            value, p = found[k][stat]
            # The bootstrap's "value" is the mean AR itself, a return rather than a test statistic.
            text = f"{pct(value)} (p {pvalue(p)})" if stat == "bootstrap" else stat_p(value, p)
            row.append(Cell(text, strong=lead))
        rows.append(row)
    lead_stat = str(columns[0][1]["statistic"].iloc[0])
    r = res.mean_correlation
    if res.clustered:
        lead_note = (f"The members share one calendar date, so the cross-correlation-robust {lead_stat} leads "
                     "(in bold); the others assume independent securities and are shown for comparison.")
    else:
        lead_note = f"{lead_stat} leads (in bold)."
    n_members = len(s.day0)
    return Battery(s.target, n_members, f"mean residual correlation r = {num(r, 3)}", lead_note,
                   Table.of(["statistic", "assumes", *[label for label, _ in columns]], rows,
                            numeric=tuple(range(2, 2 + len(columns))), prose=(1,)))


def not_studied(a: EventAnalysis, names: dict[str, str]) -> list[str]:
    out: list[str] = []
    for s in a.samples:
        known = {sec.symbol: sec.name for sec in s.securities}
        for sym, why in s.missing.items():
            where = f" (member of {s.target})" if s.is_group else ""
            out.append(f"{named(sym, names.get(sym) or known.get(sym))}{where}: {why}")
    return out
