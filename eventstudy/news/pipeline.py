"""The news-claims run: events + stored prices -> one study per event target -> claims.

For each event in events.csv and each of its targets (a symbol or a group), the securities with
prices are studied together: day 0 is placed on each security's own exchange calendar from the
announcement time (:func:`eventstudy.data.calendars.day_zero`), returns come from adjusted closes on
that exchange's sessions, and each security is measured against its own benchmark. A group shares
one calendar date, so its tests lead with the cross-correlation-robust statistic.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from eventstudy.data import calendars
from eventstudy.data.limits import limit_closes
from eventstudy.data.limits import shipped as limits_shipped
from eventstudy.data.quality import QualityIssue, stale_mask, summarize
from eventstudy.data.securities import Registry, Security
from eventstudy.data.store import PriceStore
from eventstudy.errors import DataError, UserError
from eventstudy.news import robustness
from eventstudy.news.events import Event
from eventstudy.stats.engine import DEFAULT_FALLBACK, DEFAULT_WINDOW
from eventstudy.stats.returns import to_returns
from eventstudy.stats.study import EventStudy, StudyResult
from eventstudy.stats.windows import DEFAULT_CARS, Estimation, Window, parse_relative

if TYPE_CHECKING:
    from eventstudy.news.volume import VolumeStudy


@dataclass(frozen=True)
class Settings:
    """How the news-claims run studies each event (the CLI exposes these)."""

    model: str = "market"
    estimation: Estimation = field(default_factory=lambda: Estimation(Window(-250, -11), min_days=30))
    window: Window = DEFAULT_WINDOW
    cars: tuple[Window, ...] = DEFAULT_CARS
    missing: str = "drop"
    fallback: str = DEFAULT_FALLBACK
    bootstrap: int = 2000
    seed: int = 0
    chart_days: int = 15
    # Factor models (ff3, carhart, ff5): the factor frame (eventstudy.data.french.combine). One per
    # run, so it is left out of the settings' equality (the studies' cache key) and repr.
    factors: pd.DataFrame | None = field(default=None, compare=False, repr=False)
    volume: bool = True  # abnormal log volume for the securities whose bars carry volume


@dataclass
class IndexLine:
    """A group's sector index measured like a member: its own abnormal return against the market."""

    symbol: str
    name: str
    benchmark: str
    result: StudyResult | None
    why: str = ""  # why it could not be studied


@dataclass
class Sample:
    """One target of one event (a symbol or a group) and what was found for it."""

    target: str
    securities: list[Security]
    day0: dict[str, pd.Timestamp]
    result: StudyResult | None
    missing: dict[str, str]  # symbol -> why it could not be studied
    # symbol -> {session in the event window: "limit up" | "limit down"} (A-share daily limits)
    limits: dict[str, dict[pd.Timestamp, str]] = field(default_factory=dict)
    # Other events whose study of this target is identical (same securities, day 0 and settings):
    # computed once, the same result object.
    same_study: list[Event] = field(default_factory=list)
    index_line: IndexLine | None = None
    robustness: pd.DataFrame | None = None  # news.robustness.COLUMNS, for targets that claims name
    benchmarks: dict[str, Security] = field(default_factory=dict)  # studied symbol -> its benchmark
    volume: VolumeStudy | None = None  # abnormal log volume of the studied securities (news.volume)

    @property
    def is_group(self) -> bool:
        return len(self.securities) > 1 or self.target not in {s.symbol for s in self.securities}


@dataclass(frozen=True)
class Overlap:
    """Another event inside this one's event window: its day 0 relative to ours and shared securities."""

    event: Event
    offset: int
    shared: tuple[str, ...]


