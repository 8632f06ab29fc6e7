"""Abnormal volume (log volume, mean-adjusted and market model) and abnormal volatility (the variance
ratio and its F test; the GARCH version), against direct numpy computations."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from clirun import run_cli
from scipy import stats

from eventstudy.errors import UserError
from eventstudy.stats.measures import volatility_table
from eventstudy.stats.study import EventStudy

# Zhipu's chip peers in ../shared with volume through 2026-01-14 (SMIC and Hua Hong H from Tencent's klines)
PEERS = {"688256.SS": "688256.SS.csv", "688981.SS": "688981.SS.csv", "688041.SS": "688041.SS.csv",
         "688347.SS": "more/688347.SS.csv", "0981.HK": "more/0981.HK.tencent.csv",
         "1347.HK": "more/1347.HK.tencent.csv"}


def volume_of(real_dir: Path, name: str) -> pd.Series:
    path = real_dir / name
    head = path.read_text(encoding="utf-8").splitlines()[:2]
    frame = pd.read_csv(path, skiprows=[1] if head[1].startswith(",,") else None)
    frame.columns = [c.lower() for c in frame.columns]
    return frame.set_index(pd.DatetimeIndex(frame["date"]))["volume"].astype(float)


def direct_volume(v: pd.Series, m: pd.Series | None, day0: pd.Timestamp) -> tuple[float, float]:
    """Day 0's abnormal log volume and its t, by hand: estimation days [-250, -11] on the security's
    own trading days, the mean-adjusted model (m None) or OLS on the market log volume."""
    v = np.log1p(v.dropna())
    i0 = v.index.get_loc(day0)
    est = v.iloc[max(i0 - 250, 0) : i0 - 10]
    if m is None:
        s2 = est.var(ddof=1)
        ar = v.iloc[i0] - est.mean()
        return ar, ar / np.sqrt(s2 * (1 + 1 / len(est)))
    x = m.reindex(est.index).to_numpy()
    ok = np.isfinite(x)
    x, y = x[ok], est.to_numpy()[ok]
    a, b = np.linalg.lstsq(np.c_[np.ones(len(x)), x], y, rcond=None)[0]
    resid = y - a - b * x
    s2 = resid @ resid / (len(y) - 2)
    m0 = m.loc[day0]
    ar = v.iloc[i0] - a - b * m0
    var = s2 * (1 + 1 / len(y) + (m0 - x.mean()) ** 2 / ((x - x.mean()) ** 2).sum())
    return ar, ar / np.sqrt(var)


@pytest.mark.shared
@pytest.mark.parametrize("model", ["constant-mean", "market"])
def test_volume_on_the_glm_image_day_for_zhipus_peers(real_dir: Path, tmp_path: Path, capsys, model: str) -> None:
    volume = pd.DataFrame({s: volume_of(real_dir, f) for s, f in PEERS.items()}).sort_index()
    path = tmp_path / "volume.csv"
    volume.rename_axis("date").to_csv(path)
    events = tmp_path / "ev.csv"
    events.write_text("symbol,date\n" + "".join(f"{s},2026-01-14\n" for s in PEERS))
    out = tmp_path / "out"
    code, _, err = run_cli(["study", "--measure", "volume", "--volume", str(path), "--events", str(events),
                                 "--model", model, "--out", str(out)], capsys)
    assert code == 0, err
    ar = pd.read_csv(out / "ar.csv")
    tests = pd.read_csv(out / "tests.csv")
    assert {"KP-adjusted BMP", "GRANK", "skewness-adjusted t"} <= set(tests["statistic"])
    logv = np.log1p(volume)
    market = logv.mean(axis=1) if model == "market" else None
    day0 = pd.Timestamp("2026-01-14")
    for s in PEERS:
        got = ar[(ar["symbol"] == s) & (ar["day"] == 0)].iloc[0]
        ref_ar, ref_t = direct_volume(volume[s], market, day0)
        assert got["abnormal_return"] == pytest.approx(ref_ar, abs=1e-10)
        assert got["t_stat"] == pytest.approx(ref_t, abs=1e-9)


def test_volume_refuses_other_models_and_negative_volume() -> None:
    days = pd.bdate_range("2024-01-01", periods=50)
    vol = pd.DataFrame({"A": np.full(50, 1000.0)}, index=days)
    ev = pd.DataFrame({"symbol": ["A"], "date": [days[40]]})
    with pytest.raises(UserError, match="mean-adjusted or the market model"):
        EventStudy(vol, ev, measure="volume", model="dimson")
    vol.iloc[3, 0] = -5
    with pytest.raises(UserError, match="negative volume"):
        EventStudy(vol, ev, measure="volume", model="constant-mean")


def test_volume_needs_its_file(tmp_path: Path, capsys) -> None:
    p = tmp_path / "p.csv"
    p.write_text("date,A\n2024-01-02,1\n")
    e = tmp_path / "e.csv"
    e.write_text("symbol,date\nA,2024-01-02\n")
    code, _, err = run_cli(["study", "--measure", "volume", "--prices", str(p), "--events", str(e)], capsys)
    assert code == 2 and "--measure volume reads --volume FILE" in err
    code, _, err = run_cli(["study", "--volume", str(p), "--prices", str(p), "--events", str(e)], capsys)
    assert code == 2 and "--volume is for --measure volume" in err


def _study(model: str, seed: int = 0) -> EventStudy:
    rng = np.random.default_rng(seed)
    days = pd.bdate_range("2021-01-04", periods=400)
    m = rng.normal(0, 0.01, 400)
    rets = {"M": m}
    for k in range(5):
        e = rng.normal(0, 0.015, 400)
        e[300 + 8 * k - 3 : 300 + 8 * k + 4] *= 3  # event-induced volatility
        rets[f"S{k}"] = 0.0003 + 0.9 * m + e
    ev = pd.DataFrame({"symbol": [f"S{k}" for k in range(5)], "date": days[300 + 8 * np.arange(5)]})
    return EventStudy(pd.DataFrame(rets, index=days), ev, market="M", model=model, measure="volatility",
                      bootstrap=50)


def test_the_variance_ratio_and_its_f_test() -> None:
    res = _study("market").fit()
    table = volatility_table(res.output)
    for _, row in table.iterrows():
        ar = res.ar[res.ar["event_id"] == row["event_id"]]["abnormal_return"].to_numpy()
        est = res.estimates[res.estimates["event_id"] == row["event_id"]].iloc[0]
        vr = ar.var(ddof=1) / est["sigma"] ** 2
        f = stats.f(len(ar) - 1, est["df"])
        assert row["variance_ratio"] == pytest.approx(vr, rel=1e-12)
        assert row["p_value"] == pytest.approx(2 * min(f.cdf(vr), f.sf(vr)), rel=1e-9)
        assert row["test"] == "F" and row["df1"] == len(ar) - 1
    assert (table["variance_ratio"] > 1.5).all() and (table["p_value"] < 0.05).sum() >= 4


def test_the_garch_variance_ratio() -> None:
    res = _study("garch").fit()
    table = volatility_table(res.output)
    # An event whose GARCH fit failed has the market model's constant variance, and the F test.
    assert (table["model"] == "garch").sum() >= 3
    assert (table.loc[table["model"] != "garch", "test"] == "F").all()
    for _, row in table[table["model"] == "garch"].iterrows():
        ar = res.ar[res.ar["event_id"] == row["event_id"]]
        z2 = (ar["abnormal_return"] / ar["sd"]) ** 2
        vr = z2.mean()
        assert row["variance_ratio"] == pytest.approx(vr, rel=1e-12)
        chi = stats.chi2(len(ar))
        assert row["p_value"] == pytest.approx(2 * min(chi.cdf(len(ar) * vr), chi.sf(len(ar) * vr)), rel=1e-9)
        assert row["test"] == "chi2 (GARCH)"


def test_volatility_from_the_command_line(tmp_path: Path, capsys) -> None:
    st = _study("market")
    rets = st.returns
    assert isinstance(rets, pd.DataFrame)
    path = tmp_path / "r.csv"
    rets.rename_axis("date").to_csv(path)
    events = tmp_path / "ev.csv"
    st.events.assign(date=st.events["date"].dt.strftime("%Y-%m-%d")).to_csv(events, index=False)
    code, out, err = run_cli(["study", "--returns", str(path), "--market", "M", "--events", str(events),
                              "--measure", "volatility", "--out", str(tmp_path / "o")], capsys)
    assert code == 0, err
    assert "volatility.csv" in out
    got = pd.read_csv(tmp_path / "o" / "volatility.csv")
    ref = volatility_table(st.fit().output)
    assert got["variance_ratio"].to_numpy() == pytest.approx(ref["variance_ratio"].to_numpy(), rel=1e-12)
