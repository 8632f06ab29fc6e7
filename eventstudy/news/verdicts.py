"""Claims to verdicts: three statements per claim, combined by one rule for every kind of claim.

Each claim gets three separate statements, each answered ``yes``, ``no``, ``unclear`` or ``no data``
with one plain sentence holding its numbers:

- **happened**: did the move the claim names happen? The claim's own quantity against its
  threshold: the raw close-to-close return on day 0 (``session_return``), the return from the
  offer price (``since_listing``), the members' mean raw return with most of them moving the
  claimed way (``group_rally``; ``unclear`` when fewer than half the members, or fewer than two,
  have prices on day 0).
- **unusual**: was it unusual for this security or group? The abnormal return and the test that
  leads for it: the SQ test (Gelbach, Helland & Klick 2013) for one security, the
  Kolari-Pynnonen adjusted BMP for a group on one date, a t of the market-adjusted return over
  the period for ``since_listing``. ``yes`` when p < 5% in the claimed direction; ``no`` when p < 5%
  against it, or when p >= 5% although the test had the power to see the move (its minimum
  detectable effect at 80% power is no larger than the move in question: the larger of the claimed
  and the measured move); ``unclear`` when it did not have that power ("low power").
- **attributable**: can the move be tied to this event? ``yes`` unless another event shares a
  studied security and day 0 ("confounded"), the announcement time is uncertain ("uncertain
  time"), or the prices behind the claim have quality problems on the days it rests on ("data
  problems"); then ``unclear``.

The rule (the same for every claim kind):

1. ``cannot tell`` when *happened* has no data.
2. ``not supported`` when *happened* is no, or it is yes and *unusual* is no.
3. ``supported`` when all three are yes.
4. ``inconclusive`` otherwise, with the reasons: too few members, too little power, confounded,
   uncertain timing, data problems.

A close at an A-share daily price limit is flagged ("price limit") in any verdict that rests on
that day; it censors the move (the price could not go further) but does not change the outcome.
The robustness table (other models, benchmarks and estimation windows) and the p-values adjusted
across claims (Holm, Benjamini-Hochberg) are reported beside the verdict and do not change it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special

from eventstudy.data.limits import shipped as limits_shipped
from eventstudy.data.store import PriceStore
from eventstudy.formatting import pct, pvalue
from eventstudy.news import robustness
from eventstudy.news.events import Claim, Event, listing_event
from eventstudy.news.pipeline import EventAnalysis, IndexLine, Prices, RunResult, Sample
from eventstudy.stats import evidence, multiple

SUPPORTED, NOT_SUPPORTED, INCONCLUSIVE, CANNOT_TELL = "supported", "not supported", "inconclusive", "cannot tell"
OUTCOMES = (SUPPORTED, NOT_SUPPORTED, INCONCLUSIVE, CANNOT_TELL)
ALPHA = 0.05
YES, NO, UNCLEAR, NO_DATA = "yes", "no", "unclear", "no data"
QUESTIONS = ("happened", "unusual", "attributable")
BADGES = ("low coverage", "low power", "confounded", "uncertain time", "data problems", "price limit")
# The reason an inconclusive verdict gives for each badge (price limits do not make it inconclusive).
BADGE_REASON = {"low coverage": "too few members", "low power": "too little power", "confounded": "confounded",
                "uncertain time": "uncertain timing", "data problems": "data problems"}
MIN_COVERAGE = 0.5


@dataclass(frozen=True)
class Statement:
    """One of a verdict's three answers, in a plain sentence with its numbers."""

    question: str  # "happened" | "unusual" | "attributable"
    answer: str  # "yes" | "no" | "unclear" | "no data"
    text: str


