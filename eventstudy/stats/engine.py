"""The event-study engine: one vectorized computation behind the CLI, the reports and the API.

Input is a list of :class:`EventSeries` (one event x security, on that security's own trading
days). The engine lays them side by side in event time as an (n events, K relative days) panel,
fits the normal-return model for all events at once (:mod:`eventstudy.stats.models`), and derives
abnormal returns (AR), their prediction-error variances, cumulative abnormal returns (CAR) with the
full-window variance including the shared estimation error (MacKinlay 1997), and buy-and-hold
abnormal returns (BHAR; Barber & Lyon 1997).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from scipy import special

from eventstudy.stats import models
from eventstudy.stats.panel import Layout
from eventstudy.stats.windows import DateWindow, Estimation, Window

CONVENTIONS = ("textbook", "estudy2")
DEFAULT_WINDOW = Window(-5, 5)
# What replaces a model that cannot be estimated (fewer valid estimation days than the minimum):
# "post-event" = market-adjusted returns (constant mean without a market) with the volatility from
# the valid estimation days plus the days after the event window; "none" = no abnormal return.
FALLBACKS = ("post-event", "none")
DEFAULT_FALLBACK = "post-event"


def fallback_rule(fallback: bool | str) -> str:
    """The fallback rule by name; ``True``/``False`` are the older spellings of post-event/none."""
    if isinstance(fallback, bool):
        return DEFAULT_FALLBACK if fallback else "none"
    if fallback not in FALLBACKS:
        raise ValueError(f"unknown fallback {fallback!r}; choose one of {', '.join(FALLBACKS)}")
    return fallback


@dataclass(slots=True)  # a million events are a million of these
class EventSeries:
    """One event x security: returns on the security's own trading days and day 0's position."""

    event_id: str
    symbol: str
    dates: pd.DatetimeIndex
    returns: np.ndarray
    day0: int
    market: np.ndarray | None = None
    sector: np.ndarray | None = None
    # A shared empty tuple until the event has a note (a million events need no million empty lists).
    notes: Sequence[str] = ()
    # The benchmark on its own dates; only estudy2's convention needs market days the security lacks.
    market_full: pd.Series | None = None


@dataclass
class Output:
    """Everything the statistics and the tables need, as event-time arrays."""

    # A list, or a chunked study's placed events, made when read (placed.PlacedEvents)
    series: Sequence[EventSeries]
    model: str
    rel: np.ndarray  # (K,) relative day of each panel column
    dates: np.ndarray  # (n, K) datetime64[ns], NaT outside the data
    y: np.ndarray  # (n, K) returns
    m: np.ndarray | None
    expected: np.ndarray  # (n, K)
    ar: np.ndarray  # (n, K)
    var_ar: np.ndarray  # (n, K) prediction-error variance of each AR
    est: np.ndarray  # (n, K) bool, estimation days actually used
    window: Window
    fit: models.Fit
    model_used: list[str]  # per event: the model, or the fallback that replaced it
    usable: np.ndarray  # (n,) bool: enough estimation days for inference
    notes: Sequence[Sequence[str]]
    log_returns: bool
    convention: str = "textbook"
    # True for the chunked engine's event-window columns (no estimation days, no design matrix):
    # the per-event tables and the battery read them; CARs come from each chunk's full panel.
    compact: bool = False
    # Where the events' arrays lie (built once per study; chunks take their rows of it).
    layout: Layout | None = None

    @property
    def n(self) -> int:
        return len(self.series)

    @property
    def win_cols(self) -> np.ndarray:
        return np.flatnonzero((self.rel >= self.window.start) & (self.rel <= self.window.end))

    def cols(self, w: Window) -> np.ndarray:
        return np.flatnonzero((self.rel >= w.start) & (self.rel <= w.end))

    @property
    def sd_ar(self) -> np.ndarray:
        return np.sqrt(self.var_ar)

    @property
    def sar(self) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.ar / self.sd_ar

    @cached_property
    def day0_dates(self) -> np.ndarray:
        """(n,) datetime64: each event's day 0 (in its dates' own unit)."""
        assert self.layout is not None  # an engine output's; a chunk's compact columns are not asked
        return self.layout.day0_values("dates")

    def car(self, w: Window) -> CarArrays:
        if self.compact:
            raise ValueError("CARs of a chunked study are computed per chunk (EventStudy.fit_chunked)")
        return _car(self, w)


@dataclass
class CarArrays:
    window: Window
    car: np.ndarray  # (n,)
    var: np.ndarray  # (n,)
    n_days: np.ndarray  # (n,) valid days summed
    raw: np.ndarray  # (n,) raw (compounded) return over the window
    bhar: np.ndarray  # (n,)

    @property
    def scar(self) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.car / np.sqrt(self.var)


def _estimation_mask(rel: np.ndarray, dates: np.ndarray, est: Estimation) -> np.ndarray:
    if isinstance(est.window, DateWindow):
        lo = np.datetime64(est.window.start, "ns")
        hi = np.datetime64(est.window.end, "ns")
        with np.errstate(invalid="ignore"):
            return (dates >= lo) & (dates <= hi)
    w = est.window
    mask = (rel >= w.start) & (rel <= w.end)
    return np.broadcast_to(mask, dates.shape).copy()


def _rel_range(series: list[EventSeries], est: Estimation, window: Window) -> tuple[int, int]:
    lo, hi = window.start, window.end
    if isinstance(est.window, Window):
        lo, hi = min(lo, est.window.start), max(hi, est.window.end)
    else:
        # Date windows: cover each security's estimation dates in its own event time.
        for s in series:
            pos = np.flatnonzero((s.dates >= est.window.start) & (s.dates <= est.window.end))
            if len(pos):
                lo, hi = min(lo, int(pos[0]) - s.day0), max(hi, int(pos[-1]) - s.day0)
    return lo, hi


def window_data(out: Output, rows: slice | np.ndarray, rel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Returns and dates of events ``rows`` on relative days ``rel``, gathered again from the layout
    (a compact output does not keep them: they are the series' own values)."""
    assert out.layout is not None  # every engine output has one
    lay = out.layout.take(np.arange(out.n)[rows])
    y = lay.panel("returns", rel)
    dates = lay.panel("dates", rel)
    assert y is not None and dates is not None
    return y, dates


