"""Calendar-time portfolios against a direct construction and statsmodels' Newey-West regression."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from clirun import run_cli

import eventstudy as es
from eventstudy.stats.calendar_time import CalendarTime, default_lags
from eventstudy.stats.windows import Window


def world(seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    days = pd.bdate_range("2020-01-01", periods=700)
    f = pd.DataFrame(rng.normal(0, 0.01, (700, 3)), index=days, columns=["Mkt-RF", "SMB", "HML"])
    f["RF"] = 0.0001
    rets = {}
    for k in range(15):
        r = 0.0001 + f["RF"] + f[["Mkt-RF", "SMB", "HML"]].to_numpy() @ rng.normal([1, 0.2, 0.1], 0.2) \
            + rng.normal(0, 0.02, 700)
        r[rng.random(700) < 0.03] = np.nan  # days a security did not trade
        rets[f"S{k}"] = r
    ev = pd.DataFrame({"symbol": [f"S{k % 15}" for k in range(40)],
                       "date": days[rng.integers(0, 600, 40)].strftime("%Y-%m-%d"),
                       "mcap": rng.lognormal(8, 1, 40)})
    return pd.DataFrame(rets, index=days), ev, f.drop(index=days[[5, 300]])


def direct(rets: pd.DataFrame, ev: pd.DataFrame, f: pd.DataFrame, holding: Window) -> pd.DataFrame:
    """Event by event in pandas: each security's own trading days, day 0 the last on or before the date."""
    members: dict[pd.Timestamp, dict[str, float]] = {}
    for _, e in ev.sort_values("date", kind="stable").iterrows():
        own = rets[e["symbol"]]
        own = own[own.notna() | (own.index == own.index[0])]
        p = own.index.searchsorted(pd.Timestamp(e["date"]), side="right") - 1
        for d in own.index[max(p + holding.start, 0) : p + holding.end + 1]:
            members.setdefault(d, {})[e["symbol"]] = e["mcap"]
    rows = []
    for d, held in sorted(members.items()):
        r = rets.loc[d, list(held)].dropna()
        if len(r):
            w = pd.Series(held)[r.index]
            rows.append({"date": d, "n": len(r), "ew": r.mean(), "vw": (w * r).sum() / w.sum()})
    frame = pd.DataFrame(rows).set_index("date")
    return frame.join(f, how="inner")


def test_alpha_and_newey_west_t_equal_statsmodels_on_the_direct_portfolio() -> None:
    rets, ev, f = world()
    holding = Window(1, 60)
    res = CalendarTime(rets, ev, f, model="ff3", holding=holding, weights="mcap").fit()
    ref = direct(rets, ev, f, holding)
    port = res.portfolio.set_index("date")
    assert np.array_equal(port.loc[ref.index, "securities"].to_numpy(), ref["n"].to_numpy())
    assert port.loc[ref.index, "ew_return"].to_numpy() == pytest.approx(ref["ew"].to_numpy(), abs=1e-15)
    assert port.loc[ref.index, "vw_return"].to_numpy() == pytest.approx(ref["vw"].to_numpy(), abs=1e-15)
    lags = default_lags(len(ref))
    for weighting, col in (("equal-weighted", "ew"), ("value-weighted", "vw")):
        x = sm.add_constant(ref[["Mkt-RF", "SMB", "HML"]])
        ols = sm.OLS(ref[col] - ref["RF"], x).fit(cov_type="HAC", cov_kwds={"maxlags": lags})
        row = res.regressions.set_index("weighting").loc[weighting]
        assert row["alpha"] == pytest.approx(ols.params["const"], abs=1e-12)
        assert row["t_stat"] == pytest.approx(ols.tvalues["const"], abs=1e-10)
        assert row["beta"] == pytest.approx(ols.params["Mkt-RF"], abs=1e-12)
        assert row["days"] == len(ref) and row["lags"] == lags
    assert any("factors missing on" in n for n in res.notes)
    assert es.CalendarTime is CalendarTime