@dataclass
class EventAnalysis:
    event: Event
    samples: list[Sample]
    prices: dict[str, pd.DataFrame]  # symbol -> adj close of security and benchmark around day 0
    quality: dict[str, str]  # symbol -> one-line quality summary of its stored prices
    window_end: dict[str, pd.Timestamp] = field(default_factory=dict)  # symbol -> last session of the window
    overlaps: list[Overlap] = field(default_factory=list)  # other events inside this one's window
    # Claimed target -> the robustness table of that target alone: a group's for a group claim, a
    # security's own for a claim about one security, even when it is studied inside a group.
    claim_robustness: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def confounders(self) -> list[tuple[Event, str]]:
        """The overlaps as (other event, how it overlaps: its day and the securities shared)."""
        return [(o.event, _how(o)) for o in self.overlaps]

    @property
    def confounder_days(self) -> dict[str, int]:
        """Other event id -> its day relative to day 0."""
        return {o.event.id: o.offset for o in self.overlaps}

    @cached_property
    def names(self) -> dict[str, str]:
        """Ticker -> registry name of every security and benchmark the event studies, so statements
        and pages name a security as a reader knows it (:func:`eventstudy.formatting.named`)."""
        out: dict[str, str] = {}
        for s in self.samples:
            for sec in [*s.securities, *s.benchmarks.values()]:
                if sec.name:
                    out.setdefault(sec.symbol, sec.name)
        return out

    def sample(self, target: str) -> Sample | None:
        return next((s for s in self.samples if s.target == target), None)

    def sample_for_symbol(self, symbol: str) -> Sample | None:
        return next((s for s in self.samples if s.result is not None and symbol in s.day0), None)


@dataclass(frozen=True)
class SeriesInfo:
    """Where one stored series read by the run came from and how far it reaches (for the provenance)."""

    symbol: str
    source: str
    first: pd.Timestamp
    last: pd.Timestamp


@dataclass
class RunResult:
    analyses: list[EventAnalysis]
    settings: Settings
    all_events: list[Event]
    series: dict[str, SeriesInfo] = field(default_factory=dict)  # every series read, securities and benchmarks
    # The run's reads, kept for the verdicts (they rest on the same bars and metadata).
    data: Prices | None = field(default=None, repr=False, compare=False)
    # exchange -> every event's day 0 on it (the overlaps' and the placebo days' one computation)
    event_days_by_exchange: dict[str, EventDays] = field(default_factory=dict, repr=False, compare=False)
    # the registry the run resolved its targets with (period claims measure each target on its own calendar)
    registry: Registry | None = field(default=None, repr=False, compare=False)

    def event_days(self, exchange: str) -> EventDays:
        return EventDays.cached(self.event_days_by_exchange, exchange, self.all_events)

    def results_frame(self) -> pd.DataFrame:
        """results.csv: one row per event x security x CAR window (returns as fractions)."""
        frames = []
        for a in self.analyses:
            for s in a.samples:
                if s.result is None:
                    continue
                car = s.result.car
                est = s.result.estimates.set_index("symbol")
                frames.append(pd.DataFrame({
                    "event_id": a.event.id,
                    "target": s.target,
                    "symbol": car["symbol"],
                    "day0": car["day0"].dt.date,
                    "window": car["window"],
                    "model": car["model"],
                    "raw_return": car["raw_return"],
                    "abnormal_return": car["car"],
                    "bhar": car["bhar"],
                    "t_stat": car["t_stat"],
                    "p_value": car["p_value"],
                    "estimation_days": car["estimation_days"],
                    "beta": car["symbol"].map(est["beta"]) if "beta" in est else np.nan,
                    "data_quality": car["symbol"].map(a.quality).fillna(""),
                    "price_limit": _limit_text(s, car),
                    "note": car["note"],
                }))
            for s in a.samples:
                for sym, why in s.missing.items():
                    frames.append(pd.DataFrame([{"event_id": a.event.id, "target": s.target, "symbol": sym,
                                                 "note": f"not studied: {why}"}]))
        cols = ["event_id", "target", "symbol", "day0", "window", "model", "raw_return", "abnormal_return",
                "bhar", "t_stat", "p_value", "estimation_days", "beta", "data_quality", "price_limit", "note"]
        if not frames:
            return pd.DataFrame(columns=cols)
        out = pd.concat(frames, ignore_index=True)[cols]
        out["estimation_days"] = out["estimation_days"].astype("Int64")
        return out

    def volume_frame(self) -> pd.DataFrame:
        """volume.csv: abnormal log volume per event x security x model x CAR window (news.volume)."""
        from eventstudy.news import volume

        return volume.frame([(a.event.id, s.target, s.volume) for a in self.analyses for s in a.samples
                             if s.volume is not None])

    def tests_frame(self) -> pd.DataFrame:
        """tests.csv: the battery for every group sample."""
        frames = []
        for a in self.analyses:
            for s in a.samples:
                if s.result is not None and s.is_group:
                    t = s.result.tests.copy()
                    t.insert(0, "target", s.target)
                    t.insert(0, "event_id", a.event.id)
                    t["mean_correlation"] = s.result.mean_correlation
                    frames.append(t)
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _limit_text(s: Sample, car: pd.DataFrame) -> list[str]:
    """Per results row: the limit closes inside its CAR window, e.g. "2026-01-14 limit up"."""
    ar = s.result.ar if s.result is not None else None
    out = []
    for sym, label in zip(car["symbol"], car["window"], strict=True):
        flags = s.limits.get(str(sym), {})
        if not flags or ar is None:
            out.append("")
            continue
        w = parse_relative(str(label))
        days = ar[(ar["symbol"] == sym) & (ar["day"] >= w.start) & (ar["day"] <= w.end)]["date"]
        out.append("; ".join(f"{pd.Timestamp(d).date()} {flags[d]}" for d in days if d in flags))
    return out


