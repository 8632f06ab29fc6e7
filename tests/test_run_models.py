"""`run --model ff3 | carhart | ff5 | garch` (and the API's Settings(model=..., factors=frame)): the
same models as `study`, checked against statsmodels on the run's own returns; calendar gaps counted per
event; bad or useless factor files refused in one line with exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import synthetic
from clirun import run_cli
from conftest import _shared_path
from report_world import EV1, EV2, real_run, synthetic_run

from eventstudy.data.french import combine
from eventstudy.news import pipeline
from eventstudy.stats.windows import Estimation, Window

US_DAILY = "F-F_Research_Data_Factors_daily.CSV"


def _french_file(path: Path, frame: pd.DataFrame) -> Path:
    """``frame`` (fractions) written as the data library publishes it: notes, header, percent, footer."""
    lines = ["This file was created by using the 202604 CRSP database.", "", ",Mkt-RF,SMB,HML,RF"]
    lines += [f"{d:%Y%m%d},{r['Mkt-RF'] * 100:.4f},{r['SMB'] * 100:.4f},{r['HML'] * 100:.4f},{r['RF'] * 100:.4f}"
              for d, r in frame.iterrows()]
    path.write_text("\r\n".join([*lines, "", "Copyright 2026 Eugene F. Fama and Kenneth R. French", ""]))
    return path


def _synthetic_factors(drop: tuple[str, ...] = ()) -> pd.DataFrame:
    days = synthetic.sessions()
    rng = np.random.default_rng(11)
    f = pd.DataFrame(np.round(rng.normal(0, 0.01, (len(days), 3)), 6), index=days, columns=["Mkt-RF", "SMB", "HML"])
    f["RF"] = 0.0001
    return f.drop(index=pd.DatetimeIndex(drop))


ESTIMATION = Window(-250, -11)


def _ols_day0(returns: pd.Series, factors: pd.DataFrame, day0: pd.Timestamp, names: list[str],
              est: Window = ESTIMATION) -> tuple[float, float, int]:
    """statsmodels on the estimation sessions that have a return and every factor."""
    i0 = returns.index.get_loc(day0)
    days = returns.index[max(i0 + est.start, 0) : i0 + est.end + 1]
    y = returns.reindex(days)
    f = factors.reindex(days)
    ok = y.notna() & f[[*names, "RF"]].notna().all(axis=1)
    res = sm.OLS(y[ok] - f.loc[ok, "RF"], sm.add_constant(f.loc[ok, names])).fit()
    x0 = np.r_[1.0, factors.loc[day0, names].to_numpy(float)]
    ar = float(returns.loc[day0] - factors.loc[day0, "RF"] - x0 @ res.params.to_numpy())
    se = float(np.sqrt(res.scale * (1 + x0 @ res.normalized_cov_params.to_numpy() @ x0)))
    return ar, ar / se, int(ok.sum())


def test_run_with_ff3_matches_statsmodels_and_counts_gaps(tmp_path: Path) -> None:
    """The API route: Settings(model="ff3", factors=frame); three estimation sessions missing from the
    factors leave the fit and are counted in the event's note."""
    gaps = ("2024-02-01", "2024-02-02", "2024-02-05")
    factors = combine([_french_file(tmp_path / "f.CSV", _synthetic_factors(gaps))])
    st = pipeline.Settings(model="ff3", factors=factors, bootstrap=200)
    run, _ = synthetic_run(tmp_path, EV1 + EV2, settings=st)
    sample = run.analyses[0].sample("AAA")
    assert sample is not None and sample.result is not None
    est = sample.result.estimates.iloc[0]
    assert est["model"] == "ff3"
    assert "ff3: factors missing for 3 estimation-window session(s); left out, not filled" in est["note"]
    assert run.data is not None
    returns = run.data.returns(run.analyses[0].samples[0].securities[0])
    ar, t, n = _ols_day0(returns, factors, pd.Timestamp("2024-06-03"), ["Mkt-RF", "SMB", "HML"])
    day0 = sample.result.ar[sample.result.ar["day"] == 0].iloc[0]
    assert day0["abnormal_return"] == pytest.approx(ar, abs=1e-12)
    assert day0["t_stat"] == pytest.approx(t, abs=1e-9)
    assert est["estimation_days"] == n == 237
    res = run.results_frame()
    assert set(res.loc[res["symbol"] == "AAA", "model"]) == {"ff3"}
    assert res.loc[res["symbol"] == "AAA", "note"].str.contains("factors missing for 3").all()


