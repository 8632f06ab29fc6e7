"""The cause rule's error rates, measured (issue 22 item 3): a seeded Monte Carlo of
:mod:`eventstudy.news.answers` on synthetic panels put through :class:`EventStudy`.

How the panels are made (the same for the quick tests, the slow tests and docs/error_rates.py):

- every random term is Student t with :data:`DF` degrees of freedom scaled to the stated sd; the
  market's daily sd is :data:`MARKET_SD`, a stock's return beyond the market's (beta 1) has daily
  sd :data:`SD`;
- event-induced variance: on day 0 the stock's non-market noise (for a group the common factor
  and the members' own noise alike, so the day-0 cross-correlation stays ``r``) is multiplied by
  :data:`EVENT_SD_FACTOR`. For a group in both scenarios: its null is a zero mean across members
  whose own effects vary (Boehmer, Musumeci & Poulsen 1991). For one stock the true effect is
  asserted with and without it, and "no effect" without it: an event that widens one stock's day-0
  spread has moved that stock (see :data:`SINGLE_ASSERTED`);
- groups: the non-market noise is ``sqrt(r) F + sqrt(1 - r) e_i`` with one common factor ``F``
  per date, residual cross-correlation :data:`R`; all members share day 0;
- the study is the pipeline's: market model, estimation window ``[-L-10, -11]`` with
  ``min_days = min(30, L)``, event window [-5, +5], CAR [0, 0], no bootstrap;
- pseudo-events do not overlap: each event's estimation window starts after the previous event's
  window ends, so no injected effect or inflated day leaks into another event's estimation days.
  Many pseudo-events go through one study (single stocks: many events on a few long series; groups:
  many dates, each one replication, on blocks of members sharing a market and a common factor);
- the rule is applied as verdicts.py applies it: ``answers.single`` with the SQ test of
  :func:`eventstudy.stats.evidence.sq_test` for a stock; for a group the KP-adjusted BMP of
  :func:`answers.group_lead` with the residual correlation estimated from the members' estimation
  ARs (the battery's ``mean_correlation``), then ``answers.group``; then ``answers.cause`` with a
  known time on day 0 and no confounder. GRANK can only turn a ``no`` into ``unclear``, so it is
  computed (one ``EventStudy.fit()`` of that date's members, as the pipeline fits a group) exactly
  where the rule without it says ``no``: the group rates are the rule's own, not a bound.

Claims: one stock "more than 5%" (2.5 daily sds); a group "> 0%" (a rally: its claimed size is
zero, so "no effect" is also "a true effect of the claimed size") and "> 3%". The effect, when
there is one, is the claimed size added to every member's day-0 return. The two rates asserted,
each within Monte Carlo error (``rate <= 0.05 + 2.5 se`` with ``se`` at 5%):

- P(cause = yes | no effect) <= 5%;
- P(cause = no | a true effect of the claimed size) <= 5%.

docs/verdicts.md has the full table, inconclusive rates included, and the panels not asserted.

Slow tests run in the default suite here (no ``-m`` filter in pyproject's addopts; CI runs
``pytest`` as is), so the long version is sized to stay well under a minute; ``-m "not slow"``
leaves the quick version (about 10 s) only.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from eventstudy.news import answers
from eventstudy.stats import evidence
from eventstudy.stats.engine import Output
from eventstudy.stats.study import EventStudy
from eventstudy.stats.windows import Estimation, Window

DF = 4  # Student t degrees of freedom: tails as fat as single stocks' daily returns have
SD = 0.02  # daily sd of a stock's return beyond the market's
MARKET_SD = 0.01
EVENT_SD_FACTOR = 1.5  # day-0 sd of the non-market noise over the estimation window's
R = 0.5  # residual cross-correlation of a group's members
SINGLE_DAYS = (40, 100, 250)  # estimation days of a single stock
GROUP_SIZES = (3, 8, 30)
GROUP_DAYS = 240  # the pipeline's default estimation window [-250, -11]
SINGLE_CLAIM = (">", 0.05)
GROUP_CLAIMS = ((">", 0.0), (">", 0.03))
WINDOW = Window(-5, 5)
ALPHA = 0.05
SEED = 20260122
CONTEXT = answers.Context(day0_claim=True, time_known=True)
NO_EFFECT, EFFECT = "no effect", "claimed size"

EVENTS_PER_SERIES = 100  # a single stock's pseudo-events per series (one series: 25,000 days at L = 250)
DATES_PER_BLOCK = 100  # a group's dates per block of members sharing a market and a common factor
EVENTS_PER_STUDY = 3000  # a group study's events: bounds the engine's (events x days) panels

QUICK_SINGLE, QUICK_GROUP = 2000, 300
SLOW_SINGLE, SLOW_GROUP = 4000, 1000


def estimation(days: int) -> Estimation:
    return Estimation(Window(-days - 10, -11), min_days=min(30, days))


def spacing(days: int) -> int:
    """Trading days between two pseudo-events of one series: the next estimation window starts
    after this event window's last day."""
    return days + 10 + WINDOW.end + 1


