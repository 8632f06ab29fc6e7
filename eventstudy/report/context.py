"""The report's content as plain data (pre-formatted strings), shared by the Markdown and HTML renderers.

Everything a reader sees is decided here once, so the two formats cannot disagree on a number.
Templates only lay it out. Only summary statistics reach the report: never a table of prices.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

import pandas as pd

from eventstudy.formatting import integer, num, pct, pvalue, stat_p
from eventstudy.news.events import Event
from eventstudy.news.pipeline import EventAnalysis, RunResult, Sample, Settings
from eventstudy.news.verdicts import Verdict
from eventstudy.stats.windows import Window

from .charts import Chart


@dataclass
class Cell:
    text: str
    strong: bool = False


@dataclass
class Table:
    headers: list[str]
    rows: list[list[Cell]]
    # Columns holding numbers are right-aligned in both formats.
    numeric: list[bool] = field(default_factory=list)

    @classmethod
    def of(cls, headers: list[str], rows: list[list[str | Cell]], numeric: Sequence[int] = ()) -> Table:
        cells = [[c if isinstance(c, Cell) else Cell(c) for c in row] for row in rows]
        return cls(headers, cells, [i in numeric for i in range(len(headers))])


@dataclass
class Battery:
    target: str
    n_members: int
    correlation: str
    lead_note: str
    table: Table


@dataclass
class EventView:
    id: str
    title: str
    when: str
    time_note: str
    source: str
    certainty: str
    uncertain: str
    notes: str
    studied: bool
    missing: list[str]
    day0: Table | None
    cars: Table | None
    batteries: list[Battery]
    not_studied: list[str]
    confounders: Table | None
    quality: list[str]
    charts: list[Chart]
    claims: list[str]
    robustness: list[tuple[str, Table]] = field(default_factory=list)
    same_study: list[str] = field(default_factory=list)


@dataclass
class ReportView:
    title: str
    claims: Table
    events: list[EventView]
    methods: list[tuple[str, list[str]]]
    references: list[str]
    chart_count: int = 0


VERDICT_MARK = {"supported": "supported", "not supported": "not supported", "inconclusive": "inconclusive",
                "cannot tell": "cannot tell"}


def _statement(v: Verdict, question: str) -> str:
    st = v.statement(question)
    return "" if st is None else f"{st.answer}: {st.text}"


def _p_cell(v: Verdict) -> str:
    p = v.extra.get("p_value")
    if p is None:
        return ""
    return f"{pvalue(p)} (Holm {pvalue(v.extra.get('p_holm'))}, BH {pvalue(v.extra.get('p_bh'))})"


def _claim_rows(verdicts: Sequence[Verdict]) -> Table:
    rows: list[list[str | Cell]] = []
    for v in verdicts:
        c = v.claim
        condition = f"{c.kind}({c.target}) {c.op} {pct(c.threshold)}"
        rows.append([v.event_id, f"“{c.text}” — {condition}", Cell(pct(v.measured), strong=True),
                     Cell(VERDICT_MARK.get(v.verdict, v.verdict), strong=True), v.reason,
                     _statement(v, "happened"), _statement(v, "unusual"), _statement(v, "attributable"),
                     ", ".join(v.badges), _p_cell(v)])
    return Table.of(["event", "claim", "measured", "verdict", "why", "happened?", "unusual?", "attributable?",
                     "flags", "p (adjusted across claims)"], rows, numeric=(2,))


def _robustness(verdicts: Sequence[Verdict], event_id: str) -> list[tuple[str, Table]]:
    """Per claim of the event: its key number and p under each model, benchmark and window."""
    out = []
    for v in verdicts:
        t = v.robustness
        if v.event_id != event_id or t is None or t.empty:
            continue
        rows: list[list[str | Cell]] = [
            [str(r.variant), str(r.model), str(r.benchmark), str(r.estimation), Cell(pct(r.value), True),
             str(r.statistic or ""), pvalue(r.p_value), integer(r.n), str(r.note or "")]
            for r in t.itertuples(index=False)]
        title = f"“{v.claim.text}”: {v.extra.get('robust') or 'not judged'}"
        out.append((title, Table.of(["variant", "model", "benchmark", "estimation", "day-0 AR (mean)", "test", "p",
                                     "N / days", "note"], rows, numeric=(4, 6, 7))))
    return out


def _when(e: Event) -> tuple[str, str]:
    if e.time_known and e.time is not None:
        return f"{e.date.isoformat()} {e.time.strftime('%H:%M')} ({e.timezone})", ""
    note = (
        f"time unknown: treated as the start of the local day (00:00 {e.timezone}), so day 0 is the first "
        "session closing after it; a release that came after that session's close falls on day +1"
    )
    return f"{e.date.isoformat()} ({e.timezone})", note


def _day0_table(a: EventAnalysis) -> Table | None:
    rows: list[list[str | Cell]] = []
    seen: set[str] = set()
    for s in a.samples:
        names = {sec.symbol: sec for sec in s.securities}
        for sym, d0 in s.day0.items():
            if sym in seen:
                continue
            seen.add(sym)
            sec = names.get(sym)
            bench = a.prices[sym].attrs.get("benchmark", "") if sym in a.prices else (sec.benchmark if sec else "")
            rows.append([sym, sec.name if sec else "", sec.exchange if sec else "", str(pd.Timestamp(d0).date()),
                         bench or ""])
    if not rows:
        return None
    return Table.of(["security", "name", "exchange", "day 0", "benchmark"], rows)


def _car_note(s: Sample, symbol: str, note: str) -> str:
    limits = "; ".join(f"{pd.Timestamp(d).date()} {f}" for d, f in s.limits.get(symbol, {}).items())
    return "; ".join(x for x in (note, f"closes at the daily price limit: {limits}" if limits else "") if x)


def _cars_table(a: EventAnalysis, skip: Collection[str] = ()) -> Table | None:
    rows: list[list[str | Cell]] = []
    seen: set[str] = set()
    for s in a.samples:
        if s.result is None or s.target in skip:
            continue
        car = s.result.car
        for sym, g in car.groupby("symbol", sort=False):
            if sym in seen:  # studied identically in another sample of this event
                continue
            seen.add(str(sym))
            for k, r in enumerate(g.itertuples(index=False)):
                # The note is the same for every window of a security: print it once.
                rows.append([str(sym) if k == 0 else "", str(r.window), pct(r.raw_return), Cell(pct(r.car), True),
                             pct(r.bhar), num(r.t_stat), pvalue(r.p_value), str(r.model),
                             integer(r.estimation_days), _car_note(s, str(sym), str(r.note)) if k == 0 else ""])
    if not rows:
        return None
    return Table.of(["security", "window", "raw return", "CAR", "BHAR", "t", "p", "model", "est. days", "notes"],
                    rows, numeric=(2, 3, 4, 5, 6, 8))


def _battery(s: Sample, cars: Sequence[Window]) -> Battery | None:
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
    for stat in order:
        row: list[str | Cell] = [stat, str(assumptions.get(stat, ""))]
        for _, f in columns:
            hit = f[f["statistic"] == stat]
            if hit.empty:
                row.append("")
                continue
            # The lead statistic is the first row of that day's / window's tests.
            lead = str(f["statistic"].iloc[0]) == stat
            value, p = hit["value"].iloc[0], hit["p_value"].iloc[0]
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
                            numeric=tuple(range(2, 2 + len(columns)))))


def _not_studied(a: EventAnalysis) -> list[str]:
    out: list[str] = []
    for s in a.samples:
        for sym, why in s.missing.items():
            where = f" (member of {s.target})" if s.is_group else ""
            out.append(f"{sym}{where}: {why}")
    return out


def _confounders(a: EventAnalysis) -> Table | None:
    if not a.confounders:
        return None
    return Table.of(["event", "title", "how"], [[o.id, o.title, how] for o, how in a.confounders])


def _quality(a: EventAnalysis) -> list[str]:
    lines = []
    for sym, text in a.quality.items():
        lines.append(f"{sym}: {text}" if text else f"{sym}: no issues recorded")
    return lines


def event_view(a: EventAnalysis, settings: Settings, charts: list[Chart], verdicts: Sequence[Verdict],
               shown: dict[int, Event] | None = None) -> EventView:
    """One event's section. ``shown``: studies already presented under an earlier event (by the
    identity of their result), which this event names instead of repeating (it is updated)."""
    e = a.event
    when, time_note = _when(e)
    studied = any(s.result is not None for s in a.samples)
    shown = {} if shown is None else shown
    skip: set[str] = set()
    same: list[str] = []
    for s in a.samples:
        if s.result is None:
            continue
        first = shown.setdefault(id(s.result), e)
        if first.id != e.id:
            skip.add(s.target)
            same.append(f"{s.target}: the same study (same securities and day 0) as {first.id} ({first.title}), "
                        "shown there")
        elif s.same_study:
            same.append(f"{s.target}: this study also serves " + "; ".join(f"{o.id} ({o.title})" for o in s.same_study))
    batteries = [b for b in (_battery(s, settings.cars) for s in a.samples if s.target not in skip) if b is not None]
    claims = [f"“{v.claim.text}”: {v.verdict} ({pct(v.measured)}); " + "; ".join(
        f"{st.question}: {st.answer}" for st in v.statements) for v in verdicts if v.event_id == e.id]
    return EventView(
        id=e.id, title=e.title, when=when, time_note=time_note, source=e.source, certainty=e.certainty,
        uncertain=e.uncertain, notes=e.notes if e.notes != e.uncertain else "", studied=studied,
        missing=_not_studied(a) if not studied else [],
        day0=_day0_table(a), cars=_cars_table(a, skip), batteries=batteries,
        not_studied=_not_studied(a) if studied else [], confounders=_confounders(a), quality=_quality(a),
        charts=charts, claims=claims, robustness=_robustness(verdicts, e.id), same_study=same,
    )


MODEL_TEXT = {
    "constant-mean": "constant mean return: expected return = mean return over the estimation window",
    "market-adjusted": "market-adjusted: expected return = the benchmark's return (no estimation)",
    "market": "market model: OLS of the security's return on its benchmark's over the estimation window",
    "two-index": "two-index model: OLS on the benchmark and the sector index",
    "scholes-williams": "Scholes-Williams betas for non-synchronous trading",
    "dimson": "Dimson betas (lagged, contemporaneous and leading benchmark returns)",
}

REFERENCES = [
    "Boehmer, E., Musumeci, J. & Poulsen, A. B. (1991). Event-study methodology under conditions of "
    "event-induced variance. Journal of Financial Economics 30(2), 253-272.",
    "Brown, S. J. & Warner, J. B. (1980). Measuring security price performance. Journal of Financial "
    "Economics 8(3), 205-258.",
    "Brown, S. J. & Warner, J. B. (1985). Using daily stock returns: the case of event studies. Journal of "
    "Financial Economics 14(1), 3-31.",
    "Corrado, C. J. (1989). A nonparametric test for abnormal security-price performance in event studies. "
    "Journal of Financial Economics 23(2), 385-395.",
    "Cowan, A. R. (1992). Nonparametric event study tests. Review of Quantitative Finance and Accounting "
    "2(4), 343-358.",
    "Gelbach, J. B., Helland, E. & Klick, J. (2013). Valid inference in single-firm, single-event studies. "
    "American Law and Economics Review 15(2), 495-541.",
    "Kolari, J. W. & Pynnonen, S. (2010). Event study testing with cross-sectional correlation of abnormal "
    "returns. Review of Financial Studies 23(11), 3996-4025.",
    "Kolari, J. W. & Pynnonen, S. (2011). Nonparametric rank tests for event studies. Journal of Empirical "
    "Finance 18(5), 953-971.",
    "MacKinlay, A. C. (1997). Event studies in economics and finance. Journal of Economic Literature 35(1), "
    "13-39.",
    "Patell, J. M. (1976). Corporate forecasts of earnings per share and stock price behavior: empirical "
    "tests. Journal of Accounting Research 14(2), 246-276.",
]


def methods(st: Settings) -> list[tuple[str, list[str]]]:
    est = st.estimation
    cars = ", ".join(f"CAR{w.label}" for w in st.cars)
    return [
        ("Returns and models", [
            "Daily simple returns from adjusted closes, each security on its own exchange's sessions and "
            f"against its own benchmark; missing sessions: {st.missing!r}.",
            f"Normal-return model: {MODEL_TEXT.get(st.model, st.model)} (MacKinlay 1997).",
            f"Estimation window {est.window.label} trading days relative to day 0, at least {est.min_days} valid "
            f"days; with fewer (fallback {st.fallback!r}): "
            + ("market-adjusted returns with the volatility of the valid estimation days plus the days after the "
               "event window (the model column says \"(fallback)\")." if st.fallback == "post-event" else
               "no substitute model: the requested model without test statistics, or no abnormal return."),
            "Abnormal return AR = return - expected return; its variance is the prediction-error variance, and "
            "a CAR's variance includes the estimation error of the model over the whole window (MacKinlay 1997).",
        ]),
        ("Windows and day 0", [
            f"Event window {st.window.label}; CAR windows {cars}; BHAR is the buy-and-hold return minus the "
            "buy-and-hold expected return over the same window.",
            "Day 0 is the first session of the security's exchange that closes after the announcement: a release "
            "before the open or during trading lands on that session, one after the close on the next session. "
            "When the time of day is unknown the announcement is placed at the start of its local date, so a "
            "release after that day's close shows on day +1 (inside every window that includes [0,+1]).",
        ]),
        ("Tests", [
            "One security: time-series t = AR (or CAR) / its standard deviation, Student's t with the estimation "
            "degrees of freedom (Brown & Warner 1980, 1985; MacKinlay 1997).",
            "Groups: cross-sectional t; Brown-Warner 1980 and 1985 (portfolio); Patell Z (Patell 1976); BMP "
            "(Boehmer, Musumeci & Poulsen 1991); Corrado rank (Corrado 1989); sign and generalized sign "
            "(Cowan 1992); Wilcoxon signed-rank; a calendar-aligned bootstrap "
            f"({st.bootstrap} resamples, seed {st.seed}).",
            "Members that share one calendar date have correlated abnormal returns, which inflates the usual "
            "statistics; the report then leads with the adjusted BMP and adjusted Patell (Kolari & Pynnonen "
            "2010), using the mean residual correlation r of the estimation window, and GRANK "
            "(Kolari & Pynnonen 2011). All p-values are two-sided.",
            "Claims: three statements each. Happened: the claim's own number (the raw day-0 return; the return "
            "from the offer price; the members' mean raw return, most of them moving the claimed way, with at least "
            "half the members priced). Unusual: the abnormal return by the test that leads (the SQ test of Gelbach, "
            "Helland & Klick 2013 for one security, the KP-adjusted BMP for a group), with the minimum detectable "
            "effect at 80% power. Attributable: no other event on the same securities and day 0, a known "
            "announcement time, clean prices. Verdict: cannot tell without data; not supported when the move did "
            "not happen, or happened and was not unusual although the test could have seen it; supported when all "
            "three hold; otherwise inconclusive, with the reason.",
        ]),
    ]


def build(run: RunResult, verdicts: Sequence[Verdict], charts: dict[str, list[Chart]], title: str) -> ReportView:
    shown: dict[int, Event] = {}
    events = [event_view(a, run.settings, charts.get(a.event.id, []), verdicts, shown) for a in run.analyses]
    n = sum(len(c) for c in charts.values())
    return ReportView(title, _claim_rows(verdicts), events, methods(run.settings), REFERENCES, n)
