"""Exactness and invariance checks of the engine through the public API.

Every model is recomputed by hand (numpy.polyfit, statsmodels OLS, explicit MacKinlay formulas) on
the same estimation days the study reports, and compared to ``result.estimates``, ``result.ar`` and
``result.car`` to floating-point precision.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from eventstudy.stats.study import EventStudy
from eventstudy.stats.windows import Estimation, Window

EST = Estimation(Window(-120, -11), min_days=30)
WIN = Window(-5, 5)
CARS = [Window(0, 0), Window(-1, 1), Window(-5, 5), Window(0, 5)]
L = 110
DAYS = 400
RTOL = 1e-9


def make_data(seed: int = 0, n: int = 3, days: int = DAYS) -> tuple[dict[str, pd.Series], pd.Series, pd.Series]:
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2020-01-01", periods=days)
    m = pd.Series(rng.normal(0.0005, 0.01, days), index=dates, name="MKT")
    sector = pd.Series(0.5 * m.to_numpy() + rng.normal(0, 0.008, days), index=dates, name="SEC")
    rets = {}
    for i in range(n):
        r = 0.0003 * (i + 1) + (0.6 + 0.3 * i) * m.to_numpy() + 0.4 * sector.to_numpy() + rng.normal(0, 0.015, days)
        rets[f"S{i}"] = pd.Series(r, index=dates)
    # S1 trades on its own calendar: some sessions have no value at all.
    drop = dates[rng.choice(np.arange(100, 300), size=9, replace=False)]
    rets["S1"] = rets["S1"].drop(drop)
    return rets, m, sector


EVENT_POS = {"S0": 250, "S1": 280, "S2": 330}


def events_for(rets: dict[str, pd.Series], pos: dict[str, int] = EVENT_POS) -> pd.DataFrame:
    return pd.DataFrame({"symbol": list(pos), "date": [rets[s].index[p] for s, p in pos.items()]})


def study(rets, events, market, **kw) -> EventStudy:
    kw.setdefault("estimation", EST)
    kw.setdefault("window", WIN)
    kw.setdefault("cars", CARS)
    kw.setdefault("bootstrap", 199)
    return EventStudy(rets, events, market=market, **kw)


class Hand:
    """One event's data on its security's own trading days, for hand computations."""

    def __init__(self, r: pd.Series, m: pd.Series, when: pd.Timestamp, sector: pd.Series | None = None,
                 est: Window = EST.window, win: Window = WIN):
        r = r.dropna()
        self.dates = r.index
        self.p = int(self.dates.get_loc(when))
        self.y = r.to_numpy()
        self.m = m.reindex(self.dates).to_numpy()
        self.s = None if sector is None else sector.reindex(self.dates).to_numpy()
        idx = np.arange(self.p + est.start, self.p + est.end + 1)
        idx = idx[idx >= 0]
        self.est = idx[np.isfinite(self.y[idx]) & np.isfinite(self.m[idx])]
        self.win = np.arange(self.p + win.start, self.p + win.end + 1)

    def cols(self, w: Window) -> np.ndarray:
        return np.arange(self.p + w.start, self.p + w.end + 1)


def rows(result, symbol: str) -> tuple[pd.Series, pd.DataFrame, pd.DataFrame]:
    est = result.estimates.set_index("symbol").loc[symbol]
    ar = result.ar[result.ar["symbol"] == symbol].set_index("day")
    car = result.car[result.car["symbol"] == symbol].set_index("window")
    return est, ar, car


# -- market model -------------------------------------------------------------------------------
def test_market_model_matches_ols_and_mackinlay_variances() -> None:
    rets, m, _ = make_data()
    events = events_for(rets)
    res = study(rets, events, m).fit()
    assert res.skipped.empty and res.overlaps.empty
    for sym, when in zip(events["symbol"], events["date"], strict=True):
        h = Hand(rets[sym], m, when)
        est, ar, car = rows(res, sym)
        y, x = h.y[h.est], h.m[h.est]
        assert len(h.est) == L == est["estimation_days"]
        assert est["estimation_start"] == h.dates[h.p - 120] and est["estimation_end"] == h.dates[h.p - 11]
        assert est["day0"] == when
        # alpha, beta: numpy.polyfit and statsmodels agree with the engine.
        b, a = np.polyfit(x, y, 1)
        ols = sm.OLS(y, sm.add_constant(x)).fit()
        np.testing.assert_allclose([est["alpha"], est["beta"]], [a, b], rtol=RTOL)
        np.testing.assert_allclose([est["alpha"], est["beta"]], ols.params, rtol=RTOL)
        s2 = ols.ssr / (L - 2)
        np.testing.assert_allclose(est["sigma"] ** 2, s2, rtol=RTOL)
        np.testing.assert_allclose(est["sigma"] ** 2, ols.scale, rtol=RTOL)
        assert est["df"] == L - 2
        # AR_t and MacKinlay's Var(AR_t) = s^2 [1 + 1/L + (Rm_t - mean)^2 / Smm].
        mbar = x.mean()
        smm = ((x - mbar) ** 2).sum()
        mt, yt = h.m[h.win], h.y[h.win]
        ar_hand = yt - (a + b * mt)
        var_hand = s2 * (1 + 1 / L + (mt - mbar) ** 2 / smm)
        assert list(ar.index) == list(range(-5, 6))
        np.testing.assert_allclose(ar["abnormal_return"], ar_hand, rtol=RTOL, atol=1e-15)
        np.testing.assert_allclose(ar["expected"], a + b * mt, rtol=RTOL)
        np.testing.assert_allclose(ar["sd"] ** 2, var_hand, rtol=RTOL)
        se_obs = ols.get_prediction(sm.add_constant(mt, has_constant="add")).se_obs
        np.testing.assert_allclose(ar["sd"], se_obs, rtol=RTOL)
        assert (pd.DatetimeIndex(ar["date"]) == h.dates[h.win]).all()
        t = ar_hand / np.sqrt(var_hand)
        np.testing.assert_allclose(ar["t_stat"], t, rtol=RTOL)
        np.testing.assert_allclose(ar["p_value"], 2 * stats.t.sf(np.abs(t), L - 2), rtol=1e-7)
        # CAR = sum of ARs; Var(CAR) = s^2 [L2 + L2^2/L + (sum(Rm_t - mean))^2 / Smm].
        for w in CARS:
            c = car.loc[w.label]
            cols = h.cols(w)
            l2 = len(cols)
            car_hand = ar.loc[w.start : w.end, "abnormal_return"].sum()
            var_car = s2 * (l2 + l2**2 / L + ((h.m[cols] - mbar).sum()) ** 2 / smm)
            assert c["n_days"] == l2
            np.testing.assert_allclose(c["car"], car_hand, rtol=RTOL)
            np.testing.assert_allclose(c["sd"] ** 2, var_car, rtol=RTOL)
            np.testing.assert_allclose(c["t_stat"], car_hand / np.sqrt(var_car), rtol=RTOL)
            np.testing.assert_allclose(c["p_value"], 2 * stats.t.sf(abs(car_hand) / np.sqrt(var_car), L - 2),
                                       rtol=1e-7)


def test_events_on_own_calendars_use_own_trading_days() -> None:
    """S1 lacks sessions: its day -5..+5 are its own consecutive trading days, not the market's."""
    rets, m, _ = make_data()
    when = rets["S1"].index[200]
    res = study(rets, pd.DataFrame({"symbol": ["S1", "S0"], "date": [when, when]}), m).fit()
    a1 = res.ar[res.ar["symbol"] == "S1"]
    a0 = res.ar[res.ar["symbol"] == "S0"]
    own = rets["S1"].index
    assert list(a1["date"]) == list(own[190:211][5:16])
    assert (a1["date"].to_numpy() != a0["date"].to_numpy()).any()  # a session S1 lacks is in S0's window
    assert res.clustered  # same calendar date


