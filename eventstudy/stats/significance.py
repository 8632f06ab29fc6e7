"""The test battery: every statistic for each event-window day and each CAR window.

Notation: N events with usable estimates; AR_i their abnormal returns on the day tested (or CAR_i
over the window); s_i^2 the residual variance over L_i estimation days with df_i = L_i - k degrees
of freedom; SAR_i = AR_i / sqrt(Var(AR_i)) with the prediction-error variance (MacKinlay 1997).

- cross-sectional t: sqrt(N) mean(AR) / sd(AR), t(N-1). Independence; allows event-induced variance.
- Brown-Warner 1980: mean(AR) / (sqrt(sum s_i^2) / N), t(mean L - 1). Independence; no event-induced
  variance.
- Brown-Warner 1985: mean(AR) / sd over estimation days of the daily mean AR, t(mean L - 1); a CAR
  divides by sqrt(L2) more. Portfolio test, robust to cross-correlation.
- Patell Z (1976): sum SAR_i / sqrt(sum df_i / (df_i - 2)), N(0,1). Independence; no event-induced
  variance.
- BMP (Boehmer, Musumeci & Poulsen 1991): sqrt(N) mean(SAR) / sd(SAR), t(N-1). Independence; allows
  event-induced variance.
- KP-adjusted Patell / BMP (Kolari & Pynnonen 2010): statistic * sqrt((1 - r) / (1 + (N - 1) r)),
  r = mean pairwise correlation of estimation residuals on common dates. Cross-correlation on a
  shared event date.
- Corrado rank (Corrado 1989; standardized ranks of Corrado & Zivney 1992): mean U_t /
  sqrt(mean_t (mean U_t)^2), U = rank / (T + 1) - 1/2 over estimation and event days; a CAR sums
  over the window and divides by sqrt(L2) (Cowan 1992). N(0,1).
- GRANK (Kolari & Pynnonen 2011): ranks of generalized standardized ARs, Z sqrt((T-2)/(T-1-Z^2)),
  t(T-2). Robust to event-induced variance and cross-correlation.
- sign: (w - N/2) / sqrt(N/4), N(0,1), w the number of positive ARs.
- generalized sign (Cowan 1992): (w - N p) / sqrt(N p (1 - p)), p the share of positive estimation
  ARs (per security, averaged; estudy2 pools).
- Wilcoxon signed-rank: W+ with scipy's p-value (exact for small N).
- bootstrap: P(|mean AR*| >= |mean AR|) over calendar-aligned estimation days (blocks for CARs),
  fixed seed. Model-light; keeps cross-correlation.
- skewness-adjusted t (Hall 1992; Lyon, Barber & Tsai 1999) and its bootstrap, for N >= 3:
  :mod:`eventstudy.stats.skewness`.

All p-values are two-sided.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields

import numpy as np
import pandas as pd
from scipy import special

from eventstudy.stats.engine import CarArrays, Output, degrees_of_freedom
from eventstudy.stats.ranks import row_ranks, weighted_rank_sums_with_one_more
from eventstudy.stats.signed_rank import signed_rank
from eventstudy.stats.skewness import bootstrap_p, skew_adjusted_t, t_p_value

ASSUMPTIONS = {
    "KP-adjusted BMP": "robust to cross-correlation on a shared date and to event-induced variance",
    "KP-adjusted Patell": "robust to cross-correlation on a shared date; no event-induced variance",
    "GRANK": "rank test robust to event-induced variance and cross-correlation",
    "Brown-Warner 1985": "portfolio test: robust to cross-correlation; normality",
    "BMP": "cross-sectional independence; allows event-induced variance",
    "Patell Z": "cross-sectional independence; no event-induced variance",
    "cross-sectional t": "cross-sectional independence; normal ARs",
    "Brown-Warner 1980": "cross-sectional independence; no event-induced variance",
    "Corrado rank": "cross-sectional independence; no distributional assumption",
    "sign": "cross-sectional independence; median AR zero under the null",
    "generalized sign": "cross-sectional independence; null share of positive ARs from the estimation window",
    "Wilcoxon signed-rank": "cross-sectional independence; symmetric ARs",
    "bootstrap": "estimation-window days are exchangeable; keeps cross-correlation",
    "skewness-adjusted t": "cross-sectional independence; corrects the t for skewed ARs (Hall 1992)",
    "skewness-adjusted t bootstrap": "cross-sectional independence; resampled centred ARs, skewness allowed",
    "time-series t": "one security; normal ARs; prediction-error variance",
}
# Fewest distinct blocks of estimation days a bootstrap draws from: with fewer, its p-value could not
# go below 1/20 and would mostly restate the few blocks there are.
MIN_BOOTSTRAP_BLOCKS = 20
ROBUST_FIRST = ("KP-adjusted BMP", "KP-adjusted Patell", "GRANK", "Brown-Warner 1985", "bootstrap")


# P-values through scipy.special, the functions scipy.stats' norm.sf and t.sf evaluate: the same
# numbers without importing scipy.stats (a third of a short study's time).
def _normal_p(z: float) -> float:
    return float(2 * special.ndtr(-abs(z))) if np.isfinite(z) else np.nan


def _t_p(t: float, df: float) -> float:
    return float(2 * special.stdtr(df, -abs(t))) if np.isfinite(t) and df > 0 else np.nan


@dataclass
class _Stat:
    statistic: str
    value: float
    p_value: float
    n: int
    note: str = ""  # why a p-value is missing, where the reason is not obvious from the row


class _ByRel:
    """Sums over events per relative day (rows of ``v``), aligned on the relative day: chunks of
    events may have panels of different widths (the fallback's post-event days)."""

    def __init__(self) -> None:
        self.lo = 0
        self.v: np.ndarray | None = None

    def merge(self, other: _ByRel) -> None:
        if other.v is not None:
            self.add(np.arange(other.lo, other.lo + other.v.shape[1]), other.v)

    def add(self, rel: np.ndarray, v: np.ndarray) -> None:
        lo = int(rel[0])
        if self.v is None:
            self.lo, self.v = lo, np.array(v, dtype=float)
            return
        new_lo = min(self.lo, lo)
        hi = max(self.lo + self.v.shape[1], lo + v.shape[1])
        if new_lo != self.lo or hi != self.lo + self.v.shape[1]:
            grown = np.zeros((self.v.shape[0], hi - new_lo))
            grown[:, self.lo - new_lo : self.lo - new_lo + self.v.shape[1]] = self.v
            self.v, self.lo = grown, new_lo
        self.v[:, lo - self.lo : lo - self.lo + v.shape[1]] += v


@dataclass
class EstimationSums:
    """What the battery needs from the estimation window (the whole event-time panel), as sums over
    events that add up over chunks of events: the chunked engine keeps these, not the panels.

    Per relative day: the Brown-Warner 1985 portfolio's sum and count of estimation ARs, Corrado's
    standardized ranks' sum and count; the positive estimation ARs (pooled, and each event's share);
    the residual correlations' sum and pair count within each date cluster (a chunk holds whole
    clusters)."""

    port: _ByRel = field(default_factory=_ByRel)
    ranks: _ByRel = field(default_factory=_ByRel)
    t_sum: float = 0.0
    n_ok: int = 0
    pos: float = 0.0
    est_days: float = 0.0
    share_sum: float = 0.0
    share_cnt: int = 0
    corr_sum: float = 0.0
    corr_pairs: int = 0

    def add(self, out: Output, *, clustered: bool, force: bool, estudy2: bool) -> None:
        ok = out.usable
        est = out.est & ok[:, None]
        ar_est = np.where(est, out.ar, np.nan)
        self.port.add(out.rel, np.vstack([np.nansum(ar_est, axis=0), est.sum(axis=0)]))
        with np.errstate(invalid="ignore", divide="ignore"):
            positive = ar_est > 0
            self.pos += float(positive.sum())
            self.est_days += float(est.sum())
            share = (positive.sum(axis=1) / est.sum(axis=1))[ok]
        self.share_sum += float(np.nansum(share))
        self.share_cnt += int(np.isfinite(share).sum())
        in_win = (out.rel >= out.window.start) & (out.rel <= out.window.end)
        pool = (est | in_win[None, :]) & np.isfinite(out.ar) & ok[:, None]
        ranks = row_ranks(np.where(pool, out.ar, np.nan))
        t_i = pool.sum(axis=1)
        # estudy2: Corrado (1989) on raw ranks, the deviation from each security's mean rank;
        # else Corrado & Zivney (1992) standardized ranks, comparable across unequal T_i.
        with np.errstate(invalid="ignore", divide="ignore"):
            u = ranks - (t_i[:, None] + 1) / 2 if estudy2 else ranks / (t_i[:, None] + 1) - 0.5
        self.ranks.add(out.rel, np.vstack([np.nansum(u, axis=0), pool.sum(axis=0)]))
        self.t_sum += float(t_i[ok].sum())
        self.n_ok += int(ok.sum())
        if clustered:
            total, pairs = _correlation_sums(out, est, force)
            self.corr_sum += total
            self.corr_pairs += pairs

    @classmethod
    def of(cls, out: Output, *, clustered: bool, force: bool, estudy2: bool) -> EstimationSums:
        """The sums of one output (one chunk's): :meth:`merge` them in chunk order."""
        sums = cls()
        sums.add(out, clustered=clustered, force=force, estudy2=estudy2)
        return sums

    def merge(self, other: EstimationSums) -> None:
        """Add another chunk's sums (in chunk order, the additions of adding its output here)."""
        for f in fields(self):
            mine = getattr(self, f.name)
            if isinstance(mine, _ByRel):
                mine.merge(getattr(other, f.name))
            else:
                setattr(self, f.name, mine + getattr(other, f.name))


def _correlation_sums(out: Output, est: np.ndarray, force: bool) -> tuple[float, int]:
    """Sum and count of the residual correlations of event pairs sharing an event date.

    Only pairs on the same date matter: their event-day ARs are the correlated ones. Each date's
    cluster is a (dates x members) matrix; pairwise-complete Pearson correlations come from masked
    matrix products, so cost grows with cluster sizes, not with all N^2 pairs. ``force`` treats all
    events as one cluster.
    """
    rows = np.flatnonzero(out.usable)
    if len(rows) < 2:
        return 0.0, 0
    clusters = [c for c in ([rows] if force else _clusters(rows, out.day0_dates[rows])) if len(c) >= 2]
    if not clusters:
        return 0.0, 0
    total, pairs, mixed = _same_days_correlation_sums(out, est, clusters)
    for members in mixed:
        r_sum, r_cnt = _cluster_correlation(est[members], out.dates[members], out.ar[members])
        total += r_sum
        pairs += r_cnt
    return total, pairs


def _same_days_correlation_sums(out: Output, est: np.ndarray, clusters: list[np.ndarray]
                                ) -> tuple[float, int, list[np.ndarray]]:
    """The clusters whose members use the same estimation dates (the common case: one calendar,
    no missing day), all at once; and the other clusters, for :func:`_cluster_correlation`.

    With the same days, each pair's Pearson correlation is u_i . u_j, u the centred residuals
    scaled to unit length, so a cluster's sum over its ordered pairs is |sum u|^2 - sum |u|^2:
    no (members x members) matrix and no Python per cluster."""
    order = np.concatenate(clusters)
    sizes = np.array([len(c) for c in clusters])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    head = np.repeat(order[starts], sizes)  # each row's cluster's first member
    e = est[order]
    same_dates = np.where(e, out.dates[order] == out.dates[head], True)
    same = np.logical_and.reduceat((e == est[head]).all(axis=1) & same_dates.all(axis=1), starts)
    cnt = e.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        x = np.where(e, out.ar[order], 0.0)
        d = np.where(e, x - (x.sum(axis=1) / cnt)[:, None], 0.0)
        norm = np.sqrt(np.einsum("nk,nk->n", d, d))
        ok = (cnt >= 10) & (norm > 0) & np.isfinite(norm)
        u = np.where(ok[:, None], d / norm[:, None], 0.0)
    summed = np.add.reduceat(u, starts, axis=0)
    members = np.add.reduceat(ok.astype(np.int64), starts)
    fast = np.flatnonzero(same)
    total = float(np.einsum("ck,ck->c", summed[fast], summed[fast]).sum() - members[fast].sum())
    pairs = int((members[fast] * (members[fast] - 1)).sum())
    return total, pairs, [clusters[j] for j in np.flatnonzero(~same)]


def _cluster_correlation(est: np.ndarray, dates: np.ndarray, ar: np.ndarray) -> tuple[float, int]:
    x = _cluster_matrix(est, dates, ar)
    m = np.isfinite(x).astype(float)
    xz = np.where(m > 0, x, 0.0)
    cnt = m.T @ m
    sx = xz.T @ m  # sx[i, j]: sum of x_i over the days both i and j have
    sxx = (xz**2).T @ m
    sxy = xz.T @ xz
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = sxy - sx * sx.T / cnt
        var_i = sxx - sx**2 / cnt
        r = cov / np.sqrt(var_i * var_i.T)
    off = ~np.eye(len(est), dtype=bool) & (cnt >= 10) & np.isfinite(r)
    return float(r[off].sum()), int(off.sum())


class ArColumns:
    """The event-window ARs and their variances, a day (column) at a time: the battery's only way
    to them, so that a study whose columns are not in memory (:mod:`eventstudy.stats.parts`) gives
    them from where they are."""

    def __init__(self, out: Output):
        self.ar, self.var = out.ar, out.var_ar

    def column(self, col: int) -> tuple[np.ndarray, np.ndarray]:
        """Day ``col``'s AR and variance of every event."""
        return self.ar[:, col], self.var[:, col]

    def rows(self, col: int, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Day ``col``'s AR and variance of events ``rows`` (a chunk's, in GRANK's pass)."""
        return self.ar[rows, col], self.var[rows, col]


@dataclass
class _GrankTest:
    """One GRANK test: how to get the tested day's or window's AR (or CAR) and its variance for
    some events, which events take part (usable, with a finite SAR) and the scale of the event
    observation (the SARs' cross-sectional standard deviation). The SARs and event observations
    are derived chunk by chunk, not kept."""

    values: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]
    usable: np.ndarray
    scale: float
    fast: bool
    n: int
    sums: _ByRel = field(default_factory=_ByRel)
    new_sum: float = 0.0
    new_cnt: int = 0

    def event(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        value, var = self.values(rows)
        with np.errstate(invalid="ignore", divide="ignore"):
            sa = value / np.sqrt(var)
            ok = self.usable[rows] & np.isfinite(sa)
            return ok, np.where(ok, sa / self.scale, np.nan)


@dataclass
class GrankPanel:
    """What GRANK needs of one chunk's panel, the same for all its tests: the estimation SARs
    (NaN off the estimation days) and their ranks (the costly part, done once; NaN as 0). Made
    apart from :func:`grank_add` so that a worker thread can make the next chunk's while this one
    is added."""

    rel: np.ndarray
    est_sar: np.ndarray
    ranks0: np.ndarray

    @property
    def nbytes(self) -> int:
        return self.est_sar.nbytes + self.ranks0.nbytes

    @classmethod
    def of(cls, out: Output) -> GrankPanel:
        est = out.est & out.usable[:, None]
        est_sar = np.where(est, out.sar, np.nan)
        return cls(out.rel, est_sar, row_ranks(est_sar, missing=0.0))


def grank_add(tests: list[_GrankTest], panel: GrankPanel, rows: np.ndarray) -> None:
    """Add one chunk's estimation ranks to each GRANK test's sums; ``rows`` are the chunk's events'
    positions among all events."""
    est_sar, ranks0 = panel.est_sar, panel.ranks0
    finite = np.isfinite(est_sar)
    est_days = finite.sum(axis=1)
    per_day_all = finite.sum(axis=0)
    events = [g.event(rows) for g in tests]
    fast = [j for j, g in enumerate(tests) if g.fast]
    if fast:
        # The estimation days are ranked once for all tests; each test adds its event value.
        # u = rank / (T_i + 1) - 1/2 with T_i = est_days + 1, summed per day over the events.
        oks = np.column_stack([events[j][0] for j in fast])
        extras = np.column_stack([events[j][1] for j in fast])
        sums, new = weighted_rank_sums_with_one_more(ranks0, est_sar, extras, oks, 1.0 / (est_days + 2), est_days)
        for col, j in enumerate(fast):
            g, ok = tests[j], oks[:, col]
            per_day = per_day_all if ok.all() else per_day_all - finite[~ok].sum(axis=0)
            u_new = new[ok, col] / (est_days[ok] + 2) - 0.5
            g.sums.add(panel.rel, np.vstack([sums[col], per_day]))
            g.new_sum += float(u_new.sum())
            g.new_cnt += len(u_new)
    for g, (ok, extra) in zip(tests, events, strict=True):
        if g.fast:
            continue
        series = np.concatenate([est_sar[ok], extra[ok][:, None]], axis=1)
        ranks = row_ranks(series)
        t_i = np.isfinite(series).sum(axis=1)
        u = ranks / (t_i[:, None] + 1) - 0.5
        cnt = np.isfinite(u).sum(axis=0)
        total = np.nansum(u, axis=0)
        g.sums.add(panel.rel, np.vstack([total[:-1], cnt[:-1]]))
        g.new_sum += float(total[-1])
        g.new_cnt += int(cnt[-1])


def _car_rows(c: CarArrays, rows: np.ndarray | slice) -> tuple[np.ndarray, np.ndarray]:
    return c.car[rows], c.var[rows]


def _grank_stat(g: _GrankTest) -> _Stat:
    if g.n < 2:
        return _Stat("GRANK", np.nan, np.nan, g.n)
    assert g.sums.v is not None
    total, per_day = g.sums.v
    if g.fast:
        total = total - 0.5 * per_day
    cnt = np.append(per_day, g.new_cnt)
    sums = np.append(total, g.new_sum)
    with np.errstate(invalid="ignore", divide="ignore"):
        u_bar = np.where(cnt > 0, sums / np.maximum(cnt, 1), np.nan)
    used = cnt > 0
    t_days = int(used.sum())
    s_u = np.sqrt(np.sum((cnt[used] / g.n) * u_bar[used] ** 2) / t_days)
    z = u_bar[-1] / s_u
    t = z * np.sqrt((t_days - 2) / (t_days - 1 - z**2))
    return _Stat("GRANK", float(t), _t_p(float(t), t_days - 2), g.n)


class Battery:
    """Tests days and windows from the event-window columns of ``out`` (all events) and the
    estimation window's :class:`EstimationSums`; GRANK's sums come from :meth:`grank_tests` and
    :func:`grank_add` over the full panels (in one piece or chunk by chunk)."""

    def __init__(
        self,
        out: Output,
        sums: EstimationSums,
        *,
        clustered: bool,
        bootstrap: int = 2000,
        seed: int = 0,
        convention: str = "textbook",
        columns: ArColumns | None = None,
    ):
        self.out = out
        self.columns = columns if columns is not None else ArColumns(out)
        self.estudy2 = convention == "estudy2"
        # Brown-Warner's t has the estimation window's degrees of freedom (estudy2: mean L - 1).
        self.bw_df = float(np.mean(out.fit.n_obs[out.usable])) - 1 if out.usable.any() else np.nan
        self.ok = out.usable.copy()
        self.df = degrees_of_freedom(out)
        self.s2 = out.fit.s2
        self.clustered = clustered
        n = sums.n_ok
        if clustered and n >= 2:
            self.pair_share = sums.corr_pairs / (n * (n - 1))
            self.r = sums.corr_sum / sums.corr_pairs if sums.corr_pairs else 0.0
        else:
            self.r, self.pair_share = 0.0, 0.0
        self.bootstrap = bootstrap
        self.seed = seed
        # Portfolio of estimation-window ARs in event time (Brown & Warner 1985).
        assert sums.port.v is not None and sums.ranks.v is not None
        total, cnt = sums.port.v
        with np.errstate(invalid="ignore"):
            port = np.where(cnt > 0, total / np.maximum(cnt, 1), np.nan)
        self.portfolio = port[cnt > 0]
        # Share of positive estimation ARs: Cowan (1992) averages each security's share; estudy2
        # pools all security-days, so longer histories weigh more.
        with np.errstate(invalid="ignore", divide="ignore"):
            if self.estudy2:
                self.p_pos = sums.pos / sums.est_days if sums.est_days else np.nan
            else:
                self.p_pos = sums.share_sum / sums.share_cnt if sums.share_cnt else np.nan
        self._corrado_scale(sums)

    def _corrado_scale(self, sums: EstimationSums) -> None:
        assert sums.ranks.v is not None
        total, cnt = sums.ranks.v
        with np.errstate(invalid="ignore"):
            u_bar = np.where(cnt > 0, total / np.maximum(cnt, 1), np.nan)
            if self.estudy2:
                # estudy2 scales each day's mean by N / n_t (its "sum" is mean x N, then divided
                # by the day's count), inflating days on which some securities are missing.
                u_bar = u_bar * sums.n_ok / np.maximum(cnt, 1)
        used_days = cnt > 0
        if not used_days.any():
            self.s_u = np.nan
        elif self.estudy2:
            self.s_u = float(np.sqrt(np.nansum(u_bar[used_days] ** 2) / (sums.t_sum / sums.n_ok)))
        else:
            self.s_u = float(np.sqrt(np.nanmean(u_bar[used_days] ** 2)))
        self.u_bar = u_bar[self.out.rel - sums.ranks.lo]

    def _day_values(self, col: int) -> tuple[np.ndarray, np.ndarray]:
        """Day ``col``'s ARs and SARs from one read of the column (a spilled column is read from
        disk on every call): the SARs, ar / sqrt(var), made in the square roots' array, so that
        two event-long arrays fewer are alive."""
        ar, var = self.columns.column(col)
        with np.errstate(divide="ignore", invalid="ignore"):
            sa = np.sqrt(var)
            del var
            np.divide(ar, sa, out=sa)
        return ar, sa

    def kp_factor(self, n: int) -> float:
        """Kolari & Pynnonen (2010): sqrt((1 - r) / (1 + (N - 1) r)) when all N events share a date.

        With several dates, only same-date pairs are correlated: with a share q of ordered pairs on
        a shared date, Var(sum SAR) grows by 1 + (N - 1) q r and the cross-sectional variance
        shrinks by 1 - q r, giving sqrt((1 - q r) / (1 + (N - 1) q r)); q = 1 is the paper's case.
        """
        if not self.clustered or n < 2:
            return 1.0
        qr = self.pair_share * self.r
        return float(np.sqrt((1 - qr) / (1 + (n - 1) * qr))) if 1 + (n - 1) * qr > 0 else np.nan

    def grank_tests(self, cars: list[CarArrays]) -> list[_GrankTest]:
        """One GRANK test per event-window day, then per CAR window, with their event observations."""
        out = self.out
        # Each test's values are got when it is made and again per chunk: one day's column at a time.
        days = [(functools.partial(self.columns.column, col), functools.partial(self.columns.rows, col))
                for col in out.win_cols]
        windows = [(functools.partial(_car_rows, c, slice(None)), functools.partial(_car_rows, c)) for c in cars]
        tests = []
        for whole, values in days + windows:
            value, var = whole()
            with np.errstate(invalid="ignore", divide="ignore"):
                sa = value / np.sqrt(var)
                ok = self.ok & np.isfinite(sa)
                n = int(ok.sum())
                scale = float(np.std(sa[ok], ddof=1)) if n >= 2 else np.nan
                fast = bool(np.isfinite(sa[ok] / scale).all())
            tests.append(_GrankTest(values, self.ok, scale, fast, n))
        return tests

    # -- battery ------------------------------------------------------------------------------
    def _tested(self, a: np.ndarray, sa: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        ok = self.ok & np.isfinite(a)
        return ok, a[ok], sa[ok]

    def _common(self, values: Callable[[], tuple[np.ndarray, np.ndarray]], var_scale: np.ndarray | float,
                length: int) -> list[_Stat]:
        """Statistics shared by single days and CAR windows.

        ``values()``: the AR or CAR per event and its standardized value, got here rather than
        passed so that these event-long arrays are freed once the usable events' are taken (a
        caller's arguments live until the call returns); ``var_scale``: the multiple of s_i^2 that
        is its variance without estimation error (1 for a day, L2 per event for a window).
        """
        ok, x, z = self._tested(*values())
        n = len(x)
        res: list[_Stat] = []
        if n == 0:
            return res
        mean = float(x.mean())
        sd = float(x.std(ddof=1)) if n > 1 else np.nan
        t_cs = np.sqrt(n) * mean / sd if n > 1 and sd > 0 else np.nan
        res.append(_Stat("cross-sectional t", t_cs, _t_p(t_cs, n - 1), n))
        scale = var_scale[ok] if isinstance(var_scale, np.ndarray) else var_scale
        bw80 = mean / (np.sqrt(np.sum(self.s2[ok] * scale)) / n)
        del scale  # a window's day counts of the usable events: not needed past here
        res.append(_Stat("Brown-Warner 1980", bw80, _t_p(bw80, self.bw_df), n))
        sd_port = float(np.std(self.portfolio, ddof=1)) if len(self.portfolio) > 1 else np.nan
        bw85 = mean / (sd_port * np.sqrt(length))
        res.append(_Stat("Brown-Warner 1985", bw85, _t_p(bw85, self.bw_df), n))
        df = self.df[ok]
        good = df > 2
        patell = float(z[good].sum() / np.sqrt(np.sum(df[good] / (df[good] - 2)))) if good.any() else np.nan
        n_good = int(good.sum())
        res.append(_Stat("Patell Z", patell, _normal_p(patell), n_good))
        if n == 1:
            # One security: its own prediction-error t (the SAR) is the test that applies.
            res.append(_Stat("time-series t", float(z[0]), _t_p(float(z[0]), float(df[0])), 1))
        zsd = float(z.std(ddof=1)) if n > 1 else np.nan
        bmp = float(np.sqrt(n) * z.mean() / zsd) if n > 1 and zsd > 0 else np.nan
        res.append(_Stat("BMP", bmp, _t_p(bmp, n - 1), n))
        # Freed before the rank and skewness tests, which make several event-long arrays of their own.
        del z, df, good
        if self.clustered:
            f = self.kp_factor(n)
            res.append(_Stat("KP-adjusted BMP", bmp * f, _t_p(bmp * f, n - 1), n))
            res.append(_Stat("KP-adjusted Patell", patell * f, _normal_p(patell * f), n_good))
        w = int((x > 0).sum())
        sign = (w - 0.5 * n) / np.sqrt(0.25 * n)
        res.append(_Stat("sign", sign, _normal_p(sign), n))
        p = self.p_pos
        gsign = (w - n * p) / np.sqrt(n * p * (1 - p)) if 0 < p < 1 else np.nan
        res.append(_Stat("generalized sign", gsign, _normal_p(gsign), n))
        # Report W+ (sum of the ranks of positive ARs), as estudy2 does; scipy's two-sided
        # statistic is min(W+, W-), which hides the direction.
        signed = signed_rank(x)
        if signed is not None:
            res.append(_Stat("Wilcoxon signed-rank", *signed))
        if n >= 3:
            t_sa = skew_adjusted_t(x)
            res.append(_Stat("skewness-adjusted t", t_sa, t_p_value(t_sa, n), n))
            res.append(_Stat("skewness-adjusted t bootstrap", t_sa, bootstrap_p(x, self.bootstrap, self.seed), n))
        return res

    def _corrado(self, cols: np.ndarray) -> _Stat:
        ub = self.u_bar[cols]
        # On event-window days the pool is the events with an AR (no estimation day lies there).
        has = np.zeros(self.out.n, dtype=bool)
        for col in cols:
            has |= np.isfinite(self.columns.column(col)[0])
        n = int((has & self.ok).sum())
        if not np.isfinite(ub).any() or not np.isfinite(self.s_u) or self.s_u == 0:
            return _Stat("Corrado rank", np.nan, np.nan, n)
        z = float(np.nansum(ub) / (np.sqrt(np.isfinite(ub).sum()) * self.s_u))
        return _Stat("Corrado rank", z, _normal_p(z), n)

    def _bootstrap(self, observed: float, length: int) -> _Stat:
        """Calendar-aligned bootstrap of the cross-sectional mean over estimation days: draw
        blocks of ``length`` consecutive event-time estimation days, keeping every security on
        the same day so that their cross-correlation survives."""
        port = self.portfolio
        n_blocks = len(port) - length + 1
        if n_blocks < MIN_BOOTSTRAP_BLOCKS:
            days = "days" if length == 1 else f"blocks of {length} consecutive days"
            return _Stat("bootstrap", np.nan, np.nan, 0,
                         f"no p-value: {len(port)} estimation days give {max(n_blocks, 0)} distinct {days}, "
                         f"fewer than the {MIN_BOOTSTRAP_BLOCKS} the bootstrap needs (a longer estimation "
                         "window or a shorter CAR window gives one)")
        if not np.isfinite(observed):
            return _Stat("bootstrap", np.nan, np.nan, 0, "no p-value: no event has an abnormal return here")
        rng = np.random.default_rng(self.seed)
        starts = rng.integers(0, n_blocks, size=self.bootstrap)
        sums = np.convolve(port - port.mean(), np.ones(length), mode="valid")[starts]
        obs = observed * length if length > 1 else observed
        p = (1 + np.sum(np.abs(sums) >= abs(obs))) / (self.bootstrap + 1)
        return _Stat("bootstrap", float(observed), float(p), int(self.ok.sum()))

    def day(self, col: int, mean: float) -> list[_Stat]:
        """A day's tests but GRANK (which :func:`test_table` puts before the last, the bootstrap);
        ``mean``: the day's mean AR over the usable events that have one (:func:`_usable_mean`)."""
        res = self._common(lambda: self._day_values(col), 1.0, 1)
        res.append(self._corrado(np.array([col])))
        res.append(self._bootstrap(mean, 1))
        return res

    def window(self, c: CarArrays, mean: float) -> list[_Stat]:
        """A CAR window's tests but GRANK, as :meth:`day`'s; ``mean``: the window's mean CAR over
        the usable events that have one."""
        out = self.out
        cols = out.cols(c.window)
        # s2 times the integer day counts is the product with their floats, without the copy.
        res = self._common(lambda: (c.car, c.scar), c.n_days, c.window.length)
        res.append(self._corrado(cols))
        boot = self._bootstrap(mean / c.window.length, c.window.length)
        res.append(_Stat("bootstrap", mean, boot.p_value, boot.n, boot.note))
        return res


def _cluster_matrix(est: np.ndarray, dates: np.ndarray, ar: np.ndarray) -> np.ndarray:
    """(dates x members) estimation ARs of one cluster, NaN where a member has none, the rows in
    date order over the dates some member uses."""
    used = est.any(axis=0)
    stamps = dates.view("i8")[:, used]
    on = est[:, used]
    lo = np.where(on, stamps, np.iinfo(np.int64).max).min(axis=0)
    hi = np.where(on, stamps, np.iinfo(np.int64).min).max(axis=0)
    if (lo == hi).all() and (np.diff(lo) > 0).all():
        # One calendar: each event-time column is one date, so the columns are the rows.
        return np.where(on, ar[:, used], np.nan).T
    who, col = np.nonzero(est)
    grid, day = np.unique(dates[who, col], return_inverse=True)
    x = np.full((len(grid), len(est)), np.nan)
    x[day.ravel(), who] = ar[who, col]
    return x


def _clusters(rows: np.ndarray, day0: np.ndarray) -> list[np.ndarray]:
    """``rows`` grouped by their day-0 date, in date order (members keep their order)."""
    order = np.argsort(day0, kind="stable")
    cut = np.flatnonzero(day0[order][1:] != day0[order][:-1]) + 1
    return [rows[g] for g in np.split(order, cut)]


def _order(name: str, clustered: bool) -> int:
    if name == "time-series t":  # present only for a single security, where it is the test
        return -1
    if clustered and name in ROBUST_FIRST:
        return ROBUST_FIRST.index(name)
    return len(ROBUST_FIRST) + list(ASSUMPTIONS).index(name)


def is_clustered(day0_dates: np.ndarray, clustered: bool | None) -> bool:
    """Whether events share calendar dates (some day 0 repeats), unless the caller says."""
    return bool(len(np.unique(day0_dates)) < len(day0_dates)) if clustered is None else clustered


Panels = Callable[[], Iterable[tuple[GrankPanel, np.ndarray]]]


def test_table(
    out: Output,
    cars: Iterable[CarArrays],
    *,
    clustered: bool | None = None,
    bootstrap: int = 2000,
    seed: int = 0,
    convention: str = "textbook",
    sums: EstimationSums | None = None,
    panels: Panels | None = None,
    columns: ArColumns | None = None,
) -> tuple[pd.DataFrame, float, bool]:
    """The battery as a tidy table: one row per statistic x (day | window).

    Returns (table, mean residual correlation r, clustered). When the events share calendar dates
    the cross-correlation-robust statistics come first.

    ``out`` is the full engine output, or (chunked engine) its event-window columns for all events
    with ``sums`` added over the chunks and ``panels`` yielding each chunk's :class:`GrankPanel`
    (kept from pass 1, read back from disk, or made again) with its events' positions, for GRANK's
    pass; ``columns`` gives the ARs and their variances a day at a time when ``out`` does not hold
    them (:class:`ArColumns`).
    """
    cars = list(cars)
    force = bool(clustered)  # the caller's True: all events form one cluster
    clustered = is_clustered(out.day0_dates, clustered)
    if sums is None:
        sums = EstimationSums()
        sums.add(out, clustered=clustered, force=force, estudy2=convention == "estudy2")
        panels = None
    bat = Battery(out, sums, clustered=clustered, bootstrap=bootstrap, seed=seed, convention=convention,
                  columns=columns)
    granks = bat.grank_tests(cars)
    # The other tests of each day and window need nothing of GRANK's pass: a thread runs them while
    # it goes (at a million events each takes several seconds, and both are numpy on event-long
    # arrays); each test's statistics are the same whichever runs first.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="eventstudy-battery") as pool:
        others = pool.submit(_day_and_window_tests, bat, cars)
        try:
            for chunk, where in (panels() if panels is not None else [(GrankPanel.of(out), np.arange(out.n))]):
                grank_add(granks, chunk, where)
                del chunk  # the last chunk's panel (5 MB) not kept through the battery
        except BaseException:
            others.exception()  # a failed pass waits for the thread, and its error is the one raised
            raise
        tested = others.result()
    rows: list[tuple[str, float, str, _Stat, float]] = []
    for (scope, day, label, stats, mean), g in zip(tested, granks, strict=True):
        # GRANK's statistic comes before the bootstrap's, the last of each.
        rows += [(scope, day, label, s, mean) for s in [*stats[:-1], _grank_stat(g), stats[-1]]]
    table = pd.DataFrame(
        [
            {
                "scope": scope,
                "day": day,
                "window": label,
                "statistic": s.statistic,
                "value": s.value,
                "p_value": s.p_value,
                "n": s.n,
                "mean": mean,
                "assumption": ASSUMPTIONS[s.statistic],
                "note": s.note,
                "order": _order(s.statistic, bat.clustered),
            }
            for scope, day, label, s, mean in rows
        ]
    )
    if not table.empty:
        table = table.sort_values(["scope", "day", "window", "order"], kind="stable").drop(columns="order")
        table = table.reset_index(drop=True)
        table["day"] = table["day"].astype("Int64")
    return table, bat.r, bat.clustered


def _day_and_window_tests(bat: Battery, cars: list[CarArrays]) -> list[tuple[str, float, str, list[_Stat], float]]:
    """Each event-window day's tests, then each CAR window's, but GRANK: (scope, day, window label,
    statistics, mean), in the order of :meth:`Battery.grank_tests`."""
    out = bat.out
    tested: list[tuple[str, float, str, list[_Stat], float]] = []
    for col in out.win_cols:
        mean = _usable_mean(bat, bat.columns.column(col)[0])
        tested.append(("day", int(out.rel[col]), f"[{_sgn(out.rel[col])}]", bat.day(col, mean), mean))
    for c in cars:
        mean = _usable_mean(bat, c.car)
        tested.append(("window", np.nan, c.window.label, bat.window(c, mean), mean))
    return tested


def _usable_mean(bat: Battery, a: np.ndarray) -> float:
    """The mean of ``a`` over the usable events that have one; a day's column read for it is freed
    on return, before the battery reads its own."""
    ok = bat.ok & np.isfinite(a)
    return float(a[ok].mean()) if ok.any() else np.nan


def _sgn(x: float) -> str:
    x = int(x)
    return "0" if x == 0 else f"{x:+d}"
