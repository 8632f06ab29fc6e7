"""Claims to verdicts: two answers per claim (is it true; did the event do it), three statements
behind them, and one word combined from the two.

Each claim gets three statements, answered ``yes``, ``no``, ``unclear`` or ``no data`` with one plain
sentence holding its numbers:

- **happened**: the claim's own quantity against its wording: the raw close-to-close return on day 0
  (``session_return``), the return from the offer price (``since_listing``), the members' mean raw
  return with most of them moving the claimed way (``group_rally``; ``unclear`` when fewer than half
  the members, or fewer than two, have prices on day 0).
- **unusual**: the abnormal return under the test that leads for it (the SQ test for one security,
  the Kolari-Pynnonen adjusted BMP for a group on one date with GRANK beside it, a t of the
  market-adjusted return over the period for ``since_listing``): ``yes`` when significant the claimed
  way, ``no`` when the effect's interval (99% for one security, 95% for a group) excludes the
  claimed size, otherwise ``unclear``.
- **attributable**: confounders on day 0, the announcement time (for claims about day 0) and data
  problems on the sessions the claim rests on.

From them, :mod:`eventstudy.news.answers` gives ``fact`` (true / false / unclear / no data) and
``cause`` (yes / no / unclear / not applicable / no data) and combines them into the verdict
(supported, not supported, inconclusive, cannot tell). Beside them, without changing them: a placebo
calibration on the claim's own securities (:mod:`eventstudy.news.placebo`), a close at an A-share
daily price limit ("price limit"), the claim's own robustness table and the p-values adjusted across
claims (Holm, Benjamini-Hochberg).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath

import numpy as np
import pandas as pd
from scipy import special

from eventstudy.data import calendars
from eventstudy.data.limits import shipped as limits_shipped
from eventstudy.data.securities import Security, default_registry
from eventstudy.data.store import PriceStore
from eventstudy.errors import UserError
from eventstudy.formatting import named, pct, pvalue
from eventstudy.news import answers, placebo, robustness
from eventstudy.news.answers import Evidence
from eventstudy.news.events import PERIOD_KIND, Claim, Event, listing_event
from eventstudy.news.period_return import GroupMeasured, Measured, measure, measure_group
from eventstudy.news.pipeline import EventAnalysis, IndexLine, Overlap, Prices, RunResult, Sample
from eventstudy.stats import evidence, multiple

SUPPORTED, NOT_SUPPORTED, INCONCLUSIVE, CANNOT_TELL = (answers.SUPPORTED, answers.NOT_SUPPORTED, answers.INCONCLUSIVE,
                                                       answers.CANNOT_TELL)
OUTCOMES = (SUPPORTED, NOT_SUPPORTED, INCONCLUSIVE, CANNOT_TELL)
ALPHA = answers.ALPHA
YES, NO, UNCLEAR, NO_DATA = "yes", "no", "unclear", "no data"
QUESTIONS = ("happened", "unusual", "attributable")
BADGES = ("low coverage", "low power", "tests disagree", "confounded", "uncertain time", "data problems",
          "price limit")
MIN_COVERAGE = 0.5
# The statements' answers from the two answers' vocabulary.
_HAPPENED = {answers.TRUE: YES, answers.FALSE: NO, answers.UNCLEAR: UNCLEAR, answers.NO_DATA: NO_DATA}


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
    measured: float  # the quantity the claim names (the group's mean raw return for a rally)
    verdict: str
    reason: str
    extra: dict[str, object]
    statements: tuple[Statement, ...] = ()
    badges: tuple[str, ...] = ()
    source: str = ""
    title: str = ""
    robustness: pd.DataFrame | None = None
    provenance: dict[str, dict[str, object]] = field(default_factory=dict)  # symbol -> source, files, last date
    fact: str = answers.NO_DATA  # true | false | unclear | no data
    cause: str = answers.NO_DATA  # yes | no | unclear | not applicable | no data
    placebo: placebo.Placebo | None = None
    fact_why: str = ""  # what was measured, for the card beside the headline
    cause_why: str = ""  # the cause's explanation without its question and answer

    @property
    def cause_question(self) -> str:
        return f"Caused by {event_name(self.title)}?"

    @property
    def fact_text(self) -> str:
        """"TRUE +18.81%, claim: more than 17% (what was measured)"."""
        if self.fact == answers.NO_DATA:
            return f"NO DATA: {self.fact_why}"
        return f"{self.fact.upper()} {pct(self.measured)}, claim: {claim_wording(self.claim)} ({self.fact_why})"

    @property
    def cause_text(self) -> str:
        """"Caused by <event>? UNCLEAR: why"."""
        return f"{self.cause_question} {self.cause.upper()}: {self.cause_why}"

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
            "fact": self.fact,
            "cause": self.cause,
            "fact_text": self.fact_text,
            "cause_text": self.cause_text,
        }
        for q in QUESTIONS:
            s = self.statement(q)
            out[q] = s.answer if s else ""
            out[f"{q}_text"] = s.text if s else ""
        out["badges"] = "; ".join(self.badges)
        out["placebo_text"] = self.placebo.text() if self.placebo is not None else ""
        return {**out, **self.extra}


# -- the two answers and the verdict ----------------------------------------------------------------
def _named(a: EventAnalysis, symbol: object) -> str:
    return named(symbol, a.names.get(str(symbol), ""))


def event_name(title: str) -> str:
    """A short name for the event in "Caused by ...?": the title up to its first comma or colon."""
    short = title.split(",")[0].split(":")[0].strip()
    return short if len(short) <= 60 else short[:57].rstrip() + "..."


def _figure(x: float) -> str:
    return f"{x * 100:+g}%" if x < 0 else f"{x * 100:g}%"


def claim_wording(c: Claim) -> str:
    """The claim's comparison in words: "more than 17%", "about 17%", "a rise" for "> 0%"."""
    if c.threshold == 0 and c.op in (">", "<"):
        return "a rise" if c.op == ">" else "a fall"
    words = {">": "more than", ">=": "at least", "<": "less than", "<=": "at most", "~": "about"}
    return f"{words[c.op]} {_figure(c.threshold)}"


