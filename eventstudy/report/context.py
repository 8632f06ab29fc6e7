"""What the reader sees, as plain data shared by the Markdown and HTML renderers: the index (claims as
verdict cards, the events, the provenance) and one page per study.

Studies that are identical (the same securities on the same day 0 with the same results, as when
three announcements of one day target the same group) get one page that lists all their events,
rather than three copies of the same tables and charts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from eventstudy.formatting import pct, pvalue, slug
from eventstudy.news.events import Event
from eventstudy.news.pipeline import EventAnalysis, RunResult, Settings
from eventstudy.news.verdicts import Verdict, claim_wording

from . import tables
from .charts import Chart, event_charts
from .escape import href
from .methods import REFERENCES, methods
from .provenance import Provenance, provenance
from .tables import Battery, Cell, Table

# Verdict words and their colour class; the word is always shown, so colour is never the only cue.
VERDICT_CLASS = {"supported": "ok", "not supported": "no", "inconclusive": "unclear", "cannot tell": "unknown"}
# The two answers' colour classes (the word is always shown beside the colour).
FACT_CLASS = {"true": "ok", "false": "no", "unclear": "unclear", "no data": "unknown"}
CAUSE_CLASS = {"yes": "ok", "no": "no", "unclear": "unclear", "not applicable": "neutral", "no data": "unknown"}
QUESTIONS = {"happened": "Did it happen?", "unusual": "Was it unusual?", "attributable": "Was it the news?"}


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
    quality: list[str]
    charts: list[Chart]
    timeline: Chart | None
    toc: list[tuple[str, str]] = field(default_factory=list)

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


def _card(v: Verdict, page: str) -> Card:
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


def _fingerprint(a: EventAnalysis) -> tuple:
    """What makes two analyses the same study: per sample its target, securities with their day 0,
    and the securities that could not be studied."""
    return tuple((s.target, tuple(sorted((k, str(v)) for k, v in s.day0.items())), tuple(sorted(s.missing)))
                 for s in a.samples)


def group_identical(analyses: Sequence[EventAnalysis]) -> list[list[EventAnalysis]]:
    """Analyses in order, those with an identical study together (first occurrence first).

    The pipeline computes an identical study once and hands every event that asks for it the same
    result object (news.pipeline: its cache, ``Sample.same_study``), so identity of the results,
    with the same securities and days 0, says the studies are the same without comparing arrays."""
    groups: list[list[EventAnalysis]] = []
    homes: dict[tuple, list[EventAnalysis]] = {}
    for a in analyses:
        if not any(s.day0 for s in a.samples):
            groups.append([a])  # studied nothing: a page of its own
            continue
        key = (_fingerprint(a), tuple(id(s.result) for s in a.samples))
        home = homes.get(key)
        if home is None:
            home = homes[key] = []
            groups.append(home)
        home.append(a)
    return groups


def _confounders(a: EventAnalysis, pages: dict[str, str]) -> Table | None:
    if not a.confounders:
        return None
    rows: list[list[str | Cell]] = [
        [Cell(o.id, href=f"{pages[o.id]}.html#event-{slug(o.id)}" if o.id in pages else ""), o.title, how]
        for o, how in a.confounders
    ]
    return Table.of(["event", "title", "how"], rows, prose=(1, 2))


def _toc(p: Page) -> list[tuple[str, str]]:
    items = [(e.anchor, e.title) for e in p.events] if len(p.events) > 1 else []
    items += [("claims", "Claims")] if p.cards else []
    items += [("charts", "Charts")] if p.charts else []
    items += [("day0", "Day 0")] if p.day0 else []
    items += [("returns", "Returns by window")] if p.cars else []
    items += [("tests", "Group tests")] if p.batteries else []
    items += [("others", "Other events in the window")] if p.studied else []
    items += [("quality", "Data quality")] if p.quality else []
    return items


def _page(group: list[EventAnalysis], settings: Settings, verdicts: Sequence[Verdict], pages: dict[str, str],
          headers: dict[str, EventHeader]) -> Page:
    first = group[0]
    stem = pages[first.event.id]
    studied = any(s.result is not None for s in first.samples)
    charts = event_charts(first, settings.window)
    timeline = next((c for c in charts if c.kind == "timeline"), None)
    ids = {a.event.id for a in group}
    title = first.event.title if len(group) == 1 else (
        f"{len(group)} announcements, one study: " + ", ".join(a.event.id for a in group))
    page = Page(
        stem=stem, title=title, events=[headers[a.event.id] for a in group],
        cards=[_card(v, stem) for v in verdicts if v.event_id in ids],
        studied=studied, missing=tables.not_studied(first) if not studied else [],
        day0=tables.day0_table(first), cars=tables.cars_table(first),
        batteries=[b for b in (tables.battery(s, settings.cars) for s in first.samples) if b is not None],
        not_studied=tables.not_studied(first) if studied else [], confounders=_confounders(first, pages),
        quality=tables.quality(first), charts=[c for c in charts if c.kind != "timeline"], timeline=timeline,
    )
    page.toc = _toc(page)
    return page


CSV_FILES = ["results.csv", "claims.csv", "tests.csv"]


def build(run: RunResult, verdicts: Sequence[Verdict], title: str, generated_at: str, version: str) -> ReportView:
    groups = group_identical(run.analyses)
    pages = {a.event.id: slug(g[0].event.id) for g in groups for a in g}
    # One header per event, on its study's page and in the index alike (a group's events share its stem).
    headers = {a.event.id: _header(a.event, pages[a.event.id]) for a in run.analyses}
    page_views = [_page(g, run.settings, verdicts, pages, headers) for g in groups]
    cards = [c for p in page_views for c in p.cards]
    order = {a.event.id: k for k, a in enumerate(run.analyses)}
    cards.sort(key=lambda c: order.get(c.event_id, len(order)))  # events.csv order, as claims.csv
    index = IndexView(title, cards, [headers[a.event.id] for a in run.analyses],
                      provenance(run, generated_at, version), methods(run.settings), REFERENCES, CSV_FILES)
    return ReportView(index, page_views)