# -- other models --------------------------------------------------------------------------------
def test_constant_mean_model() -> None:
    rets, m, _ = make_data()
    events = events_for(rets)
    res = study(rets, events, None, model="constant-mean").fit()
    for sym, when in zip(events["symbol"], events["date"], strict=True):
        h = Hand(rets[sym], m, when)
        est, ar, car = rows(res, sym)
        y = h.y[h.est]
        mu, s2 = y.mean(), y.var(ddof=1)
        np.testing.assert_allclose(est["alpha"], mu, rtol=RTOL)
        np.testing.assert_allclose(est["sigma"] ** 2, s2, rtol=RTOL)
        assert est["df"] == L - 1
        np.testing.assert_allclose(ar["abnormal_return"], h.y[h.win] - mu, rtol=RTOL, atol=1e-15)
        np.testing.assert_allclose(ar["sd"] ** 2, s2 * (1 + 1 / L), rtol=RTOL)
        c = car.loc["[-1,+1]"]
        np.testing.assert_allclose(c["sd"] ** 2, s2 * (3 + 9 / L), rtol=RTOL)


def test_market_adjusted_model() -> None:
    rets, m, _ = make_data()
    events = events_for(rets)
    res = study(rets, events, m, model="market-adjusted").fit()
    for sym, when in zip(events["symbol"], events["date"], strict=True):
        h = Hand(rets[sym], m, when)
        est, ar, car = rows(res, sym)
        np.testing.assert_array_equal(ar["abnormal_return"], h.y[h.win] - h.m[h.win])
        d = h.y[h.est] - h.m[h.est]
        s2 = d.var(ddof=1)
        np.testing.assert_allclose(est["sigma"] ** 2, s2, rtol=RTOL)
        assert est["df"] == L - 1 and est["estimation_days"] == L
        np.testing.assert_allclose(ar["sd"] ** 2, s2, rtol=RTOL)
        np.testing.assert_allclose(car.loc["[-5,+5]", "sd"] ** 2, 11 * s2, rtol=RTOL)
        np.testing.assert_allclose(ar["t_stat"], (h.y[h.win] - h.m[h.win]) / np.sqrt(s2), rtol=RTOL)
        np.testing.assert_allclose(ar["p_value"], 2 * stats.t.sf(np.abs(ar["t_stat"]), L - 1), rtol=1e-7)