@dataclass
class Verdict:
    event_id: str
    claim: Claim
    measured: float
    verdict: str
    reason: str
    extra: dict[str, object]
    statements: tuple[Statement, ...] = ()
    badges: tuple[str, ...] = ()
    source: str = ""
    title: str = ""
    robustness: pd.DataFrame | None = None
    provenance: dict[str, dict[str, str]] = field(default_factory=dict)  # symbol -> source, last_date, ...

    def statement(self, question: str) -> Statement | None:
        return next((s for s in self.statements if s.question == question), None)

    def row(self) -> dict[str, object]:
        out: dict[str, object] = {
            "event_id": self.event_id,
            "claim": self.claim.text,
            "kind": self.claim.kind,
            "target": self.claim.target,
            "op": self.claim.op,
            "threshold": self.claim.threshold,
            "measured": self.measured,
            "verdict": self.verdict,
            "reason": self.reason,
        }
        for q in QUESTIONS:
            s = self.statement(q)
            out[q] = s.answer if s else ""
            out[f"{q}_text"] = s.text if s else ""
        out["badges"] = "; ".join(self.badges)
        return {**out, **self.extra}


# -- the rule --------------------------------------------------------------------------------------
def combine(statements: Sequence[Statement], badges: Sequence[str]) -> tuple[str, str]:
    """The one rule: three statements (and the badges they raised) -> (outcome, reason)."""
    by = {s.question: s for s in statements}
    happened, unusual, attributable = by["happened"], by["unusual"], by["attributable"]
    if happened.answer == NO_DATA:
        return CANNOT_TELL, f"no data: {happened.text}"
    if happened.answer == NO:
        return NOT_SUPPORTED, f"the move did not happen: {happened.text}"
    if happened.answer == YES and unusual.answer == NO:
        return NOT_SUPPORTED, f"the move was not unusual: {unusual.text}"
    if all(s.answer == YES for s in (happened, unusual, attributable)):
        return SUPPORTED, "the move happened, was unusual and can be tied to the event"
    reasons = [BADGE_REASON[b] for b in badges if b in BADGE_REASON]
    if unusual.answer == NO_DATA and "data problems" not in badges:
        reasons.append("data problems")
    return INCONCLUSIVE, ", ".join(dict.fromkeys(reasons)) or "a statement is unclear"


def _verdict(a: EventAnalysis, c: Claim, measured: float, statements: list[Statement], badges: list[str],
             extra: dict[str, object], sample: Sample | None = None, table: pd.DataFrame | None = None) -> Verdict:
    ordered = tuple(b for b in BADGES if b in badges)
    outcome, reason = combine(statements, ordered)
    if outcome == INCONCLUSIVE and extra.get("confounders"):
        reason = reason.replace("confounded", f"confounded by {str(extra['confounders']).replace('; ', ', ')}", 1)
    if table is None and sample is not None:
        table = sample.robustness
    if table is not None and not table.empty:
        stable, text = robustness.stability(table)
        extra["robust"] = "" if stable is None else ("stable" if stable else "not stable")
        reason += f"; {text}"
    if "price limit" in ordered:
        reason += "; a close at the daily price limit censors the move"
    return Verdict(a.event.id, c, measured, outcome, reason, extra, tuple(statements), ordered, a.event.source,
                   a.event.title, table)


def _no_data(a: EventAnalysis, c: Claim, why: str) -> Verdict:
    st = [Statement("happened", NO_DATA, why), Statement("unusual", NO_DATA, "no abnormal return without prices"),
          Statement("attributable", NO_DATA, "nothing to attribute")]
    return _verdict(a, c, np.nan, st, [], {})


def _direction(c: Claim) -> int:
    return -1 if c.op.startswith("<") else 1


# -- attributable: shared by every kind -------------------------------------------------------------
def _attributable(a: EventAnalysis, symbols: Sequence[str], data: Prices, days: Sequence[pd.Timestamp],
                  *, lo_offset: int = 0, exclude: Sequence[str] = ()) -> tuple[Statement, list[str], dict]:
    """Confounders sharing a studied security with day 0 in [lo_offset, 0], the announcement time,
    and stored quality problems of the securities on the days the claim rests on."""
    badges: list[str] = []
    parts: list[str] = []
    syms = set(symbols)
    conf = [o for o in a.overlaps
            if lo_offset <= o.offset <= 0 and syms & set(o.shared) and o.event.id not in exclude]
    if conf:
        badges.append("confounded")
        parts.append("confounded: " + "; ".join(
            f"{o.event.id} ({o.event.title}) on {'the same day 0' if o.offset == 0 else f'day {o.offset:+d}'}"
            for o in conf))
    e = a.event
    if e.uncertain or not e.time_known:
        badges.append("uncertain time")
        when = "time of day unknown" if not e.time_known else "announcement time uncertain"
        parts.append(f"{when}" + (f": {e.uncertain}" if e.uncertain else ""))
    problems = _quality_problems(data, syms, days)
    if problems:
        badges.append("data problems")
        parts.append("data problems: " + "; ".join(problems))
    if not parts:
        text = "no other event shares these securities on day 0, the announcement time is known, the prices are clean"
        return Statement("attributable", YES, text), badges, {"confounders": ""}
    return (Statement("attributable", UNCLEAR, "; ".join(parts)), badges,
            {"confounders": "; ".join(o.event.id for o in conf)})


