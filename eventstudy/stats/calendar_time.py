"""Calendar-time portfolios (Jaffe 1974; Mandelker 1974; Fama 1998): for events spread over time,
the portfolio of the securities that are inside their holding window on each date, its excess return
regressed on the factors; the intercept (alpha) is the mean abnormal return per day, and its t uses
Newey-West (HAC) standard errors. Because every date is one observation, the cross-correlation of
securities held at the same time is in the portfolio's own variance, which is why this is the usual
answer to cross-correlation in long-horizon studies.

- Holding window: relative trading days ``A:B`` of each security's own days (day 0 by the same
  event-day rule as ``study``). A security held for two overlapping events is held once.
- Equal-weighted: the mean return of the securities held that day. Value-weighted (when a weight
  column of the events is given, a market value at the event, say): weights from the event, the later
  event's where two overlap.
- Regression: R_p,t - RF_t = alpha + b'F_t + e_t on the days with at least ``min_securities`` held and
  every factor present (days without factors are counted, never filled); statsmodels' OLS with
  ``cov_type="HAC"`` and ``lags`` (default: floor(4 (T / 100)^(2/9)), Newey & West 1994).
- Monthly factors (a data-library file of ``YYYYMM`` rows): with daily returns, each month's portfolio
  return is the daily portfolio compounded over the month's days with securities held,
  prod(1 + R_p,t) - 1 (``days`` counts them; ``securities`` is their mean); with monthly returns (one
  row per month, any day of it), the holding window counts months and each row is its month's. Rows
  meet the factors by calendar month.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from eventstudy.errors import UserError
from eventstudy.stats.windows import Window

MODELS = {"capm": ("Mkt-RF",), "ff3": ("Mkt-RF", "SMB", "HML"), "carhart": ("Mkt-RF", "SMB", "HML", "Mom"),
          "ff5": ("Mkt-RF", "SMB", "HML", "RMW", "CMA")}
SLOPES = {"Mkt-RF": "beta", "SMB": "beta_smb", "HML": "beta_hml", "RMW": "beta_rmw", "CMA": "beta_cma",
          "Mom": "beta_mom"}


def default_lags(n_days: int) -> int:
    return int(np.floor(4 * (n_days / 100) ** (2 / 9)))


def _monthly(frame: pd.DataFrame) -> bool:
    """Whether a date-indexed frame holds one row per month (its median gap is over 20 days)."""
    if frame.attrs.get("frequency") in ("daily", "monthly"):
        return frame.attrs["frequency"] == "monthly"
    idx = pd.DatetimeIndex(frame.index)
    return len(idx) > 2 and float(np.median(np.diff(idx.to_numpy()).astype("m8[D]").astype(int))) > 20


def _compound_months(frame: pd.DataFrame, returns: list[str], min_securities: int) -> pd.DataFrame:
    """Daily portfolios into monthly ones: each month's return compounded over its days with at least
    ``min_securities`` held; ``securities`` their mean count, ``days`` how many; dated the month's end."""
    held = frame[frame["securities"] >= min_securities]
    month = pd.DatetimeIndex(held.index).to_period("M")
    grouped = held.groupby(month)
    out = pd.DataFrame({"securities": grouped["securities"].mean(), "days": grouped["securities"].size()})
    for col in returns:
        out[col] = (1 + held[col]).groupby(month).prod(min_count=1) - 1
    out.index = pd.PeriodIndex(out.index).to_timestamp(how="end").normalize()
    out.index.name = "date"
    return out


@dataclass
class CalendarTimeResult:
    portfolio: pd.DataFrame  # date, securities, ew_return, [vw_return], RF, factors
    regressions: pd.DataFrame  # one row per weighting
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = []
        for _, r in self.regressions.iterrows():
            lines.append(f"  {r['weighting']}: alpha {r['alpha']:+.4%} per {r['period']} "
                         f"(Newey-West t = {r['t_stat']:.3f}, "
                         f"p = {r['p_value']:.4f}, {int(r['lags'])} lags) over {int(r['days'])} {r['period']}s, "
                         f"{r['mean_securities']:.1f} securities per day on average")
        return "\n".join([*lines, *(f"  note: {n}" for n in self.notes)])