def test_run_with_garch_is_the_study_model(tmp_path: Path) -> None:
    run, _ = synthetic_run(tmp_path, EV2, settings=pipeline.Settings(model="garch", bootstrap=0, volume=False))
    sample = run.analyses[0].sample("BBB")
    assert sample is not None and sample.result is not None
    est = sample.result.estimates.iloc[0]
    assert est["model"] == "garch" and np.isfinite(est["garch_alpha"]) and np.isfinite(est["omega"])
    # The same fit the study API gives on the run's returns and benchmark.
    from eventstudy.stats.study import EventStudy

    assert run.data is not None
    sec = sample.securities[0]
    y, m = run.data.returns(sec), run.data.returns(sample.benchmarks["BBB"])
    direct = EventStudy({"BBB": y}, pd.DataFrame({"symbol": ["BBB"], "date": [sample.day0["BBB"]]}),
                        market={"BBB": m}, model="garch", estimation=Estimation(Window(-250, -11), 30),
                        event_day="next", bootstrap=0, returns_on_sessions=True).fit()
    pd.testing.assert_frame_equal(direct.ar.drop(columns=["event_id"]),
                                  sample.result.ar.drop(columns=["event_id"]), rtol=1e-12)


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    synthetic.make_store(tmp_path / "home", {"AAA": {"2024-06-03": 0.10}})
    monkeypatch.setenv("EVENTSTUDY_HOME", str(tmp_path / "home"))
    synthetic.registry(tmp_path)
    (tmp_path / "events.csv").write_text(synthetic.EVENTS_HEADER + EV2, encoding="utf-8")
    return tmp_path


def _run_args(d: Path, *options: str) -> list[str]:
    return ["--securities", str(d / "securities.csv"), "run", "--offline", "--events", str(d / "events.csv"),
            "--out", str(d / "reports"), *options]