def test_calendar_time_from_the_command_line(tmp_path: Path, capsys) -> None:
    rets, ev, f = world(1)
    r = tmp_path / "r.csv"
    rets.rename_axis("date").to_csv(r)
    e = tmp_path / "ev.csv"
    ev.to_csv(e, index=False)
    fac = tmp_path / "F-F_Research_Data_Factors_daily.CSV"
    lines = ["This file was created by using the 202604 CRSP database.", "", ",Mkt-RF,SMB,HML,RF"]
    lines += [f"{d:%Y%m%d},{row['Mkt-RF'] * 100:.2f},{row['SMB'] * 100:.2f},{row['HML'] * 100:.2f},"
              f"{row['RF'] * 100:.2f}" for d, row in f.iterrows()]
    fac.write_text("\r\n".join([*lines, "", "Copyright 2026 Eugene F. Fama and Kenneth R. French", ""]))
    code, out, err = run_cli(["calendar-time", "--returns", str(r), "--events", str(e), "--factors", str(fac),
                              "--holding", "0:120", "--weights", "mcap", "--lags", "5", "--out",
                              str(tmp_path / "o")], capsys)
    assert code == 0, err
    assert "equal-weighted: alpha" in out and "Newey-West t" in out
    alpha = pd.read_csv(tmp_path / "o" / "alpha.csv").set_index("weighting")
    from eventstudy.data.french import combine

    api = CalendarTime(rets, ev, combine([fac]), holding=Window(0, 120), weights="mcap", lags=5).fit()
    assert alpha.loc["value-weighted", "t_stat"] == pytest.approx(
        api.regressions.set_index("weighting").loc["value-weighted", "t_stat"], rel=1e-12)
    assert (tmp_path / "o" / "portfolio.csv").is_file()
    code, _, err = run_cli(["calendar-time", "--returns", str(r), "--events", str(e), "--factors", str(fac),
                            "--weights", "cap", "--out", str(tmp_path / "o2")], capsys)
    assert code == 2 and "no column 'cap'" in err


def _monthly_factors(seed: int, months: pd.PeriodIndex) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    f = pd.DataFrame(rng.normal(0, 0.04, (len(months), 3)), index=months.to_timestamp(how="end").normalize(),
                     columns=["Mkt-RF", "SMB", "HML"])
    f["RF"] = 0.003
    f.index.name = "date"
    f.attrs["frequency"] = "monthly"
    return f


def test_monthly_factors_compound_the_daily_portfolio() -> None:
    """Daily returns, monthly factors: each month's portfolio return is the daily portfolio compounded
    over the month's days with holdings, regressed on the month's factors (statsmodels, Newey-West)."""
    rets, ev, daily = world(2)
    holding = Window(0, 40)
    months = pd.period_range("2019-12", "2022-12", freq="M")
    f = _monthly_factors(4, months).drop(index=pd.Timestamp("2021-03-31"))  # a month the file lacks
    res = CalendarTime(rets, ev, f, model="ff3", holding=holding, weights="mcap").fit()
    # Directly: the daily portfolio (pandas, event by event), compounded per calendar month.
    ref = direct(rets, ev, daily.reindex(rets.index), holding)
    month = ref.index.to_period("M")
    comp = pd.DataFrame({"ew": (1 + ref["ew"]).groupby(month).prod() - 1,
                         "vw": (1 + ref["vw"]).groupby(month).prod() - 1,
                         "days": ref["n"].groupby(month).size()})
    comp.index = comp.index.to_timestamp(how="end").normalize()
    comp = comp.join(f, how="inner")
    port = res.portfolio.set_index("date")
    assert port.loc[comp.index, "ew_return"].to_numpy() == pytest.approx(comp["ew"].to_numpy(), abs=1e-14)
    assert port.loc[comp.index, "days"].to_numpy().tolist() == comp["days"].tolist()
    assert pd.Timestamp("2021-03-31") in port.index and pd.Timestamp("2021-03-31") not in comp.index
    lags = default_lags(len(comp))
    for weighting, col in (("equal-weighted", "ew"), ("value-weighted", "vw")):
        ols = sm.OLS(comp[col] - comp["RF"], sm.add_constant(comp[["Mkt-RF", "SMB", "HML"]])).fit(
            cov_type="HAC", cov_kwds={"maxlags": lags})
        row = res.regressions.set_index("weighting").loc[weighting]
        assert row["period"] == "month" and row["days"] == len(comp)
        assert row["alpha"] == pytest.approx(ols.params["const"], abs=1e-12)
        assert row["t_stat"] == pytest.approx(ols.tvalues["const"], abs=1e-9)
        assert row["beta_hml"] == pytest.approx(ols.params["HML"], abs=1e-12)
    assert any("compounded" in n for n in res.notes) and any("factors missing on 1" in n for n in res.notes)
    assert "per month" in res.summary()