@dataclass
class CalendarTime:
    """``returns``: wide frame (dates x securities) of returns as fractions, NaN where a security does
    not trade; ``events``: columns ``symbol``, ``date`` (and ``weights``' column); ``factors``: the
    factor frame (eventstudy.data.french.combine), with RF."""

    returns: pd.DataFrame
    events: pd.DataFrame
    factors: pd.DataFrame
    model: str = "ff3"
    holding: Window = field(default_factory=lambda: Window(0, 250))
    weights: str | None = None
    lags: int | None = None
    event_day: str = "previous"
    min_securities: int = 1

    def portfolios(self) -> tuple[pd.DataFrame, list[str]]:
        """The daily portfolios: securities held, equal- (and value-) weighted returns, RF and factors."""
        from eventstudy.stats.study import locate_day0s

        if self.model not in MODELS:
            raise UserError(f"unknown model {self.model!r}", field="model", hint=f"use {' | '.join(MODELS)}")
        need = [*MODELS[self.model], "RF"]
        missing = [c for c in need if c not in self.factors.columns]
        if missing:
            raise UserError(f"the {self.model} model needs factor column(s) {', '.join(missing)}", field="factors")
        for c in ("symbol", "date", *([self.weights] if self.weights else [])):
            if c not in self.events.columns:
                raise UserError(f"the events have no column {c!r}", field="events",
                                hint=f"columns: {', '.join(map(str, self.events.columns))}")
        rets = self.returns.sort_index()
        values = rets.to_numpy(dtype=float)
        cols = {str(c): j for j, c in enumerate(rets.columns)}
        dates = pd.DatetimeIndex(rets.index)
        held = np.zeros(values.shape, dtype=bool)
        weight = np.full(values.shape, np.nan)
        ev = self.events.assign(_when=pd.to_datetime(self.events["date"])).sort_values("_when", kind="stable")
        notes: list[str] = []
        unplaced = 0
        rows_of: dict[int, np.ndarray] = {}
        for sym, when, w in zip(ev["symbol"].astype(str), ev["_when"],
                                ev[self.weights] if self.weights else [np.nan] * len(ev), strict=True):
            j = cols.get(sym)
            if j is None:
                raise UserError(f"no returns for {sym!r}", field="symbol",
                                hint=f"series available: {', '.join(list(cols)[:12])}")
            own = rows_of.get(j)
            if own is None:  # the security's own trading days (the first row may have no return)
                has = ~np.isnan(values[:, j])
                if len(has):
                    has[0] = True
                own = rows_of[j] = np.flatnonzero(has)
            p = int(locate_day0s(dates[own], pd.DatetimeIndex([when]), self.event_day)[0])
            if p < 0:
                unplaced += 1
                continue
            lo, hi = max(p + self.holding.start, 0), min(p + self.holding.end, len(own) - 1)
            if lo > hi:
                continue
            at = own[lo : hi + 1]
            held[at, j] = True
            weight[at, j] = float(w)
        if unplaced:
            notes.append(f"{unplaced} event(s) without a trading day under the {self.event_day!r} rule: not held")
        ok = held & np.isfinite(values)
        n = ok.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            ew = np.where(ok, values, 0.0).sum(axis=1) / n
            frame = pd.DataFrame({"securities": n, "ew_return": np.where(n > 0, ew, np.nan)}, index=dates)
            if self.weights:
                wok = ok & np.isfinite(weight) & (weight > 0)
                wsum = np.where(wok, weight, 0.0).sum(axis=1)
                vw = np.where(wok, weight * values, 0.0).sum(axis=1) / wsum
                frame["vw_return"] = np.where(wsum > 0, vw, np.nan)
        frame.index.name = "date"
        if _monthly(self.factors):
            if not _monthly(rets):
                kept = [c for c in ("ew_return", "vw_return") if c in frame.columns]
                frame = _compound_months(frame, kept, self.min_securities)
                notes.append("monthly factors: the daily portfolio compounded over each month's days with "
                             "securities held")
            by_month = self.factors[need].groupby(pd.DatetimeIndex(self.factors.index).to_period("M")).last()
            fac = by_month.reindex(pd.DatetimeIndex(frame.index).to_period("M")).to_numpy(float)
        else:
            fac = self.factors.reindex(pd.DatetimeIndex(frame.index).normalize())[need].to_numpy(float)
        for k, c in enumerate(need):
            frame[c] = fac[:, k]
        return frame, notes

    def fit(self) -> CalendarTimeResult:
        import statsmodels.api as sm

        frame, notes = self.portfolios()
        period = "month" if _monthly(self.factors) else "day"
        names = list(MODELS[self.model])
        active = frame["securities"] >= self.min_securities
        have = frame[[*names, "RF"]].notna().all(axis=1)
        gaps = int((active & ~have).sum())
        if gaps:
            notes.append(f"factors missing on {gaps} portfolio day(s): left out, not filled")
        rows = []
        for weighting, col in (("equal-weighted", "ew_return"), ("value-weighted", "vw_return")):
            if col not in frame.columns:
                continue
            use = active & have & frame[col].notna()
            days = int(use.sum())
            if days < len(names) + 3:
                raise UserError(f"{days} portfolio {period}s with securities and factors: too few for a regression",
                                field="holding", hint="widen --holding, or check that the factors cover the events")
            lags = self.lags if self.lags is not None else default_lags(days)
            y = frame.loc[use, col] - frame.loc[use, "RF"]
            x = sm.add_constant(frame.loc[use, names], has_constant="add")
            res = sm.OLS(y, x).fit(cov_type="HAC", cov_kwds={"maxlags": lags})
            row = {"weighting": weighting, "model": self.model, "period": period,
                   "alpha": float(res.params["const"]),
                   "t_stat": float(res.tvalues["const"]), "p_value": float(res.pvalues["const"]),
                   "se": float(res.bse["const"]), "lags": lags, "days": days,
                   "mean_securities": float(frame.loc[use, "securities"].mean()),
                   "r_squared": float(res.rsquared)}
            row.update({SLOPES[c]: float(res.params[c]) for c in names})
            rows.append(row)
        return CalendarTimeResult(frame.reset_index(), pd.DataFrame(rows), notes)