def _verdict(a: EventAnalysis, c: Claim, measured: float, statements: list[Statement], badges: list[str],
             extra: dict[str, object], *, fact: str, fact_what: str, cause: tuple[str, str],
             table: pd.DataFrame | None = None, calibration: placebo.Placebo | None = None) -> Verdict:
    ordered = tuple(b for b in BADGES if b in badges)
    cause_answer, cause_why = cause
    outcome = answers.verdict(fact, cause_answer)
    reason = f"fact {fact}, cause {cause_answer}"
    if outcome == INCONCLUSIVE:
        why = [r for r in ("too few members",) if "low coverage" in ordered and fact == answers.UNCLEAR]
        why += [r for r in str(extra.get("cause_reasons") or "").split("; ") if r]
        if fact == answers.UNCLEAR and not why:
            why.append("the measured move is at the claim's threshold")
        reason = ", ".join(dict.fromkeys(why)) or reason
        if extra.get("confounders"):
            reason = reason.replace("confounded", f"confounded by {str(extra['confounders']).replace('; ', ', ')}", 1)
    elif outcome == NOT_SUPPORTED:
        reason = (f"the move did not happen: {statements[0].text}" if fact == answers.FALSE
                  else "the move was ordinary for this " + ("group" if c.kind == "group_rally" else "stock"))
    elif outcome == SUPPORTED:
        reason = ("the move happened, was unusual and can be tied to the event" if cause_answer == answers.YES
                  else "the move over the period holds (a period's move implies no single event's cause)"
                  if c.kind == PERIOD_KIND else "the level holds (a level implies no single cause)")
    elif outcome == CANNOT_TELL:
        reason = f"no data: {fact_what}"
    if table is not None and not table.empty:
        stable, text = robustness.stability(table)
        extra["robust"] = "" if stable is None else ("stable" if stable else "not stable")
        reason += f"; {text}"
    if "price limit" in ordered:
        reason += "; a close at the daily price limit censors the move"
    if calibration is not None:
        extra.update(calibration.numbers())
    return Verdict(a.event.id, c, measured, outcome, reason, extra, tuple(statements), ordered, a.event.source,
                   a.event.title, table, fact=fact, cause=cause_answer, placebo=calibration, fact_why=fact_what,
                   cause_why=cause_why)


def _no_data(a: EventAnalysis, c: Claim, why: str) -> Verdict:
    st = [Statement("happened", NO_DATA, why), Statement("unusual", NO_DATA, "no abnormal return without prices"),
          Statement("attributable", NO_DATA, "nothing to attribute")]
    cause = (answers.NOT_APPLICABLE, "a level since listing is not one event's move") if (
        c.kind == "since_listing") else (answers.NOT_APPLICABLE, _PERIOD_CAUSE) if c.kind == PERIOD_KIND else (
        answers.NO_DATA, "no prices to measure an abnormal move")
    extra: dict[str, object] = {"period": c.period.label} if c.period is not None else {}
    return _verdict(a, c, np.nan, st, [], extra, fact=answers.NO_DATA, fact_what=why, cause=cause,
                    calibration=_PERIOD_PLACEBO if c.kind == PERIOD_KIND else None)


def _direction(c: Claim) -> int:
    return answers.direction(c.op, c.threshold)


def _unusual_answer(ev: Evidence) -> tuple[str, list[str]]:
    badges = []
    if answers.LOW_POWER in ev.reasons or answers.SHORT_HISTORY in ev.reasons:
        badges.append("low power")
    if answers.TESTS_DISAGREE in ev.reasons:
        badges.append("tests disagree")
    return {answers.YES: YES, answers.NO: NO, answers.UNCLEAR: UNCLEAR}.get(ev.answer, NO_DATA), badges


def _meets(fact: str) -> str:
    return {answers.TRUE: "meets", answers.UNCLEAR: "does not settle"}.get(fact, "does not meet")


def _holds(size: float, d: int) -> str:
    return "holds zero" if size == 0 else f"holds both zero and the claimed {pct(d * size)}"


def _excludes(size: float, d: int) -> str:
    if size == 0:
        return "excludes any " + ("rise" if d > 0 else "fall")
    return f"excludes the claimed {pct(d * size)}"