class Prices:
    """Reads of one run: every security's bars and returns are read and computed once, however
    many events and samples use them (a benchmark serves every security of its market), and the
    claims' verdicts read the same bars and metadata again without another read of the store."""

    def __init__(self, store: PriceStore, missing: str):
        self.store = store
        self.missing = missing
        self._bars: dict[str, pd.DataFrame] = {}
        self._meta: dict[str, dict] = {}
        self._returns: dict[str, pd.Series] = {}
        self._limits: dict[tuple[str, pd.Timestamp | None], pd.Series] = {}

    def has(self, symbol: str | None) -> bool:
        return bool(symbol) and self.store.has(str(symbol))

    def info(self) -> dict[str, SeriesInfo]:
        return {sym: SeriesInfo(sym, str(self.meta(sym).get("source") or "unknown"), bars.index.min(),
                                bars.index.max())
                for sym, bars in sorted(self._bars.items()) if len(bars)}

    def bars(self, symbol: str) -> pd.DataFrame:
        if symbol not in self._bars:
            self._bars[symbol], self._meta[symbol] = self.store.read_with_meta(symbol)
        return self._bars[symbol]

    def meta(self, symbol: str) -> dict:
        self.bars(symbol)
        return self._meta[symbol]

    def returns(self, sec: Security) -> pd.Series:
        """Returns on the exchange's sessions. Runs of a repeated close (a suspension the vendor
        filled with the last price) are sessions without a price, not days of zero return, which
        would shrink the estimated volatility and beta."""
        if sec.symbol not in self._returns:
            bars = self.bars(sec.symbol)
            # A century of S&P 500 closes reaches before the calendar: those bars keep their own dates.
            lo, hi, _ = calendars.clip_range(sec.exchange, bars.index.min(), bars.index.max())
            sessions = calendars.sessions(sec.exchange, lo, hi)
            prices = bars["adj_close"].mask(stale_mask(bars["close"]))
            self._returns[sec.symbol] = to_returns(prices, missing=self.missing, sessions=sessions)
        return self._returns[sec.symbol]

    def limits(self, sec: Security, listed: pd.Timestamp | None) -> pd.Series:
        """Closes at the daily price limit over the whole history (the sessions after a listing
        count from the listing, not from a slice), once per security however many events use it."""
        key = (sec.symbol, listed)
        if key not in self._limits:
            self._limits[key] = limit_closes(sec, self.bars(sec.symbol), listed=listed)
        return self._limits[key]


def _quality_line(stored: list[dict]) -> str:
    """Stored issues (JSON dicts) as one line per kind joined by '; ', with the dates concerned, e.g.
    'stale_close: 1 (1 warning) on 2025-12-31': a count alone does not tell a reader whether the
    window is touched."""
    issues = [QualityIssue(d.get("kind", "?"), d.get("date"), d.get("detail", ""), d.get("severity", "info"))
              for d in stored]
    if not issues:
        return ""
    dates: dict[str, list[str]] = {}
    for i in issues:
        if i.date is not None and str(i.date) not in ("", "None", "NaT"):
            dates.setdefault(i.kind, []).append(str(i.date)[:10])
    lines = []
    for line in summarize(issues).splitlines():
        kind = line.split(":", 1)[0]
        ds = sorted(set(dates.get(kind, [])))
        if ds:
            line += " on " + ", ".join(ds[:5]) + (f" and {len(ds) - 5} more" if len(ds) > 5 else "")
        lines.append(line)
    return "; ".join(lines)


