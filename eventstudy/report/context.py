"""What the reader sees, as plain data shared by the Markdown and HTML renderers: the index (claims as
verdict cards, the events newest first with their verdicts, the provenance) and one page per study.

Every page opens with its conclusion (:mod:`.conclusion`); the evidence follows, the long parts
folded. Events that are one study (the same targets, and each group studied on the same day 0 with
one result, as when two reports of one day name the same group) get one page that lists all their
events, rather than copies of the same tables and charts; a single security whose day 0 differs
between them (a US date against an Asian one) is shown once per event on that page.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from eventstudy.formatting import pct, pvalue, slug
from eventstudy.news.events import Event
from eventstudy.news.pipeline import EventAnalysis, RunResult, Sample, Settings
from eventstudy.news.verdicts import Verdict, claim_wording

from . import conclusion, quality, tables
from .charts import SPECS, Chart, event_charts
from .escape import href
from .methods import REFERENCES, methods
from .provenance import Provenance, provenance
from .quality import Quality
from .tables import Battery, Cell, Table
from .volume import VolumePanel
from .volume import panel as volume_panel

# Verdict words and their colour class; the word is always shown, so colour is never the only cue.
VERDICT_CLASS = {"supported": "ok", "not supported": "no", "inconclusive": "unclear", "cannot tell": "unknown"}
# The two answers' colour classes (the word is always shown beside the colour).
FACT_CLASS = {"true": "ok", "false": "no", "unclear": "unclear", "no data": "unknown"}
CAUSE_CLASS = {"yes": "ok", "no": "no", "unclear": "unclear", "not applicable": "neutral", "no data": "unknown"}
QUESTIONS = {"happened": "Did it happen?", "unusual": "Was it unusual?", "attributable": "Was it the news?"}
# Members of a group whose charts are shown before the fold: the largest day-0 move (the group's
# chart beside it shows every member's abnormal return).
SHOWN_MEMBERS = 1


@dataclass
class StatementView:
    question: str
    answer: str
    text: str


@dataclass
class Card:
    """One claim with its verdict, for the index and the event page."""

    event_id: str
    page: str  # the event page's file stem
    anchor: str
    quote: str
    condition: str
    source: str
    source_href: str | None
    verdict: str
    verdict_class: str
    measured: str
    why: str
    reason: str
    badges: list[str]
    statements: list[StatementView]
    fact: str = ""  # true | false | unclear | no data
    fact_class: str = "unknown"
    claim_words: str = ""  # "more than 17%"
    fact_why: str = ""
    cause_question: str = ""  # "Caused by Zhipu releases GLM-Image?"
    cause: str = ""
    cause_class: str = "unknown"
    cause_why: str = ""
    placebo: str = ""
    p_adjusted: str = ""  # the lead p beside its Holm and Benjamini-Hochberg adjustments across claims
    robust: str = ""  # whether the key number is stable across models, benchmarks and windows
    robustness: Table | None = None
    subject: str = ""  # what the claim is about, for the page's opening lines: "Moore Threads since listing"
    answers: str = ""  # the three statements' answers in one line, the summary of their fold

    @property
    def event_anchor(self) -> str:
        return f"event-{slug(self.event_id)}"


@dataclass
class EventHeader:
    """One announcement: what, when, where from, how certain."""

    id: str
    anchor: str
    title: str
    date: str
    when: str
    time_note: str
    source: str
    source_href: str | None
    certainty: str
    uncertain: str
    notes: str
    page: str
    verdicts: list[tuple[str, str]] = field(default_factory=list)  # (verdict, colour class) of its claims


@dataclass
class ChartSection:
    """The charts of a page: each kind's caption said once, the charts that matter shown, the rest folded."""

    notes: list[tuple[str, str]]
    shown: list[Chart]
    folded: list[Chart]
    folded_label: str


@dataclass
class Page:
    """One study page: its events (one, or several with an identical study) and the study itself."""

    stem: str
    title: str
    events: list[EventHeader]
    cards: list[Card]
    studied: bool
    missing: list[str]
    day0: Table | None
    cars: Table | None
    batteries: list[Battery]
    not_studied: list[str]
    confounders: Table | None
    quality: Quality
    charts: ChartSection
    timeline: Chart | None
    lede: list[conclusion.Line] = field(default_factory=list)
    toc: list[tuple[str, str]] = field(default_factory=list)
    volume: VolumePanel = field(default_factory=VolumePanel)  # abnormal log volume (report.volume)

    @property
    def html_name(self) -> str:
        return f"{self.stem}.html"