def _quality_problems(data: Prices, symbols: set[str], days: Sequence[pd.Timestamp]) -> list[str]:
    if not days:
        return []
    lo, hi = min(days), max(days)
    out = []
    for sym in sorted(symbols):
        if not data.has(sym):
            continue
        for issue in data.meta(sym).get("issues") or []:
            when = pd.Timestamp(issue["date"]) if issue.get("date") else None
            if when is not None and lo <= when <= hi and issue.get("severity") in ("warning", "error"):
                out.append(f"{sym} {issue.get('kind')} on {when.date()}")
    return out


def _limit_days(sample: Sample, symbols: Sequence[str], days: Sequence[pd.Timestamp]) -> list[str]:
    out = []
    for sym in symbols:
        for d in days:
            flag = sample.limits.get(sym, {}).get(pd.Timestamp(d))
            if flag:
                out.append(f"{sym} closed {flag} on {pd.Timestamp(d).date()}")
    return out


def _previous_session(bars: pd.DataFrame, d0: pd.Timestamp) -> list[pd.Timestamp]:
    idx = bars.index
    pos = int(idx.searchsorted(d0))
    return [pd.Timestamp(idx[pos - 1]), d0] if pos > 0 else [d0]


def _powered(mde: float, c: Claim, move: float) -> bool:
    """Whether a test with this minimum detectable effect could have seen the move in question."""
    reference = max(abs(c.threshold), abs(move)) if np.isfinite(move) else abs(c.threshold)
    return bool(np.isfinite(mde) and mde <= reference)


def _unusual_answer(value: float, p: float, mde: float, c: Claim, move: float) -> tuple[str, list[str]]:
    if not np.isfinite(value):
        return NO_DATA, []  # no abnormal return (e.g. --fallback none on a short history)
    if not np.isfinite(p):
        return UNCLEAR, ["low power"]  # an abnormal return, but too few days to test it
    if p < ALPHA:
        return (YES, []) if np.sign(value) == _direction(c) else (NO, [])
    return (NO, []) if _powered(mde, c, move) else (UNCLEAR, ["low power"])


# -- session_return -------------------------------------------------------------------------------
def _day0_ar(a: EventAnalysis, symbol: str) -> tuple[Sample, pd.Series] | None:
    sample = a.sample_for_symbol(symbol)
    if sample is None or sample.result is None:
        return None
    ar = sample.result.ar
    rows = ar[(ar["symbol"] == symbol) & (ar["day"] == 0)]
    return None if rows.empty else (sample, rows.iloc[0])


def _sq(sample: Sample, symbol: str) -> tuple[pd.Series, float]:
    """The day-0 SQ test of ``symbol`` and the SQ test's minimum detectable effect."""
    res = sample.result
    assert res is not None
    sq = res.sq[(res.sq["symbol"] == symbol) & (res.sq["day"] == 0)].iloc[0]
    i = next(k for k, s in enumerate(res.output.series) if s.symbol == symbol)
    return sq, evidence.sq_mde(res.output.ar[i, res.output.est[i]])


