"""Several sources for one symbol, reconciled into one series.

A symbol may come from several files (Yahoo's export and Tushare's for Zhipu; three files for SMIC
H). Importing a second file for a stored symbol merges it with what is stored:

- **Agreement.** Where two sources overlap, their adjusted closes must agree within the symbol's
  tolerance after removing the adjustment basis between them (the rolling median ratio of the two
  series, so that a dividend one source has adjusted for is not a disagreement). Each date outside
  the tolerance is a ``source_disagreement`` issue naming both sources, both closes and the winner.
- **Which source wins** (per date): a bar a quality check flags as suspect (a Yahoo half-day
  placeholder, an intraday snapshot) loses to any other source's bar; otherwise the source ranked
  first by the symbol's rule wins, ties going to the file name that sorts first. The rule is
  ``eventstudy/data/sources.csv`` (or a file passed with ``prices import --sources``): per symbol, a
  ``;``-separated ``prefer`` list of file-name patterns or layout names, tried before the default
  row ``*``, and a relative ``tolerance``.
- **Provenance.** Every merged bar keeps the label (file name) of the source it came from in the
  store's ``source`` column; the store's ``sources`` metadata lists each source's path, layout,
  adjustment and span.
- **Adjusted closes across a join.** Where the winning source changes, the older stretch's
  ``adj_close`` is rescaled by the two sources' ratio on their common days nearest the join, so a
  forward-adjusted file followed by an unadjusted one does not create a fake return.

The result is independent of the order in which files are given.
"""

from __future__ import annotations

import fnmatch
import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from eventstudy.data import quality
from eventstudy.data.importers import ImportedSeries, read_price_file
from eventstudy.data.quality import QualityIssue
from eventstudy.data.securities import Registry, read_csv_records, split_list
from eventstudy.errors import UserError

# Exchange feeds first; Yahoo after them (its half-day bars are placeholders); close-only files last.
DEFAULT_PREFER: tuple[str, ...] = (
    "tushare_hk_daily",
    "tencent_kline",
    "eastmoney_kline",
    "akshare_cn",
    "stocktradebyz",
    "baostock",
    "csindex",
    "akshare",
    "firstbar_lastbar",
    "yf_download_2row",
    "yf_download_multiindex",
    "yfinance_history",
    "yahoo-chart-v8",
    "named_close",
    "close_only",
)
DEFAULT_TOLERANCE = 0.0005
# Window of the rolling median that tracks the adjustment basis between two sources: wide enough
# that a few bad closes cannot move it, narrow enough to follow a dividend step.
BASIS_WINDOW = 21
JOIN_DAYS = 10
# Issue kinds a merge recomputes on the merged series instead of keeping each source's own.
_RECOMPUTED = frozenset({"stale_close", "suspect_split", "unit_jump", "nonpositive_price", "not_final"})
_SUSPECT = frozenset({"placeholder_bar", "intraday_snapshot"})
_PAIR = " | "


@dataclass(frozen=True)
class SourceRule:
    """Which source of ``symbol`` wins, and how closely overlapping sources must agree."""

    symbol: str
    prefer: tuple[str, ...] = DEFAULT_PREFER
    tolerance: float = DEFAULT_TOLERANCE

    def rank(self, label: str, layout: str) -> int:
        for i, pattern in enumerate(self.prefer):
            if pattern == layout or fnmatch.fnmatchcase(label, pattern):
                return i
        return len(self.prefer)


class SourceRules:
    """The rows of a sources file; :meth:`rule` gives a symbol's rule (its row before the ``*`` row)."""

    def __init__(self, rows: Mapping[str, tuple[tuple[str, ...], float | None]], path: str | None = None):
        self.rows = dict(rows)
        self.path = path

    def rule(self, symbol: str) -> SourceRule:
        default_prefer, default_tol = self.rows.get("*", (DEFAULT_PREFER, DEFAULT_TOLERANCE))
        prefer, tol = self.rows.get(symbol, ((), None))
        tolerance = tol if tol is not None else default_tol if default_tol is not None else DEFAULT_TOLERANCE
        return SourceRule(symbol, tuple(dict.fromkeys((*prefer, *(default_prefer or DEFAULT_PREFER)))), tolerance)


def _default_rules_path() -> Traversable:
    return resources.files("eventstudy").joinpath("data").joinpath("sources.csv")


