"""Score claim extraction on real published news: ../shared/data/news-dev (hand-labelled excerpts).

    python benchmarks/score_news_dev.py             # precision and recall, overall, per language, per kind
    python benchmarks/score_news_dev.py --errors    # and every miss and every false proposal
    python benchmarks/score_news_dev.py --speed     # and the time of 1,000 articles of about 5 KB

The rules are the set's own (its README): a proposal is right only with the right symbol or group,
the right kind, the right direction (``>``/``>=`` against ``<``/``<=``) and a threshold within half a
unit of the label's last written digit (17 accepts 16.5 to 17.5; 13.2 accepts 13.15 to 13.25).
Identical proposals of one item count once; each label and each proposal is matched at most once;
every proposal matching no checkable claim is a false positive (also those about moves labelled
``other`` or ``unknown security``). Every proposal counts, whatever its confidence; the calibration
table shows precision at and above each confidence.

The excerpts are read from ../shared only: none is copied into the repository.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEV = REPO.parent / "shared" / "data" / "news-dev" / "items.csv"
CHECKABLE = frozenset({"session_return", "since_listing", "group_rally", "period_return"})
LANGS = ("en", "zh-Hans", "zh-Hant", "ru", "it", "es")


@dataclass(frozen=True)
class Label:
    symbol: str
    kind: str
    rising: bool
    threshold: Decimal  # percent, as written

    def accepts(self, p: Proposal) -> bool:
        if (p.target, p.kind, p.rising) != (self.symbol, self.kind, self.rising):
            return False
        exponent = self.threshold.as_tuple().exponent
        half = Decimal(5).scaleb(int(exponent) - 1) if isinstance(exponent, int) else Decimal("0.5")
        return abs(Decimal(str(p.percent)) - self.threshold) <= half + Decimal("1e-9")


@dataclass(frozen=True)
class Proposal:
    target: str
    kind: str
    rising: bool
    percent: float
    confidence: float
    quote: str


@dataclass
class Item:
    id: str
    lang: str
    date: dt.date | None
    text: str
    labels: list[Label]
    ignored: list[str]  # "other" and "unknown security" entries, for the error list
    proposals: list[Proposal] = field(default_factory=list)


def load(path: Path = DEV) -> list[Item]:
    items = []
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            cols = [row[f"label_{k}"].split(";") if row[f"label_{k}"] else []
                    for k in ("symbol", "kind", "op", "threshold")]
            labels, ignored = [], []
            for sym, kind, op, thr in zip(*cols, strict=True):
                sym, kind, op, thr = sym.strip(), kind.strip(), op.strip(), thr.strip()
                if kind in CHECKABLE and sym != "unknown security":
                    labels.append(Label(sym, kind, op.startswith(">"), Decimal(thr or "0")))
                else:
                    ignored.append(f"{kind}({sym}) {op} {thr}")
            date = dt.date.fromisoformat(row["article_date"]) if row["article_date"] else None
            items.append(Item(row["id"], row["lang"], date, row["text"], labels, ignored))
    return items


def extract(items: list[Item]) -> None:
    from eventstudy.news.extract.article import propose

    for it in items:
        found = propose(it.text, source=it.id, date=it.date)
        seen = set()
        for c in found.claims:
            p = Proposal(c.target, c.kind, c.op.startswith(">"), round(c.threshold * 100, 6), c.confidence, c.quote)
            key = (p.target, p.kind, p.rising, p.percent)
            if key not in seen:
                seen.add(key)
                it.proposals.append(p)


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else float("nan")

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else float("nan")


@dataclass
class Scores:
    by_lang: dict[str, Tally]
    by_kind: dict[str, Tally]
    total: Tally
    errors: list[str]
    calibration: list[tuple[float, int, int]]  # (confidence at least, right, proposed)


def match(it: Item) -> tuple[list[tuple[Proposal, Label]], list[Proposal], list[Label]]:
    free = list(it.labels)
    right, wrong = [], []
    for p in sorted(it.proposals, key=lambda p: -p.confidence):
        hit = next((lab for lab in free if lab.accepts(p)), None)
        if hit is None:
            wrong.append(p)
        else:
            free.remove(hit)
            right.append((p, hit))
    return right, wrong, free


def score(items: list[Item]) -> Scores:
    by_lang: dict[str, Tally] = defaultdict(Tally)
    by_kind: dict[str, Tally] = defaultdict(Tally)
    total = Tally()
    errors = []
    conf: list[tuple[float, bool]] = []
    for it in items:
        right, wrong, missed = match(it)
        lang = "zh-Hans" if it.lang == "zh" else it.lang
        for p, lab in right:
            for t in (by_lang[lang], by_kind[lab.kind], total):
                t.tp += 1
            conf.append((p.confidence, True))
        for p in wrong:
            for t in (by_lang[lang], by_kind[p.kind], total):
                t.fp += 1
            conf.append((p.confidence, False))
            errors.append(f"{it.id} [{lang}] FALSE {p.kind}({p.target}) {'>' if p.rising else '<'} {p.percent:g}% "
                          f"(confidence {p.confidence:.2f}): {p.quote!r}"
                          + (f"; labelled only: {', '.join(it.ignored)}" if it.ignored else ""))
        for lab in missed:
            for t in (by_lang[lang], by_kind[lab.kind], total):
                t.fn += 1
            errors.append(f"{it.id} [{lang}] MISSED {lab.kind}({lab.symbol}) {'>' if lab.rising else '<'} "
                          f"{lab.threshold}%")
    calibration = []
    for floor in (0.0, 0.5, 0.6, 0.7, 0.8, 0.9):
        sel = [ok for c, ok in conf if c >= floor - 1e-9]
        calibration.append((floor, sum(sel), len(sel)))
    return Scores(dict(by_lang), dict(by_kind), total, errors, calibration)


def report(s: Scores) -> str:
    lines = ["| | precision | recall |", "|---|---|---|"]
    for lang in LANGS:
        t = s.by_lang.get(lang, Tally())
        lines.append(f"| {lang} | {t.precision:.3f} ({t.tp}/{t.tp + t.fp}) | {t.recall:.3f} ({t.tp}/{t.tp + t.fn}) |")
    lines.append(f"| **all** | **{s.total.precision:.3f}** ({s.total.tp}/{s.total.tp + s.total.fp}) | "
                 f"**{s.total.recall:.3f}** ({s.total.tp}/{s.total.tp + s.total.fn}) |")
    lines += ["", "| kind | precision | recall |", "|---|---|---|"]
    for kind in sorted(s.by_kind):
        t = s.by_kind[kind]
        lines.append(f"| {kind} | {t.precision:.3f} ({t.tp}/{t.tp + t.fp}) | {t.recall:.3f} ({t.tp}/{t.tp + t.fn}) |")
    lines += ["", "| confidence at least | precision of those proposals |", "|---|---|"]
    for floor, ok, n in s.calibration:
        lines.append(f"| {floor:.1f} | {ok / n if n else float('nan'):.3f} ({ok}/{n}) |")
    return "\n".join(lines)


def speed_articles(items: list[Item], n: int = 1000) -> list[str]:
    """``n`` articles of about 5 KB, each made by joining the set's excerpts of one language."""
    by_lang: dict[str, list[str]] = defaultdict(list)
    for it in items:
        by_lang[it.lang].append(it.text)
    articles = []
    for k in range(n):
        texts = by_lang[LANGS[k % len(LANGS)]]
        body, j = [], k
        while sum(map(len, body)) < 5000:
            body.append(texts[j % len(texts)])
            j += 7
        articles.append("\n\n".join(body))
    return articles


def speed(items: list[Item], n: int = 1000) -> tuple[float, float]:
    """Seconds (wall and CPU) for :func:`speed_articles`."""
    from eventstudy.news.extract.article import propose

    articles = speed_articles(items, n)
    propose(articles[0])  # the first call loads the language model and compiles the patterns
    started, cpu = time.perf_counter(), time.process_time()
    for a in articles:
        propose(a)
    return time.perf_counter() - started, time.process_time() - cpu


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--errors", action="store_true", help="list every miss and false proposal")
    ap.add_argument("--speed", action="store_true", help="time 1,000 articles of about 5 KB")
    ap.add_argument("--lang", help="only this language")
    args = ap.parse_args(argv)
    if not DEV.exists():
        print(f"{DEV} is absent", file=sys.stderr)
        return 1
    items = [it for it in load() if not args.lang or it.lang == args.lang]
    extract(items)
    s = score(items)
    print(report(s))
    if args.errors:
        print("\n" + "\n".join(s.errors))
    if args.speed:
        wall, cpu = speed(items)
        print(f"\n1,000 articles of about 5 KB: {wall:.2f} s ({cpu:.2f} s of CPU)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