@dataclass
class IndexView:
    title: str
    cards: list[Card]
    events: list[EventHeader]
    provenance: Provenance
    methods: list[tuple[str, list[str]]]
    references: list[str]
    csv_files: list[str]


@dataclass
class ReportView:
    index: IndexView
    pages: list[Page]


def _why(reason: str) -> str:
    """The verdict's reason cut to its first clause, as one sentence (the full reason is one click away)."""
    first = reason.split("; ", 1)[0].strip()
    if not first:
        return ""
    first = first[0].upper() + first[1:]
    return first if first.endswith(".") else first + "."


def _card(v: Verdict, page: str, known: dict[str, str]) -> Card:
    c = v.claim
    return Card(
        event_id=v.event_id, page=page, anchor=f"claim-{slug(v.event_id)}-{slug(c.kind)}-{slug(c.target)}",
        quote=c.text, condition=f"{c.kind}({c.target}) {c.op} {pct(c.threshold)}", source=v.source,
        source_href=href(v.source), verdict=v.verdict, verdict_class=VERDICT_CLASS.get(v.verdict, "unknown"),
        measured=pct(v.measured), why=_why(v.reason), reason=v.reason, badges=list(v.badges),
        statements=[StatementView(QUESTIONS.get(s.question, s.question), s.answer, s.text) for s in v.statements],
        fact=v.fact, fact_class=FACT_CLASS.get(v.fact, "unknown"), claim_words=claim_wording(c), fact_why=v.fact_why,
        cause_question=v.cause_question, cause=v.cause, cause_class=CAUSE_CLASS.get(v.cause, "unknown"),
        cause_why=v.cause_why, placebo=_placebo(v),
        p_adjusted=_p_adjusted(v), robust=str(v.extra.get("robust") or "not judged"), robustness=tables.robustness(v),
        subject=conclusion.subject(c.kind, c.target, known),
        answers=" · ".join(f"{QUESTIONS.get(s.question, s.question)} {s.answer}" for s in v.statements),
    )


def _placebo(v: Verdict) -> str:
    if v.placebo is None:
        return ""
    return f"Placebo: {v.placebo.text()}"


def _p_adjusted(v: Verdict) -> str:
    p = v.extra.get("p_value")
    if p is None:
        return ""
    return f"{pvalue(p)} (Holm {pvalue(v.extra.get('p_holm'))}, Benjamini-Hochberg {pvalue(v.extra.get('p_bh'))})"


def _header(e: Event, page: str) -> EventHeader:
    when, time_note = tables.when(e)
    return EventHeader(
        id=e.id, anchor=f"event-{slug(e.id)}", title=e.title, date=e.date.isoformat(), when=when,
        time_note=time_note, source=e.source, source_href=href(e.source), certainty=e.certainty,
        uncertain=e.uncertain, notes=e.notes if e.notes != e.uncertain else "", page=page,
    )


def _sample_key(s: Sample) -> tuple:
    # The pipeline computes an identical study once and hands every event that asks for it the same
    # result object (news.pipeline: its cache, ``Sample.same_study``), so identity of the results,
    # with the same securities and days 0, says the studies are the same without comparing arrays.
    return (s.target, tuple(sorted((k, str(v)) for k, v in s.day0.items())), tuple(sorted(s.missing)), id(s.result))


def _study_key(a: EventAnalysis) -> tuple:
    """Events with the same targets whose groups are each studied identically are one study; their
    single securities may differ in day 0 (time zones) and are then shown per event."""
    groups = [s for s in a.samples if s.is_group and s.result is not None]
    if groups:
        return ("groups", tuple(sorted(s.target for s in a.samples)), tuple(_sample_key(s) for s in groups))
    return ("all", tuple(_sample_key(s) for s in a.samples))


