"""How often the period read for a period move agrees with the hand label of ../shared/data/news-dev.

    python benchmarks/score_periods.py            # the agreement figures
    python benchmarks/score_periods.py --errors   # and every disagreement

Two views, both on the set's ``period_return`` labels (``label_period``):

- **reader**: the period reader alone (:func:`eventstudy.news.extract.periods.read_period`) at the
  labelled number (the first percentage written with its value), in its sentence, with the item's
  ``article_date``: is the period it reads the labelled one, whatever the extractor proposes?
- **proposals**: the period of each proposal that matches a ``period_return`` label (same target,
  direction and threshold, as ``score_news_dev.py`` scores them).

A period agrees **exactly** when the labels are equal, **loosely** when they are equal once a
trailing "to YYYY-MM-DD" is dropped from both (the set writes the session a period ends on where
the tool ends it at the article's date), and **in sessions** when both measure the same two closes
on the target's exchange (from the close before the first session to the last), which needs the
article's date (for proposals the claim's date, as ``check`` measures it: a day its sentence names,
else the article's). The excerpts are read from ../shared only: none is copied into the repository.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from score_news_dev import DEV, Item, extract, load, match

from eventstudy.data.securities import default_registry
from eventstudy.news.extract.periods import read_period
from eventstudy.news.extract.simplified import to_simplified
from eventstudy.news.extract.text import percents, sentences
from eventstudy.news.periods import NoSessions, parse_period, sessions_of


@dataclass(frozen=True)
class Case:
    item: str
    symbol: str
    date: dt.date | None
    label: str  # the set's label_period
    read: str | None  # the tool's, None when unknown
    note: str


def _strip_to(label: str) -> str:
    head, sep, tail = label.rpartition(" to ")
    return head if sep and len(tail) == 10 and tail[4] == "-" and not head[:4].isdigit() else label


def _sessions(label: str | None, symbol: str, date: dt.date | None) -> tuple[object, object] | None:
    if label is None or date is None:
        return None
    reg = default_registry()
    if not reg.is_symbol(symbol):
        return None  # a group's members each have their own calendar: compared by label only
    sec = reg.get(symbol)
    try:
        s = sessions_of(parse_period(label), sec.calendar or sec.exchange, date)
    except (ValueError, NoSessions):
        return None
    return s.base, s.last


def agree(c: Case) -> tuple[bool, bool, bool | None]:
    """(exact, loose, same sessions; None when the sessions cannot be compared)."""
    exact = c.read == c.label
    loose = c.read is not None and _strip_to(c.read) == _strip_to(c.label)
    a, b = _sessions(c.label, c.symbol, c.date), _sessions(c.read, c.symbol, c.date)
    return exact, loose, (None if a is None or c.read is None else a == b)


def _labels(path: Path = DEV) -> list[tuple[str, str, Decimal, str]]:
    """(item id, symbol, threshold, period) of every period_return label."""
    out = []
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if not row["label_kind"]:
                continue
            cols = [row[f"label_{k}"].split(";") for k in ("symbol", "kind", "threshold", "period")]
            for sym, kind, thr, period in zip(*cols, strict=True):
                if kind.strip() == "period_return" and sym.strip() != "unknown security":
                    out.append((row["id"], sym.strip(), Decimal(thr.strip() or "0"), period.strip()))
    return out


def reader_cases(items: dict[str, Item]) -> list[Case]:
    out = []
    for item_id, symbol, threshold, label in _labels():
        it = items[item_id]
        text = to_simplified(it.text)  # as the extractor reads it
        spans = sentences(text)
        at = next(((s, p) for s in spans for p in percents(text, s.start, s.end)
                   if Decimal(str(p.value)) == abs(threshold)), None)
        if at is None:  # a multiple ("doubled") or a number in words: no percentage to stand at
            out.append(Case(item_id, symbol, it.date, label, None, "no percentage written for the label"))
            continue
        s, p = at
        found = read_period(text, s.start, s.end, (p.start, p.end), it.date)
        out.append(Case(item_id, symbol, it.date, label, found.period.label if found.period else None, found.note))
    return out


def proposal_cases(items: list[Item]) -> list[Case]:
    from eventstudy.news.extract.article import propose

    out = []
    for it in items:
        right, _, _ = match(it)
        periods = {}
        for c in propose(it.text, source=it.id, date=it.date).claims:
            if c.kind == "period_return":
                key = (c.target, c.op.startswith(">"), round(c.threshold * 100, 6))
                periods.setdefault(key, (c.period.label if c.period else None, c.period_note, c.date))
        labels = [lab for lab in _labels() if lab[0] == it.id]
        for p, lab in right:
            if lab.kind != "period_return":
                continue
            period = next((x[3] for x in labels if x[1] == lab.symbol and abs(x[2]) == abs(lab.threshold)), "")
            read, note, when = periods.get((p.target, p.rising, p.percent), (None, "", it.date))
            # the claim's date, as check measures it (a day its sentence names, else the article's)
            out.append(Case(it.id, lab.symbol, when, period, read, note))
    return out


@dataclass(frozen=True)
class Figures:
    n: int
    exact: int
    loose: int
    same_closes: int
    dated: int  # cases whose closes could be compared
    unknown: int


def figures(cases: list[Case]) -> Figures:
    marks = [agree(c) for c in cases]
    comparable = [m[2] for m in marks if m[2] is not None]
    return Figures(len(cases), sum(m[0] for m in marks), sum(m[1] for m in marks), sum(comparable), len(comparable),
                   sum(c.read is None for c in cases))


def table(name: str, cases: list[Case]) -> str:
    f = figures(cases)
    if not f.n:
        return f"| {name} | 0 | | | | |"
    return (f"| {name} | {f.n} | {f.exact} ({f.exact / f.n:.0%}) | {f.loose} ({f.loose / f.n:.0%}) | "
            f"{f.same_closes} of {f.dated} | {f.unknown} |")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--errors", action="store_true", help="list every disagreement")
    args = ap.parse_args(argv)
    if not DEV.exists():
        print(f"{DEV} is absent", file=sys.stderr)
        return 1
    items = load()
    readers = reader_cases({it.id: it for it in items})
    extract(items)
    proposals = proposal_cases(items)
    print("| period_return labels | n | same label | same label, 'to DATE' aside | same closes (dated) | unknown |")
    print("|---|---|---|---|---|---|")
    print(table("reader at the labelled number", readers))
    print(table("matched proposals", proposals))
    if args.errors:
        for name, cases in (("reader", readers), ("proposal", proposals)):
            for c in cases:
                if not agree(c)[1]:
                    print(f"{name} {c.item} {c.symbol} (article {c.date or 'undated'}): label {c.label!r}, "
                          f"read {c.read!r}: {c.note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