def test_two_index_model_matches_statsmodels() -> None:
    rets, m, sector = make_data()
    events = events_for(rets)
    res = study(rets, events, m, sector=sector, model="two-index").fit()
    for sym, when in zip(events["symbol"], events["date"], strict=True):
        h = Hand(rets[sym], m, when, sector)
        est, ar, car = rows(res, sym)
        x = np.column_stack([np.ones(L), h.m[h.est], h.s[h.est]])
        ols = sm.OLS(h.y[h.est], x).fit()
        np.testing.assert_allclose([est["alpha"], est["beta"], est["beta_sector"]], ols.params, rtol=RTOL)
        np.testing.assert_allclose(est["sigma"] ** 2, ols.scale, rtol=RTOL)
        assert est["df"] == L - 3
        xw = np.column_stack([np.ones(11), h.m[h.win], h.s[h.win]])
        pred = ols.get_prediction(xw)
        np.testing.assert_allclose(ar["expected"], pred.predicted_mean, rtol=RTOL)
        np.testing.assert_allclose(ar["sd"], pred.se_obs, rtol=RTOL)
        # CAR variance: s^2 (L2 + xs' (X'X)^-1 xs), xs the summed regressors.
        xs = xw[4:7].sum(axis=0)  # days -1, 0, +1
        var = ols.scale * (3 + xs @ np.linalg.inv(x.T @ x) @ xs)
        np.testing.assert_allclose(car.loc["[-1,+1]", "sd"] ** 2, var, rtol=RTOL)


def test_dimson_model_matches_statsmodels() -> None:
    rets, m, _ = make_data()
    events = events_for(rets)
    res = study(rets, events, m, model="dimson").fit()
    for sym, when in zip(events["symbol"], events["date"], strict=True):
        h = Hand(rets[sym], m, when)
        est, ar, _ = rows(res, sym)

        def design(idx: np.ndarray, mk: np.ndarray = h.m) -> np.ndarray:
            return np.column_stack([np.ones(len(idx)), mk[idx - 1], mk[idx], mk[idx + 1]])

        ols = sm.OLS(h.y[h.est], design(h.est)).fit()
        got = [est["alpha"], est["beta_lag"], est["beta_0"], est["beta_lead"]]
        np.testing.assert_allclose(got, ols.params, rtol=1e-8)
        np.testing.assert_allclose(est["beta"], ols.params[1:].sum(), rtol=1e-8)
        np.testing.assert_allclose(est["sigma"] ** 2, ols.scale, rtol=RTOL)
        pred = ols.get_prediction(design(h.win))
        np.testing.assert_allclose(ar["expected"], pred.predicted_mean, rtol=1e-8)
        np.testing.assert_allclose(ar["sd"], pred.se_obs, rtol=1e-8)


