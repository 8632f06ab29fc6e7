"""`run`'s abnormal volume (Campbell & Wasley log volume from the store's bars): the day-0 numbers
against a direct numpy/statsmodels computation, volume.csv, the event page's panel, and securities
without volume named, never given a volume of zero."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from report_world import EV1, EV2, real_run, synthetic_run
from synthetic import make_store

from eventstudy.data import calendars
from eventstudy.report import write_reports

DAY0 = pd.Timestamp("2024-06-03")


def _direct(vol: pd.Series, market: pd.Series | None, day0: pd.Timestamp) -> tuple[float, float]:
    """Day-0 abnormal log volume and its t over estimation days -250..-11 of the security's sessions."""
    v = np.log1p(vol)
    i0 = v.index.get_loc(day0)
    est = v.iloc[i0 - 250 : i0 - 10].dropna()
    if market is None:
        av = float(v.iloc[i0] - est.mean())
        return av, av / float(np.sqrt(est.var(ddof=1) * (1 + 1 / len(est))))
    m = np.log1p(market)
    fit = sm.OLS(est, sm.add_constant(m.reindex(est.index))).fit()
    x0 = np.array([1.0, m.loc[day0]])
    av = float(v.iloc[i0] - x0 @ fit.params.to_numpy())
    se = float(np.sqrt(fit.scale * (1 + x0 @ fit.normalized_cov_params.to_numpy() @ x0)))
    return av, av / se


def test_run_volume_matches_a_direct_computation(tmp_path: Path) -> None:
    run, _ = synthetic_run(tmp_path, EV1 + EV2)
    store = make_store(tmp_path / "again", {"AAA": {"2024-06-03": 0.10}, "BBB": {"2024-06-03": 0.03},
                                            "CCC": {"2024-06-03": 0.03}})
    sessions = calendars.sessions("NYSE", "2023-01-03", "2024-07-31")
    vol = {s: store.read(s)["volume"].reindex(sessions) for s in ("AAA", "^BM")}
    frame = run.volume_frame()
    assert list(frame.columns)[:4] == ["event_id", "target", "symbol", "model"]
    day0 = frame[(frame["event_id"] == "ev1") & (frame["target"] == "AAA") & (frame["window"] == "[0,0]")]
    got = day0.set_index("model")
    for model, market in (("mean-adjusted", None), ("market model", vol["^BM"])):
        av, t = _direct(vol["AAA"], market, DAY0)
        assert got.loc[model, "abnormal_log_volume"] == pytest.approx(av, abs=1e-10)
        assert got.loc[model, "t_stat"] == pytest.approx(t, abs=1e-9)
        assert got.loc[model, "estimation_days"] == 240
    assert got.loc["market model", "market_volume"] == "^BM"
    # The day-0 volume was three times the usual draw: a clearly positive abnormal log volume.
    assert got.loc["mean-adjusted", "abnormal_log_volume"] > 0.3
    # The API: each studied sample carries its volume study, the daily path included.
    vs = run.analyses[0].sample("AAA").volume  # type: ignore[union-attr]
    assert vs is not None and set(vs.results) == {"constant-mean", "market"}
    daily = vs.results["constant-mean"].ar
    assert list(daily["day"]) == list(range(-5, 6))


def test_a_security_without_volume_is_named_not_zero(tmp_path: Path) -> None:
    store = make_store(tmp_path / "store", {"AAA": {"2024-06-03": 0.10}, "BBB": {"2024-06-03": 0.03}})
    bars, meta = store.read_with_meta("BBB")
    bars["volume"] = np.nan  # a source without volume (an index file, a close-only import)
    bm, bm_meta = store.read_with_meta("^BM")
    bm["volume"] = np.nan
    store.write_many({"BBB": (bars, meta), "^BM": (bm, bm_meta)})
    run, verdicts = synthetic_run(tmp_path, EV1, store=store)
    frame = run.volume_frame()
    bbb = frame[(frame["symbol"] == "BBB")]
    assert len(bbb) == 1 and bbb["note"].iloc[0] == "no volume: no trading volume in its stored prices"
    assert np.isnan(bbb["abnormal_log_volume"].iloc[0])
    aaa = frame[(frame["symbol"] == "AAA") & (frame["target"] == "AAA") & frame["abnormal_log_volume"].notna()]
    # No benchmark volume: the mean-adjusted model only, and the market model's absence said.
    assert set(aaa["model"]) == {"mean-adjusted"}
    assert "its benchmark ^BM has no trading volume" in " ".join(
        frame.loc[(frame["symbol"] == "AAA") & frame["note"].str.startswith("no market model", na=False), "note"])
    out = tmp_path / "out"
    write_reports(run, verdicts, out)
    assert pd.read_csv(out / "volume.csv").shape[0] == len(frame)
    page = (out / "events" / "ev1.html").read_text(encoding="utf-8")
    section = page[page.index('<section id="volume"'):]
    section = section[: section.index("</section>")]
    assert "Beta Inc (BBB) has no trading volume in its stored prices, so its volume is not studied" in section
    assert "Alpha | Corp (AAA): mean-adjusted only" in section
    assert "<table" in section and 'id="chart-volume-AAA"' in section
    md = (out / "events" / "ev1.md").read_text(encoding="utf-8")
    assert "## Trading volume" in md and "Beta Inc (BBB) has no trading volume" in md


def test_volume_can_be_turned_off(tmp_path: Path) -> None:
    from eventstudy.news import pipeline

    run, verdicts = synthetic_run(tmp_path, EV2, settings=pipeline.Settings(bootstrap=200, volume=False))
    assert run.volume_frame().empty
    out = tmp_path / "out"
    write_reports(run, verdicts, out)
    assert "Trading volume" not in (out / "events" / "ev2.html").read_text(encoding="utf-8")
    assert list(pd.read_csv(out / "volume.csv").columns)[:3] == ["event_id", "target", "symbol"]


@pytest.mark.shared
def test_real_glm_image_volume(real_dir: Path, tmp_path: Path) -> None:
    """Zhipu's own volume on the GLM-Image day; the Hang Seng file has no volume, so Zhipu's market
    model of volume is not computed and the page says why."""
    run, _, _ = real_run(real_dir, tmp_path)
    a = next(x for x in run.analyses if x.event.id == "glm-image")
    vs = a.sample("2513.HK").volume  # type: ignore[union-attr]
    assert vs is not None and "2513.HK" in vs.symbols
    assert "^HSI has no trading volume" in vs.no_market["2513.HK"]
    raw = pd.read_csv(real_dir / "2513.HK.csv", parse_dates=["Date"]).set_index("Date")["Volume"]
    row = vs.results["constant-mean"].ar
    row = row[(row["symbol"] == "2513.HK") & (row["day"] == 0)].iloc[0]
    assert row["date"] == pd.Timestamp("2026-01-14")
    assert row["return"] == pytest.approx(np.log1p(raw.loc["2026-01-14"]), abs=1e-12)