def group_identical(analyses: Sequence[EventAnalysis]) -> list[list[EventAnalysis]]:
    """Analyses in order, those that are one study together (first occurrence first)."""
    groups: list[list[EventAnalysis]] = []
    homes: dict[tuple, list[EventAnalysis]] = {}
    for a in analyses:
        if not any(s.day0 for s in a.samples):
            groups.append([a])  # studied nothing: a page of its own
            continue
        home = homes.get(_study_key(a))
        if home is None:
            home = homes[_study_key(a)] = []
            groups.append(home)
        home.append(a)
    return groups


def _extras(group: list[EventAnalysis]) -> list[EventAnalysis]:
    """For every event of a page after the first, its samples that differ from the first's (as an
    analysis holding only those), so the page shows each distinct study once."""
    seen = {_sample_key(s) for s in group[0].samples}
    out = []
    for a in group[1:]:
        own = [s for s in a.samples if _sample_key(s) not in seen and s.result is not None]
        seen |= {_sample_key(s) for s in own}
        if own:
            out.append(dataclasses.replace(a, samples=own, overlaps=[]))
    return out


def _confounders(group: list[EventAnalysis], pages: dict[str, str]) -> Table | None:
    on_page = {a.event.id for a in group}
    found: dict[str, list[str | Cell]] = {}
    for a in group:
        for o, how in a.confounders:
            if o.id not in on_page and o.id not in found:
                found[o.id] = [Cell(o.id, href=f"{pages[o.id]}.html#event-{slug(o.id)}" if o.id in pages else ""),
                               o.title, how]
    if not found:
        return None
    return Table.of(["event", "title", "how"], list(found.values()), prose=(1, 2))


def _toc(p: Page) -> list[tuple[str, str]]:
    items = [(e.anchor, e.title) for e in p.events] if len(p.events) > 1 else []
    items += [("claims", "Claims")] if p.cards else []
    items += [("charts", "Charts")] if p.charts.shown else []
    items += [("day0", "Day 0")] if p.day0 else []
    items += [("returns", "Returns by window")] if p.cars else []
    items += [("volume", "Trading volume")] if p.volume else []
    items += [("tests", "Group tests")] if p.batteries else []
    items += [("others", "Other events in the window")] if p.studied else []
    items += [("quality", "Data quality")] if p.quality else []
    return items


def _chart_section(charts: list[Chart], analyses: list[EventAnalysis]) -> ChartSection:
    """The event's own securities and each group's chart first, then the members that moved most;
    the other members folded."""
    singles = {s.target for a in analyses for s in a.samples if not s.is_group}
    own = [c for c in charts if c.kind == "group" or c.symbol in singles]
    members = [c for c in charts if c not in own]
    ranked = sorted({c.symbol: c.move for c in members}.items(), key=lambda kv: -kv[1])
    top = {sym for sym, _ in ranked[:SHOWN_MEMBERS]}
    shown = own + sorted((c for c in members if c.symbol in top), key=lambda c: -c.move)
    folded = sorted((c for c in members if c.symbol not in top), key=lambda c: -c.move)
    rest = len({c.symbol for c in folded})
    kinds = [k for k in SPECS if any(c.kind == k for c in charts)]
    return ChartSection([(SPECS[k].title, SPECS[k].caption) for k in kinds], shown, folded,
                        f"Charts of the other {rest} member(s), largest moves first" if rest else "")


def _span(a: EventAnalysis, sym: str) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    sample = a.sample_for_symbol(sym)
    if sample is None or sample.result is None:
        return None
    dates = sample.result.ar.loc[sample.result.ar["symbol"] == sym, "date"]
    return (pd.Timestamp(dates.min()), pd.Timestamp(dates.max())) if len(dates) else None


def _quality(analyses: list[EventAnalysis], run: RunResult, known: dict[str, str]) -> Quality:
    """Issues inside each security's (and its benchmark's) event window in words; the rest counted.

    Only series the run read (``run.series``): their metadata is in the run's cache, so the report
    never goes back to the store, which may have moved on (or be closed) by the time it is written."""
    data = run.data
    if data is None:
        return Quality()
    spans: dict[str, tuple[pd.Timestamp, pd.Timestamp]] = {}
    for a in analyses:
        for s in a.samples:
            for sym in s.day0:
                span = _span(a, sym)
                if span is None:
                    continue
                bench = s.benchmarks.get(sym)
                for x in (sym, bench.symbol if bench else None):
                    if x:
                        lo, hi = spans.get(x, span)
                        spans[x] = (min(lo, span[0]), max(hi, span[1]))
    return quality.build((sym, known.get(sym, ""), lo, hi, data.meta(sym))
                         for sym, (lo, hi) in spans.items() if sym in run.series)


