"""Factor models (ff3, carhart, ff5): Kenneth French's files read as published, the fit against
statsmodels' OLS on the same estimation window, calendar gaps counted, bad files refused in one line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from clirun import run_cli
from conftest import _shared_path

from eventstudy.data import french
from eventstudy.errors import UserError
from eventstudy.stats.study import EventStudy
from eventstudy.stats.windows import Estimation, Window

FILES = {
    "ff3": ["F-F_Research_Data_Factors_daily.CSV"],
    "carhart": ["F-F_Research_Data_Factors_daily.CSV", "F-F_Momentum_Factor_daily.CSV"],
    "ff5": ["F-F_Research_Data_5_Factors_2x3_daily.CSV"],
}
SLOPES = {"Mkt-RF": "beta", "SMB": "beta_smb", "HML": "beta_hml", "RMW": "beta_rmw", "CMA": "beta_cma",
          "Mom": "beta_mom"}
MODEL_FACTORS = {"ff3": ["Mkt-RF", "SMB", "HML"], "carhart": ["Mkt-RF", "SMB", "HML", "Mom"],
                 "ff5": ["Mkt-RF", "SMB", "HML", "RMW", "CMA"]}


@pytest.fixture
def factors_dir() -> Path:
    return _shared_path("data", "factors")


def french_file(path: Path, rows: list[str], header: str = ",Mkt-RF,SMB,HML,RF", annual: bool = False) -> Path:
    notes = ["This file was created by using the 202604 CRSP database.",
             "The Tbill return is the simple daily rate, 1-month TBill rate data until 202405 are from Ibbotson.", ""]
    annual_rows = ["", " Annual Factors: January-December ", header, "  2023,  21.75,  -3.54, -13.98,   4.95"]
    footer = ["", "Copyright 2026 Eugene F. Fama and Kenneth R. French", ""]
    path.write_bytes("\r\n".join([*notes, header, *rows, *(annual_rows if annual else []), *footer]).encode())
    return path


def synthetic_rows(n: int = 60, start: str = "2024-01-02", scale: float = 1.0) -> list[str]:
    rng = np.random.default_rng(1)
    days = pd.bdate_range(start, periods=n)
    return [f"{d:%Y%m%d},{rng.normal(0, 1) * scale:8.2f},{rng.normal(0, .5) * scale:8.2f},"
            f"{rng.normal(0, .5) * scale:8.2f},{0.02 * scale:8.2f}" for d in days]


# -- the reader -------------------------------------------------------------------------------------
@pytest.mark.shared
@pytest.mark.parametrize(("name", "freq", "first", "last", "rows"), [
    ("F-F_Research_Data_Factors_daily.CSV", "daily", "1926-07-01", "2026-04-30", 26233),
    ("F-F_Research_Data_5_Factors_2x3_daily.CSV", "daily", "1963-07-01", "2026-01-30", 15751),
    ("F-F_Momentum_Factor_daily.CSV", "daily", "1926-11-03", "2026-04-30", 26132),
    ("Asia_Pacific_ex_Japan_3_Factors_Daily.csv", "daily", "1990-07-02", "2022-06-30", 8349),
    ("Asia_Pacific_ex_Japan_5_Factors_Daily.csv", "daily", "1990-07-02", "2022-06-30", 8349),
    ("Developed_3_Factors_Daily.csv", "daily", "1990-07-02", "2022-07-29", 8370),
    ("Emerging_5_Factors.csv", "monthly", "1989-07-31", "2026-03-31", 441),
    ("F-F_Research_Data_Factors.CSV", "monthly", "1926-07-31", "2025-10-31", 1192),
])
def test_every_published_layout_reads(factors_dir: Path, name: str, freq: str, first: str, last: str,
                                      rows: int) -> None:
    """Rows as PROVENANCE.md counts them: the annual section of monthly files and the footer are skipped."""
    got = french.read_french(factors_dir / name)
    assert got.frequency == freq and len(got.frame) == rows
    assert got.frame.index[0] == pd.Timestamp(first) and got.frame.index[-1] == pd.Timestamp(last)
    assert "RF" in got.frame.columns or name.startswith("F-F_Momentum")


@pytest.mark.shared
def test_values_become_fractions_and_missing_stays_missing(factors_dir: Path) -> None:
    us = french.read_french(factors_dir / "F-F_Research_Data_Factors_daily.CSV").frame
    assert us.loc["2026-04-30", "Mkt-RF"] == pytest.approx(0.0113, abs=1e-15)
    assert list(us.columns) == ["Mkt-RF", "SMB", "HML", "RF"]
    apxj = french.read_french(factors_dir / "Asia_Pacific_ex_Japan_3_Factors_Daily.csv").frame
    assert apxj.loc["1990-07-02", "Mkt-RF"] == pytest.approx(0.004, abs=1e-15)
    em = french.read_french(factors_dir / "Emerging_5_Factors.csv").frame
    assert np.isnan(em.loc["1989-07-31", "RMW"])  # -99.99 in the file: missing, never a -99.99% return
    mom = french.read_french(factors_dir / "F-F_Momentum_Factor_daily.CSV").frame
    assert list(mom.columns) == ["Mom"]


def test_a_monthly_file_with_its_annual_section(tmp_path: Path) -> None:
    rows = [f"{y}{m:02d},   1.{m:02d},  -0.50,   0.30,   0.40" for y in (2022, 2023) for m in range(1, 13)]
    got = french.read_french(french_file(tmp_path / "m.csv", rows, annual=True))
    assert got.frequency == "monthly" and len(got.frame) == 24
    assert got.frame.index[-1] == pd.Timestamp("2023-12-31")


# -- bad files: one line, exit 2 --------------------------------------------------------------------
def _bad_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    good = synthetic_rows()
    prices = tmp_path / "prices.csv"
    prices.write_text("date,NVDA\n2024-01-02,1.0\n2024-01-03,1.1\n")
    fractions = french_file(tmp_path / "fractions.csv", [
        ",".join([r.split(",")[0]] + [f"{float(v) / 100:.6f}" for v in r.split(",")[1:]]) for r in good])
    no_rf = french_file(tmp_path / "norf.csv", [r.rsplit(",", 1)[0] for r in good], header=",Mkt-RF,SMB,HML")
    bad_date = french_file(tmp_path / "baddate.csv", [*good[:5], "2024-01-10,   0.10,   0.20,   0.30,   0.01",
                                                      *good[5:]])
    bad_day = french_file(tmp_path / "badday.csv", [*good[:3], "20240231,   0.10,   0.20,   0.30,   0.01"])
    return {
        "layout": (prices, "prices.csv:1: layout: no factor header line such as ',Mkt-RF,SMB,HML,RF' (expected"),
        "fractions": (fractions, "fractions.csv:4: Mkt-RF: values look like fractions, not percent"),
        "no RF": (no_rf, "norf.csv:4: RF: no RF column in the --factors file (excess returns need the risk-free"),
        "date": (bad_date, "baddate.csv:10: date: cannot read '2024-01-10' as a YYYYMMDD date"),
        "day": (bad_day, "badday.csv:8: date: cannot read '20240231' as a YYYYMMDD date"),
    }


@pytest.mark.parametrize("kind", ["layout", "fractions", "no RF", "date", "day"])
def test_bad_factor_files_get_one_line_and_exit_2(tmp_path: Path, capsys, kind: str) -> None:
    path, expected = _bad_files(tmp_path)[kind]
    prices = tmp_path / "p.csv"
    days = pd.bdate_range("2024-01-02", periods=60)
    pd.DataFrame({"date": days.strftime("%Y-%m-%d"), "X": np.linspace(10, 12, 60)}).to_csv(prices, index=False)
    events = tmp_path / "ev.csv"
    events.write_text("symbol,date\nX,2024-03-20\n")
    code, _, err = run_cli(["study", "--prices", str(prices), "--events", str(events), "--model", "ff3",
                              "--factors", str(path), "--out", str(tmp_path / "out")], capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    assert expected in lines[0]
    assert lines[0].rstrip().endswith(")")  # the fix, in brackets
    assert not (tmp_path / "out").exists()


def test_factor_model_options_are_checked(tmp_path: Path, capsys) -> None:
    prices = tmp_path / "p.csv"
    prices.write_text("date,X\n2024-01-02,1\n2024-01-03,2\n")
    events = tmp_path / "ev.csv"
    events.write_text("symbol,date\nX,2024-01-03\n")
    base = ["study", "--prices", str(prices), "--events", str(events), "--out", str(tmp_path / "o")]
    code, _, err = run_cli([*base, "--model", "ff3"], capsys)
    assert code == 2 and "--model ff3 needs --factors FILE" in err
    f = french_file(tmp_path / "f.csv", synthetic_rows())
    code, _, err = run_cli([*base, "--model", "carhart", "--factors", str(f)], capsys)
    assert code == 2 and "Mom: no Mom column" in err and "F-F_Momentum_Factor_daily.CSV" in err
    code, _, err = run_cli([*base, "--model", "market", "--factors", str(f)], capsys)
    assert code == 2 and "--factors is for the factor models" in err


def test_api_refuses_missing_or_monthly_factors() -> None:
    days = pd.bdate_range("2024-01-02", periods=80)
    rets = pd.DataFrame({"X": np.zeros(80)}, index=days)
    ev = pd.DataFrame({"symbol": ["X"], "date": [days[70]]})
    with pytest.raises(UserError, match="needs factor returns"):
        EventStudy(rets, ev, model="ff3").fit()
    monthly = pd.DataFrame(0.01, index=pd.date_range("2020-01-31", periods=40, freq="ME"),
                           columns=["Mkt-RF", "SMB", "HML", "RF"])
    with pytest.raises(UserError, match="monthly factors"):
        EventStudy(rets, ev, model="ff3", factors=monthly).fit()


# -- the fit ----------------------------------------------------------------------------------------
def _ols_reference(y: pd.Series, factors: pd.DataFrame, names: list[str], est: pd.DatetimeIndex,
                   day0: pd.Timestamp) -> tuple[float, float, np.ndarray]:
    """statsmodels' OLS of the excess return on the factors over the estimation days; the day-0 AR and
    its prediction-error t."""
    x = sm.add_constant(factors.loc[est, names])
    res = sm.OLS(y.loc[est] - factors.loc[est, "RF"], x).fit()
    x0 = np.r_[1.0, factors.loc[day0, names].to_numpy()]
    ar = float(y.loc[day0] - factors.loc[day0, "RF"] - x0 @ res.params.to_numpy())
    se = float(np.sqrt(res.scale * (1 + x0 @ res.normalized_cov_params.to_numpy() @ x0)))
    return ar, ar / se, res.params.to_numpy()


@pytest.mark.shared
@pytest.mark.parametrize("model", ["ff3", "carhart", "ff5"])
def test_nvidia_after_its_may_2023_guidance_matches_statsmodels(real_dir: Path, factors_dir: Path, tmp_path: Path,
                                                                capsys, model: str) -> None:
    """The acceptance run: the command line on a wide CSV of NVDA's closes, day 0 = 2023-05-25."""
    raw = pd.read_csv(real_dir / "NVDA.csv")
    wide = tmp_path / "nvda.csv"
    raw[["Date", "Close"]].rename(columns={"Date": "date", "Close": "NVDA"}).to_csv(wide, index=False)
    events = tmp_path / "ev.csv"
    events.write_text("symbol,date\nNVDA,2023-05-25\n")
    out = tmp_path / "out"
    args = ["study", "--prices", str(wide), "--events", str(events), "--model", model, "--out", str(out)]
    for name in FILES[model]:
        args += ["--factors", str(factors_dir / name)]
    code, _, err = run_cli(args, capsys)
    assert code == 0, err
    ar = pd.read_csv(out / "ar.csv")
    est = pd.read_csv(out / "estimates.csv").iloc[0]
    assert est["model"] == model and est["estimation_days"] == 240
    day0 = ar[ar["day"] == 0].iloc[0]
    # The reference, from the files directly: closes -> simple returns, the published factors / 100.
    close = raw.set_index(pd.DatetimeIndex(raw["Date"]))["Close"]
    y = close.pct_change()
    factors = french.combine([factors_dir / n for n in FILES[model]])
    names = MODEL_FACTORS[model]
    dates = y.index
    i0 = dates.get_loc(pd.Timestamp("2023-05-25"))
    est_days = dates[i0 - 250 : i0 - 10]
    ref_ar, ref_t, params = _ols_reference(y, factors, names, est_days, dates[i0])
    assert day0["abnormal_return"] == pytest.approx(ref_ar, abs=1e-10)
    assert day0["t_stat"] == pytest.approx(ref_t, abs=1e-10)
    assert est["alpha"] == pytest.approx(params[0], abs=1e-10)
    for j, name in enumerate(names):
        assert est[SLOPES[name]] == pytest.approx(params[j + 1], abs=1e-10)
    assert ref_ar > 0.2  # the day Nvidia rose 24% on its guidance