def run(
    series: list[EventSeries],
    *,
    model: str = "market",
    estimation: Estimation | None = None,
    window: Window = DEFAULT_WINDOW,
    fallback: bool | str = DEFAULT_FALLBACK,
    log_returns: bool = False,
    convention: str = "textbook",
    layout: Layout,
) -> Output:
    """Fit ``model`` for every event and compute abnormal returns and their variances.

    One rule for an event with fewer than ``estimation.min_days`` valid estimation days (the
    requested model cannot be estimated), whatever the reason (a recent listing, a suspension):

    - ``fallback="post-event"``: market-adjusted returns (constant mean without a market), with the
      volatility from the event's valid estimation-window days plus the days just after the event
      window (as many as the estimation window is long). ``model`` reads "market-adjusted
      (fallback)" and the note gives the counts. With fewer than the minimum days even then, the
      abnormal returns stay market-adjusted (so named) and have no test statistics.
    - ``fallback="none"``: the requested model is kept. Fitted on the few days there are, its
      abnormal returns have no test statistics; with fewer days than parameters it has no
      estimate at all, and the abnormal return is missing rather than the raw return in disguise.
    """
    if not series:
        raise ValueError("no events to study")
    rule = fallback_rule(fallback)
    est = estimation or Estimation()
    est_len = est.window.length if isinstance(est.window, Window) else 250
    # The panel covers the post-event days only when some event needs the fallback, and then only
    # as far as those events have data: the fallback's days are the same, the panel narrower.
    lo, hi = _rel_range(series, est, window)
    y, inp, dates, est_mask = _panel(layout, lo, hi, model, est, window)
    # Which events the model cannot be estimated for is known from the valid days, before fitting:
    # a wider panel for the fallback is gathered first and the model fitted once.
    short = models.valid_days(model, inp, est_mask) < est.min_days
    if short.any() and rule == "post-event":
        reach = int((layout.length - 1 - layout.day0)[short].max())
        hi_fb = max(hi, min(window.end + est_len, reach))
        if hi_fb > hi:
            y, inp, dates, est_mask = _panel(layout, lo, hi_fb, model, est, window)
    fit = models.fit(model, inp, est_mask)
    short = fit.n_obs < est.min_days
    rel = np.arange(lo, y.shape[1] + lo)
    m = inp.m
    # The events' own lists, shared: an event the engine notes gets a new list (_note).
    notes = [s.notes for s in series]
    model_used = [model] * len(series)
    used = est_mask & np.isfinite(y) & np.isfinite(fit.expected)
    if model in models.FACTOR_MODELS:
        _factor_gaps(model, inp, est_mask, rel, window, dates, notes)
    for i, (name, text) in fit.fallbacks.items():  # a GARCH fit that failed, replaced by the market model
        model_used[i] = name
        _note(notes, i, text)
    if short.any() and rule == "post-event":
        fit, used = _apply_fallback(fit, inp, used, short, rel, window, est_len, est.min_days, notes, model_used,
                                    est_mask)
    elif short.any():
        _no_fallback(fit, short, model, est.min_days, notes)
    # Every event below the minimum was noted by the rule above.
    usable = fit.n_obs >= est.min_days
    ar = y - fit.expected
    quad = models.quad_form(fit.design, fit.xtx_inv)
    if convention == "estudy2":
        fit.s2 = _sample_variance(np.where(used, ar, np.nan))
        if model == "market" and m is not None:
            quad = np.where(short[:, None], quad, _estudy2_market_term(series, est, m, est_mask, fit.n_obs))
    var_ar = fit.s2[:, None] * (1.0 + quad)
    if fit.cond_var is not None:  # GARCH: each day's own conditional variance
        var_ar = np.where(np.isfinite(fit.cond_var).any(axis=1)[:, None], fit.cond_var, var_ar)
    var_ar = np.where(usable[:, None], var_ar, np.nan)
    return Output(
        series=series, model=model, rel=rel, dates=dates, y=y, m=m, expected=fit.expected, ar=ar,
        var_ar=var_ar, est=used, window=window, fit=fit, model_used=model_used, usable=usable,
        notes=notes, log_returns=log_returns, convention=convention, layout=layout,
    )