def fat(rng: np.random.Generator, shape: tuple[int, ...] | int, sd: float) -> np.ndarray:
    return rng.standard_t(DF, shape) * sd / np.sqrt(DF / (DF - 2))


def share_bound(n: int, rate: float = ALPHA) -> float:
    return rate + 2.5 * np.sqrt(rate * (1 - rate) / n)


@dataclass(frozen=True)
class Rates:
    """The shares of cause = yes / no / unclear over ``n`` replications."""

    n: int
    yes: float
    no: float
    unclear: float

    @classmethod
    def of(cls, causes: list[str]) -> Rates:
        c = np.asarray(causes)
        n = len(c)
        assert n and np.isin(c, (answers.YES, answers.NO, answers.UNCLEAR)).all(), set(c.tolist())
        return cls(n, float(np.mean(c == answers.YES)), float(np.mean(c == answers.NO)),
                   float(np.mean(c == answers.UNCLEAR)))

    def se(self, share: float) -> float:
        return float(np.sqrt(share * (1 - share) / self.n))


def _day0(out: Output) -> int:
    return int(np.flatnonzero(out.rel == 0)[0])


def _study(frame: pd.DataFrame, events: pd.DataFrame, market: dict[str, pd.Series], days: int) -> EventStudy:
    return EventStudy(frame, events, market=market, model="market", estimation=estimation(days), window=WINDOW,
                      cars=[Window(0, 0)], bootstrap=0)


