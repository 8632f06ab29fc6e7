"""The news-claims run on a synthetic world: day 0 from announcement times, per-security
benchmarks, suspensions, confounders, securities that cannot be studied, and the results table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from synthetic import events, make_store, registry, sessions

from eventstudy.data.quality import stale_mask
from eventstudy.news import pipeline

SETTINGS = pipeline.Settings(bootstrap=99)


def row(id_: str, date: str, time: str, targets: str, claims: str = "", notes: str = "") -> str:
    certainty = "uncertain" if notes else "confirmed"
    return f'{id_},{date},{time},America/New_York,title {id_},https://example.com/{id_},{targets},,"{claims}",{certainty},{notes}'


@pytest.fixture
def world(tmp_path: Path):  # type: ignore[no-untyped-def]
    store = make_store(tmp_path / "home", {"AAA": {"2024-06-04": 0.08}})
    return store, registry(tmp_path), tmp_path


@pytest.mark.parametrize(
    ("date", "time", "day0"),
    [
        ("2024-06-03", "10:00", "2024-06-03"),  # during the session
        ("2024-06-03", "08:00", "2024-06-03"),  # before the open
        ("2024-06-03", "16:30", "2024-06-04"),  # after the close: next session
        ("2024-06-01", "", "2024-06-03"),  # a Saturday, time unknown: Monday
        ("2024-06-03", "", "2024-06-03"),  # time unknown: that date's session
    ],
)
def test_day0_follows_announcement_time(world, date: str, time: str, day0: str) -> None:  # type: ignore[no-untyped-def]
    store, reg, tmp = world
    evs = events(tmp, [row("e", date, time, "AAA")], reg)
    run = pipeline.run(evs, store, reg, SETTINGS)
    sample = run.analyses[0].samples[0]
    assert sample.day0["AAA"] == pd.Timestamp(day0)
    ar = sample.result.ar  # type: ignore[union-attr]
    assert ar.loc[ar["day"] == 0, "date"].iloc[0] == pd.Timestamp(day0)


def test_jump_lands_on_day0_only_after_the_close(world) -> None:  # type: ignore[no-untyped-def]
    store, reg, tmp = world
    evs = events(tmp, [row("before", "2024-06-03", "16:30", "AAA"), row("during", "2024-06-03", "10:00", "AAA")], reg)
    run = pipeline.run(evs, store, reg, SETTINGS)
    res = run.results_frame().set_index(["event_id", "window"])
    # The +8% planted on 2024-06-04 is day 0 for the after-close release and day +1 for the other.
    assert res.loc[("before", "[0,0]"), "abnormal_return"] > 0.06
    assert abs(res.loc[("during", "[0,0]"), "abnormal_return"]) < 0.05
    assert res.loc[("during", "[-1,+1]"), "abnormal_return"] > 0.05


def test_results_frame_columns_and_fractions(world) -> None:  # type: ignore[no-untyped-def]
    store, reg, tmp = world
    evs = events(tmp, [row("e", "2024-06-04", "10:00", "tech;DDD")], reg)
    run = pipeline.run(evs, store, reg, SETTINGS)
    res = run.results_frame()
    for col in ("event_id", "symbol", "window", "model", "raw_return", "abnormal_return", "t_stat", "p_value",
                "estimation_days", "note"):
        assert col in res.columns
    studied = res[res["window"].notna()]
    assert set(studied["symbol"]) == {"AAA", "BBB", "CCC"}
    assert studied["raw_return"].abs().max() < 1  # fractions, not percent
    assert (studied["estimation_days"] == 240).all()
    ddd = res[res["symbol"] == "DDD"]
    assert ddd["note"].iloc[0] == "not studied: no prices stored"
    group = run.analyses[0].sample("tech")
    assert group is not None and group.result is not None and group.result.clustered
    tests = run.tests_frame()
    lead = tests[(tests["scope"] == "day") & (tests["day"] == 0)].iloc[0]
    assert lead["statistic"] == "KP-adjusted BMP"


def test_suspension_filled_with_repeated_closes_is_not_zero_returns(tmp_path: Path) -> None:
    store = make_store(tmp_path / "home")
    reg = registry(tmp_path)
    frame = store.read("AAA")
    dates = sessions()
    at = int(dates.searchsorted(pd.Timestamp("2024-03-01")))
    frame.iloc[at : at + 10, frame.columns.get_indexer(["close", "adj_close"])] = frame["close"].iloc[at]
    store.write("AAA", frame, {"source": "test"})
    mask = stale_mask(frame["close"])
    assert mask.sum() == 9 and not mask.iloc[at] and mask.iloc[at + 1 : at + 10].all()
    evs = events(tmp_path, [row("e", "2024-06-04", "10:00", "AAA")], reg)
    est = pipeline.run(evs, store, reg, SETTINGS).analyses[0].samples[0].result.estimates  # type: ignore[union-attr]
    # 9 repeated closes leave no price, and the return after the run spans it: 10 days fewer.
    assert est["estimation_days"].iloc[0] == 240 - 10


def test_confounders_inside_the_window(world) -> None:  # type: ignore[no-untyped-def]
    store, reg, tmp = world
    evs = events(tmp, [
        row("main", "2024-06-04", "10:00", "AAA"),
        row("same-day", "2024-06-04", "", "BBB"),
        row("two-later", "2024-06-06", "09:00", "AAA"),
        row("far", "2024-07-01", "09:00", "AAA"),
    ], reg)
    run = pipeline.run(evs, store, reg, SETTINGS, only=["main"])
    found = {e.id: how for e, how in run.analyses[0].confounders}
    assert set(found) == {"same-day", "two-later"}
    assert found["same-day"].startswith("same trading day")
    assert found["two-later"].startswith("day +2") and "shares AAA" in found["two-later"]


def test_short_history_falls_back_and_says_so(tmp_path: Path) -> None:
    store = make_store(tmp_path / "home")
    reg = registry(tmp_path)
    frame = store.read("AAA")
    store.write("AAA", frame[frame.index >= "2024-05-29"], {"source": "test"})  # listed 4 sessions before
    evs = events(tmp_path, [row("e", "2024-06-04", "10:00", "AAA")], reg)
    res = pipeline.run(evs, store, reg, SETTINGS).results_frame()
    assert (res["model"] == "market-adjusted (fallback)").all()
    assert res["note"].str.contains("post-event days").all()
    assert np.isfinite(res["t_stat"]).all()


def test_unknown_event_id(world) -> None:  # type: ignore[no-untyped-def]
    store, reg, tmp = world
    evs = events(tmp, [row("e", "2024-06-04", "10:00", "AAA")], reg)
    with pytest.raises(Exception, match="unknown event id"):
        pipeline.run(evs, store, reg, SETTINGS, only=["nope"])


def test_two_index_model_uses_the_registry_sector_index(tmp_path: Path) -> None:
    from synthetic import SECURITIES, bars

    from eventstudy.data.securities import load_registry

    store = make_store(tmp_path / "home")
    dates = sessions()
    rng = np.random.default_rng(3)
    sector = 80 * np.cumprod(1 + rng.normal(0, 0.01, len(dates)))
    store.write("^SEC", bars(sector, dates), {"source": "test"})
    text = SECURITIES.replace("AAA,Alpha | Corp,NYSE,USD,^BM,,", "AAA,Alpha | Corp,NYSE,USD,^BM,^SEC,")
    (tmp_path / "securities.csv").write_text(text + "^SEC,Sector,NYSE,USD,,,,index,\n", encoding="utf-8")
    reg = load_registry(tmp_path / "securities.csv")
    evs = events(tmp_path, [row("e", "2024-06-04", "10:00", "AAA;BBB")], reg)
    run = pipeline.run(evs, store, reg, pipeline.Settings(model="two-index", bootstrap=99))
    aaa = run.analyses[0].sample("AAA")
    assert aaa is not None and aaa.result is not None
    est = aaa.result.estimates.iloc[0]
    assert est["model"] == "two-index" and np.isfinite(est["beta_sector"])
    bbb = run.analyses[0].sample("BBB")
    assert bbb is not None and "sector index" in bbb.missing["BBB"]
    single = aaa.result.tests
    assert single[single["scope"] == "day"].groupby("day").head(1)["statistic"].eq("time-series t").all()