def _benchmark(registry: Registry, sec: Security, override: dict[str, str] | None = None) -> Security | None:
    symbol = (override or {}).get(sec.symbol, sec.benchmark)
    return registry.get(symbol) if symbol and registry.knows(symbol) else None


@dataclass
class _Context:
    """What every sample of a run shares: prices, registry, settings, listings and the studies
    already computed (an identical study is computed once)."""

    data: Prices
    registry: Registry
    settings: Settings
    listings: dict[str, pd.Timestamp]
    cache: dict[tuple, StudyResult | None] = field(default_factory=dict)
    event_days: dict[str, EventDays] = field(default_factory=dict)  # exchange -> every event's day 0 on it
    resolved: dict[tuple[str, ...], frozenset[str]] = field(default_factory=dict)  # targets -> their symbols
    volumes: dict[int, VolumeStudy] = field(default_factory=dict)  # id(study result) -> its volume study


def _study_sample(
    event: Event, target: str, secs: list[Security], ctx: _Context, st: Settings | None = None,
    bench_override: dict[str, str] | None = None,
) -> tuple[Sample, dict[str, Security]]:
    """The study of one target: the securities with prices, their days 0, the study (computed once
    per identical key) and why the others could not be studied; with each studied security's
    benchmark. The pages' extras (:func:`_page_extras`) are left to the event's own samples: the
    robustness variants and the index line use only the study."""
    st = st or ctx.settings
    data, registry = ctx.data, ctx.registry
    returns: dict[str, pd.Series] = {}
    market: dict[str, pd.Series] = {}
    sector: dict[str, pd.Series] = {}
    missing: dict[str, str] = {}
    day0: dict[str, pd.Timestamp] = {}
    bench_of: dict[str, Security] = {}
    rows = []
    for sec in secs:
        bench = _benchmark(registry, sec, bench_override)
        if not data.has(sec.symbol):
            missing[sec.symbol] = "no prices stored"
            continue
        if bench is None or not data.has(bench.symbol):
            name = (bench_override or {}).get(sec.symbol, sec.benchmark)
            missing[sec.symbol] = f"no prices stored for its benchmark {name or '(none)'}"
            continue
        if st.model == "two-index" and not data.has(sec.sector_index):
            missing[sec.symbol] = f"the two-index model needs its sector index {sec.sector_index or '(none)'}"
            continue
        d0 = calendars.day_zero(sec.exchange, event.announced_at, event.time_known)
        r = data.returns(sec)
        if r.empty or d0 > r.index.max() or d0 < r.index.min():
            span = "" if r.empty else f" ({r.index.min().date()}..{r.index.max().date()})"
            missing[sec.symbol] = f"no prices around day 0 {d0.date()}{span}"
            continue
        returns[sec.symbol] = r
        market[sec.symbol] = data.returns(bench)
        bench_of[sec.symbol] = bench
        if st.model == "two-index" and sec.sector_index:
            sector[sec.symbol] = data.returns(registry.get(sec.sector_index))
        day0[sec.symbol] = d0
        rows.append({"symbol": sec.symbol, "date": d0, "event_id": event.id})
    # Same securities, days 0, benchmarks and settings: the same study, whichever event asks.
    key = (st, tuple((sym, d0, bench_of[sym].symbol) for sym, d0 in day0.items()))
    if rows and key not in ctx.cache:
        study = EventStudy(
            returns, pd.DataFrame(rows), market=market, sector=sector or None, model=st.model,
            estimation=st.estimation, fallback=st.fallback,
            window=st.window, cars=st.cars, event_day="next", bootstrap=st.bootstrap, seed=st.seed,
            returns_on_sessions=st.missing == "drop", factors=st.factors,
        )
        ctx.cache[key] = study.fit()
    result = ctx.cache.get(key) if rows else None
    return Sample(target, secs, day0, result, missing, benchmarks=bench_of), bench_of


def _page_extras(sample: Sample, bench_of: dict[str, Security],
                 ctx: _Context) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """What the event's pages and results.csv show beside the study: each studied security's closes
    around day 0 with its benchmark's, its stored quality in one line, and its limit closes in the
    event window (set on the sample)."""
    st, data = ctx.settings, ctx.data
    prices: dict[str, pd.DataFrame] = {}
    quality: dict[str, str] = {}
    for sec in sample.securities:
        if sec.symbol in sample.day0:
            prices[sec.symbol] = _price_slice(sec, bench_of[sec.symbol], data, sample.day0[sec.symbol],
                                              st.chart_days)
            quality[sec.symbol] = _quality_line(data.meta(sec.symbol).get("issues") or [])
    sample.limits = _limit_flags(sample.securities, sample.day0, ctx, st.window)
    return prices, quality