def _page(group: list[EventAnalysis], run: RunResult, verdicts: Sequence[Verdict], pages: dict[str, str],
          headers: dict[str, EventHeader]) -> Page:
    settings: Settings = run.settings
    first = group[0]
    stem = pages[first.event.id]
    known: dict[str, str] = {}
    for a in group:
        known |= a.names
    studied = any(s.result is not None for s in first.samples)
    extras = _extras(group)
    charts = event_charts(first, settings.window, known)
    timeline = next((c for c in charts if c.kind == "timeline"), None)
    charts = [c for c in charts if c.kind != "timeline"]
    for x in extras:
        days = sorted({str(pd.Timestamp(d).date()) for s in x.samples for d in s.day0.values()})
        tag = f" (for {x.event.id}, day 0 {', '.join(days)})"
        charts += [dataclasses.replace(c, title=c.title + tag) for c in event_charts(x, settings.window, known)
                   if c.kind != "timeline"]
    ids = {a.event.id for a in group}
    title = first.event.title if len(group) == 1 else (
        f"{len(group)} announcements, one study: " + ", ".join(a.event.id for a in group))
    cards = [_card(v, stem, known) for v in verdicts if v.event_id in ids]
    page = Page(
        stem=stem, title=title, events=[headers[a.event.id] for a in group], cards=cards,
        studied=studied, missing=tables.not_studied(first, known) if not studied else [],
        day0=_joined([tables.day0_table(first, known), *(tables.day0_table(x, known, x.event.id) for x in extras)]),
        cars=_joined([tables.cars_table(first, known), *(tables.cars_table(x, known, x.event.id) for x in extras)]),
        batteries=[b for b in (tables.battery(s, settings.cars) for s in first.samples) if b is not None],
        not_studied=tables.not_studied(first, known) if studied else [], confounders=_confounders(group, pages),
        quality=_quality([first, *extras], run, known), charts=_chart_section(charts, group), timeline=timeline,
        lede=conclusion.for_claims(cards) if cards else conclusion.without_claims(first, known),
        volume=volume_panel([first, *extras], known, settings.cars),
    )
    page.toc = _toc(page)
    return page


def _joined(found: list[Table | None]) -> Table | None:
    """One table from tables of the same columns (the first event's rows, then the others')."""
    present = [t for t in found if t is not None]
    if not present:
        return None
    out = present[0]
    for t in present[1:]:
        out = dataclasses.replace(out, rows=out.rows + t.rows)
    return out


def _moment(e: Event) -> pd.Timestamp:
    # In UTC, so events of one date in different time zones sort as they happened.
    return e.announced_at.tz_convert("UTC")


CSV_FILES = ["results.csv", "claims.csv", "tests.csv", "volume.csv"]


def build(run: RunResult, verdicts: Sequence[Verdict], title: str, generated_at: str, version: str) -> ReportView:
    groups = group_identical(run.analyses)
    pages = {a.event.id: slug(g[0].event.id) for g in groups for a in g}
    # One header per event, on its study's page and in the index alike (a group's events share its stem).
    headers = {a.event.id: _header(a.event, pages[a.event.id]) for a in run.analyses}
    for v in verdicts:
        if v.event_id in headers:
            headers[v.event_id].verdicts.append((v.verdict, VERDICT_CLASS.get(v.verdict, "unknown")))
    page_views = [_page(g, run, verdicts, pages, headers) for g in groups]
    cards = [c for p in page_views for c in p.cards]
    order = {a.event.id: k for k, a in enumerate(run.analyses)}
    cards.sort(key=lambda c: order.get(c.event_id, len(order)))  # events.csv order, as claims.csv
    # Newest first; a reverse sort stays stable, so events of one moment keep their events.csv order.
    events = sorted((a.event for a in run.analyses), key=_moment, reverse=True)
    index = IndexView(title, cards, [headers[e.id] for e in events],
                      provenance(run, generated_at, version), methods(run.settings), REFERENCES, CSV_FILES)
    return ReportView(index, page_views)