def _session_return(a: EventAnalysis, c: Claim, data: Prices) -> Verdict:
    found = _day0_ar(a, c.target)
    if found is None:
        return _no_data(a, c, f"no prices for {c.target} around day 0")
    sample, row = found
    raw = float(row["return"])
    if not np.isfinite(raw):
        return _no_data(a, c, f"no close-to-close return for {c.target} on day 0")
    bars = data.bars(c.target)
    d0 = pd.Timestamp(row["date"])
    pos = int(bars.index.searchsorted(d0))
    prev_close, close = float(bars["close"].iloc[pos - 1]), float(bars["close"].iloc[pos])
    holds = c.holds(raw)
    happened = Statement("happened", YES if holds else NO, (
        f"{c.target} closed {close:.2f} on {d0.date()} after {prev_close:.2f} on {bars.index[pos - 1].date()}: "
        f"{pct(raw)}, which {'meets' if holds else 'does not meet'} {c.op} {pct(c.threshold)}"))
    ar0 = float(row["abnormal_return"])
    sq, mde = _sq(sample, c.target)
    answer, badges = _unusual_answer(ar0, float(sq["sq_p"]), mde, c, raw)
    power = "" if answer != UNCLEAR else (
        f"; too little power: the SQ test cannot go below p = {sq['sq_min_p']:.3f} on {int(sq['sq_days'])} days"
        if not np.isfinite(mde) else f"; too little power: it detects only abnormal returns beyond {pct(mde)} "
        f"(80% power), more than the {pct(max(abs(c.threshold), abs(raw)))} in question")
    unusual = Statement("unusual", answer, (
        f"abnormal return {pct(ar0)} ({row['model']}); SQ test p = {pvalue(sq['sq_p'])} (the day-0 abnormal return "
        f"is above {sq['sq_quantile']:.0%} of the {int(sq['sq_days'])} days it rests on); time-series t = "
        f"{row['t_stat']:.2f}, p = {pvalue(row['p_value'])}{power}"))
    days = _previous_session(bars, d0)
    attributable, more, conf = _attributable(a, [c.target], data, days)
    badges += more
    limits = _limit_days(sample, [c.target], [d0])
    if limits:
        badges.append("price limit")
    extra: dict[str, object] = {
        "abnormal_return": ar0, "t_stat": float(row["t_stat"]), "p_value": float(sq["sq_p"]), "statistic": "SQ",
        "sq_days": int(sq["sq_days"]), "t_p_value": float(row["p_value"]), "mde": mde, "day0": str(d0.date()),
        "model": str(row["model"]), "price_limit": "; ".join(limits), **conf}
    return _verdict(a, c, raw, [happened, unusual, attributable], badges, extra, sample)


# -- since_listing ----------------------------------------------------------------------------------
def _since_listing(a: EventAnalysis, c: Claim, events: Sequence[Event], data: Prices) -> Verdict:
    listing = listing_event(events, c.target)
    if listing is None or listing.offer_price is None:
        return _no_data(a, c, f"no listing event with an offer price for {c.target}")
    found = _day0_ar(a, c.target)
    if found is None or not data.has(c.target):
        return _no_data(a, c, f"no prices for {c.target} on day 0")
    sample, row = found
    bars = data.bars(c.target)
    d0 = pd.Timestamp(row["date"])
    listed = bars[(bars.index >= pd.Timestamp(listing.date)) & (bars.index <= d0)]
    if listed.empty:
        return _no_data(a, c, f"no prices for {c.target} since its listing")
    first_close = float(listed["close"].iloc[0])
    close = float(bars["close"].iloc[int(bars.index.searchsorted(d0))])
    from_offer = close / listing.offer_price - 1
    from_first = close / first_close - 1
    holds = c.holds(from_offer)
    also = "also" if c.holds(from_first) == holds else "but"
    happened = Statement("happened", YES if holds else NO, (
        f"close {close:.2f} on {d0.date()} vs offer price {listing.offer_price:.2f}: {pct(from_offer)}, which "
        f"{'meets' if holds else 'does not meet'} {c.op} {pct(c.threshold)}; {also} from the first close "
        f"{first_close:.2f} on {listed.index[0].date()}: {pct(from_first)}"))
    unusual, badges, numbers, table = _period_unusual(sample, c, data, listed, from_offer, float(row["sd"]))
    days = [pd.Timestamp(d) for d in listed.index]
    attributable, more, conf = _attributable(a, [c.target], data, days, lo_offset=-len(days),
                                             exclude=[listing.id])
    badges += more
    limits = _limit_days(sample, [c.target], days)
    if limits:
        badges.append("price limit")
    extra: dict[str, object] = {
        "from_offer_price": from_offer, "from_first_close": from_first, "offer_price": listing.offer_price,
        "first_close": first_close, "day0": str(d0.date()), **numbers, "price_limit": "; ".join(limits), **conf}
    # Its own robustness table: the run's variants measure the day-0 abnormal return, not the period's.
    return _verdict(a, c, from_offer, [happened, unusual, attributable], badges, extra, table=table)


