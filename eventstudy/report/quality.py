"""Data quality in words: each stored issue on a session a page's numbers rest on (its event window)
as one sentence a reader understands, and the older issues of the same series only counted, since
an issue from 2009 does not touch a study of 2026 beyond its estimation window.

Only wording: the issues and their details come from the price store as the importers recorded them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from eventstudy.formatting import named

# The file layouts whose provider a reader knows by name (the file name says nothing to most).
PROVIDERS = {
    "yfinance_history": "Yahoo", "yf_download_2row": "Yahoo", "yf_download_3row": "Yahoo",
    "tushare_hk_daily": "Tushare", "tencent_kline": "Tencent", "eastmoney_kline": "eastmoney",
    "akshare": "akshare", "akshare_cn": "akshare", "baostock": "baostock", "csindex": "csindex.com.cn",
}
# What a kind of issue means for a reader, for the kinds without a sentence of their own.
MEANING = {
    "missing_session": "no bar for a session of its exchange",
    "holiday_row": "a bar on a day its exchange does not trade",
    "stale_close": "a close unchanged for several sessions",
    "repeated_neighbour": "a bar repeating its neighbour",
    "intraday_snapshot": "an intraday snapshot rather than a close",
    "duplicate_date": "two bars for one date",
    "benchmark_gap": "sessions without a benchmark price",
    "nonpositive_price": "a price at or below zero",
    "not_final": "a bar whose session had not closed",
    "placeholder_bar": "a placeholder bar",
    "source_disagreement": "two files disagreeing on a close",
}
_DISAGREE = re.compile(r"^(?P<a>\S+) close (?P<va>[-\d.]+) vs (?P<b>\S+) close (?P<vb>[-\d.]+).*kept the bar of "
                       r"(?P<kept>\S+)")
_PLACEHOLDER = re.compile(r"close = (?P<v>[-\d.]+)")
_STALE = re.compile(r"close (?P<v>[-\d.]+) unchanged for (?P<n>\d+) bars")


@dataclass
class Quality:
    """A page's data quality: sentences for the sessions it rests on, then the rest counted."""

    sentences: list[str] = field(default_factory=list)
    older: list[str] = field(default_factory=list)  # one line per series: how many issues of which kind
    older_count: int = 0

    def __bool__(self) -> bool:
        return bool(self.sentences or self.older)


def day(d: pd.Timestamp) -> str:
    return f"{d.day} {d.strftime('%b %Y')}"


def _provider(label: str, layouts: dict[str, str]) -> str:
    return PROVIDERS.get(layouts.get(label, ""), "") or f"the file {label}"


def _file(label: str, layouts: dict[str, str]) -> str:
    who = PROVIDERS.get(layouts.get(label, ""))
    return f"the {who} file" if who else f"the file {label}"


def _sentences(who: str, issues: list[dict], layouts: dict[str, str]) -> list[str]:
    """One sentence per issue, an issue's placeholder and the disagreement it caused told together."""
    out: list[str] = []
    by_date: dict[str, list[dict]] = {}
    for i in issues:
        by_date.setdefault(str(i.get("date"))[:10], []).append(i)
    missing = [pd.Timestamp(d) for d, items in by_date.items() if any(i["kind"] == "missing_session" for i in items)]
    if missing:
        out.append(f"{who} has no bar for the session{'s' if len(missing) > 1 else ''} of "
                   + ", ".join(day(d) for d in sorted(missing)) + ": those days have no price and no return.")
    for d, items in sorted(by_date.items()):
        when = day(pd.Timestamp(d))
        kinds = {i["kind"]: i for i in items}
        disagree = _DISAGREE.search(str(kinds.get("source_disagreement", {}).get("detail", "")))
        placeholder = kinds.get("placeholder_bar")
        if placeholder is not None:
            v = _PLACEHOLDER.search(str(placeholder.get("detail", "")))
            text = (f"{_provider(str(placeholder.get('source') or ''), layouts)}'s bar of {who} for {when} is a "
                    f"placeholder" + (f", {v.group('v')}" if v else ""))
            if disagree:
                text += f"; {_file(disagree.group('kept'), layouts)} gives {_value(disagree, 'kept')}, used instead"
            out.append(text + ".")
        elif disagree:
            out.append(f"For {when} {_file(disagree.group('a'), layouts)} gives {disagree.group('va')} and "
                       f"{_file(disagree.group('b'), layouts)} {disagree.group('vb')} for {who}; "
                       f"{_file(disagree.group('kept'), layouts)} is used.")
        for kind, i in kinds.items():
            if kind in ("placeholder_bar", "source_disagreement", "missing_session"):
                continue
            stale = _STALE.search(str(i.get("detail", "")))
            if kind == "stale_close" and stale:
                out.append(f"{who} closed at {stale.group('v')} for {stale.group('n')} sessions from {when}: "
                           "perhaps no trading, perhaps a stale feed.")
            else:
                out.append(f"{who}, {when}: {MEANING.get(kind, kind.replace('_', ' '))} ({i.get('detail', '')}).")
    return out


def _value(m: re.Match[str], which: str) -> str:
    kept = m.group(which)
    return m.group("va") if kept == m.group("a") else m.group("vb")


def build(series: Iterable[tuple[str, str, pd.Timestamp, pd.Timestamp, dict]]) -> Quality:
    """``series``: (symbol, name, first and last session the page rests on, stored metadata) per
    security and benchmark; dated warnings and errors inside that span become sentences, the others
    are counted."""
    q = Quality()
    for sym, name, lo, hi, meta in series:
        who = named(sym, name)
        layouts = {str(s.get("label")): str(s.get("layout")) for s in meta.get("sources") or []}
        dated = [i for i in meta.get("issues") or []
                 if i.get("date") and i.get("severity") in ("warning", "error")]
        inside = [i for i in dated if lo <= pd.Timestamp(i["date"]) <= hi]
        q.sentences += _sentences(who, inside, layouts)
        rest = [i for i in dated if not lo <= pd.Timestamp(i["date"]) <= hi]
        if rest:
            q.older_count += len(rest)
            kinds = Counter(MEANING.get(str(i["kind"]), str(i["kind"])) for i in rest)
            years = sorted({str(i["date"])[:4] for i in rest})
            span = years[0] if len(years) == 1 else f"{years[0]}-{years[-1]}"
            q.older.append(f"{who}: " + "; ".join(f"{n} x {k}" for k, n in kinds.most_common()) + f" ({span})")
    return q
