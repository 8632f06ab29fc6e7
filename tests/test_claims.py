"""Claims to verdicts: each rule, its measured number, and when the data cannot tell."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from synthetic import EVENTS_HEADER, make_store, registry

from eventstudy.news import pipeline
from eventstudy.news import verdicts as claims
from eventstudy.news.events import load_events

SETTINGS = pipeline.Settings(bootstrap=199)


def evaluate(tmp: Path, store, rows: list[str]):  # type: ignore[no-untyped-def]
    reg = registry(tmp)
    path = tmp / "events.csv"
    path.write_text(EVENTS_HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    evs = load_events(path, reg)
    run = pipeline.run(evs, store, reg, SETTINGS)
    return {v.claim.kind: v for v in claims.evaluate(run, store)}


def claim_row(id_: str, date: str, targets: str, claim: str, offer: str = "") -> str:
    return f'{id_},{date},10:00,America/New_York,t,https://example.com/x,{targets},{offer},"{claim}",confirmed,'


def test_session_return_is_the_raw_close_to_close_move(tmp_path: Path) -> None:
    store = make_store(tmp_path / "home", {"AAA": {"2024-06-04": 0.15}})
    close = store.read("AAA")["close"]
    expected = close.loc["2024-06-04"] / close.loc["2024-06-03"] - 1
    v = evaluate(tmp_path, store, [claim_row("e", "2024-06-04", "AAA",
                                             'session_return(AAA) > 10% ""rose more than 10%""')])["session_return"]
    assert v.measured == pytest.approx(expected, rel=1e-12)
    assert v.verdict == claims.SUPPORTED
    assert v.extra["abnormal_return"] > 0.1 and v.extra["p_value"] < 0.01
    v = evaluate(tmp_path, store, [claim_row("e", "2024-06-04", "AAA",
                                             'session_return(AAA) > 30% ""rose more than 30%""')])["session_return"]
    assert v.verdict == claims.NOT_SUPPORTED and "does not meet" in v.reason


def test_since_listing_from_offer_price_and_first_close(tmp_path: Path) -> None:
    store = make_store(tmp_path / "home")
    listing = claim_row("ipo", "2024-01-02", "AAA", "", offer="40")
    news = claim_row("news", "2024-06-04", "AAA", 'since_listing(AAA) > 20% ""up more than 20% since listing""')
    v = evaluate(tmp_path, store, [listing, news])["since_listing"]
    close = store.read("AAA")["close"]
    assert v.measured == pytest.approx(close.loc["2024-06-04"] / 40 - 1, rel=1e-12)
    assert v.extra["from_first_close"] == pytest.approx(close.loc["2024-06-04"] / close.loc["2024-01-02"] - 1)
    assert v.verdict == (claims.SUPPORTED if v.measured > 0.2 else claims.NOT_SUPPORTED)
    assert "offer price 40.00" in v.reason and "first close" in v.reason


def test_group_rally_needs_significance_under_the_robust_test(tmp_path: Path) -> None:
    rally = {s: {"2024-06-04": 0.08} for s in ("AAA", "BBB", "CCC")}
    store = make_store(tmp_path / "home", rally, idio=0.01)
    v = evaluate(tmp_path, store, [claim_row("e", "2024-06-04", "tech", 'group_rally(tech) > 0% ""rallied""')])
    v = v["group_rally"]
    assert v.verdict == claims.SUPPORTED, v.reason
    assert v.measured > 0.06 and v.extra["statistic"] == "KP-adjusted BMP" and v.extra["p_value"] < 0.05
    assert v.extra["n"] == 3


def test_group_rally_not_supported_without_abnormal_return(tmp_path: Path) -> None:
    store = make_store(tmp_path / "home", seed=11)
    v = evaluate(tmp_path, store, [claim_row("e", "2024-06-04", "tech", 'group_rally(tech) > 0% ""rallied""')])
    v = v["group_rally"]
    assert v.verdict == claims.NOT_SUPPORTED
    assert ("not significant" in v.reason) or ("not > +0.00%" in v.reason)


def test_group_rally_cannot_tell_with_one_member(tmp_path: Path) -> None:
    store = make_store(tmp_path / "home", symbols=("AAA",))
    v = evaluate(tmp_path, store, [claim_row("e", "2024-06-04", "tech", 'group_rally(tech) > 0% ""rallied""')])
    v = v["group_rally"]
    assert v.verdict == claims.CANNOT_TELL and "two" in v.reason


def test_session_return_cannot_tell_without_prices(tmp_path: Path) -> None:
    store = make_store(tmp_path / "home")
    v = evaluate(tmp_path, store, [claim_row("e", "2024-06-04", "DDD", 'session_return(DDD) > 1% ""up""')])
    assert v["session_return"].verdict == claims.CANNOT_TELL


def test_claims_frame_has_the_documented_columns(tmp_path: Path) -> None:
    store = make_store(tmp_path / "home")
    v = evaluate(tmp_path, store, [claim_row("e", "2024-06-04", "AAA", 'session_return(AAA) > 1% ""up""')])
    frame = claims.claims_frame(list(v.values()))
    assert {"event_id", "claim", "measured", "verdict", "reason"} <= set(frame.columns)
    assert isinstance(frame["measured"].iloc[0], float) and pd.notna(frame["measured"].iloc[0])
