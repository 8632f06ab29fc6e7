"""Claims to verdicts: each news claim measured on the study results, with the number beside it.

Verdicts are ``supported``, ``not supported`` or ``cannot tell`` (with the reason). The rules:

- ``session_return(SYM) OP X``: the raw close-to-close return of SYM on day 0 against X. The
  abnormal return and its time-series t are reported beside it, not used for the verdict: the
  claim is about the price move.
- ``since_listing(SYM) OP X``: the return from the listing's offer price to day 0's close against X;
  the return from the first close is shown beside it (a claim "since listing" conventionally counts
  from the offer price, but a reader may mean the first trade).
- ``group_rally(GROUP) OP X``: the group's mean abnormal return on day 0 against X, and it must be
  significant at 5% (two-sided) by the study's lead statistic, which for a group on one date is the
  Kolari-Pynnonen adjusted BMP (cross-correlation-robust). A raw rise that the market explains is
  not a rally of the group.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from eventstudy.data.store import PriceStore
from eventstudy.formatting import pct
from eventstudy.news.events import Claim, Event, listing_event
from eventstudy.news.pipeline import EventAnalysis, RunResult

SUPPORTED, NOT_SUPPORTED, CANNOT_TELL = "supported", "not supported", "cannot tell"
ALPHA = 0.05


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
    # from: "low coverage", "low power", "confounded", "uncertain time", "data problems", "price limit"
    badges: tuple[str, ...] = ()

    def row(self) -> dict[str, object]:
        return {
            "event_id": self.event_id,
            "claim": self.claim.text,
            "kind": self.claim.kind,
            "target": self.claim.target,
            "op": self.claim.op,
            "threshold": self.claim.threshold,
            "measured": self.measured,
            "verdict": self.verdict,
            "reason": self.reason,
            **self.extra,
        }


def _day0_ar(a: EventAnalysis, symbol: str) -> pd.Series | None:
    sample = a.sample_for_symbol(symbol)
    if sample is None or sample.result is None:
        return None
    ar = sample.result.ar
    rows = ar[(ar["symbol"] == symbol) & (ar["day"] == 0)]
    return None if rows.empty else rows.iloc[0]


def _session_return(a: EventAnalysis, c: Claim, store: PriceStore) -> Verdict:
    row = _day0_ar(a, c.target)
    if row is None:
        return Verdict(a.event.id, c, np.nan, CANNOT_TELL, f"no prices for {c.target} around day 0", {})
    raw = float(row["return"])
    if not np.isfinite(raw):
        return Verdict(a.event.id, c, raw, CANNOT_TELL, f"no close-to-close return for {c.target} on day 0", {})
    bars = store.read(c.target)
    d0 = pd.Timestamp(row["date"])
    pos = int(bars.index.searchsorted(d0))
    prev_close, close = float(bars["close"].iloc[pos - 1]), float(bars["close"].iloc[pos])
    holds = c.holds(raw)
    reason = (
        f"{c.target} closed {close:.2f} on {d0.date()} after {prev_close:.2f} on "
        f"{bars.index[pos - 1].date()}: {pct(raw)} {'meets' if holds else 'does not meet'} "
        f"{c.op} {pct(c.threshold)}; abnormal return {pct(row['abnormal_return'])} "
        f"({row['model']}), t = {row['t_stat']:.2f}, p = {row['p_value']:.4f}"
    )
    extra = {"abnormal_return": float(row["abnormal_return"]), "t_stat": float(row["t_stat"]),
             "p_value": float(row["p_value"]), "day0": str(d0.date()), "model": str(row["model"])}
    return Verdict(a.event.id, c, raw, SUPPORTED if holds else NOT_SUPPORTED, reason, extra)


def _since_listing(a: EventAnalysis, c: Claim, events: Sequence[Event], store: PriceStore) -> Verdict:
    listing = listing_event(events, c.target)
    if listing is None or listing.offer_price is None:
        return Verdict(a.event.id, c, np.nan, CANNOT_TELL, f"no listing event with an offer price for {c.target}", {})
    row = _day0_ar(a, c.target)
    if row is None or not store.has(c.target):
        return Verdict(a.event.id, c, np.nan, CANNOT_TELL, f"no prices for {c.target} on day 0", {})
    bars = store.read(c.target)
    d0 = pd.Timestamp(row["date"])
    listed = bars[bars.index >= pd.Timestamp(listing.date)]
    if listed.empty:
        return Verdict(a.event.id, c, np.nan, CANNOT_TELL, f"no prices for {c.target} since its listing", {})
    first_close = float(listed["close"].iloc[0])
    close = float(bars["close"].iloc[int(bars.index.searchsorted(d0))])
    from_offer = close / listing.offer_price - 1
    from_first = close / first_close - 1
    holds = c.holds(from_offer)
    also = "also" if c.holds(from_first) == holds else "but"
    reason = (
        f"close {close:.2f} on {d0.date()} vs offer price {listing.offer_price:.2f}: {pct(from_offer)} "
        f"{'meets' if holds else 'does not meet'} {c.op} {pct(c.threshold)}; {also} from the first close "
        f"{first_close:.2f} on {listed.index[0].date()}: {pct(from_first)}"
    )
    extra = {"from_offer_price": from_offer, "from_first_close": from_first, "offer_price": listing.offer_price,
             "first_close": first_close, "day0": str(d0.date())}
    return Verdict(a.event.id, c, from_offer, SUPPORTED if holds else NOT_SUPPORTED, reason, extra)


def _group_rally(a: EventAnalysis, c: Claim) -> Verdict:
    sample = a.sample(c.target)
    if sample is None or sample.result is None:
        why = "no member has prices around day 0"
        if sample is not None and sample.missing:
            why += " (" + "; ".join(f"{k}: {v}" for k, v in list(sample.missing.items())[:4]) + ")"
        return Verdict(a.event.id, c, np.nan, CANNOT_TELL, why, {})
    res = sample.result
    ar = res.ar[res.ar["day"] == 0]
    n = int(ar["abnormal_return"].notna().sum())
    if n < 2:
        return Verdict(a.event.id, c, np.nan, CANNOT_TELL,
                       f"only {n} member(s) of {c.target} with a day-0 return: a group test needs two", {})
    tests = res.tests[(res.tests["scope"] == "day") & (res.tests["day"] == 0)]
    lead = tests.iloc[0]
    mean_ar = float(ar["abnormal_return"].mean())
    mean_raw = float(ar["return"].mean())
    above = c.holds(mean_ar)
    significant = bool(np.isfinite(lead["p_value"]) and lead["p_value"] < ALPHA)
    members = ", ".join(f"{r.symbol} {pct(r.abnormal_return)}" for r in ar.itertuples())
    if above and significant:
        verdict, why = SUPPORTED, "significant"
    elif above:
        verdict, why = NOT_SUPPORTED, f"not significant at {ALPHA:.0%}"
    else:
        verdict, why = NOT_SUPPORTED, f"not {c.op} {pct(c.threshold)}"
    reason = (
        f"mean abnormal return of {n} members on day 0 {pct(mean_ar)} ({why}): {lead['statistic']} = "
        f"{lead['value']:.2f}, p = {lead['p_value']:.4f}, mean residual correlation r = {res.mean_correlation:.3f}; "
        f"mean raw return {pct(mean_raw)}; members: {members}"
    )
    if sample.missing:
        reason += f"; {len(sample.missing)} member(s) without prices: {', '.join(sample.missing)}"
    extra = {"mean_raw_return": mean_raw, "statistic": str(lead["statistic"]), "statistic_value": float(lead["value"]),
             "p_value": float(lead["p_value"]), "n": n, "mean_correlation": res.mean_correlation}
    return Verdict(a.event.id, c, mean_ar, verdict, reason, extra)


def evaluate(run: RunResult, store: PriceStore) -> list[Verdict]:
    """Every claim of every analysed event, in events.csv order."""
    out = []
    for a in run.analyses:
        for c in a.event.claims:
            if c.kind == "session_return":
                out.append(_session_return(a, c, store))
            elif c.kind == "since_listing":
                out.append(_since_listing(a, c, run.all_events, store))
            elif c.kind == "group_rally":
                out.append(_group_rally(a, c))
            else:  # events.py rejects unknown kinds; this guards a new kind added there only
                out.append(Verdict(a.event.id, c, np.nan, CANNOT_TELL, f"no rule for claim kind {c.kind!r}", {}))
    return out


def claims_frame(verdicts: Sequence[Verdict]) -> pd.DataFrame:
    cols = ["event_id", "claim", "kind", "target", "op", "threshold", "measured", "verdict", "reason"]
    if not verdicts:
        return pd.DataFrame(columns=cols)
    return pd.DataFrame([v.row() for v in verdicts])
