"""The two answers a reader acts on: is the claim true of the prices (``fact``), and did the event
produce the move (``cause``); and the one-word verdict as a documented combination of the two.

Pure functions of numbers, so that the claims, the placebo days and the Monte Carlo of
``tests/test_rule_error_rates.py`` run exactly the same rule.

**fact** reads the claim's own wording against the quantity it names: ``true``, ``false``,
``unclear`` (a measured value within :data:`TIE_BAND` of the threshold, the edge of an "about"
band, or too few members priced) or ``no data``.

**cause** asks whether the abnormal move (the part the market and the stock's own normal
behaviour do not explain) is the event's:

- ``yes``: significant in the claimed direction under the lead test (two-sided 5%), a known time
  that places day 0 (for claims about day 0), no same-day confounder and clean prices;
- ``no``: positive evidence that the move was ordinary: the confidence interval of the event's
  effect (99% for one security, 95% for a group) excludes the claimed size (the effect is
  significantly smaller than claimed; the equivalence logic of Schuirmann 1987 / Lakens 2017 with
  the claimed size as the margin). A non-significant test alone is never a ``no``. A claim with no
  figure ("rallied", > 0%) claims no size, so its ``no`` needs a move significantly the other way;
- ``unclear`` otherwise, with its reasons; ``not applicable`` where the claim implies no cause (a
  level since listing).

The interval comes from inverting the lead test: for one security the SQ test's empirical
quantiles of its estimation-window abnormal returns, ``[AR0 - q(0.995), AR0 - q(0.005)]``
(Gelbach, Helland & Klick 2013; no normality assumed; 99% rather than 95% because one day cannot
measure the event day's own, usually larger, variance, so that needs at least 199 days); for a
group the members' mean abnormal return with the cross-sectional standard error inflated by
Kolari & Pynnonen's (2010) factor ``sqrt((1 + (N - 1) r) / (1 - r))`` and a t(N - 1) quantile.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import special

ALPHA = 0.05
# Two closes of one session from two vendors, or two adjustment factors, differ by up to a few
# basis points: a measured move this close to the threshold does not settle "more than".
TIE_BAND = 0.0005
# "About 17%": true within max(0.5 percentage point, 5% of the figure), which holds the figures a
# writer rounds to 17%; unclear up to twice that; false beyond.
ABOUT_ABS, ABOUT_REL = 0.005, 0.05

# The level of the interval that rules a one-security claim out (see :func:`single`); a group's
# interval is 95%, its cross-sectional spread already holds the event day's variance.
SINGLE_NO_LEVEL = 0.99

TRUE, FALSE, UNCLEAR, NO_DATA = "true", "false", "unclear", "no data"
YES, NO, NOT_APPLICABLE = "yes", "no", "not applicable"

SUPPORTED, NOT_SUPPORTED, INCONCLUSIVE, CANNOT_TELL = "supported", "not supported", "inconclusive", "cannot tell"

# Why a cause is unclear, in the order the card lists them.
SHORT_HISTORY = "too little history"
LOW_POWER = "too little power"
TESTS_DISAGREE = "the tests disagree"
CONFOUNDED = "confounded"
UNCERTAIN_TIMING = "uncertain timing"
DATA_PROBLEMS = "data problems"
NO_ABNORMAL = "no abnormal return"
CAUSE_REASONS = (SHORT_HISTORY, LOW_POWER, TESTS_DISAGREE, CONFOUNDED, UNCERTAIN_TIMING, DATA_PROBLEMS, NO_ABNORMAL)


def direction(op: str, threshold: float) -> int:
    """+1 for a claimed rise, -1 for a fall ("less than -5%", or "about -5%")."""
    if op in ("<", "<="):
        return -1
    if op == "~":
        return -1 if threshold < 0 else 1
    return 1


def about_band(threshold: float) -> float:
    return max(ABOUT_ABS, ABOUT_REL * abs(threshold))


def claimed_size(op: str, threshold: float) -> float:
    """The effect the claim asserts, in its own direction (never below zero): "more than 17%" 17%,
    "fell more than 5%" 5%, "about 17%" the band's lower edge, "rallied" (> 0%) zero."""
    d = direction(op, threshold)
    size = d * threshold
    if op == "~":
        size = abs(threshold) - about_band(threshold)
    return max(0.0, float(size))