def test_scholes_williams_by_hand() -> None:
    rets, m, _ = make_data()
    events = events_for(rets)
    res = study(rets, events, m, model="scholes-williams").fit()
    for sym, when in zip(events["symbol"], events["date"], strict=True):
        h = Hand(rets[sym], m, when)
        est, ar, _ = rows(res, sym)
        i = h.est
        y, m0, mlag, mlead = h.y[i], h.m[i], h.m[i - 1], h.m[i + 1]

        def slope(a: np.ndarray, b: np.ndarray) -> float:
            return float(np.cov(a, b)[0, 1] / np.var(b, ddof=1))

        bm, b0, bp = slope(y, mlag), slope(y, m0), slope(y, mlead)
        rho = slope(m0, mlag)
        beta = (bm + b0 + bp) / (1 + 2 * rho)
        alpha = y.mean() - beta * m0.mean()
        np.testing.assert_allclose([est["alpha"], est["beta"], est["rho_market"]], [alpha, beta, rho], rtol=1e-8)
        resid = y - alpha - beta * m0
        s2 = (resid**2).sum() / (L - 2)
        np.testing.assert_allclose(est["sigma"] ** 2, s2, rtol=1e-8)
        mt = h.m[h.win]
        np.testing.assert_allclose(ar["abnormal_return"], h.y[h.win] - alpha - beta * mt, rtol=1e-8, atol=1e-15)
        mbar, smm = m0.mean(), ((m0 - m0.mean()) ** 2).sum()
        np.testing.assert_allclose(ar["sd"] ** 2, s2 * (1 + 1 / L + (mt - mbar) ** 2 / smm), rtol=1e-8)


# -- returns over windows ------------------------------------------------------------------------
@pytest.mark.parametrize("log", [False, True])
def test_bhar_and_raw_return(log: bool) -> None:
    rets, m, _ = make_data()
    events = events_for(rets)
    res = study(rets, events, m, log_returns=log).fit()
    for sym, when in zip(events["symbol"], events["date"], strict=True):
        h = Hand(rets[sym], m, when)
        _, ar, car = rows(res, sym)
        for w in CARS:
            cols = h.cols(w)
            r = h.y[cols]
            e = ar.loc[w.start : w.end, "expected"].to_numpy()
            c = car.loc[w.label]
            if log:
                raw, bhar = np.expm1(r.sum()), np.exp(r.sum()) - np.exp(e.sum())
            else:
                raw, bhar = np.prod(1 + r) - 1, np.prod(1 + r) - np.prod(1 + e)
            np.testing.assert_allclose(c["raw_return"], raw, rtol=1e-10)
            np.testing.assert_allclose(c["bhar"], bhar, rtol=1e-9)


# -- event-day rules -----------------------------------------------------------------------------
def test_event_day_rules_on_a_weekend() -> None:
    rets, m, _ = make_data()
    saturday = pd.Timestamp("2020-11-07")
    assert saturday.day_of_week == 5
    weekday = rets["S2"].index[300]
    events = pd.DataFrame({"symbol": ["S0", "S2"], "date": [saturday, weekday]})
    day0 = {}
    for rule in ("previous", "next", "skip"):
        res = study(rets, events, m, event_day=rule).fit()
        day0[rule] = res.estimates.set_index("symbol")["day0"].to_dict()
        if rule == "skip":
            assert list(res.skipped["symbol"]) == ["S0"]
            assert "skip" in res.skipped["reason"].iloc[0]
        else:
            assert res.skipped.empty
    assert day0["previous"]["S0"] == pd.Timestamp("2020-11-06")
    assert day0["next"]["S0"] == pd.Timestamp("2020-11-09")
    assert "S0" not in day0["skip"]
    assert {d["S2"] for d in day0.values()} == {weekday}


# -- missing data and short estimation windows ----------------------------------------------------
def test_missing_market_returns_reduce_estimation_days() -> None:
    rets, m, _ = make_data()
    events = events_for(rets, {"S0": 250})
    when = events["date"].iloc[0]
    gaps = rets["S0"].index[[250 - 100, 250 - 77, 250 - 50, 250 - 20, 250 - 12]]
    m2 = m.copy()
    m2[gaps] = np.nan
    res = study(rets, events, m2).fit()
    est, _, _ = rows(res, "S0")
    assert est["estimation_days"] == L - 5 and est["df"] == L - 7
    h = Hand(rets["S0"], m2, when)
    assert len(h.est) == L - 5
    b, a = np.polyfit(h.m[h.est], h.y[h.est], 1)
    np.testing.assert_allclose([est["alpha"], est["beta"]], [a, b], rtol=RTOL)


def test_missing_security_returns_are_not_trading_days() -> None:
    """A NaN in a wide frame is a day the security did not trade: with history to spare the window
    reaches further back (still L days); at the start of the history it holds fewer days."""
    rets, m, _ = make_data()
    p = 250
    s0 = rets["S0"].copy()
    holes = s0.index[[p - 90, p - 60, p - 30, p - 15]]
    s0[holes] = np.nan
    when = s0.index[p]
    long = study({"S0": s0}, pd.DataFrame({"symbol": ["S0"], "date": [when]}), m).fit()
    est, _, _ = rows(long, "S0")
    assert est["estimation_days"] == L
    assert est["estimation_start"] == s0.index[p - 124]
    short = study({"S0": s0.iloc[p - 120 :]}, pd.DataFrame({"symbol": ["S0"], "date": [when]}), m).fit()
    est, _, _ = rows(short, "S0")
    assert est["estimation_days"] == L - 4
    assert est["estimation_start"] == s0.index[p - 120]