def test_monthly_returns_with_monthly_factors() -> None:
    """Monthly returns (dated mid-month) and monthly factors (dated month-end) meet by calendar month;
    the holding window counts months."""
    rng = np.random.default_rng(8)
    months = pd.period_range("2015-01", "2022-12", freq="M")
    f = _monthly_factors(9, months)
    dates = months.to_timestamp() + pd.Timedelta(days=14)
    rets = pd.DataFrame({f"S{k}": 0.002 + f["RF"].to_numpy() + f["Mkt-RF"].to_numpy() * rng.normal(1, 0.2)
                         + rng.normal(0, 0.05, len(months)) for k in range(6)}, index=dates)
    ev = pd.DataFrame({"symbol": [f"S{k % 6}" for k in range(12)],
                       "date": dates[rng.integers(0, len(months) - 20, 12)].strftime("%Y-%m-%d")})
    res = CalendarTime(rets, ev, f, model="capm", holding=Window(1, 12)).fit()
    held = np.zeros(rets.shape, dtype=bool)
    for _, e in ev.iterrows():
        p = rets.index.get_loc(pd.Timestamp(e["date"]))
        held[p + 1 : p + 13, int(e["symbol"][1:])] = True
    keep = held.any(axis=1)
    ew = pd.Series(np.where(held, rets.to_numpy(), 0.0).sum(axis=1) / np.maximum(held.sum(axis=1), 1),
                   index=rets.index)
    y = ew[keep].to_numpy() - f["RF"].to_numpy()[keep]
    x = sm.add_constant(f["Mkt-RF"].to_numpy()[keep])
    ols = sm.OLS(y, x).fit(cov_type="HAC", cov_kwds={"maxlags": default_lags(int(keep.sum()))})
    row = res.regressions.iloc[0]
    assert row["period"] == "month" and row["days"] == keep.sum()
    assert row["alpha"] == pytest.approx(ols.params[0], abs=1e-12)
    assert row["t_stat"] == pytest.approx(ols.tvalues[0], abs=1e-9)


@pytest.mark.shared
def test_calendar_time_with_the_librarys_monthly_file(tmp_path: Path, capsys) -> None:
    """`calendar-time --factors F-F_Research_Data_Factors.CSV` (YYYYMM rows, the annual section after
    them): daily returns compounded per month, regressed on the published monthly factors."""
    from conftest import _shared_path

    from eventstudy.data.french import combine

    path = _shared_path("data", "factors") / "F-F_Research_Data_Factors.CSV"
    rets, ev, _ = world(5)
    r = tmp_path / "r.csv"
    rets.rename_axis("date").to_csv(r)
    e = tmp_path / "ev.csv"
    ev.to_csv(e, index=False)
    code, out, err = run_cli(["calendar-time", "--returns", str(r), "--events", str(e), "--factors", str(path),
                              "--holding", "0:60", "--out", str(tmp_path / "o")], capsys)
    assert code == 0, err
    assert "per month" in out
    alpha = pd.read_csv(tmp_path / "o" / "alpha.csv").iloc[0]
    port = pd.read_csv(tmp_path / "o" / "portfolio.csv", parse_dates=["date"]).set_index("date")
    f = combine([path])
    ref = direct(rets, ev, f.iloc[:0].reindex(rets.index), Window(0, 60))
    month = ref.index.to_period("M")
    ew = (1 + ref["ew"]).groupby(month).prod() - 1
    ew.index = ew.index.to_timestamp(how="end").normalize()
    data = pd.concat([ew.rename("ew"), f], axis=1, join="inner").dropna()
    ols = sm.OLS(data["ew"] - data["RF"], sm.add_constant(data[["Mkt-RF", "SMB", "HML"]])).fit(
        cov_type="HAC", cov_kwds={"maxlags": default_lags(len(data))})
    assert alpha["period"] == "month" and alpha["days"] == len(data) == len(port)
    assert alpha["alpha"] == pytest.approx(ols.params["const"], abs=1e-12)
    assert alpha["t_stat"] == pytest.approx(ols.tvalues["const"], abs=1e-9)
    assert port["RF"].to_numpy() == pytest.approx(data["RF"].to_numpy(), abs=1e-15)