def _interval(ev: Evidence) -> str:
    if not (np.isfinite(ev.low) and np.isfinite(ev.high)):
        return "unbounded"
    return f"[{pct(ev.low)}, {pct(ev.high)}]"


_ONE = f"{answers.SINGLE_NO_LEVEL:.0%} interval"  # one security's interval (the group's is 95%)


def _single_interval(ev: Evidence, ar0: float, est: np.ndarray, size: float, d: int) -> str:
    """The effect's 95% interval for the reader, and the 99% one that rules a claim out."""
    lo, hi, n = answers.sq_quantiles(est)
    text = f"the effect's 95% interval {_interval(Evidence(ev.answer, ar0, ev.p_value, ar0 - hi, ar0 - lo))}"
    if ev.answer == UNCLEAR:
        text += f", which {_holds(size, d)}"
    if np.isfinite(ev.high):
        return text + f"; its {_ONE} {_interval(ev)}"
    need = 2 / (1 - answers.SINGLE_NO_LEVEL) - 1
    return text + f"; ruling a claim out takes the {_ONE}, which needs {need:.0f} days of history ({n} here)"


@dataclass(frozen=True)
class _Why:
    """The sentences behind an unclear cause, one per reason."""

    yes: str
    no: str
    power: str
    confounded: str = ""
    timing: str = ""
    data: str = ""
    disagree: str = ""


def _cause(ev: Evidence | None, ctx: answers.Context, why: _Why) -> tuple[str, str, str]:
    """(answer, its explanation, the reasons joined) for the cause."""
    answer, reasons = answers.cause(ev, ctx)
    if answer == answers.NOT_APPLICABLE:
        return answer, ("a level since listing is not a move one event produced (so the release time does not "
                        "bear on it)"), ""
    assert ev is not None
    if answer == answers.NO_DATA:
        return answer, "no abnormal return to test", answers.NO_ABNORMAL
    if answer == answers.YES:
        return answer, why.yes, ""
    if answer == answers.NO:
        return answer, why.no, ""
    parts = {answers.SHORT_HISTORY: why.power, answers.LOW_POWER: why.power, answers.TESTS_DISAGREE: why.disagree,
             answers.CONFOUNDED: why.confounded, answers.UNCERTAIN_TIMING: why.timing,
             answers.DATA_PROBLEMS: why.data, answers.NO_ABNORMAL: "no abnormal return to test"}
    text = "; ".join(dict.fromkeys(parts[r] for r in reasons if parts.get(r)))
    return answer, text, "; ".join(reasons)


# -- attributable: shared by every kind -------------------------------------------------------------
@dataclass(frozen=True)
class _Attribution:
    statement: Statement
    badges: list[str]
    confounders: list[Overlap]
    timing: str  # the announcement-time caveat with the events.csv note, or ""
    problems: list[str]

    @property
    def ids(self) -> list[str]:
        return [o.event.id for o in self.confounders]

    @property
    def extra(self) -> dict[str, object]:
        return {"confounders": "; ".join(self.ids)}


def _attributable(a: EventAnalysis, symbols: Sequence[str], data: Prices, days: Sequence[pd.Timestamp],
                  *, lo_offset: int = 0, exclude: Sequence[str] = (), timing_matters: bool = True) -> _Attribution:
    """Confounders sharing a studied security with day 0 in [lo_offset, 0], the announcement time
    (only where the claim hinges on day 0), and stored quality problems of the securities on the
    days the claim rests on."""
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
    timing = ""
    if timing_matters and (e.uncertain or not e.time_known):
        badges.append("uncertain time")
        when = "time of day unknown" if not e.time_known else "announcement time uncertain"
        timing = f"{when}" + (f": {e.uncertain}" if e.uncertain else "")
        parts.append(timing)
    problems = _quality_problems(data, syms, days, a.names)
    if problems:
        badges.append("data problems")
        parts.append("data problems: " + "; ".join(problems))
    if not parts:
        text = ("no other event shares these securities on day 0, the announcement time is known, the prices are clean"
                if timing_matters else "no other event shares this security over the period, the prices are clean "
                "(the time of day does not bear on a level over several sessions)")
        return _Attribution(Statement("attributable", YES, text), badges, conf, timing, problems)
    return _Attribution(Statement("attributable", UNCLEAR, "; ".join(parts)), badges, conf, timing, problems)


def _context(att: _Attribution, day0_claim: bool, event: Event) -> answers.Context:
    return answers.Context(day0_claim=day0_claim, time_known=not (event.uncertain or not event.time_known),
                           confounders=tuple(att.ids), data_problems=bool(att.problems))


def _why_context(att: _Attribution) -> dict[str, str]:
    """The cause line's short reasons; the attributable statement below it has the titles and the
    events.csv note in full."""
    out = {}
    ids = att.ids
    if ids:
        out["confounded"] = (f"{ids[0]} falls on the same day 0" if len(ids) == 1
                             else f"{', '.join(ids[:-1])} and {ids[-1]} fall on the same day 0")
    if att.timing:
        out["timing"] = ("the time of day is not known" if att.timing.startswith("time of day unknown")
                         else "the release time is inferred, not stated")
    if att.problems:
        out["data"] = "data problems on the sessions it rests on: " + "; ".join(att.problems)
    return out