def test_return_after_a_price_gap_shows_as_missing_ar() -> None:
    rng = np.random.default_rng(0)
    dates = pd.bdate_range("2021-01-01", periods=200)
    m = rng.normal(0, 0.01, 200)
    prices = pd.DataFrame({"A": 50 * np.cumprod(1 + 0.9 * m + rng.normal(0, 0.01, 200)),
                           "MKT": 100 * np.cumprod(1 + m)}, index=dates)
    prices.iloc[148, 0] = np.nan  # no price two sessions before the event
    events = pd.DataFrame({"symbol": ["A"], "date": [dates[150]]})
    res = EventStudy.from_prices(prices, events, market="MKT", estimation=EST, window=WIN).fit()
    ar = res.ar.set_index("day")
    assert ar.loc[-5, "date"] == dates[145]  # the window keeps the exchange's sessions
    assert np.isnan(ar.loc[-1, "abnormal_return"])  # the return spanning the gap is missing


def _short_history(fallback: bool | str):
    rets, m, _ = make_data()
    p = 250
    s0 = rets["S0"].iloc[p - 20 :]  # 10 estimation days only (-20..-11)
    events = pd.DataFrame({"symbol": ["S0", "S2"], "date": [rets["S0"].index[p], rets["S2"].index[300]]})
    return study({"S0": s0, "S2": rets["S2"]}, events, m, fallback=fallback).fit(), s0, m, p


def test_too_few_estimation_days_without_fallback() -> None:
    res, *_ = _short_history(False)
    est, ar, car = rows(res, "S0")
    assert est["estimation_days"] == 10
    assert "too few valid estimation days (10 < 30)" in est["note"]
    assert ar["abnormal_return"].notna().all()
    assert ar["sd"].isna().all() and ar["t_stat"].isna().all() and ar["p_value"].isna().all()
    assert car["t_stat"].isna().all() and car["car"].notna().all()
    assert (res.tests["n"] == 1).all()  # only S2 enters the battery
    est2, _, car2 = rows(res, "S2")
    assert est2["note"] == "" and car2["t_stat"].notna().all()


def test_too_few_estimation_days_with_fallback() -> None:
    res, s0, m, _ = _short_history(True)
    est, ar, car = rows(res, "S0")
    assert est["model"] == "market-adjusted (fallback)"
    assert "estimation window too short (10 valid days < 30)" in est["note"]
    assert "[+6,+115]" in est["note"]
    when = s0.index[20]
    h = Hand(s0, m, when)
    np.testing.assert_array_equal(ar["abnormal_return"], h.y[h.win] - h.m[h.win])
    # The volatility pools the 10 valid estimation days with the 110 post-event days.
    days = np.concatenate([h.est, np.arange(h.p + 6, h.p + 116)])
    d = h.y[days] - h.m[days]
    np.testing.assert_allclose(est["sigma"] ** 2, d.var(ddof=1), rtol=RTOL)
    assert est["estimation_days"] == 120 and est["df"] == 119
    np.testing.assert_allclose(ar["sd"] ** 2, d.var(ddof=1), rtol=RTOL)
    np.testing.assert_allclose(car.loc["[-1,+1]", "sd"] ** 2, 3 * d.var(ddof=1), rtol=RTOL)
    assert np.isnan(est["beta"])
    est2, _, _ = rows(res, "S2")
    assert est2["model"] == "market"


def test_fallback_uses_estimation_and_post_event_days_when_both_are_short() -> None:
    """Listed weeks before the event, prices ending weeks after (Moore Threads on GLM-Image day):
    15 estimation days and 20 post-event days, neither 30; together they make 35."""
    rets, m, _ = make_data()
    p = 250
    s0 = rets["S0"].iloc[p - 25 : p + 26]  # days -25..+25
    when = rets["S0"].index[p]
    res = study({"S0": s0}, pd.DataFrame({"symbol": ["S0"], "date": [when]}), m).fit()
    est, ar, _ = rows(res, "S0")
    assert est["model"] == "market-adjusted (fallback)"
    assert "volatility from 15 estimation-window days and 20 post-event days [+6,+25]" in est["note"]
    h = Hand(s0, m, when)
    days = np.r_[np.arange(h.p - 25, h.p - 10), np.arange(h.p + 6, h.p + 26)]
    d = h.y[days] - h.m[days]
    np.testing.assert_allclose(est["sigma"] ** 2, d.var(ddof=1), rtol=RTOL)
    np.testing.assert_allclose(ar["sd"] ** 2, d.var(ddof=1), rtol=RTOL)