# -- single stocks ---------------------------------------------------------------------------------
def simulate_single(days: int, reps: int, seed: int = SEED, factor: float = EVENT_SD_FACTOR,
                    claim: tuple[str, float] = SINGLE_CLAIM) -> dict[str, Rates]:
    """``reps`` pseudo-events of one stock with ``days`` estimation days, with no effect and with the
    claimed size added on day 0 (the same noise in both, so the two differ only by the effect)."""
    op, threshold = claim
    rng = np.random.default_rng([seed, days])
    gap = spacing(days)
    n_series = -(-reps // EVENTS_PER_SERIES)
    first = days + 11
    length = first + EVENTS_PER_SERIES * gap
    dates = pd.bdate_range("1900-01-02", periods=length)
    day0 = first + gap * np.arange(EVENTS_PER_SERIES)
    market = fat(rng, (length, n_series), MARKET_SD)
    noise = fat(rng, (length, n_series), SD)
    noise[day0] *= factor
    events = pd.DataFrame({"symbol": np.repeat([f"S{j}" for j in range(n_series)], EVENTS_PER_SERIES),
                           "date": np.tile(dates[day0], n_series)}).iloc[:reps]
    out: dict[str, Rates] = {}
    for scenario, effect in ((NO_EFFECT, 0.0), (EFFECT, answers.claimed_size(op, threshold))):
        stock = market + noise
        stock[day0] += answers.direction(op, threshold) * effect
        frame = pd.DataFrame(np.hstack([stock, market]), index=dates,
                             columns=[f"S{j}" for j in range(n_series)] + [f"M{j}" for j in range(n_series)])
        bench = {f"S{j}": frame[f"M{j}"] for j in range(n_series)}
        res = _study(frame, events, bench, days).abnormal_returns()
        assert res.n == reps and bool(res.usable.all())
        col = _day0(res)
        causes = []
        for i in range(res.n):
            ar0, est = float(res.ar[i, col]), res.ar[i, res.est[i]]
            assert len(est) == days
            sq = evidence.sq_test(ar0, est)
            ev = answers.single(ar0, sq.p_value, est, op, threshold)
            causes.append(answers.cause(ev, CONTEXT)[0])
        out[scenario] = Rates.of(causes)
    return out


# -- groups ----------------------------------------------------------------------------------------
@dataclass
class _Block:
    """Members sharing a market and a common factor over many dates, each date one replication."""

    frame: pd.DataFrame  # members' returns, then the market (column "M")
    day0: np.ndarray  # positions of the dates
    members: list[str]

    def events(self, k: int | None = None) -> pd.DataFrame:
        ks = range(len(self.day0)) if k is None else [k]
        rows = [{"symbol": s, "date": self.frame.index[self.day0[j]], "event_id": f"{j}|{s}"}
                for j in ks for s in self.members]
        return pd.DataFrame(rows)

    def market(self) -> dict[str, pd.Series]:
        return dict.fromkeys(self.members, self.frame["M"])


Case = tuple[tuple[str, float], str]  # (claim, scenario)
GROUP_CASES: tuple[Case, ...] = (
    (GROUP_CLAIMS[0], NO_EFFECT),  # a rally claim: no effect is also the claimed size
    (GROUP_CLAIMS[1], NO_EFFECT),
    (GROUP_CLAIMS[1], EFFECT),
)


def simulate_group(n: int, reps: int, seed: int = SEED, factor: float = EVENT_SD_FACTOR,
                   cases: tuple[Case, ...] = GROUP_CASES) -> dict[Case, Rates]:
    """``reps`` dates of a group of ``n`` members; for each case (claim, scenario) the rates, the
    claimed size added to every member's day-0 return in the ``EFFECT`` scenario. The scenarios of
    one date share its noise, so they differ only by the effect."""
    rng = np.random.default_rng([seed, 1000 + n])
    gap = spacing(GROUP_DAYS)
    first = GROUP_DAYS + 11
    members = [f"S{i}" for i in range(n)]
    causes: dict[Case, list[str]] = {case: [] for case in cases}
    left = reps
    while left > 0:
        dates_here = min(DATES_PER_BLOCK, left)
        left -= dates_here
        length = first + dates_here * gap
        day0 = first + gap * np.arange(dates_here)
        market = fat(rng, length, MARKET_SD)
        noise = fat(rng, (length, 1), np.sqrt(R) * SD) + fat(rng, (length, n), np.sqrt(1 - R) * SD)
        noise[day0] *= factor
        dates = pd.bdate_range("1900-01-02", periods=length)
        for scenario in dict.fromkeys(sc for _, sc in cases):
            claims = [c for c, sc in cases if sc == scenario]
            # Every claim of one scenario has the same size (the rally's is zero, as no effect is).
            sizes = {answers.claimed_size(*c) if scenario == EFFECT else 0.0 for c in claims}
            assert len(sizes) == 1, cases
            stock = market[:, None] + noise
            stock[day0] += sizes.pop()
            frame = pd.DataFrame(np.column_stack([stock, market]), index=dates, columns=[*members, "M"])
            for claim, got in _judge_block(_Block(frame, day0, members), claims).items():
                causes[claim, scenario].extend(got)
    return {case: Rates.of(got) for case, got in causes.items()}


def _judge_block(block: _Block, claims: list[tuple[str, float]]) -> dict[tuple[str, float], list[str]]:
    n = len(block.members)
    per_study = max(1, EVENTS_PER_STUDY // n)
    got: dict[tuple[str, float], list[str]] = {c: [] for c in claims}
    for start in range(0, len(block.day0), per_study):
        ks = range(start, min(start + per_study, len(block.day0)))
        events = pd.concat([block.events(k) for k in ks], ignore_index=True)
        out = _study(block.frame, events, block.market(), GROUP_DAYS).abnormal_returns()
        assert out.n == len(events) and bool(out.usable.all())
        where = {s.event_id: i for i, s in enumerate(out.series)}
        col = _day0(out)
        for k in ks:
            ar, sar, r = group_numbers(out, [where[f"{k}|{s}"] for s in block.members], col)
            _, p = answers.group_lead(sar[None, :], r)
            rank: tuple[float, float] | None = None
            for op, threshold in claims:
                ev = answers.group(ar, float(p[0]), np.nan, np.nan, r, op, threshold)
                if ev.answer == answers.NO:  # the only answer the rank test can change
                    rank = rank or grank_day0(block, k)[:2]
                    ev = answers.group(ar, float(p[0]), *rank, r, op, threshold)
                got[op, threshold].append(answers.cause(ev, CONTEXT)[0])
    return got


def group_numbers(out: Output, rows: list[int], col: int) -> tuple[np.ndarray, np.ndarray, float]:
    """A date's day-0 ARs, their SARs and the members' mean residual correlation over the estimation
    window (the battery's ``mean_correlation`` for one cluster)."""
    ar = out.ar[rows, col]
    sar = ar / np.sqrt(out.var_ar[rows, col])
    est = np.vstack([out.ar[i, out.est[i]] for i in rows])
    corr = np.corrcoef(est)
    r = float(corr[~np.eye(len(rows), dtype=bool)].mean())
    return ar, sar, r


def grank_day0(block: _Block, k: int) -> tuple[float, float, pd.DataFrame]:
    """GRANK of one date's members on day 0 (p, statistic) through ``fit()`` of those members alone,
    as the pipeline fits a group, with that fit's day-0 tests."""
    pos = int(block.day0[k])
    frame = block.frame.iloc[pos - GROUP_DAYS - 11 : pos + WINDOW.end + 1]
    res = _study(frame, block.events(k), dict.fromkeys(block.members, frame["M"]), GROUP_DAYS).fit()
    t = res.tests
    day = t[(t["scope"] == "day") & (t["day"] == 0)]
    grank = day[day["statistic"] == "GRANK"].iloc[0]
    return float(grank["p_value"]), float(grank["value"]), day.assign(mean_correlation=res.mean_correlation)


# -- the tests -------------------------------------------------------------------------------------
# Which single-stock panels each rate is asserted on. For one security, "no effect" means no event
# at all (day-0 sd as on other days): an event that widens one stock's day-0 spread has moved that
# stock, by an amount of random sign, and a "yes" for a claim in the direction it went is right. (A
# group's null is different: a zero mean across members whose own effects vary, Boehmer, Musumeci
# & Poulsen 1991, asserted with the wider day-0 spread.) The true effect is asserted with and
# without the wider day-0 spread. docs/verdicts.md reports the zero-mean, wider-spread panels of
# one stock too (the rule says "yes" on 6-7% of them), as information.
SINGLE_ASSERTED = {("yes", 1.0), ("no", 1.0), ("no", EVENT_SD_FACTOR)}


@functools.cache
def _single(days: int, reps: int, factor: float) -> dict[str, Rates]:
    return simulate_single(days, reps, factor=factor)


@functools.cache
def _group(n: int, reps: int) -> dict[Case, Rates]:
    # Only the asserted cases: the "> 3%" claim with no effect needs GRANK on most dates (the
    # table's row, not an error rate).
    return simulate_group(n, reps, cases=(GROUP_CASES[0], GROUP_CASES[2]))


def _assert_rate(rates: Rates, which: str, what: str) -> None:
    rate = rates.yes if which == "yes" else rates.no
    bound = share_bound(rates.n)
    assert rate <= bound, f"{what}: P(cause = {which}) = {rate:.4f} over {rates.n} replications, bound {bound:.4f}"


def _single_cases(reps: int) -> list:
    return [pytest.param(days, factor, which, reps, id=f"L{days}-sd_x{factor:g}-{which}")
            for which, factor in sorted(SINGLE_ASSERTED) for days in SINGLE_DAYS]


def _check_single(days: int, factor: float, which: str, reps: int) -> None:
    rates = _single(days, reps, factor)
    scenario = NO_EFFECT if which == "yes" else EFFECT
    _assert_rate(rates[scenario], which, f"one stock, L = {days}, day-0 sd x{factor:g}, {scenario}")


def _check_group(n: int, which: str, reps: int) -> None:
    rates = _group(n, reps)
    # The rally claim's size is zero, so its no-effect panels answer both questions.
    for case in (GROUP_CASES[0],) if which == "yes" else (GROUP_CASES[0], GROUP_CASES[2]):
        _assert_rate(rates[case], which, f"group of {n}, claim {case[0]}, {case[1]}")


@pytest.mark.parametrize(("days", "factor", "which", "reps"), _single_cases(QUICK_SINGLE))
def test_single_stock_error_rate(days: int, factor: float, which: str, reps: int) -> None:
    _check_single(days, factor, which, reps)


@pytest.mark.parametrize("which", ["yes", "no"])
@pytest.mark.parametrize("n", GROUP_SIZES)
def test_group_error_rate(n: int, which: str) -> None:
    _check_group(n, which, QUICK_GROUP)


@pytest.mark.slow
@pytest.mark.parametrize(("days", "factor", "which", "reps"), _single_cases(SLOW_SINGLE))
def test_single_stock_error_rate_long(days: int, factor: float, which: str, reps: int) -> None:
    _check_single(days, factor, which, reps)


@pytest.mark.slow
@pytest.mark.parametrize("which", ["yes", "no"])
@pytest.mark.parametrize("n", GROUP_SIZES)
def test_group_error_rate_long(n: int, which: str) -> None:
    _check_group(n, which, SLOW_GROUP)


def test_the_simulation_reads_the_group_test_as_the_battery_does() -> None:
    """The vectorised lead test (SARs of the one study, the estimated residual correlation) is the
    battery's KP-adjusted BMP of a fit of that date's members alone, so the rates are the rule's as
    the pipeline runs it."""
    rng = np.random.default_rng([SEED, 7])
    n, dates_here = 8, 3
    gap, first = spacing(GROUP_DAYS), GROUP_DAYS + 11
    length = first + dates_here * gap
    day0 = first + gap * np.arange(dates_here)
    market = fat(rng, length, MARKET_SD)
    noise = fat(rng, (length, 1), np.sqrt(R) * SD) + fat(rng, (length, n), np.sqrt(1 - R) * SD)
    members = [f"S{i}" for i in range(n)]
    frame = pd.DataFrame(np.column_stack([market[:, None] + noise, market]),
                         index=pd.bdate_range("1900-01-02", periods=length), columns=[*members, "M"])
    block = _Block(frame, day0, members)
    out = _study(frame, block.events(), block.market(), GROUP_DAYS).abnormal_returns()
    where = {s.event_id: i for i, s in enumerate(out.series)}
    for k in range(dates_here):
        ar, sar, r = group_numbers(out, [where[f"{k}|{s}"] for s in members], _day0(out))
        stat, p = answers.group_lead(sar[None, :], r)
        _, _, day = grank_day0(block, k)
        lead = day[day["statistic"] == "KP-adjusted BMP"].iloc[0]
        assert r == pytest.approx(float(day["mean_correlation"].iloc[0]), abs=1e-12)
        assert float(stat[0]) == pytest.approx(float(lead["value"]), rel=1e-9)
        assert float(p[0]) == pytest.approx(float(lead["p_value"]), rel=1e-9)
        assert ar.mean() == pytest.approx(float(lead["mean"]), rel=1e-9)