def _limit_flags(secs: list[Security], day0: dict[str, pd.Timestamp], ctx: _Context,
                 window: Window) -> dict[str, dict[pd.Timestamp, str]]:
    """Closes at the daily price limit inside each security's event window (A-shares only)."""
    out: dict[str, dict[pd.Timestamp, str]] = {}
    for sec in secs:
        if sec.symbol not in day0:
            continue
        bars = ctx.data.bars(sec.symbol)
        pos = int(bars.index.searchsorted(day0[sec.symbol]))
        lo, hi = max(0, pos + window.start - 1), min(len(bars), pos + window.end + 1)
        flags = ctx.data.limits(sec, ctx.listings.get(sec.symbol)).iloc[lo:hi]
        hits = {pd.Timestamp(str(d)): str(f) for d, f in flags.items() if f}
        if hits:
            out[sec.symbol] = hits
    return out


def _price_slice(sec: Security, bench: Security, data: Prices, d0: pd.Timestamp, days: int) -> pd.DataFrame:
    """Closes of the security and its benchmark from ``days`` sessions before day 0 to after."""
    s, b = data.bars(sec.symbol), data.bars(bench.symbol)
    pos = int(s.index.searchsorted(d0))
    lo, hi = max(0, pos - days), min(len(s), pos + days + 1)
    window = s.iloc[lo:hi]
    frame = pd.DataFrame({"close": window["close"], "adj_close": window["adj_close"]})
    frame["benchmark"] = b["adj_close"].reindex(frame.index)
    frame.attrs.update(symbol=sec.symbol, benchmark=bench.symbol, day0=d0)
    return frame


@dataclass
class EventDays:
    """Every event's day 0 on one exchange, as positions in that exchange's sessions, in day order:
    the events inside a window are a binary search away (each event against every other, with a
    calendar lookup per pair, made a run of a thousand events take most of a minute). An event the
    exchange's calendar cannot place (before it starts) has no day there and is left out."""

    sessions: pd.DatetimeIndex
    order: list[Event]
    index: np.ndarray  # each event's position in the events it was made from (events.csv order)
    pos: np.ndarray

    @classmethod
    def of(cls, exchange: str, events: Sequence[Event]) -> EventDays:
        placed = []
        for k, e in enumerate(events):
            try:
                placed.append((k, calendars.day_zero(exchange, e.announced_at, e.time_known)))
            except UserError:
                continue
        if not placed:
            return cls(pd.DatetimeIndex([]), [], np.array([], dtype=np.int64), np.array([], dtype=np.int64))
        days = [d for _, d in placed]
        sessions = calendars.sessions(exchange, min(days), max(days))
        pos = np.asarray(sessions.searchsorted(pd.DatetimeIndex(days)))
        order = np.argsort(pos, kind="stable")
        index = np.asarray([k for k, _ in placed])[order]
        return cls(sessions, [events[k] for k in index], index, pos[order])

    @classmethod
    def cached(cls, cache: dict[str, EventDays], exchange: str, events: Sequence[Event]) -> EventDays:
        found = cache.get(exchange)
        if found is None:
            found = cache[exchange] = cls.of(exchange, events)
        return found

    @property
    def days(self) -> pd.DatetimeIndex:
        """The events' days 0, in day order."""
        return self.sessions[self.pos]

    def around(self, day0: pd.Timestamp, window: Window) -> list[tuple[int, Event, int]]:
        """(position in events.csv, event, its day relative to ``day0``) for the events whose day 0
        lies in the window; ``day0`` is one of the events' own days 0 (an analysed event is among them)."""
        start = int(self.sessions.searchsorted(day0))
        if start >= len(self.sessions) or self.sessions[start] != day0:
            return []
        lo = int(np.searchsorted(self.pos, start + window.start, side="left"))
        hi = int(np.searchsorted(self.pos, start + window.end, side="right"))
        return [(int(self.index[k]), self.order[k], int(self.pos[k]) - start) for k in range(lo, hi)]