# -- fact ------------------------------------------------------------------------------------------
def fact(op: str, threshold: float, measured: float, *, settled: bool = True) -> str:
    """The claim's wording against the measured quantity. ``settled`` False (e.g. too few members
    priced) makes any value ``unclear``."""
    if measured is None or not np.isfinite(measured):
        return NO_DATA
    if not settled:
        return UNCLEAR
    gap = measured - threshold
    if op == "~":
        band = about_band(threshold)
        return TRUE if abs(gap) <= band else UNCLEAR if abs(gap) <= 2 * band else FALSE
    if abs(gap) <= TIE_BAND:
        return UNCLEAR
    holds = {">": gap > 0, ">=": gap >= 0, "<": gap < 0, "<=": gap <= 0}[op]
    return TRUE if holds else FALSE


# -- the evidence that the event caused the move ---------------------------------------------------
@dataclass(frozen=True)
class Evidence:
    """What the lead test says of the abnormal move, in the claim's direction.

    ``answer`` is ``yes`` (significant the claimed way), ``no`` (the interval excludes the claimed
    size), ``unclear`` or ``no data``; ``low``/``high`` bound the event's effect (95%, in return
    units); ``reasons`` say why an answer is unclear."""

    answer: str
    value: float
    p_value: float
    low: float
    high: float
    reasons: tuple[str, ...] = ()


def _decide(value: float, p: float, low: float, high: float, d: int, size: float,
            veto_no: bool = False, disagree: bool = False, short: bool = False) -> Evidence:
    if not np.isfinite(value):
        return Evidence(NO_DATA, value, p, low, high, (NO_ABNORMAL,))
    if np.isfinite(p) and p < ALPHA and np.sign(value) == d:
        return Evidence(YES, value, p, low, high)
    upper = max(d * low, d * high)  # the largest effect the claimed way that the data allow
    if np.isfinite(upper) and upper < size and not veto_no:
        return Evidence(NO, value, p, low, high)
    reasons = [SHORT_HISTORY if short else LOW_POWER]
    if disagree:
        reasons.insert(0, TESTS_DISAGREE)
    return Evidence(UNCLEAR, value, p, low, high, tuple(reasons))


def decide(value: float, p: float, low: float, high: float, op: str, threshold: float) -> Evidence:
    """The evidence of a test with p-value ``p`` and a 95% interval [low, high] for the effect."""
    return _decide(value, p, low, high, direction(op, threshold), claimed_size(op, threshold))


def sq_quantiles(est_ars: np.ndarray, level: float = 1 - ALPHA) -> tuple[float, float, int]:
    """The estimation ARs' quantiles bounding a two-sided ``level`` interval; unbounded when the SQ
    test cannot reach that level on so few days (its smallest p is 2 / (L + 1))."""
    x = np.asarray(est_ars, dtype=float)
    x = x[np.isfinite(x)]
    n = len(x)
    tail = (1 - level) / 2
    if n == 0 or 2 / (n + 1) > 1 - level + 1e-12:
        return -np.inf, np.inf, n
    return float(np.quantile(x, tail)), float(np.quantile(x, 1 - tail)), n


def single(ar0: float, sq_p: float, est_ars: np.ndarray, op: str, threshold: float) -> Evidence:
    """One security on one day: the SQ test decides ``yes``; ``no`` needs the effect's interval from
    the inverted SQ test at :data:`SINGLE_NO_LEVEL` to exclude the claimed size. The stricter level
    stands in for the event day's own variance, which one day cannot measure (an event that moves a
    stock also widens its day-0 spread; tests/test_rule_error_rates.py measures the rule with it), so
    a history shorter than 199 days can never rule a claim out."""
    q_lo, q_hi, n = sq_quantiles(est_ars, SINGLE_NO_LEVEL)
    low, high = ar0 - q_hi, ar0 - q_lo
    return _decide(ar0, sq_p, low, high, direction(op, threshold), claimed_size(op, threshold),
                   short=2 / (n + 1) > ALPHA if n else True)


def kp_factor(n: int, r: float) -> float:
    """Kolari & Pynnonen (2010): the BMP statistic's deflator for N members sharing a date."""
    if n < 2 or not np.isfinite(r) or 1 + (n - 1) * r <= 0 or r >= 1:
        return np.nan
    return float(np.sqrt((1 - r) / (1 + (n - 1) * r)))