@dataclass(frozen=True)
class _PeriodTest:
    bench: str
    market: float  # the benchmark's return over the period
    excess: float
    t: float
    p: float
    mde: float


def _period_test(data: Prices, bench: str | None, listed: pd.DataFrame, from_offer: float, sd: float,
                 df: float) -> _PeriodTest | str:
    """The return from the offer price beyond ``bench``'s over the same sessions (from the close
    before the listing), as a t against ``sd``; or why it cannot be computed."""
    if not bench or not data.has(bench):
        return f"no prices stored for the benchmark {bench or '(none)'}"
    b = data.bars(bench)["adj_close"]
    before, at_end = b[b.index < listed.index[0]], b[b.index <= listed.index[-1]]
    if before.empty or at_end.empty or not np.isfinite(sd) or df <= 0:
        return f"no {bench} prices or no volatility over the period"
    market = float(at_end.iloc[-1] / before.iloc[-1] - 1)
    excess = (1 + from_offer) / (1 + market) - 1
    t = excess / sd
    p = float(2 * special.stdtr(df, -abs(t)))
    mde = float((special.stdtrit(df, 1 - ALPHA / 2) + special.stdtrit(df, 0.8)) * sd)
    return _PeriodTest(bench, market, excess, t, p, mde)


def _period_unusual(sample: Sample, c: Claim, data: Prices, listed: pd.DataFrame, from_offer: float,
                    sd_day: float) -> tuple[Statement, list[str], dict[str, object], pd.DataFrame]:
    """The return from the offer price beyond the benchmark's over the same sessions, against the
    security's daily abnormal-return volatility scaled to that many sessions (t with the volatility's
    degrees of freedom); with the board's alternative benchmark as a robustness variant."""
    sec = next((s for s in sample.securities if s.symbol == c.target), None)
    res = sample.result
    assert res is not None
    est: dict = res.estimates.set_index("symbol").loc[c.target].to_dict()
    n = len(listed)
    sd = sd_day * np.sqrt(n)
    benches = [("own benchmark", sec.benchmark if sec else None),
               ("alternative benchmark", limits_shipped().alt_benchmark(sec) if sec else None)]
    tests = [(label, b, _period_test(data, b, listed, from_offer, sd, float(est["df"]))) for label, b in benches]
    table = pd.DataFrame([
        {"variant": label, "model": "market-adjusted (period)", "benchmark": b or "(none)",
         "estimation": f"volatility: {int(est['estimation_days'])} days",
         "value": r.excess if isinstance(r, _PeriodTest) else np.nan, "statistic": "t (period)",
         "p_value": r.p if isinstance(r, _PeriodTest) else np.nan, "n": n,
         "note": "" if isinstance(r, _PeriodTest) else r} for label, b, r in tests], columns=robustness.COLUMNS)
    r = tests[0][2]
    if not isinstance(r, _PeriodTest):
        return Statement("unusual", UNCLEAR, f"cannot judge the period: {r}"), ["low power"], {}, table
    answer, badges = _unusual_answer(r.excess, r.p, r.mde, c, from_offer)
    text = (f"{pct(r.excess)} beyond {r.bench} ({pct(r.market)}) over {n} sessions from the listing; against a daily "
            f"volatility of {pct(sd_day)} ({int(est['estimation_days'])} days, {est['model']}), t = {r.t:.2f}, "
            f"p = {pvalue(r.p)}" + ("" if answer != UNCLEAR else f"; too little power (detects beyond {pct(r.mde)})"))
    return Statement("unusual", answer, text), badges, {"excess_return": r.excess, "t_stat": r.t, "p_value": r.p,
                                                        "statistic": "t (period)", "mde": r.mde}, table