def _overlaps(event: Event, analyses_day0: dict[str, pd.Timestamp], all_events: Sequence[Event],
              ctx: _Context) -> list[Overlap]:
    """Other events announced within this event's window, on the exchange of its first security,
    in events.csv order (as the pages list them)."""
    if not analyses_day0:
        return []
    sym, d0 = next(iter(analyses_day0.items()))
    days = EventDays.cached(ctx.event_days, ctx.registry.get(sym).exchange, all_events)
    near = sorted((f for f in days.around(d0, ctx.settings.window) if f[1].id != event.id), key=lambda f: f[0])
    return [Overlap(other, offset, tuple(_shared_securities(event, other, ctx))) for _, other, offset in near]


def _window_end(exchange: str, d0: pd.Timestamp, window: Window) -> pd.Timestamp | None:
    try:
        return calendars.trading_day_offset(exchange, d0, window.end)
    except UserError:  # the window runs past the exchange calendar's known sessions
        return None


def _how(o: Overlap) -> str:
    how = "same trading day" if o.offset == 0 else f"day {o.offset:+d}"
    if o.shared:
        how += f"; shares {', '.join(o.shared[:4])}" + ("..." if len(o.shared) > 4 else "")
    return how


def _shared_securities(a: Event, b: Event, ctx: _Context) -> list[str]:
    return sorted(_symbols_of(a, ctx) & _symbols_of(b, ctx))


def _symbols_of(e: Event, ctx: _Context) -> frozenset[str]:
    key = tuple(e.targets)
    if key not in ctx.resolved:
        ctx.resolved[key] = frozenset(s.symbol for s in ctx.registry.resolve(list(key)))
    return ctx.resolved[key]


def _index_line(event: Event, sample: Sample, ctx: _Context) -> IndexLine | None:
    """The sector index of a group's members (the most common ``sector_index``) against the members'
    benchmark, studied like a member: a second line of evidence beside the members' mean."""
    studied = [sec for sec in sample.securities if sec.symbol in sample.day0 and sec.sector_index]
    if not sample.is_group or not studied:
        return None
    names = pd.Series([sec.sector_index for sec in studied])
    symbol = str(names.mode().iloc[0])
    bench = next(sec.benchmark for sec in studied if sec.sector_index == symbol)
    if not ctx.registry.knows(symbol):
        return IndexLine(symbol, symbol, bench or "", None, f"{symbol} is not in the registry")
    index = ctx.registry.get(symbol)
    as_member = Security(index.symbol, index.name, index.exchange, index.currency, benchmark=bench)
    s, _ = _study_sample(event, symbol, [as_member], ctx, replace(ctx.settings, model="market"))
    why = "; ".join(s.missing.values())
    return IndexLine(symbol, index.name, bench or "", s.result, why)


def _variant_settings(st: Settings, v: robustness.Variant) -> Settings:
    if v.model == st.model and v.estimation == st.estimation and not v.alt_benchmark:
        return st  # the run's own study, already computed
    # The variants report the lead test's p; the bootstrap's draws would only cost time.
    return replace(st, model=v.model, estimation=v.estimation, bootstrap=0)


def _robustness(event: Event, sample: Sample, ctx: _Context) -> pd.DataFrame:
    rows: list[dict[str, object]] = []
    st = ctx.settings
    for v in robustness.variants(st.model, st.estimation):
        override = None
        bench = "own benchmark"
        if v.alt_benchmark:
            alts = {sec.symbol: limits_shipped().alt_benchmark(sec) for sec in sample.securities
                    if sec.symbol in sample.day0}
            override = {k: a for k, a in alts.items() if a}
            bench = ", ".join(sorted(set(override.values()))) or "(none)"
        try:
            s, _ = _study_sample(event, sample.target, sample.securities, ctx,
                                    _variant_settings(st, v), override)
        except UserError as exc:
            rows.append({"variant": v.label, "model": v.model, "benchmark": bench,
                         "estimation": v.estimation.window.label, "note": exc.message})
            continue
        key: dict[str, object] = (robustness.day0_key(s.result) if s.result is not None
                                  else {"value": np.nan, "p_value": np.nan})
        note = "; ".join(f"{k}: {w}" for k, w in s.missing.items() if k not in sample.missing)
        if s.result is not None:
            models = set(s.result.ar.loc[s.result.ar["day"] == 0, "model"])
            if any("fallback" in m for m in models):
                note = "; ".join(x for x in (note, "fallback: " + ", ".join(sorted(models))) if x)
        rows.append({"variant": v.label, "model": v.model, "benchmark": bench,
                     "estimation": v.estimation.window.label, **key, "note": note})
    return robustness.merge_identical(pd.DataFrame(rows, columns=robustness.COLUMNS))