def group_interval(ars: np.ndarray, r: float) -> tuple[float, float]:
    """95% interval of a group's mean abnormal return on a shared date, cross-correlation-robust."""
    x = np.asarray(ars, dtype=float)
    x = x[np.isfinite(x)]
    n = len(x)
    f = kp_factor(n, max(float(r), 0.0) if np.isfinite(r) else 0.0)
    if n < 2 or not np.isfinite(f) or f <= 0:
        return -np.inf, np.inf
    half = float(special.stdtrit(n - 1, 1 - ALPHA / 2)) * float(np.std(x, ddof=1)) / np.sqrt(n) / f
    m = float(x.mean())
    return m - half, m + half


def group(ars: np.ndarray, lead_p: float, rank_p: float, rank_value: float, r: float, op: str,
          threshold: float) -> Evidence:
    """A group on one date. The lead test (KP-adjusted BMP) decides ``yes``. The rank test beside it
    (GRANK) cannot make a ``yes`` (one member can dominate neither way in ranks, but ranks ignore
    size), yet when it finds a significant move the claimed way there is no ``no``, and a
    disagreement of the two is named."""
    x = np.asarray(ars, dtype=float)
    x = x[np.isfinite(x)]
    d = direction(op, threshold)
    mean = float(x.mean()) if len(x) else np.nan
    low, high = group_interval(x, r)
    rank_claimed = bool(np.isfinite(rank_p) and rank_p < ALPHA and np.sign(rank_value) == d)
    lead_claimed = bool(np.isfinite(lead_p) and lead_p < ALPHA and np.sign(mean) == d)
    return _decide(mean, lead_p, low, high, d, claimed_size(op, threshold), veto_no=rank_claimed,
                   disagree=rank_claimed != lead_claimed and not lead_claimed)


def group_lead(sar: np.ndarray, r: float) -> tuple[np.ndarray, np.ndarray]:
    """KP-adjusted BMP of many dates at once: ``sar`` is (dates x members) of standardized
    abnormal returns (NaN where a member has none); the same statistic as the battery's for one
    date. Returns the statistics and their two-sided p-values."""
    z = np.asarray(sar, dtype=float)
    ok = np.isfinite(z)
    n = ok.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(ok, z, 0).sum(axis=1) / n
        var = np.where(ok, (z - mean[:, None]) ** 2, 0).sum(axis=1) / (n - 1)
        bmp = np.sqrt(n) * mean / np.sqrt(var)
        f = np.array([kp_factor(int(k), r) for k in n])
        stat = bmp * f
        p = 2 * special.stdtr(np.maximum(n - 1, 1), -np.abs(stat))
    bad = (n < 2) | ~np.isfinite(stat)
    stat[bad], p[bad] = np.nan, np.nan
    return stat, p


# -- cause and the verdict -------------------------------------------------------------------------
@dataclass(frozen=True)
class Context:
    """What bears on attributing the move besides the test: timing only where the claim hinges on
    day 0."""

    day0_claim: bool
    time_known: bool
    confounders: Sequence[str] = ()
    data_problems: bool = False


def cause(evidence: Evidence | None, ctx: Context) -> tuple[str, tuple[str, ...]]:
    """``(answer, reasons)``: ``None`` evidence means the claim implies no cause."""
    if evidence is None:
        return NOT_APPLICABLE, ()
    if evidence.answer == NO_DATA:
        return NO_DATA, evidence.reasons
    if evidence.answer == NO:
        return NO, ()
    blockers = []
    if ctx.confounders:
        blockers.append(CONFOUNDED)
    if ctx.day0_claim and not ctx.time_known:
        blockers.append(UNCERTAIN_TIMING)
    if ctx.data_problems:
        blockers.append(DATA_PROBLEMS)
    if evidence.answer == YES and not blockers:
        return YES, ()
    return UNCLEAR, tuple(r for r in CAUSE_REASONS if r in (*evidence.reasons, *blockers))


def verdict(fact_answer: str, cause_answer: str) -> str:
    """The one word, combined from the two answers (docs/verdicts.md): the claim needs both its fact
    and, where it implies one, its cause."""
    if fact_answer == NO_DATA:
        return CANNOT_TELL
    if fact_answer == FALSE or cause_answer == NO:
        return NOT_SUPPORTED
    if fact_answer == TRUE and cause_answer in (YES, NOT_APPLICABLE):
        return SUPPORTED
    return INCONCLUSIVE