# -- overlaps ------------------------------------------------------------------------------------
def test_overlapping_events_are_reported() -> None:
    rets, m, _ = make_data()
    idx = rets["S0"].index
    events = pd.DataFrame({"symbol": ["S0", "S0", "S0", "S2"],
                           "date": [idx[250], idx[260], idx[271], idx[255]],
                           "event_id": ["a", "b", "c", "d"]})
    res = study(rets, events, m).fit()
    ov = res.overlaps
    assert list(zip(ov["event_id"], ov["other_event_id"], ov["days_apart"], strict=True)) == [("a", "b", 10)]
    notes = res.estimates.set_index("event_id")["note"]
    assert "overlaps event b" in notes["a"] and "overlaps event a" in notes["b"]
    assert notes["c"] == "" and notes["d"] == ""
    assert "overlaps" in res.summary()


# -- invariances -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def base_study() -> tuple[dict[str, pd.Series], pd.Series, pd.DataFrame]:
    rets, m, _ = make_data(seed=3, n=6)
    pos = {f"S{i}": 200 + 9 * i for i in range(6)}
    return rets, m, events_for(rets, pos)


SCALE_FREE = ["t_stat", "p_value"]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(c=st.floats(min_value=1e-3, max_value=1e3, allow_nan=False))
def test_scaling_returns_leaves_statistics_unchanged(base_study, c: float) -> None:
    rets, m, events = base_study
    a = study(rets, events, m).fit()
    b = study({k: v * c for k, v in rets.items()}, events, m * c).fit()
    for name in ("ar", "car"):
        np.testing.assert_allclose(getattr(b, name)[SCALE_FREE], getattr(a, name)[SCALE_FREE], rtol=1e-7)
    np.testing.assert_allclose(b.car["car"], c * a.car["car"], rtol=1e-9, atol=1e-18)
    ta, tb = a.tests, b.tests
    assert list(ta["statistic"]) == list(tb["statistic"])
    np.testing.assert_allclose(tb["p_value"], ta["p_value"], rtol=1e-7)
    scale_free = ta["statistic"] != "bootstrap"  # the bootstrap reports the mean (C)AR itself
    np.testing.assert_allclose(tb.loc[scale_free, "value"], ta.loc[scale_free, "value"], rtol=1e-7)
    np.testing.assert_allclose(tb.loc[~scale_free, "value"], c * ta.loc[~scale_free, "value"], rtol=1e-9)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(perm=st.permutations(range(6)))
def test_permuting_events_permutes_rows_only(base_study, perm: list[int]) -> None:
    rets, m, events = base_study
    a = study(rets, events, m).fit()
    b = study(rets, events.iloc[perm].reset_index(drop=True), m).fit()
    for name, keys in (("estimates", ["event_id"]), ("ar", ["event_id", "day"]), ("car", ["window", "event_id"])):
        fa = getattr(a, name).sort_values(keys).reset_index(drop=True)
        fb = getattr(b, name).sort_values(keys).reset_index(drop=True)
        pd.testing.assert_frame_equal(fa, fb, rtol=1e-12)
    pd.testing.assert_frame_equal(a.tests, b.tests, rtol=1e-10)


# -- the battery by hand ---------------------------------------------------------------------------
def test_battery_statistics_by_hand(base_study) -> None:
    rets, m, events = base_study
    res = study(rets, events, m).fit()
    ar0 = res.ar[res.ar["day"] == 0]
    x, z = ar0["abnormal_return"].to_numpy(), ar0["t_stat"].to_numpy()
    n, df = len(x), res.estimates["df"].to_numpy()
    got = res.tests[(res.tests["scope"] == "day") & (res.tests["day"] == 0)].set_index("statistic")
    ttest = stats.ttest_1samp(x, 0.0)
    np.testing.assert_allclose(got.loc["cross-sectional t", ["value", "p_value"]], [ttest.statistic, ttest.pvalue])
    bmp = stats.ttest_1samp(z, 0.0)
    np.testing.assert_allclose(got.loc["BMP", ["value", "p_value"]], [bmp.statistic, bmp.pvalue])
    patell = z.sum() / np.sqrt(np.sum(df / (df - 2)))
    np.testing.assert_allclose(got.loc["Patell Z", ["value", "p_value"]], [patell, 2 * stats.norm.sf(abs(patell))])
    s2 = res.estimates["sigma"].to_numpy() ** 2
    bw80 = x.mean() / (np.sqrt(s2.sum()) / n)
    np.testing.assert_allclose(got.loc["Brown-Warner 1980", "value"], bw80)
    w = (x > 0).sum()
    np.testing.assert_allclose(got.loc["sign", "value"], (w - n / 2) / np.sqrt(n / 4))
    np.testing.assert_allclose(got.loc["Wilcoxon signed-rank", "p_value"], stats.wilcoxon(x).pvalue)
    assert (got["n"] == n).all() and np.allclose(got["mean"], x.mean())
    assert not res.clustered and "KP-adjusted BMP" not in got.index


