"""Precision and recall of claim extraction on the labelled sentences in tests/data/claims_labelled.csv.

Run from the repository root::

    python -m tests.claims_scoring            # totals and by language
    python -m tests.claims_scoring --errors   # and every miss and false claim

Each row is a text written for the tests (one or two sentences, never taken from an article) and the
claims it makes, as ``kind(TARGET) OP VALUE`` separated by ``;`` (empty: a hard negative, no claim).
A proposed claim counts as right only if kind, target, operator and threshold all match.
"""

from __future__ import annotations

import argparse
import csv
import math
import re
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

LABELLED = Path(__file__).resolve().parent / "data" / "claims_labelled.csv"
_LABEL = re.compile(r"^\s*([a-z_]+)\(([^)]+)\)\s*(>=|<=|>|<)\s*([+-]?\d+(?:\.\d+)?)%\s*$")

Key = tuple[str, str, str, Decimal]


@dataclass(frozen=True)
class Example:
    lang: str
    text: str
    expected: frozenset[Key]


@dataclass(frozen=True)
class Score:
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else math.nan

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else math.nan


def _key(kind: str, target: str, op: str, percent: Decimal) -> Key:
    return kind, target, op, percent.quantize(Decimal("0.0001"))


def load_examples(path: Path = LABELLED) -> list[Example]:
    out = []
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            keys = set()
            for part in filter(str.strip, row["expected"].split(";")):
                m = _LABEL.match(part)
                if m is None:
                    raise ValueError(f"bad label {part!r} in {path}")
                keys.add(_key(m.group(1), m.group(2), m.group(3), Decimal(m.group(4))))
            out.append(Example(row["lang"], row["text"], frozenset(keys)))
    return out


def proposed_keys(text: str) -> frozenset[Key]:
    from eventstudy.news.extract import propose

    return frozenset(_key(c.kind, c.target, c.op, Decimal(repr(c.threshold)) * 100)
                     for c in propose(text).claims)


def score(examples: list[Example]) -> tuple[Score, dict[str, Score], list[tuple[Example, frozenset[Key]]]]:
    """Totals, totals by language, and the examples whose proposals differ from their labels."""
    total: Counter[str] = Counter()
    by_lang: dict[str, Counter[str]] = {}
    wrong = []
    for ex in examples:
        got = proposed_keys(ex.text)
        counts = Counter(tp=len(got & ex.expected), fp=len(got - ex.expected), fn=len(ex.expected - got))
        total.update(counts)
        by_lang.setdefault(ex.lang, Counter()).update(counts)
        if got != ex.expected:
            wrong.append((ex, got))

    def as_score(c: Counter[str]) -> Score:
        return Score(c["tp"], c["fp"], c["fn"])

    return as_score(total), {k: as_score(v) for k, v in sorted(by_lang.items())}, wrong


def _fmt(key: Key) -> str:
    kind, target, op, pct = key
    return f"{kind}({target}) {op} {pct.normalize():f}%"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="list every miss and false claim")
    args = parser.parse_args(argv)
    examples = load_examples()
    total, by_lang, wrong = score(examples)
    positives = sum(1 for e in examples if e.expected)
    print(f"{len(examples)} labelled texts ({positives} with claims, {len(examples) - positives} hard negatives)")
    print(f"{'':<6} {'precision':>9} {'recall':>7} {'tp':>4} {'fp':>4} {'fn':>4}")
    for name, s in [*by_lang.items(), ("all", total)]:
        print(f"{name:<6} {s.precision:>9.3f} {s.recall:>7.3f} {s.tp:>4} {s.fp:>4} {s.fn:>4}")
    if args.errors:
        for ex, got in wrong:
            print(f"\n[{ex.lang}] {ex.text}")
            for k in sorted(ex.expected - got):
                print(f"  missed: {_fmt(k)}")
            for k in sorted(got - ex.expected):
                print(f"  false:  {_fmt(k)}")


if __name__ == "__main__":
    main()