def _quality_problems(data: Prices, symbols: set[str], days: Sequence[pd.Timestamp],
                      known: dict[str, str]) -> list[str]:
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
                out.append(f"{named(sym, known.get(sym))} {issue.get('kind')} on {when.date()}")
    return out


def _limit_days(sample: Sample, symbols: Sequence[str], days: Sequence[pd.Timestamp]) -> list[str]:
    out = []
    known = {sec.symbol: sec.name for sec in sample.securities}
    for sym in symbols:
        for d in days:
            flag = sample.limits.get(sym, {}).get(pd.Timestamp(d))
            if flag:
                out.append(f"{named(sym, known.get(sym))} closed {flag} on {pd.Timestamp(d).date()}")
    return out


def _previous_session(bars: pd.DataFrame, d0: pd.Timestamp) -> list[pd.Timestamp]:
    idx = bars.index
    pos = int(idx.searchsorted(d0))
    return [pd.Timestamp(idx[pos - 1]), d0] if pos > 0 else [d0]


# -- session_return -------------------------------------------------------------------------------
def _day0_ar(a: EventAnalysis, symbol: str) -> tuple[Sample, pd.Series] | None:
    sample = a.sample_for_symbol(symbol)
    if sample is None or sample.result is None:
        return None
    ar = sample.result.ar
    rows = ar[(ar["symbol"] == symbol) & (ar["day"] == 0)]
    return None if rows.empty else (sample, rows.iloc[0])


def _sq(sample: Sample, symbol: str) -> tuple[pd.Series, np.ndarray]:
    """The day-0 SQ test of ``symbol`` and the estimation ARs it rests on."""
    res = sample.result
    assert res is not None
    sq = res.sq[(res.sq["symbol"] == symbol) & (res.sq["day"] == 0)].iloc[0]
    i = next(k for k, s in enumerate(res.output.series) if s.symbol == symbol)
    return sq, res.output.ar[i, res.output.est[i]]


def _session_return(a: EventAnalysis, c: Claim, data: Prices, run: RunResult) -> Verdict:
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
    fact = answers.fact(c.op, c.threshold, raw)
    what = (f"{_named(a, c.target)} closed {close:.2f} on {d0.date()} after {prev_close:.2f} on "
            f"{bars.index[pos - 1].date()}")
    happened = Statement("happened", _HAPPENED[fact], (
        f"{what}: {pct(raw)}, which {_meets(fact)} "
        f"{c.op} {pct(c.threshold)}"))
    ar0 = float(row["abnormal_return"])
    sq, est = _sq(sample, c.target)
    ev = answers.single(ar0, float(sq["sq_p"]), est, c.op, c.threshold)
    mde = evidence.sq_mde(est, rising=_direction(c) > 0)
    answer, badges = _unusual_answer(ev)
    days_n = int(sq["sq_days"])
    q_lo, q_hi, _ = answers.sq_quantiles(est)  # the 95% range of ordinary days, for the reader
    size = answers.claimed_size(c.op, c.threshold)
    unusual = Statement("unusual", answer, (
        f"abnormal return {pct(ar0)} ({row['model']}); SQ test p = {pvalue(sq['sq_p'])} (the day-0 abnormal return "
        f"is above {sq['sq_quantile']:.0%} of the {days_n} days it rests on); time-series t = "
        f"{row['t_stat']:.2f}, p = {pvalue(row['p_value'])}; {_single_interval(ev, ar0, est, size, _direction(c))}"))
    days = _previous_session(bars, d0)
    att = _attributable(a, [c.target], data, days)
    badges += att.badges
    limits = _limit_days(sample, [c.target], [d0])
    if limits:
        badges.append("price limit")
    ordinary = (f"ordinary days reach {pct(q_lo)} to {pct(q_hi)}" if np.isfinite(q_hi)
                else "the SQ test cannot reach p < 0.05 on fewer than 39 days")
    context = _why_context(att)
    if "timing" in context and "open" in bars and np.isfinite(bars["open"].iloc[pos]):
        gap = float(bars["open"].iloc[pos]) / prev_close - 1
        context["timing"] += (f" ({_named(a, c.target)} opened at {float(bars['open'].iloc[pos]):.2f} on "
                              f"{d0.date()}, {pct(gap)} on the previous close)")
    why = _Why(
        yes=f"abnormal return {pct(ar0)}, SQ p = {pvalue(sq['sq_p'])} on {days_n} days of history",
        no=(f"the abnormal return {pct(ar0)} has a {_ONE} {_interval(ev)} that {_excludes(size, _direction(c))}:"
            " the move was ordinary for this stock"),
        power=(f"{days_n} days of history cannot call {pct(ar0)} unusual for this stock (SQ p = "
               f"{pvalue(sq['sq_p'])}; {ordinary})"),
        **context)
    cause, cause_text, reasons = _cause(ev, _context(att, True, a.event), why)
    sec = next((s for s in sample.securities if s.symbol == c.target), None)
    calibration = None
    if sec is not None and c.target in sample.benchmarks:
        calibration = placebo.single(data, sec, sample.benchmarks[c.target], None, run.settings, _event_days(run), d0,
                                     float(row["t_stat"]), c.op, c.threshold)
    extra: dict[str, object] = {
        "abnormal_return": ar0, "t_stat": float(row["t_stat"]), "p_value": float(sq["sq_p"]), "statistic": "SQ",
        "sq_days": days_n, "t_p_value": float(row["p_value"]), "mde": mde, "effect_low": ev.low,
        "effect_high": ev.high, "claimed_size": size, "day0": str(d0.date()), "model": str(row["model"]),
        "price_limit": "; ".join(limits), "cause_reasons": reasons, **att.extra}
    return _verdict(a, c, raw, [happened, unusual, att.statement], badges, extra, fact=fact, fact_what=what,
                    cause=(cause, cause_text), table=a.claim_robustness.get(c.target), calibration=calibration)


