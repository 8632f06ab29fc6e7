"""The two lines a page opens with, so a reader has the answer before the evidence: with claims, is
each true (the fact with its number and the claim's words) and did the news cause it; without
claims, what moved, by how much and against what.

Wording only: the numbers are the run's (day-0 abnormal returns, the group tests' lead statistic,
the CARs) and the verdicts'.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from eventstudy.formatting import named, pct, pvalue
from eventstudy.news.pipeline import EventAnalysis, Sample

from .quality import day

# How a claim's measured number reads after the subject it is about.
KIND_WORDS = {"session_return": "in one session", "since_listing": "since listing", "group_rally": "on the day"}


@dataclass
class Item:
    subject: str
    answer: str = ""  # a one-word answer shown in colour with its word, or "" for a plain statement
    answer_class: str = ""
    detail: str = ""


@dataclass
class Line:
    label: str
    items: list[Item] = field(default_factory=list)


def subject(kind: str, target: str, names: dict[str, str]) -> str:
    """What a claim is about, as a reader says it: "Moore Threads since listing"."""
    return f"{names.get(target) or target} {KIND_WORDS.get(kind, kind.replace('_', ' '))}"


def for_claims(cards: Sequence) -> list[Line]:  # cards: context.Card (not imported: context imports this)
    facts = Line("Is it true?", [Item(c.subject, c.fact, c.fact_class, f"{c.measured} (claim: {c.claim_words})")
                                 for c in cards])
    causes: dict[str, Item] = {}
    for c in cards:
        item = causes.setdefault(c.cause, Item("", c.cause, c.cause_class, ""))
        item.detail = f"{item.detail}, {c.subject}" if item.detail else f"for {c.subject}"
    return [facts, Line(cards[0].cause_question or "Caused by the news?", list(causes.values()))]


def _benchmarks(s: Sample, names: dict[str, str]) -> str:
    found = sorted({b.symbol: b for b in s.benchmarks.values()}.values(), key=lambda b: b.symbol)
    return " and ".join(named(b.symbol, b.name) for b in found) or "its benchmark"


def _single(s: Sample, names: dict[str, str]) -> Item | None:
    res = s.result
    assert res is not None
    sym = next(iter(s.day0))
    rows = res.ar[(res.ar["symbol"] == sym) & (res.ar["day"] == 0)]
    if rows.empty:
        return None
    r = rows.iloc[0]
    if not math.isfinite(float(r["return"])):
        # A listing's first session: no close before it, so no return to measure on day 0.
        return Item(named(sym, names.get(sym)), "", "", f"no return on day 0 ({day(pd.Timestamp(r['date']))}): "
                    "no close before it to compare with")
    return Item(named(sym, names.get(sym)), "", "",
                f"{pct(r['return'])} on day 0 ({day(pd.Timestamp(r['date']))}), abnormal return "
                f"{pct(r['abnormal_return'])} against {_benchmarks(s, names)} (t test p = {pvalue(r['p_value'])})")


def _group(s: Sample, names: dict[str, str]) -> Item | None:
    res = s.result
    assert res is not None
    t = res.tests[(res.tests["scope"] == "day") & (res.tests["day"] == 0)]
    ar = res.ar[(res.ar["day"] == 0) & res.ar["return"].notna()]
    if t.empty or ar.empty:
        return None
    lead = t.iloc[0]
    return Item(f"{s.target} ({len(ar)} members)", "", "",
                f"mean return {pct(ar['return'].mean())} on day 0 ({day(pd.Timestamp(ar['date'].iloc[0]))}), mean "
                f"abnormal return {pct(lead['mean'])} against {_benchmarks(s, names)} ({lead['statistic']} p = "
                f"{pvalue(lead['p_value'])})")


def _window(s: Sample, names: dict[str, str]) -> Item | None:
    """The sample's longest CAR window: how far the move carried."""
    res = s.result
    assert res is not None
    car = res.car
    if car.empty:
        return None
    longest = car.iloc[int((car["end"] - car["start"]).to_numpy().argmax())]
    label = str(longest["window"])
    if s.is_group:
        t = res.tests[(res.tests["scope"] == "window") & (res.tests["window"] == label)]
        if t.empty:
            return None
        lead = t.iloc[0]
        return Item(f"{s.target} over {label}", "", "",
                    f"mean CAR {pct(lead['mean'])} ({lead['statistic']} p = {pvalue(lead['p_value'])})")
    sym = str(longest["symbol"])
    return Item(f"{names.get(sym) or sym} over {label}", "", "",
                f"raw return {pct(longest['raw_return'])}, CAR {pct(longest['car'])} (p = "
                f"{pvalue(longest['p_value'])})")


def without_claims(a: EventAnalysis, names: dict[str, str]) -> list[Line]:
    """Day 0 of up to two studied samples (the event's targets in order); with one sample, its day 0
    and its longest window."""
    studied = [s for s in a.samples if s.result is not None and s.day0]
    if not studied:
        return [Line("Not studied", [Item("no security of this event has usable prices around day 0")])]
    items = [(_group if s.is_group else _single)(s, names) for s in studied[:2]]
    if len(studied) == 1:
        items.append(_window(studied[0], names))
    found = [i for i in items if i is not None]
    labels = ["What moved", "And" if len(studied) > 1 else "How far"]
    return [Line(labels[k], [item]) for k, item in enumerate(found[:2])]