def test_run_command_with_factors(world: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fac = _french_file(world / "F-F_Research_Data_Factors_daily.CSV", _synthetic_factors())
    code, _, err = run_cli(_run_args(world, "--model", "ff3", "--factors", str(fac)), capsys)
    assert code == 0, err
    res = pd.read_csv(world / "reports" / "results.csv")
    assert set(res["model"].dropna()) == {"ff3"}
    doc = json.loads((world / "reports" / "claims.json").read_text())
    assert doc["settings"]["model"] == "ff3" and doc["settings"]["factors"] == [fac.name]
    import jsonschema

    from eventstudy.report import claims_json

    jsonschema.validate(doc, claims_json.schema())
    page = (world / "reports" / "index.html").read_text(encoding="utf-8")
    assert "Fama-French three-factor model" in page and fac.name in page


@pytest.mark.parametrize(("kind", "expect"), [
    ("missing", "--model ff3 needs --factors FILE"),
    ("no such file", "no such file"),
    ("not a factor file", "no factor header line"),
    ("monthly", "monthly factors, and run studies daily returns"),
    ("before the events", "and no event falls inside it (events from 2024-05-01 to 2024-05-01)"),
    ("no momentum", "carhart needs momentum"),
    ("fractions", "values look like fractions, not percent"),
    ("factors for another model", "--factors is for the factor models, not --model market"),
])
def test_bad_factor_files_for_run(world: Path, capsys: pytest.CaptureFixture[str], kind: str, expect: str) -> None:
    f = _synthetic_factors()
    path = world / "factors.CSV"
    model = "ff3"
    if kind == "missing":
        args: list[str] = []
    elif kind == "no such file":
        args = ["--factors", str(world / "nope.CSV")]
    elif kind == "not a factor file":
        path.write_text("date,close\n2024-01-02,1.0\n")
        args = ["--factors", str(path)]
    elif kind == "monthly":
        monthly = ["", ",Mkt-RF,SMB,HML,RF"] + [f"2023{m:02d},{3.1 * (-1) ** m:.2f},0.50,-0.40,0.40"
                                                for m in range(1, 13)]
        path.write_text("\n".join([*monthly, ""]))
        args = ["--factors", str(path)]
    elif kind == "before the events":
        args = ["--factors", str(_french_file(path, f.loc[:"2023-06-30"]))]
    elif kind == "no momentum":
        model, args = "carhart", ["--factors", str(_french_file(path, f))]
    elif kind == "fractions":
        _french_file(path, f / 100)
        args = ["--factors", str(path)]
    else:
        model, args = "market", ["--factors", str(_french_file(path, f))]
    code, _, err = run_cli(_run_args(world, "--model", model, *args), capsys)
    assert code == 2, err
    assert expect in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (world / "reports").exists()


@pytest.mark.shared
def test_run_on_the_real_events_with_us_factors(real_dir: Path, tmp_path: Path) -> None:
    """The real run with --model ff3 and the library's US daily file (the only daily file in
    ../shared reaching 2025-26; the Asia Pacific ex Japan files end in June 2022, refused above): the
    mainland securities' sessions that US markets did not trade are counted per event."""
    factors = combine([_shared_path("data", "factors") / US_DAILY])
    run, _, _ = real_run(real_dir, tmp_path, settings=pipeline.Settings(model="ff3", factors=factors))
    a = next(x for x in run.analyses if x.event.id == "glm-image")
    group = a.sample("china-ai-chips")
    assert group is not None and group.result is not None
    est = group.result.estimates.set_index("symbol")
    assert run.data is not None
    for sec in group.securities:
        if sec.symbol not in group.day0 or est.loc[sec.symbol, "model"] != "ff3":
            continue
        ar, t, n = _ols_day0(run.data.returns(sec), factors, group.day0[sec.symbol], ["Mkt-RF", "SMB", "HML"])
        row = group.result.ar[(group.result.ar["symbol"] == sec.symbol) & (group.result.ar["day"] == 0)].iloc[0]
        assert row["abnormal_return"] == pytest.approx(ar, abs=1e-10)
        assert row["t_stat"] == pytest.approx(t, abs=1e-8)
        assert est.loc[sec.symbol, "estimation_days"] == n
        # 2026-01-19 (Martin Luther King Day) is a Shanghai session without US factors: counted, not filled.
        assert "event-window session(s) (2026-01-19: no ff3 abnormal return)" in est.loc[sec.symbol, "note"]
    assert (est["model"] == "ff3").sum() >= 3


@pytest.mark.shared
def test_run_command_on_the_real_data(real_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    """`eventstudy run --model ff3 --factors FILE` on the real store: the US daily file works; the Asia
    Pacific ex Japan daily file, which ends in June 2022, is refused in one line."""
    from report_world import REPO, import_real

    import_real(real_dir, tmp_path / "store")
    monkeypatch.setenv("EVENTSTUDY_HOME", str(tmp_path / "store"))
    factors = _shared_path("data", "factors")
    base = ["run", "--offline", "--events", str(REPO / "events.csv"), "--event", "glm-image", "--model", "ff3"]
    code, _, err = run_cli([*base, "--factors", str(factors / "Asia_Pacific_ex_Japan_3_Factors_Daily.csv"),
                            "--out", str(tmp_path / "asia")], capsys)
    assert code == 2 and "covers 1990-07-02 to 2022-06-30, and no event falls inside it" in err
    assert len(err.strip().splitlines()) == 1
    code, _, err = run_cli([*base, "--factors", str(factors / US_DAILY), "--out", str(tmp_path / "us")], capsys)
    assert code == 0, err
    res = pd.read_csv(tmp_path / "us" / "results.csv")
    mainland = res[res["symbol"].isin(["688256.SS", "688981.SS", "688041.SS"]) & (res["window"] == "[0,0]")]
    assert set(mainland["model"]) == {"ff3"}
    assert mainland["note"].str.contains("ff3: factors missing for").all()
    volume = pd.read_csv(tmp_path / "us" / "volume.csv")
    assert "2513.HK" in set(volume["symbol"])