def load_rules(path: str | Path | None = None) -> SourceRules:
    """Read a sources file (default: the shipped ``eventstudy/data/sources.csv``)."""
    return _default_rules() if path is None else _load_rules(Path(path))


@functools.cache
def _default_rules() -> SourceRules:
    return _load_rules(_default_rules_path())


def _load_rules(path: Path | Traversable) -> SourceRules:
    rows: dict[str, tuple[tuple[str, ...], float | None]] = {}
    for rec in read_csv_records(path, ("symbol",), ("prefer", "tolerance", "note"), "sources"):
        v = rec.values
        if not v["symbol"]:
            raise rec.error("symbol", "empty symbol", "name a symbol, or * for the default row")
        if v["symbol"] in rows:
            raise rec.error("symbol", f"duplicate row for {v['symbol']!r}")
        tol: float | None = None
        if v["tolerance"]:
            try:
                tol = float(v["tolerance"])
            except ValueError:
                tol = -1.0
            if not 0 <= tol < 1:
                raise rec.error("tolerance", f"invalid tolerance {v['tolerance']!r}", "a fraction such as 0.0005")
        rows[v["symbol"]] = (split_list(v["prefer"]), tol)
    return SourceRules(rows, str(path))


@dataclass
class Source:
    """One source's bars for a symbol; ``label`` (the file name) names it in issues and bars."""

    label: str
    path: str
    layout: str
    adjusted: str
    frame: pd.DataFrame
    issues: list[QualityIssue] = field(default_factory=list)
    stored: bool = False  # split back out of the store: holds only the bars it won there
    sha256: str | None = None  # of the file when imported (None: Yahoo, or stored before digests)

    def suspect(self) -> pd.DatetimeIndex:
        return pd.DatetimeIndex([i.date for i in self.issues if i.kind in _SUSPECT and i.date is not None])


def from_import(series: ImportedSeries) -> Source:
    label = Path(series.source).name
    issues = [_tag(i, label) for i in series.issues]
    return Source(label, str(Path(series.source).resolve()), series.layout, series.adjusted, series.frame, issues,
                  sha256=series.sha256 or None)


def _tag(issue: QualityIssue, source: str | None) -> QualityIssue:
    return QualityIssue(issue.kind, issue.date, issue.detail, issue.severity, issue.source or source)


def _issue(d: Mapping[str, Any]) -> QualityIssue:
    date = d.get("date")
    return QualityIssue(str(d.get("kind", "?")), pd.Timestamp(date) if date else None, str(d.get("detail", "")),
                        str(d.get("severity", "info")), d.get("source"))


def from_store(frame: pd.DataFrame, meta: Mapping[str, Any]) -> tuple[list[Source], list[QualityIssue]]:
    """A stored series split back into its sources, and its issues between sources.

    A series stored before sources were tracked (or fetched from Yahoo) is one source.
    """
    issues = [_issue(d) for d in meta.get("issues") or []]
    listed = {s["label"]: s for s in meta.get("sources") or [] if isinstance(s, Mapping) and "label" in s}
    bars = frame.drop(columns=["source"], errors="ignore")
    if "source" not in frame.columns or not listed:
        src = str(meta.get("source") or "stored")
        label = src if src == "yahoo" else Path(src).name
        own = [_tag(i, label) for i in issues if i.kind not in _RECOMPUTED]
        layout = str(meta.get("layout") or "unknown")
        return [Source(label, src, layout, str(meta.get("adjusted") or "unknown"), bars, own, stored=True,
                       sha256=meta.get("source_sha256"))], []
    out = []
    for label, info in listed.items():
        part = bars[frame["source"].to_numpy() == label]  # may be empty: it won no bar, but it was read
        own = [i for i in issues if i.source == label and i.kind not in _RECOMPUTED]
        out.append(Source(label, str(info.get("path", label)), str(info.get("layout", "unknown")),
                          str(info.get("adjusted", "unknown")), part, own, stored=True, sha256=info.get("sha256")))
    between = [i for i in issues if i.source and _PAIR in i.source]
    return out, between