# -- since_listing ----------------------------------------------------------------------------------
def _since_listing(a: EventAnalysis, c: Claim, events: Sequence[Event], data: Prices) -> Verdict:
    listing = listing_event(events, c.target)
    if listing is None or listing.offer_price is None:
        return _no_data(a, c, f"no listing event with an offer price for {c.target}")
    if not data.has(c.target):
        return _no_data(a, c, f"no prices stored for {c.target}")
    bars = data.bars(c.target)
    found = _day0_ar(a, c.target)
    sample = found[0] if found is not None else a.sample_for_symbol(c.target)
    # Day 0 as the study placed it; on a debut day (no close before it, so no return) the first close.
    d0 = pd.Timestamp(found[1]["date"]) if found is not None else next(
        (d for s in a.samples for sym, d in s.day0.items() if sym == c.target), pd.Timestamp(listing.date))
    listed = bars[(bars.index >= pd.Timestamp(listing.date)) & (bars.index <= d0)]
    if listed.empty:
        return _no_data(a, c, f"no prices for {c.target} since its listing on {listing.date}")
    d0 = pd.Timestamp(listed.index[-1])
    first_close = float(listed["close"].iloc[0])
    close = float(listed["close"].iloc[-1])
    from_offer = close / listing.offer_price - 1
    from_first = close / first_close - 1
    fact = answers.fact(c.op, c.threshold, from_offer)
    also = "also" if c.holds(from_first) == c.holds(from_offer) else "but"
    what = f"close {close:.2f} on {d0.date()} vs offer price {listing.offer_price:.2f}"
    happened = Statement("happened", _HAPPENED[fact], (
        f"{what}: {pct(from_offer)}, which {_meets(fact)} "
        f"{c.op} {pct(c.threshold)}; {also} from the first close {first_close:.2f} on {listed.index[0].date()}: "
        f"{pct(from_first)}"))
    badges: list[str] = []
    numbers: dict[str, object] = {}
    table = None
    if found is not None and sample is not None and sample.result is not None and len(listed) > 1:
        unusual, badges, numbers, table = _period_unusual(sample, c, data, listed, from_offer, float(found[1]["sd"]))
    else:
        unusual = Statement("unusual", NO_DATA, "a debut day has no return before it to compare with"
                            if len(listed) == 1 else "no abnormal return for the period")
    days = [pd.Timestamp(d) for d in listed.index]
    att = _attributable(a, [c.target], data, days, lo_offset=-len(days), exclude=[listing.id], timing_matters=False)
    limits = _limit_days(sample, [c.target], days) if sample is not None else []
    if limits:
        badges.append("price limit")
    cause, cause_text, _ = _cause(None, _context(att, False, a.event), _Why("", "", ""))
    extra: dict[str, object] = {
        "from_offer_price": from_offer, "from_first_close": from_first, "offer_price": listing.offer_price,
        "first_close": first_close, "sessions": len(listed), "day0": str(d0.date()), **numbers,
        "price_limit": "; ".join(limits), **att.extra}
    # Its own robustness table: the run's variants measure the day-0 abnormal return, not the period's.
    return _verdict(a, c, from_offer, [happened, unusual, att.statement], badges + att.badges, extra, fact=fact,
                    fact_what=what + f"; {pct(from_first)} from the first close", cause=(cause, cause_text),
                    table=table, calibration=placebo.NOT_APPLICABLE)


@dataclass(frozen=True)
class _PeriodTest:
    bench: str
    market: float  # the benchmark's return over the period
    excess: float
    t: float
    p: float
    mde: float
    half: float  # half-width of the 95% interval of the excess return


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
    crit = float(special.stdtrit(df, 1 - ALPHA / 2))
    mde = float((crit + special.stdtrit(df, 0.8)) * sd)
    return _PeriodTest(bench, market, excess, t, p, mde, crit * sd)


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
    ev = answers.decide(r.excess, r.p, r.excess - r.half, r.excess + r.half, c.op, c.threshold)
    answer, badges = _unusual_answer(ev)
    text = (f"{pct(r.excess)} beyond {r.bench} ({pct(r.market)}) over {n} sessions from the listing; against a daily "
            f"volatility of {pct(sd_day)} ({int(est['estimation_days'])} days, {est['model']}), t = {r.t:.2f}, "
            f"p = {pvalue(r.p)}; 95% interval {_interval(ev)}")
    return Statement("unusual", answer, text), badges, {"excess_return": r.excess, "t_stat": r.t, "p_value": r.p,
                                                        "statistic": "t (period)", "mde": r.mde}, table