def analyse_event(event: Event, all_events: Sequence[Event], ctx: _Context) -> EventAnalysis:
    registry, settings = ctx.registry, ctx.settings
    samples: list[Sample] = []
    prices: dict[str, pd.DataFrame] = {}
    quality: dict[str, str] = {}
    claimed = {c.target for c in event.claims}
    for target in event.targets:
        secs = [s for s in registry.resolve([target]) if not s.is_index]
        sample, bench_of = _study_sample(event, target, secs, ctx)
        p, q = _page_extras(sample, bench_of, ctx)
        if settings.volume and sample.result is not None:
            sample.volume = _volume(event, sample, ctx)
        if sample.result is not None:
            sample.index_line = _index_line(event, sample, ctx)
            if target in claimed:
                sample.robustness = _robustness(event, sample, ctx)
        samples.append(sample)
        prices.update(p)
        quality.update(q)
    claim_robustness = {s.target: s.robustness for s in samples if s.robustness is not None}
    for c in event.claims:
        # A claim about one security studied inside a group gets its own table, not the group's.
        if c.target in claim_robustness or not registry.is_symbol(c.target):
            continue
        own, _ = _study_sample(event, c.target, [registry.get(c.target)], ctx)
        if own.result is not None:
            claim_robustness[c.target] = _robustness(event, own, ctx)
    day0 = {k: v for s in samples for k, v in s.day0.items()}
    if not day0:
        # No prices: still place the window on the first target's exchange to list confounders.
        first = registry.resolve([event.targets[0]])[0] if event.targets else None
        if first is not None:
            day0 = {first.symbol: calendars.day_zero(first.exchange, event.announced_at, event.time_known)}
    overlaps = _overlaps(event, day0, all_events, ctx)
    window_end = {sym: end for s in samples for sym, d in s.day0.items()
                  if (end := _window_end(registry.get(sym).exchange, d, settings.window)) is not None}
    return EventAnalysis(event, samples, prices, quality, window_end, overlaps, claim_robustness)


def _volume(event: Event, sample: Sample, ctx: _Context) -> VolumeStudy:
    """The sample's abnormal log volume, computed once per study (events sharing a study share it)."""
    from eventstudy.news import volume

    key = id(sample.result)
    found = ctx.volumes.get(key)
    if found is None:
        found = ctx.volumes[key] = volume.study(sample, ctx.data, ctx.settings, event.id)
    return found


def _link_identical(analyses: list[EventAnalysis]) -> None:
    """Samples of different events that share one study object name each other."""
    by_result: dict[int, list[tuple[EventAnalysis, Sample]]] = {}
    for a in analyses:
        for s in a.samples:
            if s.result is not None:
                by_result.setdefault(id(s.result), []).append((a, s))
    for group in by_result.values():
        for a, s in group:
            s.same_study = [b.event for b, _ in group if b.event.id != a.event.id]


def run(events: Sequence[Event], store: PriceStore, registry: Registry, settings: Settings | None = None,
        only: Sequence[str] | None = None, on_event: Callable[[], None] | None = None) -> RunResult:
    """Study every event (or the ids in ``only``). Identical studies (same securities, days 0 and
    settings) are computed once and shared by the events that ask for them. ``on_event`` is called
    after each event (the command line's progress bar)."""
    st = settings or Settings()
    chosen = [e for e in events if not only or e.id in only]
    if only:
        unknown = sorted(set(only) - {e.id for e in events})
        if unknown:
            raise DataError(f"unknown event id(s): {', '.join(unknown)}",
                            hint=f"events are: {', '.join(e.id for e in events)}")
    listings = {e.targets[0]: pd.Timestamp(e.date) for e in events if e.is_listing}
    ctx = _Context(Prices(store, st.missing), registry, st, listings)
    analyses = []
    for e in chosen:
        analyses.append(analyse_event(e, events, ctx))
        if on_event is not None:
            on_event()
    _link_identical(analyses)
    return RunResult(analyses, st, list(events), ctx.data.info(), ctx.data, ctx.event_days, registry)
