"""The two answers on real prices (../shared): the GLM-Image claims, and NVIDIA against the S&P 500
on ordinary days and on days with an injected move (issue 22's acceptance)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from report_world import REPO
from synthetic import EVENTS_HEADER

from eventstudy.data.importers import read_price_file
from eventstudy.data.securities import default_registry
from eventstudy.data.store import PriceStore
from eventstudy.news import answers, pipeline
from eventstudy.news import verdicts as claims
from eventstudy.news.events import load_events

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def glm(tmp_path_factory: pytest.TempPathFactory) -> dict[str, claims.Verdict]:
    """The README's offline run: every file of real/ and real/more/ in one import."""
    from conftest import _shared_path

    from eventstudy import cli

    real = _shared_path("data", "real")
    home = tmp_path_factory.mktemp("glm")
    files = [str(p) for p in sorted(real.glob("*.csv")) + sorted((real / "more").glob("*.csv"))]
    try:
        cli.main(["--home", str(home), "prices", "import", *files])
    except SystemExit as exc:
        assert not exc.code
    store = PriceStore(home)
    reg = default_registry()
    run = pipeline.run(load_events(REPO / "events.csv", reg), store, reg)
    return {v.claim.kind: v for v in claims.evaluate(run, store) if v.event_id == "glm-image"}


def test_glm_image_claims_are_true_of_the_prices(glm: dict[str, claims.Verdict]) -> None:
    session, listing, chips = glm["session_return"], glm["since_listing"], glm["group_rally"]
    assert session.fact == listing.fact == chips.fact == answers.TRUE
    assert session.measured == pytest.approx(216.0 / 181.8 - 1)
    assert listing.measured == pytest.approx(216.0 / 116.2 - 1)
    # The chip card headlines the mean raw return the claim names, with the count of members up.
    assert chips.measured == pytest.approx(chips.extra["mean_raw_return"])
    assert pytest.approx(0.0230, abs=5e-5) == chips.measured
    assert (chips.extra["up"], chips.extra["n"]) == (6, 8) and "6 up and 2 down" in chips.fact_text


def test_glm_image_causes(glm: dict[str, claims.Verdict]) -> None:
    session, listing, chips = glm["session_return"], glm["since_listing"], glm["group_rally"]
    assert chips.cause != answers.YES
    assert "customs-h200" in chips.cause_text and "margin-100" in chips.cause_text
    # A level since listing implies no single cause: the release time does not bear on it.
    assert listing.cause == answers.NOT_APPLICABLE and listing.verdict == claims.SUPPORTED
    assert "uncertain time" not in listing.badges and "time" not in listing.reason
    # Zhipu's day: 91 days of history cannot call +18% unusual; the open gap is shown beside the timing.
    assert session.cause == answers.UNCLEAR and "days of history cannot call" in session.cause_text
    assert "opened at 194.70" in session.cause_text and "release time is inferred" in session.cause_text
    attributable = session.statement("attributable")
    assert attributable is not None and "Zhipu opened +7%" in attributable.text  # the events.csv note in full
    # Robustness that belongs to the claim: one row per distinct computation, a fallback says so.
    table = session.robustness
    assert table is not None and not table.duplicated(["value", "p_value"]).any()
    assert table["model"].str.contains("fallback").any()
    # Placebo figures on every card.
    assert session.placebo is not None and 0 < session.placebo.days < 200 and "only" in session.placebo.text()
    assert chips.placebo is not None and chips.placebo.days >= 200 and chips.placebo.yes_share <= 0.10
    assert listing.placebo is not None and "not applicable" in listing.placebo.text()


def _nvda_store(home: Path, inject: list[pd.Timestamp], size: float) -> PriceStore:
    from conftest import _shared_path

    real = _shared_path("data", "real")
    items = {}
    for path in (real / "NVDA.csv", real / "more" / "^GSPC.csv"):
        s = read_price_file(str(path))
        frame = s.frame
        if s.symbol == "NVDA":
            frame = frame.copy()
            for day in inject:  # a jump of ``size`` on ``day``: every later price scaled by 1 + size
                after = frame.index >= day
                for col in ("open", "high", "low", "close", "adj_close"):
                    frame.loc[after, col] *= 1 + size
        items[s.symbol] = (frame, {"source": s.source, "layout": s.layout, "adjusted": s.adjusted, "issues": []})
    store = PriceStore(home)
    store.write_many(items)
    return store


def _nvda_claims(tmp: Path, store: PriceStore, days: list[pd.Timestamp]) -> list[claims.Verdict]:
    reg = default_registry()
    rows = [f'inj{k},{d.date()},10:00,America/New_York,NVIDIA news {k},https://example.com/{k},NVDA,,'
            f'"session_return(NVDA) > 10% ""NVIDIA jumped more than 10%""",confirmed,' for k, d in enumerate(days)]
    path = tmp / "events.csv"
    path.write_text(EVENTS_HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    run = pipeline.run(load_events(path, reg), store, reg, pipeline.Settings(bootstrap=0))
    return claims.evaluate(run, store)


def test_nvda_ordinary_days_and_injected_moves(tmp_path: Path) -> None:
    from conftest import _shared_path

    dates = read_price_file(str(_shared_path("data", "real") / "NVDA.csv")).frame.index
    # Ten days 100 sessions apart, each past a full estimation window; the claims' events are the
    # only events of this run, so the placebo's ordinary days are every other session.
    days = [pd.Timestamp(dates[k]) for k in range(300, len(dates) - 10, 100)][:10]
    base = _nvda_claims(tmp_path, _nvda_store(tmp_path / "plain", [], 0.0), days[:1])[0]
    assert base.placebo is not None and base.placebo.days >= 200
    # Ordinary days: the rule says "caused" on about 2.5% (one tail of a 5% test), at most 10%.
    assert 0.0 < base.placebo.yes_share <= 0.10
    injected = _nvda_claims(tmp_path, _nvda_store(tmp_path / "jumps", days, 0.12), days)
    causes = [v.cause for v in injected]
    assert answers.NO not in causes
    assert causes.count(answers.YES) >= 0.75 * len(causes), [(v.event_id, v.cause_text) for v in injected]
    assert all(v.fact == answers.TRUE for v in injected if v.measured > 0.1005)
    assert np.mean([v.extra["abnormal_return"] for v in injected]) > 0.08