# -- period_return ----------------------------------------------------------------------------------
_PERIOD_CAUSE = ("a move over a period is the sum of many days' news, not one event's move (so neither the release "
                 "time nor one day's abnormal return bears on it)")
_PERIOD_PLACEBO = placebo.Placebo(0, np.nan, np.nan, "", "not applicable: a move over a period implies no single "
                                                         "event's cause")


def _period_return(a: EventAnalysis, c: Claim, data: Prices, run: RunResult) -> Verdict:
    """The return from the close before the period's first session to its last close (for a group the
    members' equal-weighted mean, most of them moving the claimed way): the fact; no cause."""
    period = c.period
    assert period is not None
    registry = run.registry or default_registry()
    asof = functools.partial(_last_known_day, a.event)
    if registry.is_group(c.target):
        members = registry.members(c.target)
        got = measure_group({s.symbol: data.bars(s.symbol) for s in members if data.has(s.symbol)}, members, period,
                            asof)
        if not got.measured:
            why = "; ".join(f"{k}: {v}" for k, v in list(got.missing.items())[:3])
            return _no_data(a, c, f"no member of {c.target} has prices for the period {period.label} ({why})")
        return _group_period(a, c, data, got)
    sec = registry.get(c.target)
    found = measure(data.bars(sec.symbol) if data.has(sec.symbol) else pd.DataFrame(), sec, period, asof(sec))
    if isinstance(found, str):
        return _no_data(a, c, found)
    m = found
    fact = answers.fact(c.op, c.threshold, m.value)
    what = (f"{period.label}: {_named(a, sec.symbol)} closed {m.last_close:.2f} on {m.sessions.last.date()} against "
            f"{m.base_close:.2f} on {m.sessions.base.date()}, the last close before the period")
    text = f"{what} ({_period_sessions(m, asof(sec))}): {pct(m.value)}, which {_meets(fact)} {c.op} {pct(c.threshold)}"
    if abs(m.unadjusted - m.value) >= 0.00005:
        text += f" (on adjusted closes; {pct(m.unadjusted)} on the closes shown)"
    bench_text, numbers = "", {}
    if sec.benchmark and data.has(sec.benchmark) and registry.is_symbol(sec.benchmark):
        bench = measure(data.bars(sec.benchmark), registry.get(sec.benchmark), period, asof(sec))
        if isinstance(bench, Measured):
            bench_text = f"; over the same period the benchmark {_named(a, sec.benchmark)} returned {pct(bench.value)}"
            numbers["benchmark_return"] = bench.value
    extra = {**_period_numbers(m, period.label), **numbers}
    return _period_verdict(a, c, data, m.value, [sec.symbol], [m], fact, text, what, bench_text, extra, [])


def _last_known_day(event: Event, sec: Security) -> dt.date:
    """The last day whose close the claim can speak of: the event's date, or, when its time of day is
    known, the session before its day 0 on ``sec``'s exchange (an article before the close knows the
    previous close only)."""
    if not event.time_known:
        return event.date
    exchange = sec.calendar or sec.exchange
    try:
        d0 = calendars.day_zero(exchange, event.announced_at, True)
        return min(event.date, calendars.trading_day_offset(exchange, d0, -1).date())
    except UserError:  # outside the calendar: measuring says so
        return event.date


def _period_sessions(m: Measured, asof: object) -> str:
    s = m.sessions
    text = s.text() + (f", to the claim's date {asof}: the period had not ended" if s.capped else "")
    return text + (f"; {m.missing} of them without a price" if m.missing else "")


def _period_numbers(m: Measured, label: str) -> dict[str, object]:
    s = m.sessions
    return {"period": label, "period_base": str(s.base.date()), "period_first": str(s.first.date()),
            "period_last": str(s.last.date()), "sessions": s.count, "unadjusted_return": m.unadjusted}


def _group_period(a: EventAnalysis, c: Claim, data: Prices, got: GroupMeasured) -> Verdict:
    period = c.period
    assert period is not None
    settled = not (got.coverage < MIN_COVERAGE or got.n < 2)
    fact = answers.fact(c.op, c.threshold, got.mean, settled=settled)
    claimed_way = got.up if _direction(c) > 0 else got.down
    if fact == answers.TRUE and not claimed_way > got.n / 2:
        fact = answers.FALSE
    cover = (f"{got.n} of {got.members} members have prices for the whole period (coverage {got.coverage:.0%})"
             + ("; " + "; ".join(list(got.missing.values())[:3]) if got.missing else ""))
    members = ", ".join(f"{_named(a, m.symbol)} {pct(m.value)}" for m in got.measured)
    what = f"mean return over {period.label} of {got.n} members, {got.up} up and {got.down} down"
    text = (f"{period.label}: mean return {pct(got.mean)} from the last close before the period to its last close, "
            f"{got.up} up and {got.down} down ({members}), which {_meets(fact)} {c.op} {pct(c.threshold)}; {cover}")
    extra = {"period": period.label, "mean_raw_return": got.mean, "n": got.n, "members": got.members,
             "coverage": got.coverage, "up": got.up, "down": got.down}
    badges = [] if settled else ["low coverage"]
    return _period_verdict(a, c, data, got.mean, [m.symbol for m in got.measured], got.measured, fact, text,
                           f"{what}; {cover}", "", extra, badges)