@dataclass
class Merged:
    """A symbol's merged series: bars with their ``source`` column, issues and store metadata."""

    symbol: str
    frame: pd.DataFrame
    issues: list[QualityIssue]
    sources: list[Source]
    rule: SourceRule
    exchange: str | None

    def meta(self, fetched_at: str) -> dict[str, Any]:
        used = self.frame["source"].value_counts()
        kinds = {s.adjusted for s in self.sources}
        one = len(self.sources) == 1
        meta: dict[str, Any] = {
            "source": self.sources[0].path if one else " + ".join(s.label for s in self.sources),
            "layout": self.sources[0].layout if one else "merged",
            "adjusted": kinds.pop() if len(kinds) == 1 else "mixed",
            "exchange": self.exchange or "",
            "fetched_at": fetched_at,
            "issues": self.issues,
            "sources": [
                {"label": s.label, "path": s.path, "layout": s.layout, "adjusted": s.adjusted,
                 "first": _day(s.frame.index.min()), "last": _day(s.frame.index.max()),
                 "rows": len(s.frame), "bars_used": int(used.get(s.label, 0)),
                 **({"sha256": s.sha256} if s.sha256 else {})}
                for s in self.sources
            ],
            "merge_rule": {"prefer": list(self.rule.prefer), "tolerance": self.rule.tolerance},
        }
        if one and self.sources[0].sha256:
            meta["source_sha256"] = self.sources[0].sha256
        return meta


def merge(
    symbol: str,
    sources: Sequence[Source],
    rule: SourceRule,
    exchange: str | None,
    *,
    is_index: bool = False,
    carried: Iterable[QualityIssue] = (),
) -> Merged:
    """Merge ``sources`` of one symbol by ``rule`` (see the module docstring); ``carried`` are
    issues between sources kept from an earlier merge."""
    if not sources:
        raise ValueError(f"{symbol}: nothing to merge")
    ranked = sorted(sources, key=lambda s: (rule.rank(s.label, s.layout), s.label))
    frame = _pick(ranked)
    frame["adj_close"] = _stitch(frame, {s.label: s for s in ranked}, rule.tolerance)
    labels = {s.label for s in ranked}
    issues: list[QualityIssue] = []
    for s in ranked:
        issues += [_resolved(i, frame) for i in s.issues if _kept(i)]
    issues += [i for i in carried if i.source and set(i.source.split(_PAIR)) <= labels]
    for i, a in enumerate(ranked):
        for b in ranked[i + 1 :]:
            # Two parts of one stored series are disjoint by construction; their checks are carried.
            if not (a.stored and b.stored) and len(a.frame) and len(b.frame):
                issues += _compare(a, b, frame, rule.tolerance)
    one = ranked[0].label if len(ranked) == 1 else None
    bars = frame.drop(columns=["source"])
    issues += [_tag(i, one) for i in quality.check(bars, exchange) if _recheck(i)]
    if not is_index:
        issues += _unadjusted(ranked, frame)
    return Merged(symbol, frame, _unique(issues), ranked, rule, exchange)


def _kept(issue: QualityIssue) -> bool:
    if issue.kind in _RECOMPUTED or (issue.kind == "holiday_row" and issue.date is None):
        return False
    # Calendar gaps are recomputed on the merged series (another source may fill them).
    return not (issue.kind == "missing_session" and issue.severity == "warning")


def _recheck(issue: QualityIssue) -> bool:
    # Placeholders are reported per source (with the replacement); the rest is about the merged bars.
    return issue.kind != "placeholder_bar"


def _day(ts: pd.Timestamp) -> str | None:
    return None if pd.isna(ts) else str(ts.date())


def _unique(issues: list[QualityIssue]) -> list[QualityIssue]:
    seen: set[tuple[Any, ...]] = set()
    out = []
    for i in issues:
        key = (i.kind, i.date, i.detail, i.source)
        if key not in seen:
            seen.add(key)
            out.append(i)
    return out


def _pick(ranked: Sequence[Source]) -> pd.DataFrame:
    """One bar per date: a suspect bar loses to any other, then the best-ranked source wins."""
    parts = []
    for order, s in enumerate(ranked):
        part = s.frame.copy()
        part["source"] = s.label
        part["_suspect"] = part.index.isin(s.suspect())
        part["_order"] = order
        parts.append(part)
    both = pd.concat(parts)
    both["_date"] = both.index
    both = both.sort_values(["_date", "_suspect", "_order"], kind="stable")
    both = both[~both.index.duplicated(keep="first")]
    out = both.drop(columns=["_date", "_suspect", "_order"])
    out.index.name = "date"
    return out