def _panel(
    layout: Layout, lo: int, hi: int, model: str, est: Estimation, window: Window
) -> tuple[np.ndarray, models.Inputs, np.ndarray, np.ndarray]:
    """The event-time panel over relative days lo..hi: returns, the model's inputs, dates and the
    estimation days."""
    rel = np.arange(lo, hi + 1)
    y = layout.panel("returns", rel)
    dates = layout.panel("dates", rel)
    assert y is not None and dates is not None
    lagged = model in ("dimson", "scholes-williams")  # only these read the market a day apart
    inp = models.Inputs(
        y=y,
        m=layout.panel("market", rel),
        m_lag=layout.panel("market", rel, -1) if lagged else None,
        m_lead=layout.panel("market", rel, +1) if lagged else None,
        s=layout.panel("sector", rel),
    )
    if model in models.FACTOR_MODELS:
        from eventstudy.stats import factor_model

        panels = [layout.panel(name, rel) for name in factor_model.array_names(model)]
        assert all(a is not None for a in panels)  # the study lays out every factor model's arrays
        *inp.factors, inp.rf = panels  # type: ignore[assignment]
    est_mask = _estimation_mask(rel, dates, est)
    # An estimation window must never reach into the event window.
    est_mask &= ~((rel >= window.start) & (rel <= window.end))[None, :]
    return y, inp, dates, est_mask


def _sample_variance(x: np.ndarray) -> np.ndarray:
    cnt = np.isfinite(x).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.nansum(x, axis=1) / cnt
        return np.nansum((x - mean[:, None]) ** 2, axis=1) / (cnt - 1)