# -- group_rally ------------------------------------------------------------------------------------
def _group_rally(a: EventAnalysis, c: Claim, data: Prices) -> Verdict:
    sample = a.sample(c.target)
    members = len(sample.securities) if sample is not None else 0
    if sample is None or sample.result is None:
        why = "no member has prices around day 0"
        if sample is not None and sample.missing:
            why += " (" + "; ".join(f"{k}: {v}" for k, v in list(sample.missing.items())[:4]) + ")"
        return _no_data(a, c, why)
    res = sample.result
    ar = res.ar[(res.ar["day"] == 0) & res.ar["return"].notna()]
    n = len(ar)
    if n == 0:
        return _no_data(a, c, f"no member of {c.target} has a day-0 return")
    coverage = n / members
    mean_raw = float(ar["return"].mean())
    up, down = int((ar["return"] > 0).sum()), int((ar["return"] < 0).sum())
    claimed_way = up if _direction(c) > 0 else down
    holds = c.holds(mean_raw) and claimed_way > n / 2
    badges: list[str] = []
    cover_text = f"{n} of {members} members have prices on day 0 (coverage {coverage:.0%})"
    if coverage < MIN_COVERAGE or n < 2:
        badges.append("low coverage")
        answer = UNCLEAR  # the members without prices could tip the mean either way
    else:
        answer = YES if holds else NO
    members_text = ", ".join(f"{sym} {pct(x)}" for sym, x in zip(ar["symbol"], ar["return"], strict=True))
    happened = Statement("happened", answer, (
        f"mean raw return {pct(mean_raw)}, {up} up and {down} down ({members_text}); {cover_text}"))
    tests = res.tests[(res.tests["scope"] == "day") & (res.tests["day"] == 0)]
    lead = tests.iloc[0]
    valid = ar["abnormal_return"].notna()
    mean_ar = float(ar.loc[valid, "abnormal_return"].mean()) if valid.any() else np.nan
    mde = evidence.group_mde(int(valid.sum()), res.mean_correlation, ar.loc[valid, "sd"].to_numpy())
    u_answer, more = _unusual_answer(mean_ar, float(lead["p_value"]), mde, c, mean_raw)
    badges += more
    power = "" if u_answer != UNCLEAR else (
        f"; too little power: with N = {int(valid.sum())} and r = {res.mean_correlation:.2f} the test detects "
        f"only a mean abnormal return beyond {pct(mde)} (80% power at 5%)")
    index_text, index_numbers = _index_text(sample.index_line)
    ar_text = ", ".join(f"{sym} {pct(x)}" for sym, x in zip(ar["symbol"], ar["abnormal_return"], strict=True))
    unusual = Statement("unusual", u_answer, (
        f"mean abnormal return {pct(mean_ar)} ({ar_text}); "
        f"{lead['statistic']} = {lead['value']:.2f}, p = {pvalue(lead['p_value'])}, mean residual correlation "
        f"r = {res.mean_correlation:.2f}; minimum detectable mean abnormal return {pct(mde)}{power}"
        + (f"; {index_text}" if index_text else "")))
    d0 = pd.Timestamp(ar["date"].iloc[0])
    syms = [str(s) for s in ar["symbol"]]
    days = _previous_session(data.bars(syms[0]), d0)
    attributable, more, conf = _attributable(a, syms, data, days)
    if sample.same_study:
        twins = "; ".join(f"{e.id} ({e.title})" for e in sample.same_study)
        attributable = Statement("attributable", attributable.answer,
                                 f"{attributable.text}; the same study (same securities and day 0) serves {twins}")
    badges += more
    limits = _limit_days(sample, syms, [d0])
    if limits:
        badges.append("price limit")
    extra: dict[str, object] = {
        "mean_raw_return": mean_raw, "n": n, "members": members, "coverage": coverage, "up": up, "down": down,
        "statistic": str(lead["statistic"]), "statistic_value": float(lead["value"]),
        "p_value": float(lead["p_value"]), "mean_correlation": res.mean_correlation, "mde": mde,
        **index_numbers, "same_study": "; ".join(e.id for e in sample.same_study),
        "price_limit": "; ".join(limits), **conf}
    return _verdict(a, c, mean_ar, [happened, unusual, attributable], badges, extra, sample)