def test_sessions_without_factors_are_counted_not_filled() -> None:
    """A factor file that misses sessions (another calendar, an earlier vintage): those days leave the
    fit, a day-0 gap leaves no AR, and the note counts them per event."""
    rng = np.random.default_rng(3)
    days = pd.bdate_range("2023-01-02", periods=300)
    f = pd.DataFrame(rng.normal(0, 0.01, (300, 3)), index=days, columns=["Mkt-RF", "SMB", "HML"])
    y = 0.0003 + 0.0002 + f.to_numpy() @ np.array([1.2, 0.3, -0.4]) + rng.normal(0, 0.01, 300)
    f["RF"] = 0.0002
    rets = pd.DataFrame({"A": y, "B": y + rng.normal(0, 0.001, 300)}, index=days)
    gaps = f.drop(index=[days[100], days[101], days[102], days[281]])  # 3 estimation days, day 0 of B
    ev = pd.DataFrame({"symbol": ["A", "B"], "date": [days[270], days[281]]})
    res = EventStudy(rets, ev, model="ff3", factors=gaps, estimation=Estimation(Window(-250, -11))).fit()
    est = res.estimates.set_index("symbol")
    assert est.loc["A", "estimation_days"] == 240 - 3
    assert "factors missing for 3 estimation-window session(s); left out, not filled" in est.loc["A", "note"]
    assert "1 event-window session(s) (2024-01-30: no ff3 abnormal return)" in est.loc["B", "note"]
    ar = res.ar.set_index(["symbol", "day"])
    assert np.isnan(ar.loc[("B", 0), "abnormal_return"])
    assert np.isfinite(ar.loc[("A", 0), "abnormal_return"])
    # Without the gaps the fit is the full statsmodels one.
    full = EventStudy(rets, ev, model="ff3", factors=f).fit().estimates.set_index("symbol")
    x = sm.add_constant(f.iloc[20:260][["Mkt-RF", "SMB", "HML"]])
    ref = sm.OLS(rets["A"].iloc[20:260] - f["RF"].iloc[20:260], x).fit()
    assert full.loc["A", ["alpha", "beta", "beta_smb", "beta_hml"]].to_numpy(float) == pytest.approx(
        ref.params.to_numpy(), abs=1e-12)


def test_the_chunked_engine_gives_the_same_factor_fit() -> None:
    rng = np.random.default_rng(5)
    days = pd.bdate_range("2022-01-03", periods=400)
    f = pd.DataFrame(rng.normal(0, 0.01, (400, 4)), index=days, columns=["Mkt-RF", "SMB", "HML", "Mom"])
    f["RF"] = 0.0001
    rets = pd.DataFrame({f"S{k}": f.to_numpy()[:, :4] @ rng.normal(1, 0.3, 4) + rng.normal(0, 0.01, 400)
                         for k in range(12)}, index=days)
    ev = pd.DataFrame({"symbol": [f"S{k}" for k in range(12)], "date": days[280 + np.arange(12) * 7]})
    st = EventStudy(rets, ev, model="carhart", factors=f, bootstrap=100)
    whole, chunked = st.fit(), st.fit_chunked(chunk_size=3)
    pd.testing.assert_frame_equal(whole.car, chunked.car, rtol=1e-12)
    assert np.allclose(whole.estimates["beta_mom"], chunked.estimates["beta_mom"], rtol=1e-12)
