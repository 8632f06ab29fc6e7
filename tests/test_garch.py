"""The GARCH(1,1) market model against arch's own fit and forecast; failures fall back by name."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from arch import arch_model
from clirun import run_cli
from threadpoolctl import threadpool_limits

from eventstudy.stats import garch
from eventstudy.stats.study import EventStudy


def closes(path: Path) -> pd.Series:
    raw = pd.read_csv(path)
    return raw.set_index(pd.DatetimeIndex(raw["Date"]))["Close"]


def arch_reference(y: np.ndarray, m: np.ndarray, m_event: float, horizon: int) -> tuple[np.ndarray, float]:
    """arch's fit (percent, as the module fits) and its analytic variance forecast ``horizon`` days
    ahead, back in fractions: (mu, beta, omega, alpha, beta_garch), sigma^2."""
    with threadpool_limits(limits=1, user_api="blas"):
        res = arch_model(100 * y, x=100 * m[:, None], mean="LS", vol="GARCH", p=1, q=1, dist="normal",
                         rescale=False).fit(disp="off")
    p = res.params.to_numpy()
    f = res.forecast(horizon=horizon, x=np.full((1, 1, horizon), 100 * m_event), reindex=False)
    return np.array([p[0] / 100, p[1], p[2] / 1e4, p[3], p[4]]), float(f.variance.iloc[-1, horizon - 1]) / 1e4


@pytest.mark.shared
def test_nvidia_garch_matches_arch(real_dir: Path, tmp_path: Path, capsys) -> None:
    """Day 0 = 2023-05-25 on NVDA against the S&P 500: arch's parameters, and the AR standardised by
    arch's own conditional-variance forecast from the last estimation day (11 sessions ahead)."""
    y = closes(real_dir / "NVDA.csv").pct_change()
    m = closes(real_dir / "more" / "^GSPC.csv").pct_change().reindex(y.index)
    rets = pd.DataFrame({"NVDA": y, "SPX": m})
    ev = pd.DataFrame({"symbol": ["NVDA"], "date": ["2023-05-25"]})
    res = EventStudy(rets, ev, market="SPX", model="garch").fit()
    i0 = y.index.get_loc(pd.Timestamp("2023-05-25"))
    est = slice(i0 - 250, i0 - 10)
    params, var0 = arch_reference(y.iloc[est].to_numpy(), m.iloc[est].to_numpy(), m.iloc[i0], 11)
    e = res.estimates.iloc[0]
    assert e["model"] == "garch" and e["estimation_days"] == 240
    got = e[["alpha", "beta", "omega", "garch_alpha", "garch_beta"]].to_numpy(float)
    assert got == pytest.approx(params, rel=1e-9, abs=1e-15)
    day0 = res.ar[res.ar["day"] == 0].iloc[0]
    ar = y.iloc[i0] - params[0] - params[1] * m.iloc[i0]
    assert day0["abnormal_return"] == pytest.approx(ar, abs=1e-12)
    assert day0["sd"] == pytest.approx(np.sqrt(var0), rel=1e-9)
    assert day0["t_stat"] == pytest.approx(ar / np.sqrt(var0), rel=1e-9)  # the standardised AR
    assert day0["t_stat"] > 5
    # The command line gives the same from wide CSVs of closes.
    wide = tmp_path / "p.csv"
    pd.DataFrame({"date": y.index.strftime("%Y-%m-%d"), "NVDA": closes(real_dir / "NVDA.csv").to_numpy()}).to_csv(
        wide, index=False)
    spx = closes(real_dir / "more" / "^GSPC.csv")
    mk = tmp_path / "m.csv"
    pd.DataFrame({"date": spx.index.strftime("%Y-%m-%d"), "SPX": spx.to_numpy()}).to_csv(mk, index=False)
    events = tmp_path / "ev.csv"
    events.write_text("symbol,date\nNVDA,2023-05-25\n")
    code, _, err = run_cli(["study", "--prices", str(wide), "--market", str(mk), "--events", str(events),
                              "--model", "garch", "--out", str(tmp_path / "o")], capsys)
    assert code == 0, err
    cli_ar = pd.read_csv(tmp_path / "o" / "ar.csv")
    assert cli_ar.loc[cli_ar["day"] == 0, "t_stat"].iloc[0] == pytest.approx(day0["t_stat"], rel=1e-6)


def _market(n_days: int, n_sec: int, seed: int) -> tuple[pd.DataFrame, pd.DatetimeIndex]:
    rng = np.random.default_rng(seed)
    days = pd.bdate_range("2021-01-04", periods=n_days)
    m = rng.normal(0, 0.01, n_days)
    out = {"M": m}
    for k in range(n_sec):
        h = np.empty(n_days)
        e = np.empty(n_days)
        h[0] = 1e-4
        for t in range(n_days):  # a real GARCH(1,1) process
            if t:
                h[t] = 5e-6 + 0.08 * e[t - 1] ** 2 + 0.87 * h[t - 1]
            e[t] = np.sqrt(h[t]) * rng.standard_normal()
        out[f"S{k}"] = 0.0002 + 1.1 * m + e
    return pd.DataFrame(out, index=days), days