def _estudy2_market_term(
    series: list[EventSeries], est: Estimation, m: np.ndarray, est_mask: np.ndarray, n_obs: np.ndarray
) -> np.ndarray:
    mk = np.where(est_mask & np.isfinite(m), m, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        mbar = np.nanmean(mk, axis=1)
        smm = np.nansum((mk - mbar[:, None]) ** 2, axis=1)
    if isinstance(est.window, DateWindow):
        for i, s in enumerate(series):
            if s.market_full is not None:
                full = s.market_full.loc[est.window.start : est.window.end].dropna()
                mbar[i] = full.mean()
                smm[i] = float(((full - mbar[i]) ** 2).sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        return 1.0 / n_obs[:, None] + (m - mbar[:, None]) ** 2 / smm[:, None]


def _factor_gaps(model: str, inp: models.Inputs, est_mask: np.ndarray, rel: np.ndarray, window: Window,
                 dates: np.ndarray, notes: list[Sequence[str]]) -> None:
    """Sessions a factor model's factors do not cover, counted in each event's note."""
    from eventstudy.stats import factor_model

    assert inp.rf is not None and inp.factors is not None
    in_window = (rel >= window.start) & (rel <= window.end)
    for i, text in factor_model.missing_notes(model, inp.y, inp.rf, inp.factors, est_mask, in_window,
                                              dates).items():
        _note(notes, i, text)


def _note(notes: list[Sequence[str]], i: int | np.integer, text: str) -> None:
    notes[i] = [*notes[i], text]  # never the event's own list, which other runs share


def _no_fallback(fit: models.Fit, short: np.ndarray, model: str, min_days: int, notes: list[Sequence[str]]) -> None:
    """``--fallback none``: keep the requested model; without enough days to fit its parameters
    there is no expected return (never the zero that an empty fit would give)."""
    estimated = model != "market-adjusted"
    for i in np.flatnonzero(short):
        if estimated and fit.n_obs[i] < fit.n_params:
            fit.expected[i] = np.nan
            _note(notes, i, f"{model} not estimable ({int(fit.n_obs[i])} valid estimation days < {min_days}) "
                            "and no fallback (--fallback none): no abnormal return")
        else:
            _note(notes, i, f"too few valid estimation days ({int(fit.n_obs[i])} < {min_days}) and no fallback "
                            f"(--fallback none): {model} fitted on them, no test statistics")


def _apply_fallback(
    fit: models.Fit,
    inp: models.Inputs,
    used: np.ndarray,
    short: np.ndarray,
    rel: np.ndarray,
    window: Window,
    est_len: int,
    min_days: int,
    notes: list[Sequence[str]],
    model_used: list[str],
    est_mask: np.ndarray,
) -> tuple[models.Fit, np.ndarray]:
    post = (rel > window.end) & (rel <= window.end + est_len)
    # The event's own valid estimation days count too: a stock with 23 of 30 days and one with
    # none follow the same rule.
    # (the estimation mask, not the requested model's `used`: a model with more parameters than days
    # has no fitted values, yet its days still measure the volatility)
    pre = est_mask & short[:, None]
    post_mask = (np.broadcast_to(post, inp.y.shape) & short[:, None]) | pre
    fb_model = "market-adjusted" if inp.m is not None else "constant-mean"
    fb = models.fit(fb_model, inp, post_mask)
    # Merge: the short events take the fallback's arrays; the design is zero-padded to one width.
    p = max(fit.design.shape[-1], fb.design.shape[-1])

    def pad(a: np.ndarray, axes: int) -> np.ndarray:
        widths = [(0, 0)] * (a.ndim - axes) + [(0, p - a.shape[-1])] * axes
        return np.pad(a, widths)

    design = np.where(short[:, None, None], pad(fb.design, 1), pad(fit.design, 1))
    xtx_inv = np.where(short[:, None, None], pad(fb.xtx_inv, 2), pad(fit.xtx_inv, 2))
    merged = models.Fit(
        fit.model,
        np.where(short[:, None], fb.expected, fit.expected),
        design,
        xtx_inv,
        np.where(short, fb.s2, fit.s2),
        np.where(short, fb.n_obs, fit.n_obs),
        fit.n_params,
        {k: np.where(short, np.nan, v) for k, v in fit.params.items()},
    )
    if fit.cond_var is not None:
        merged.cond_var = np.where(short[:, None], np.nan, fit.cond_var)
    # Degrees of freedom differ per event after a fallback; keep them in the params.
    merged.params["df"] = np.where(short, fb.n_obs - fb.n_params, fit.n_obs - fit.n_params).astype(float)
    used = np.where(short[:, None], post_mask & np.isfinite(inp.y) & np.isfinite(fb.expected), used)
    for i in np.flatnonzero(short):
        model_used[i] = f"{fb_model} (fallback)"
        days = rel[used[i] & post]
        n_pre = int((used[i] & ~post).sum())
        span = f" [{int(days.min()):+d},{int(days.max()):+d}]" if len(days) else ""
        pre_text = f"{n_pre} estimation-window days and " if n_pre else ""
        enough = "" if fb.n_obs[i] >= min_days else f"; fewer than {min_days}: no test statistics"
        _note(
            notes, i,
            f"estimation window too short ({int(fit.n_obs[i])} valid days < {min_days}): "
            f"{fb_model} returns (--fallback post-event), volatility from {pre_text}{len(days)} post-event "
            f"days{span}{enough}"
        )
    return merged, used


def degrees_of_freedom(out: Output) -> np.ndarray:
    if "df" in out.fit.params:
        return out.fit.params["df"]
    return (out.fit.n_obs - out.fit.n_params).astype(float)


def _car(out: Output, w: Window) -> CarArrays:
    cols = out.cols(w)
    ar = out.ar[:, cols]
    valid = np.isfinite(ar)
    n_days = valid.sum(axis=1)
    car = np.where(valid, ar, 0.0).sum(axis=1)
    car = np.where(n_days > 0, car, np.nan)
    xs = np.where(valid[..., None], out.fit.design[:, cols, :], 0.0).sum(axis=1)
    quad = np.einsum("np,npq,nq->n", xs, out.fit.xtx_inv, xs)
    var = out.fit.s2 * (n_days + quad)
    if out.fit.cond_var is not None:  # GARCH: the sum of the window's daily conditional variances
        garch = np.isfinite(out.fit.cond_var).any(axis=1)
        var = np.where(garch, np.where(valid, out.fit.cond_var[:, cols], 0.0).sum(axis=1), var)
    var = np.where(out.usable & (n_days > 0), var, np.nan)
    y = out.y[:, cols]
    e = out.expected[:, cols]
    if out.log_returns:
        raw = np.exp(np.where(np.isfinite(y), y, 0.0).sum(axis=1)) - 1
        bh_e = np.exp(np.where(valid, e, 0.0).sum(axis=1)) - 1
        bh_r = np.exp(np.where(valid, y, 0.0).sum(axis=1)) - 1
    else:
        raw = np.prod(np.where(np.isfinite(y), 1 + y, 1.0), axis=1) - 1
        bh_r = np.prod(np.where(valid, 1 + y, 1.0), axis=1) - 1
        bh_e = np.prod(np.where(valid, 1 + e, 1.0), axis=1) - 1
    no_data = ~np.isfinite(y).any(axis=1)
    raw = np.where(no_data, np.nan, raw)
    bhar = np.where(n_days > 0, bh_r - bh_e, np.nan)
    return CarArrays(w, car, var, n_days, raw, bhar)


def t_test(value: np.ndarray, var: np.ndarray, df: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Time-series t of one security's AR or CAR against its prediction-error variance,
    two-sided p from Student's t with the estimation's degrees of freedom."""
    with np.errstate(divide="ignore", invalid="ignore"):
        t = value / np.sqrt(var)
        p = 2 * special.stdtr(np.where(df > 0, df, np.nan), -np.abs(t))  # = 2 * scipy.stats.t.sf(|t|, df)
    return t, p