def _stitch(frame: pd.DataFrame, by_label: Mapping[str, Source], tolerance: float) -> pd.Series:
    """``adj_close`` on the newest source's basis: each older stretch scaled at its join."""
    adj = frame["adj_close"].to_numpy(dtype=float).copy()
    labels = frame["source"].to_numpy()
    if len(labels) < 2:
        return pd.Series(adj, index=frame.index)
    starts = np.flatnonzero(np.r_[True, labels[1:] != labels[:-1]])
    scale = 1.0
    for k in range(len(starts) - 1, 0, -1):
        newer, older = by_label[labels[starts[k]]], by_label[labels[starts[k - 1]]]
        factor = _join_factor(newer, older, frame.index[starts[k]])
        if abs(factor - 1) > tolerance:
            scale *= factor
        end = starts[k]
        begin = starts[k - 1]
        adj[begin:end] *= scale
    return pd.Series(adj, index=frame.index)


def _join_factor(newer: Source, older: Source, at: pd.Timestamp) -> float:
    """Median of newer/older adjusted closes on their common days nearest the join (1 if none)."""
    a, b = newer.frame["adj_close"], older.frame["adj_close"]
    common = a.index.intersection(b.index)
    if len(common) == 0:
        return 1.0
    gap = np.abs((pd.DatetimeIndex(common) - at).days.to_numpy())
    nearest = common[np.argsort(gap, kind="stable")[:JOIN_DAYS]]
    ratio = (a.loc[nearest] / b.loc[nearest]).to_numpy(dtype=float)
    ratio = ratio[np.isfinite(ratio) & (ratio > 0)]
    return float(np.median(ratio)) if len(ratio) else 1.0


def _compare(a: Source, b: Source, merged: pd.DataFrame, tolerance: float) -> list[QualityIssue]:
    pair = f"{a.label}{_PAIR}{b.label}"
    common = a.frame.index.intersection(b.frame.index)
    if len(common) == 0:
        return _join_note(a, b, pair)
    ca, cb = a.frame["adj_close"].loc[common], b.frame["adj_close"].loc[common]
    ratio = ca / cb
    basis = ratio.rolling(BASIS_WINDOW, center=True, min_periods=1).median()
    dev = ratio / basis - 1
    bad = (dev.abs() > tolerance).to_numpy()
    issues = []
    for d in common[bad]:
        x, y = a.frame["close"].loc[d], b.frame["close"].loc[d]
        kept = str(merged.at[d, "source"])
        issues.append(QualityIssue(
            "source_disagreement", pd.Timestamp(d),
            f"{a.label} close {x:g} vs {b.label} close {y:g} ({float(dev.loc[d]):+.2%} after adjustment, tolerance "
            f"{tolerance:.2%}); kept the bar of {kept}",
            "warning", pair))
    issues.append(QualityIssue(
        "source_join", None,
        f"{a.label} and {b.label} overlap on {len(common)} days ({common.min().date()}..{common.max().date()}) "
        f"and agree on {len(common) - int(bad.sum())}",
        "info", pair))
    return issues


def _join_note(a: Source, b: Source, pair: str) -> list[QualityIssue]:
    first, second = sorted((a, b), key=lambda s: s.frame.index.min())
    end, start = first.frame.index.max(), second.frame.index.min()
    if start <= end:  # interleaved without a common day: nothing to say about a join
        return []
    return [QualityIssue(
        "source_join", pd.Timestamp(start),
        f"{first.label} ends {end.date()} and {second.label} starts {start.date()} with no common day: "
        "the two cannot be checked against each other, nor their adjustment bases linked",
        "info", pair)]


def _resolved(issue: QualityIssue, merged: pd.DataFrame) -> QualityIssue:
    """A suspect bar's issue says which source's bar replaced it in the merged series."""
    if issue.kind not in _SUSPECT or issue.date is None or issue.date not in merged.index:
        return issue
    kept = str(merged.at[issue.date, "source"])
    if kept == issue.source:
        return issue
    return QualityIssue(issue.kind, issue.date, f"{issue.detail}; replaced by the bar of {kept}",
                        issue.severity, issue.source)