# -- Kolari-Pynnonen ------------------------------------------------------------------------------
def test_kp_factor_on_a_shared_date() -> None:
    rets, m, _ = make_data(seed=5, n=5)
    when = rets["S0"].index[300]
    events = pd.DataFrame({"symbol": [f"S{i}" for i in range(5) if i != 1], "date": when})
    res = study(rets, events, m, clustered=True).fit()
    assert res.clustered
    # r by hand: mean pairwise correlation of market-model estimation residuals on common dates.
    resid = {}
    for sym in events["symbol"]:
        h = Hand(rets[sym], m, when)
        b, a = np.polyfit(h.m[h.est], h.y[h.est], 1)
        resid[sym] = pd.Series(h.y[h.est] - a - b * h.m[h.est], index=h.dates[h.est])
    c = pd.DataFrame(resid).corr().to_numpy()
    r = c[~np.eye(len(c), dtype=bool)].mean()
    np.testing.assert_allclose(res.mean_correlation, r, rtol=1e-9)
    assert r > 0.02  # the shared sector factor
    n = len(events)
    f = np.sqrt((1 - r) / (1 + (n - 1) * r))
    t = res.tests
    for key, sel in (("day", t["scope"] == "day"), ("window", t["scope"] == "window")):
        part = t[sel]
        grp = part["day"].astype(str) if key == "day" else part["window"]
        for _, g in part.groupby(grp):
            g = g.set_index("statistic")
            np.testing.assert_allclose(g.loc["KP-adjusted BMP", "value"], g.loc["BMP", "value"] * f, rtol=1e-12)
            np.testing.assert_allclose(g.loc["KP-adjusted Patell", "value"], g.loc["Patell Z", "value"] * f,
                                       rtol=1e-12)
            kp = g.loc["KP-adjusted BMP", "value"]
            np.testing.assert_allclose(g.loc["KP-adjusted BMP", "p_value"], 2 * stats.t.sf(abs(kp), n - 1))
            assert g.index[0] == "KP-adjusted BMP"  # robust statistics lead when clustered


def test_fallback_pools_estimation_and_post_event_days() -> None:
    """One rule for any short history: the valid estimation days count together with the post-event
    days, so 10 days of history and none are treated alike."""
    res, *_ = _short_history("post-event")
    est, _, _ = rows(res, "S0")
    assert est["model"] == "market-adjusted (fallback)"
    assert "10 estimation-window days and 110 post-event days" in est["note"]


def test_no_fallback_never_turns_an_empty_fit_into_the_raw_return() -> None:
    rets, m, _ = make_data()
    p = 250
    s0 = rets["S0"].iloc[p - 3 :]  # listed three sessions before: no estimation day at all
    events = pd.DataFrame({"symbol": ["S0"], "date": [rets["S0"].index[p]]})
    res = study({"S0": s0}, events, m, fallback="none").fit()
    est, ar, _ = rows(res, "S0")
    assert est["model"] == "market" and "not estimable" in est["note"] and "--fallback none" in est["note"]
    assert ar["abnormal_return"].isna().all()


def test_estimation_window_shorter_than_the_minimum_is_a_user_error() -> None:
    from eventstudy.errors import UserError

    rets, m, _ = make_data()
    events = pd.DataFrame({"symbol": ["S0"], "date": [rets["S0"].index[250]]})
    with pytest.raises(UserError, match=r"has 20 trading days, fewer than the minimum of 30"):
        study(rets, events, m, estimation=Estimation(Window(-30, -11), min_days=30)).fit()


@pytest.mark.parametrize("model", ["constant-mean", "market-adjusted", "market", "two-index", "dimson",
                                   "scholes-williams"])