def _period_verdict(a: EventAnalysis, c: Claim, data: Prices, value: float, symbols: list[str],
                    measured: Sequence[Measured], fact: str, text: str, what: str, bench_text: str,
                    extra: dict[str, object], badges: list[str]) -> Verdict:
    happened = Statement("happened", _HAPPENED[fact], text)
    unusual = Statement("unusual", NO_DATA, f"not tested: {_PERIOD_CAUSE}{bench_text}")
    days = sorted({d for m in measured for d in (m.sessions.base, m.sessions.last)})
    att = _attributable(a, symbols, data, days, lo_offset=-max(m.sessions.count for m in measured),
                        timing_matters=False)
    return _verdict(a, c, value, [happened, unusual, att.statement], badges + att.badges, {**extra, **att.extra},
                    fact=fact, fact_what=what, cause=(answers.NOT_APPLICABLE, _PERIOD_CAUSE),
                    calibration=_PERIOD_PLACEBO)


# -- group_rally ------------------------------------------------------------------------------------
def _group_rally(a: EventAnalysis, c: Claim, data: Prices, run: RunResult) -> Verdict:
    sample = a.sample(c.target)
    members = len(sample.securities) if sample is not None else 0
    if sample is None or sample.result is None:
        nothing = "no member has prices around day 0"
        if sample is not None and sample.missing:
            nothing += " (" + "; ".join(f"{k}: {v}" for k, v in list(sample.missing.items())[:4]) + ")"
        return _no_data(a, c, nothing)
    res = sample.result
    ar = res.ar[(res.ar["day"] == 0) & res.ar["return"].notna()]
    n = len(ar)
    if n == 0:
        return _no_data(a, c, f"no member of {c.target} has a day-0 return")
    coverage = n / members
    mean_raw = float(ar["return"].mean())
    up, down = int((ar["return"] > 0).sum()), int((ar["return"] < 0).sum())
    claimed_way = up if _direction(c) > 0 else down
    badges: list[str] = []
    settled = not (coverage < MIN_COVERAGE or n < 2)
    if not settled:
        badges.append("low coverage")  # the members without prices could tip the mean either way
    fact = answers.fact(c.op, c.threshold, mean_raw, settled=settled)
    if fact == answers.TRUE and not claimed_way > n / 2:
        fact = answers.FALSE
    cover_text = f"{n} of {members} members have prices on day 0 (coverage {coverage:.0%})"
    members_text = ", ".join(f"{_named(a, sym)} {pct(x)}"
                             for sym, x in zip(ar["symbol"], ar["return"], strict=True))
    what = f"mean raw return of {n} members, {up} up and {down} down"
    happened = Statement("happened", _HAPPENED[fact], (
        f"mean raw return {pct(mean_raw)}, {up} up and {down} down ({members_text}); {cover_text}"))
    tests = res.tests[(res.tests["scope"] == "day") & (res.tests["day"] == 0)]
    lead = tests.iloc[0]
    rank = tests[tests["statistic"] == "GRANK"]
    rank_p = float(rank["p_value"].iloc[0]) if len(rank) else np.nan
    rank_value = float(rank["value"].iloc[0]) if len(rank) else np.nan
    valid = ar["abnormal_return"].notna()
    ars = ar.loc[valid, "abnormal_return"].to_numpy(dtype=float)
    r = float(res.mean_correlation) if np.isfinite(res.mean_correlation) else 0.0
    ev = answers.group(ars, float(lead["p_value"]), rank_p, rank_value, r, c.op, c.threshold)
    mean_ar = ev.value
    mde = evidence.group_mde(int(valid.sum()), res.mean_correlation, ar.loc[valid, "sd"].to_numpy())
    u_answer, more = _unusual_answer(ev)
    badges += more
    index_text, index_numbers = _index_text(sample.index_line)
    ar_text = ", ".join(f"{_named(a, sym)} {pct(x)}"
                        for sym, x in zip(ar["symbol"], ar["abnormal_return"], strict=True))
    rank_text = f"; beside it GRANK = {rank_value:.2f}, p = {pvalue(rank_p)}" if len(rank) else ""
    size = answers.claimed_size(c.op, c.threshold)
    unusual = Statement("unusual", u_answer, (
        f"mean abnormal return {pct(mean_ar)} ({ar_text}); "
        f"{lead['statistic']} = {lead['value']:.2f}, p = {pvalue(lead['p_value'])}{rank_text}; mean residual "
        f"correlation r = {res.mean_correlation:.2f}; the mean effect's 95% interval {_interval(ev)}; minimum "
        f"detectable mean abnormal return {pct(mde)} (80% power at 5%)" + (f"; {index_text}" if index_text else "")))
    d0 = pd.Timestamp(ar["date"].iloc[0])
    syms = [str(s) for s in ar["symbol"]]
    days = _previous_session(data.bars(syms[0]), d0)
    att = _attributable(a, syms, data, days)
    statement = att.statement
    if sample.same_study:
        twins = "; ".join(f"{e.id} ({e.title})" for e in sample.same_study)
        statement = Statement("attributable", statement.answer,
                              f"{statement.text}; the same study (same securities and day 0) serves {twins}")
    badges += att.badges
    limits = _limit_days(sample, syms, [d0])
    if limits:
        badges.append("price limit")
    big = ar.loc[valid].iloc[int(np.argmax(np.abs(ars - np.median(ars))))] if len(ars) else None
    why = _Why(
        yes=f"mean abnormal return {pct(mean_ar)}, {lead['statistic']} p = {pvalue(lead['p_value'])} with N = {n}",
        no=(f"the mean abnormal return {pct(mean_ar)} has a 95% interval {_interval(ev)} that "
            f"{_excludes(size, _direction(c))}: the move was ordinary for this group"),
        power=(f"with N = {len(ars)} and r = {r:.2f} the mean abnormal return {pct(mean_ar)} is not significant "
               f"({lead['statistic']} p = {pvalue(lead['p_value'])}) and its 95% interval {_interval(ev)} "
               f"{_holds(size, _direction(c))}"),
        disagree=("" if big is None else
                  f"the rank test finds a move (GRANK p = {pvalue(rank_p)}) that the lead test does not "
                  f"({lead['statistic']} p = {pvalue(lead['p_value'])}): {_named(a, big['symbol'])} "
                  f"({pct(big['abnormal_return'])}) dominates the spread; the lead test decides 'yes', the rank "
                  "test rules out 'no'"),
        **_why_context(att))
    cause, cause_text, reasons = _cause(ev, _context(att, True, a.event), why)
    pairs = [(sec, sample.benchmarks[sec.symbol]) for sec in sample.securities
             if sec.symbol in sample.day0 and sec.symbol in sample.benchmarks]
    calibration = placebo.group(data, pairs, run.settings, _event_days(run), d0, r, float(lead["value"]), c.op,
                                c.threshold)
    extra: dict[str, object] = {
        "mean_raw_return": mean_raw, "abnormal_return": mean_ar, "n": n, "members": members, "coverage": coverage,
        "up": up, "down": down, "statistic": str(lead["statistic"]), "statistic_value": float(lead["value"]),
        "p_value": float(lead["p_value"]), "rank_statistic": "GRANK", "rank_value": rank_value, "rank_p_value": rank_p,
        "mean_correlation": res.mean_correlation, "mde": mde, "effect_low": ev.low, "effect_high": ev.high,
        "claimed_size": size, **index_numbers, "same_study": "; ".join(e.id for e in sample.same_study),
        "price_limit": "; ".join(limits), "cause_reasons": reasons, **att.extra}
    return _verdict(a, c, mean_raw, [happened, unusual, statement], badges, extra, fact=fact,
                    fact_what=what + f"; {cover_text}", cause=(cause, cause_text),
                    table=a.claim_robustness.get(c.target), calibration=calibration)


