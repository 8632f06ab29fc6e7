"""What a study measures besides returns: abnormal trading volume (Campbell & Wasley 1996) and
abnormal volatility (the event window's variance against the estimation window's).

Volume: each security's log volume v_t = ln(1 + V_t) (the 1 keeps days without trades) takes the
place of its return, and the engine and its battery run on it unchanged: ``constant-mean`` is the
mean-adjusted model (AV_t = v_t - mean of v over the estimation days), ``market`` the market model of
v_t on the market's log volume, which is the equal-weighted mean of the file's securities' log
volumes on each date unless a market volume series is given. CARs are cumulative abnormal log
volumes; the raw and buy-and-hold columns compound as if they were returns and mean nothing here.

Volatility: per event, the variance ratio VR = s_w^2 / s^2 of the event window's abnormal returns
(sample variance, L_w - 1 degrees of freedom) to the estimation residual variance (its df), tested by
F(L_w - 1, df) two-sided. Under ``--model garch`` the yardstick is each day's own conditional variance
forecast: VR = mean over the window of (AR_t / sigma_t)^2, and L_w VR is chi-square(L_w) under the null.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import special

from eventstudy.errors import UserError

if TYPE_CHECKING:
    from eventstudy.stats.engine import Output
    from eventstudy.stats.study import EventStudy

MEASURES = ("returns", "volume", "volatility")
VOLUME_MODELS = ("constant-mean", "market")
MARKET_VOLUME = "market log volume (equal-weighted)"


def prepare(study: EventStudy) -> None:
    """Check ``study.measure`` and, for volume, put log volumes where the returns go."""
    if study.measure not in MEASURES:
        raise UserError(f"unknown measure {study.measure!r}", field="measure", hint=f"use {' | '.join(MEASURES)}")
    if study.measure != "volume":
        return
    if study.model not in VOLUME_MODELS:
        raise UserError(f"abnormal volume takes the mean-adjusted or the market model, not {study.model}",
                        field="model", hint="use --model constant-mean (mean-adjusted) or --model market")
    if isinstance(study.returns, pd.DataFrame):
        study.returns = log_volume(study.returns)
    else:  # each security's volumes on its own sessions (the news run's), each kept on its own days
        study.returns = {k: log_volume_series(v, str(k)) for k, v in study.returns.items()}
    if isinstance(study.market, pd.Series):
        study.market = log_volume_series(study.market, "market")
    elif isinstance(study.market, Mapping):  # each security's own benchmark's volume
        study.market = {k: log_volume_series(v, str(k)) for k, v in study.market.items()}
    elif study.market is None and study.model == "market":
        frame = study.returns
        if not isinstance(frame, pd.DataFrame):
            raise UserError("the market model of volume needs a market volume", field="market",
                            hint="give market= a volume Series (or one per security), or use constant-mean")
        study.market = frame.mean(axis=1, skipna=True).rename(MARKET_VOLUME)
    elif study.market is not None and not isinstance(study.market, str):
        raise UserError("a market volume is a Series, one per security, or a column of the volume frame",
                        field="market")


def log_volume_series(volume: pd.Series, name: str) -> pd.Series:
    """ln(1 + V) of one series, on its own dates (NaN stays missing)."""
    out = log_volume(volume.to_frame(name)).iloc[:, 0]
    out.name = volume.name
    return out


def log_volume(volume: pd.DataFrame | object) -> pd.DataFrame:
    if not isinstance(volume, pd.DataFrame):
        volume = pd.DataFrame(dict(volume))  # type: ignore[call-overload]
    values = volume.to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        negative = values < 0
    if negative.any():
        row, col = (int(x[0]) for x in np.nonzero(negative))
        raise UserError(f"a negative volume {values[row, col]:g} on {volume.index[row]:%Y-%m-%d}",
                        field=str(volume.columns[col]), hint="volumes are shares or value traded, 0 or more")
    return pd.DataFrame(np.log1p(values), index=volume.index, columns=volume.columns)


def volatility_table(out: Output) -> pd.DataFrame:
    """One row per event: the variance ratio of its event window and its test (the module's note).
    Reads only the event-window columns and the fit's variances, so the chunked engine's compact
    output serves as well as the full one."""
    cols = out.win_cols
    ar = out.ar[:, cols]
    var_ar = out.var_ar[:, cols]
    ok = np.isfinite(ar) & out.usable[:, None]
    n_w = ok.sum(axis=1)
    mean = np.where(ok, ar, 0.0).sum(axis=1) / np.maximum(n_w, 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        s2_w = np.where(ok, (ar - mean[:, None]) ** 2, 0.0).sum(axis=1) / (n_w - 1)
    df_est = _df(out)
    s2 = out.fit.s2
    # By the model each event got (a failed GARCH fit has the market model's constant variance); the
    # chunked engine's compact output keeps the window's variances but not the fit's cond_var.
    garch = np.array([m == "garch" for m in out.model_used], dtype=bool)
    with np.errstate(invalid="ignore", divide="ignore"):
        vr_f = s2_w / s2
        vr_g = np.where(ok, ar**2 / var_ar, 0.0).sum(axis=1) / n_w
        # F(d1, d2) cdf through the regularised incomplete beta (scipy.stats stays unimported)
        d1, d2 = n_w - 1.0, df_est
        cdf_f = special.betainc(d1 / 2, d2 / 2, d1 * vr_f / (d1 * vr_f + d2))
        cdf_g = special.gammainc(n_w / 2.0, n_w * vr_g / 2.0)
    cdf = np.where(garch, cdf_g, cdf_f)
    p = np.minimum(1.0, 2 * np.minimum(cdf, 1 - cdf))
    valid = np.where(garch, n_w >= 1, (n_w >= 2) & (df_est > 0)) & np.isfinite(cdf)
    nan = np.nan
    return pd.DataFrame({
        "event_id": [s.event_id for s in out.series] if out.series else [""] * out.n,
        "symbol": [s.symbol for s in out.series] if out.series else [""] * out.n,
        "day0": out.day0_dates if out.layout is not None else nan,
        "window": out.window.label,
        "model": out.model_used,
        "window_days": n_w,
        "var_window": np.where(valid & ~garch, s2_w, nan),
        "var_estimation": np.where(valid & ~garch, s2, nan),
        "variance_ratio": np.where(valid, np.where(garch, vr_g, vr_f), nan),
        "test": np.where(garch, "chi2 (GARCH)", "F"),
        "df1": np.where(garch, n_w, n_w - 1).astype(float),
        "df2": np.where(garch, nan, df_est),
        "p_value": np.where(valid, p, nan),
    })


def volatility_summary(table: pd.DataFrame) -> str:
    """One line for the command line: the median variance ratio and how many windows differ at 5%."""
    vr = table["variance_ratio"].dropna()
    if vr.empty:
        return "  Variance ratio: no event has a testable window"
    low = int((table["p_value"] < 0.05).sum())
    return (f"  Variance ratio {table['window'].iloc[0]}: median {vr.median():.3f} over {len(vr)} event(s); "
            f"{low} differ from the estimation window's variance at 5% (volatility.csv)")


def _df(out: Output) -> np.ndarray:
    from eventstudy.stats.engine import degrees_of_freedom

    return degrees_of_freedom(out).astype(float)