def test_valid_days_are_the_fits_days(model: str) -> None:
    """The engine decides which events need the fallback from models.valid_days, before fitting:
    it must count exactly the days each model's fit uses, with returns, market, its lag and lead and
    the sector index missing or infinite here and there."""
    from eventstudy.stats import models

    rng = np.random.default_rng(7)
    n, k = 40, 120

    def noisy() -> np.ndarray:
        x = rng.normal(0, 0.01, (n, k))
        x[rng.random((n, k)) < 0.08] = np.nan
        x[rng.random((n, k)) < 0.01] = np.inf
        return x

    inp = models.Inputs(y=noisy(), m=noisy(), m_lag=noisy(), m_lead=noisy(), s=noisy())
    est = rng.random((n, k)) < 0.8
    np.testing.assert_array_equal(models.valid_days(model, inp, est), models.fit(model, inp, est).n_obs)
    with pytest.raises(ValueError, match="unknown model"):
        models.valid_days("capm-ish", inp, est)


def test_an_event_between_two_overlaps_has_both_notes_in_order() -> None:
    """The overlap notes are made into text when read: the earlier neighbour's note first, then the
    later one's, the words of the tables; equal to the list of those texts, and they survive pickling
    (a distributed engine ships them) and a fallback note added after them."""
    import pickle

    from eventstudy.stats.placed import OverlapNotes

    rets, m, _ = make_data()
    idx = rets["S0"].index
    events = pd.DataFrame({"symbol": ["S0", "S0", "S0"], "date": [idx[250], idx[255], idx[262]],
                           "event_id": ["a", "b", "c"]})
    res = study(rets, events, m).fit()
    notes = res.estimates.set_index("event_id")["note"]
    assert notes["b"] == ("event window overlaps event a (5 trading days earlier); "
                          "event window overlaps event c (7 trading days later)")
    assert notes["a"] == "event window overlaps event b (5 trading days later)"
    middle = res.output.notes[1]
    assert isinstance(middle, OverlapNotes) and len(middle) == 2
    assert middle == [notes["b"].split("; ")[0], notes["b"].split("; ")[1]] and middle[-1].endswith("later)")
    assert pickle.loads(pickle.dumps(middle)) == list(middle)
    assert [*middle, "fallback"][-1] == "fallback" and middle != "not a list"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(["S0", "S1", "S2"]), st.integers(240, 300)), min_size=1, max_size=25),
       st.sampled_from(["none", "all", "some"]), st.integers(0, 2**31))
def test_overlap_notes_and_table_match_a_pairwise_reading(events_at: list[tuple[str, int]], ids: str,
                                                           seed: int) -> None:
    """The overlaps, made from arrays, are what reading the events pair by pair gives: each event's
    notes name the nearest event of its security before and after it (day 0s fewer trading days
    apart than the event window is long; ties in the events' order), and the table lists each such
    pair once, by security in order of first appearance, then day 0. Repeated (security, date)
    pairs, given ids, generated ones and a mix of both."""
    rets, m, _ = make_data()
    rng = np.random.default_rng(seed)
    idx = m.index
    frame = pd.DataFrame({"symbol": [s for s, _ in events_at], "date": [idx[d] for _, d in events_at]})
    if ids != "none":
        frame["event_id"] = [f"e{k}" if ids == "all" or rng.random() < 0.5 else "" for k in range(len(frame))]
    series, _, window, _, overlaps_of, _ = study(rets, frame, m)._prepare()
    overlaps = overlaps_of()  # made when asked
    day0 = [s.day0 for s in series]
    reach = window.end - window.start
    expected_rows, expected_notes = [], [[] for _ in series]
    for symbol in dict.fromkeys(s.symbol for s in series):
        mine = sorted((k for k, s in enumerate(series) if s.symbol == symbol), key=lambda k: (day0[k], k))
        for a, b in itertools.pairwise(mine):
            gap = day0[b] - day0[a]
            if gap <= reach:
                expected_rows.append((symbol, series[a].event_id, series[b].event_id, gap))
                expected_notes[a].append(f"event window overlaps event {series[b].event_id} ({gap} trading days later)")
                expected_notes[b].insert(0, f"event window overlaps event {series[a].event_id} "
                                            f"({gap} trading days earlier)")
    got = list(overlaps[["symbol", "event_id", "other_event_id", "days_apart"]].itertuples(index=False, name=None))
    assert got == expected_rows
    assert [list(s.notes) for s in series] == expected_notes
    assert series.note_texts(slice(None)).to_pylist() == ["; ".join(n) for n in expected_notes]
    assert len(set(s.event_id for s in series)) == len(series)