def _event_days(run: RunResult) -> Callable[[str], pd.DatetimeIndex]:
    """The days 0 of every event on an exchange, computed once per run and exchange."""
    return lambda exchange: run.event_days(exchange).days


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
def _file_name(path: object) -> str:
    text = str(path or "")
    return PurePath(text.replace("\\", "/")).name if ("/" in text or "\\" in text) else text


def _provenance(data: Prices, symbols: Sequence[str]) -> dict[str, dict[str, object]]:
    """Per series where its prices came from, portably: imported files by name and SHA-256, never
    by the importing machine's folders (which would make claims.json differ by machine and leak them)."""
    out: dict[str, dict[str, object]] = {}
    for sym in symbols:
        if data.has(sym):
            meta = data.meta(sym)
            idx = data.bars(sym).index
            files = [{"name": _file_name(f.get("label") or f.get("path")), "sha256": str(f.get("sha256") or "")}
                     for f in meta.get("sources") or []]
            out[sym] = {"source": " + ".join(f["name"] for f in files) if files else _file_name(meta.get("source")),
                        "files": files, "layout": str(meta.get("layout", "")),
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
                v = _session_return(a, c, data, run)
            elif c.kind == "since_listing":
                v = _since_listing(a, c, run.all_events, data)
            elif c.kind == "group_rally":
                v = _group_rally(a, c, data, run)
            elif c.kind == PERIOD_KIND:
                v = _period_return(a, c, data, run)
            else:  # events.py rejects unknown kinds; this guards a new kind added there only
                v = _no_data(a, c, f"no rule for claim kind {c.kind!r}")
            v.provenance = _provenance(data, _symbols(a, c))
            out.append(v)
    adjust(out)
    return out


def claims_frame(verdicts: Sequence[Verdict]) -> pd.DataFrame:
    cols = ["event_id", "claim", "kind", "target", "op", "threshold", "measured", "verdict", "reason", "fact",
            "cause", "fact_text", "cause_text", "happened", "happened_text", "unusual", "unusual_text", "attributable",
            "attributable_text", "badges", "placebo_text"]
    if not verdicts:
        return pd.DataFrame(columns=cols)
    return pd.DataFrame([v.row() for v in verdicts])