def _unadjusted(ranked: Sequence[Source], merged: pd.DataFrame) -> list[QualityIssue]:
    """The limitation of as-traded closes, stated: no dividends or splits are known to adjust them."""
    raw = [s for s in ranked if s.adjusted == "unadjusted"]
    known = merged[["dividends", "splits"]].fillna(0).to_numpy()
    if not raw or ((known != 0) & (known != 1)).any():
        return []
    used = set(merged["source"])
    return [QualityIssue(
        "unadjusted", None,
        "closes are as traded and no dividends or splits are known for them: a return across an ex-date "
        "includes the payout's drop",
        "info", s.label) for s in raw if s.label in used]


# -- importing files -----------------------------------------------------------------------------


@dataclass
class ImportPlan:
    """What an import will write: each symbol's merged series and one line per file read."""

    merged: dict[str, Merged]
    lines: list[str]

    def items(self, fetched_at: str) -> dict[str, tuple[pd.DataFrame, dict[str, Any]]]:
        return {sym: (m.frame, m.meta(fetched_at)) for sym, m in self.merged.items()}


def plan_import(
    files: Sequence[str | Path],
    registry: Registry,
    stored: Callable[[str], tuple[pd.DataFrame, Mapping[str, Any]] | None],
    rules: SourceRules,
    symbol: str | None = None,
    exchange: str | None = None,
) -> ImportPlan:
    """Read every file, then merge each symbol's files with what ``stored(symbol)`` returns.

    Nothing is written here: a bad file raises before the caller writes anything.
    """

    def exchange_of(sym: str) -> str | None:
        return registry.get(sym).exchange if registry.is_symbol(sym) else None

    by_symbol: dict[str, list[Source]] = {}
    exchanges: dict[str, str | None] = {}
    lines = []
    for f in files:
        series = read_price_file(f, symbol=symbol, exchange=exchange, exchange_of=exchange_of)
        if registry.is_group(series.symbol) and not registry.is_symbol(series.symbol):
            # A group names several securities; stored as one, it would shadow them all in a run.
            raise UserError(f"{series.symbol} is a group of the registry, not a security", file=f, field="symbol",
                            hint="name the file SYMBOL.csv, or give --symbol SYMBOL")
        src = from_import(series)
        same = [s for s in by_symbol.get(series.symbol, []) if s.label == src.label]
        if same:
            raise UserError(f"two files named {src.label} give prices for {series.symbol}", file=f,
                            hint="rename one: the file name labels each source")
        by_symbol.setdefault(series.symbol, []).append(src)
        exchanges.setdefault(series.symbol, series.exchange)
        fr = series.frame
        flagged = f", {len(series.issues)} quality note(s)" if series.issues else ""
        lines.append(f"{series.symbol:<12} {series.layout:<22} {len(fr):>6} rows "
                     f"{fr.index.min().date()}..{fr.index.max().date()}  {src.label}{flagged}")
    merged: dict[str, Merged] = {}
    for sym, new in by_symbol.items():
        exch = exchanges[sym]
        known = registry.is_symbol(sym)
        is_index = registry.get(sym).is_index if known else sym.startswith("^") or sym.endswith(".CSI")
        if exch is not None and _is_benchmark(registry, sym):
            for s in new:
                s.issues += [_tag(i, s.label) for i in quality.benchmark_gaps(s.frame, exch)]
        old: list[Source] = []
        carried: list[QualityIssue] = []
        previous = stored(sym)
        if previous is not None:
            old, carried = from_store(*previous)
        labels = {s.label for s in new}
        kept_old = [s for s in old if s.label not in labels]  # a re-imported file replaces its bars
        m = merge(sym, [*kept_old, *new], rules.rule(sym), exch, is_index=is_index, carried=carried)
        merged[sym] = m
        if len(m.sources) > 1:
            counts = m.frame["source"].value_counts()
            used = ", ".join(f"{s.label} {int(counts.get(s.label, 0))}" for s in m.sources)
            n_dis = sum(i.kind == "source_disagreement" for i in m.issues)
            lines.append(f"{sym:<12} merged {len(m.sources)} sources: {len(m.frame)} bars "
                         f"{m.frame.index.min().date()}..{m.frame.index.max().date()} ({used}); "
                         f"{n_dis} disagreement(s)")
    return ImportPlan(merged, lines)


def _is_benchmark(registry: Registry, symbol: str) -> bool:
    return any(symbol in (s.benchmark, s.sector_index) for s in registry)