def test_parallel_fits_equal_serial_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    rets, days = _market(400, 6, 1)
    ev = pd.DataFrame({"symbol": [f"S{k}" for k in range(6)], "date": days[300 + np.arange(6)]})
    serial = EventStudy(rets, ev, market="M", model="garch", bootstrap=50).fit()
    monkeypatch.setattr(garch, "_PARALLEL_FROM", 2)  # fork here (one thread); spawn under threads
    monkeypatch.setattr(garch, "_BATCH", 2)
    monkeypatch.setattr(garch.os, "cpu_count", lambda: 2)
    # As in a process running one thread (an earlier test may have left an idle one): forked workers.
    monkeypatch.setattr(garch.threading, "active_count", lambda: 1)
    garch.shutdown()
    try:
        parallel = EventStudy(rets, ev, market="M", model="garch", bootstrap=50).fit()
        assert garch._POOLS[2]._mp_context.get_start_method() == "fork"
    finally:
        garch.shutdown()
    cols = ["alpha", "beta", "omega", "garch_alpha", "garch_beta"]
    assert np.array_equal(serial.estimates[cols].to_numpy(), parallel.estimates[cols].to_numpy())
    # The CAR's variance is the sum of the window's daily conditional variances.
    car = serial.car[serial.car["window"] == "[0,+5]"].iloc[0]
    ar = serial.ar[(serial.ar["event_id"] == car["event_id"]) & serial.ar["day"].between(0, 5)]
    assert car["sd"] == pytest.approx(np.sqrt((ar["sd"] ** 2).sum()), rel=1e-12)


def test_a_failed_fit_falls_back_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    rets, days = _market(300, 2, 2)
    ev = pd.DataFrame({"symbol": ["S0", "S1"], "date": [days[280], days[281]]})
    real = garch.fit_one
    calls = iter([False, True])

    def flaky(y: np.ndarray, m: np.ndarray, horizon: int) -> garch.One:
        return garch.One(None, None, failure="no convergence (test)") if next(calls) else real(y, m, horizon)

    monkeypatch.setattr(garch, "fit_one", flaky)
    res = EventStudy(rets, ev, market="M", model="garch", bootstrap=50).fit()
    est = res.estimates.set_index("symbol")
    assert est.loc["S0", "model"] == "garch" and np.isfinite(est.loc["S0", "garch_beta"])
    assert est.loc["S1", "model"] == "market (garch failed)"
    assert "GARCH(1,1) fit failed (no convergence (test))" in est.loc["S1", "note"]
    assert np.isnan(est.loc["S1", "omega"])
    ols = EventStudy(rets, ev.iloc[[1]], market="M", model="market", bootstrap=50).fit()
    assert est.loc["S1", "beta"] == pytest.approx(ols.estimates["beta"].iloc[0], rel=1e-12)
    s1 = res.ar[res.ar["symbol"] == "S1"]
    assert s1["t_stat"].to_numpy() == pytest.approx(ols.ar["t_stat"].to_numpy(), rel=1e-10)
    assert (s1["model"] == "market (garch failed)").all()


def test_a_fresh_process_fits_as_this_one_does() -> None:
    """A process's first fit equals its later ones (scipy's BLAS is limited to one thread too), so the
    command line, the workers and this process agree."""
    import subprocess
    import sys

    rets, _ = _market(300, 1, 4)
    y, m = rets["S0"].to_numpy()[1:251], rets["M"].to_numpy()[1:251]
    here = garch.fit_many([(y, m, 5)], workers=1)[0]
    code = ("import sys, numpy as np; from eventstudy.stats import garch; a = np.load(sys.argv[1]); "
            "print(repr(garch.fit_many([(a[0], a[1], 5)], workers=1)[0].params.tolist()))")
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = f"{tmp}/ym.npy"
        np.save(path, np.vstack([y, m]))
        out = subprocess.run([sys.executable, "-c", code, path], capture_output=True, text=True, check=True).stdout
    assert here.params is not None
    assert eval(out) == here.params.tolist()


def test_spawned_workers_fit_as_this_process_does(monkeypatch: pytest.MonkeyPatch) -> None:
    """From a thread (the chunked engine's) the workers are spawned, not forked: the same fits."""
    from concurrent.futures import ThreadPoolExecutor

    rets, _ = _market(300, 4, 5)
    jobs = [(rets[f"S{k}"].to_numpy()[1:251], rets["M"].to_numpy()[1:251], 3) for k in range(4)]
    serial = garch.fit_many(jobs, workers=1)
    monkeypatch.setattr(garch, "_PARALLEL_FROM", 2)
    monkeypatch.setattr(garch, "_BATCH", 2)
    garch.shutdown()  # a pool an earlier test forked would serve instead
    try:
        with ThreadPoolExecutor(1) as pool:
            spawned = pool.submit(garch.fit_many, jobs, 2).result()
        assert garch._POOLS[2]._mp_context.get_start_method() == "spawn"
    finally:
        garch.shutdown()
    for a, b in zip(serial, spawned, strict=True):
        assert (a.params is None and b.params is None) or np.array_equal(a.params, b.params)
        assert a.forecast is None or np.array_equal(a.forecast, b.forecast)