def _index_text(line: IndexLine | None) -> tuple[str, dict[str, object]]:
    if line is None:
        return "", {}
    if line.result is None:
        return f"sector index {line.name} ({line.symbol}): not studied ({line.why})", {"index": line.symbol}
    ar = line.result.ar
    r = ar[ar["day"] == 0].iloc[0]
    text = (f"sector index {line.name} ({line.symbol}) against {line.benchmark}: abnormal return "
            f"{pct(r['abnormal_return'])}, t = {r['t_stat']:.2f}, p = {pvalue(r['p_value'])}")
    return text, {"index": line.symbol, "index_abnormal_return": float(r["abnormal_return"]),
                  "index_t_stat": float(r["t_stat"]), "index_p_value": float(r["p_value"])}


# -- all claims -----------------------------------------------------------------------------------
def _provenance(data: Prices, symbols: Sequence[str]) -> dict[str, dict[str, str]]:
    out = {}
    for sym in symbols:
        if data.has(sym):
            meta = data.meta(sym)
            idx = data.bars(sym).index
            out[sym] = {"source": str(meta.get("source", "")), "layout": str(meta.get("layout", "")),
                        "last_price_date": str(idx.max().date()) if len(idx) else ""}
    return out


def _symbols(a: EventAnalysis, c: Claim) -> list[str]:
    sample = a.sample(c.target) or a.sample_for_symbol(c.target)
    if sample is None:
        return [c.target]
    out = [s.symbol for s in sample.securities]
    out += [s.benchmark for s in sample.securities if s.benchmark]
    if sample.index_line is not None:
        out.append(sample.index_line.symbol)
    return list(dict.fromkeys(out))


def _float(x: object) -> float:
    try:
        return float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return np.nan


def adjust(verdicts: Sequence[Verdict]) -> None:
    """p-values adjusted across the claims of a run (Holm; Benjamini-Hochberg), beside the raw p."""
    ps = np.array([_float(v.extra.get("p_value")) for v in verdicts], dtype=float)
    ok = np.isfinite(ps)
    holm = np.full(len(ps), np.nan)
    bh = np.full(len(ps), np.nan)
    if ok.any():
        holm[ok] = multiple.holm(ps[ok])
        bh[ok] = multiple.benjamini_hochberg(ps[ok])
    for v, h, b in zip(verdicts, holm, bh, strict=True):
        v.extra["p_holm"] = float(h)
        v.extra["p_bh"] = float(b)
        v.extra["claims_tested"] = int(ok.sum())


def evaluate(run: RunResult, store: PriceStore) -> list[Verdict]:
    """Every claim of every analysed event, in events.csv order. The verdicts read the run's own
    bars and metadata (each series read once for the whole run) when the run read ``store``."""
    data = run.data if run.data is not None and run.data.store is store else Prices(store, run.settings.missing)
    out = []
    for a in run.analyses:
        for c in a.event.claims:
            if c.kind == "session_return":
                v = _session_return(a, c, data)
            elif c.kind == "since_listing":
                v = _since_listing(a, c, run.all_events, data)
            elif c.kind == "group_rally":
                v = _group_rally(a, c, data)
            else:  # events.py rejects unknown kinds; this guards a new kind added there only
                v = _no_data(a, c, f"no rule for claim kind {c.kind!r}")
            v.provenance = _provenance(data, _symbols(a, c))
            out.append(v)
    adjust(out)
    return out


def claims_frame(verdicts: Sequence[Verdict]) -> pd.DataFrame:
    cols = ["event_id", "claim", "kind", "target", "op", "threshold", "measured", "verdict", "reason",
            "happened", "happened_text", "unusual", "unusual_text", "attributable", "attributable_text", "badges"]
    if not verdicts:
        return pd.DataFrame(columns=cols)
    return pd.DataFrame([v.row() for v in verdicts])
