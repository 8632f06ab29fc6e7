"""Claims to verdicts: the three statements, the one rule and each of its outcomes, on a synthetic world."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.multitest import multipletests
from synthetic import EVENTS_HEADER, bars, make_store, registry, sessions

from eventstudy.data.securities import load_registry
from eventstudy.data.store import PriceStore
from eventstudy.news import answers as A
from eventstudy.news import pipeline
from eventstudy.news import verdicts as claims
from eventstudy.news.events import load_events
from eventstudy.news.verdicts import NO, NO_DATA, UNCLEAR, YES

SETTINGS = pipeline.Settings(bootstrap=199)


def run_claims(tmp: Path, store, rows: list[str], reg=None):  # type: ignore[no-untyped-def]
    reg = reg or registry(tmp)
    path = tmp / "events.csv"
    path.write_text(EVENTS_HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    evs = load_events(path, reg)
    run = pipeline.run(evs, store, reg, SETTINGS)
    return run, claims.evaluate(run, store)


def evaluate(tmp: Path, store, rows: list[str], reg=None):  # type: ignore[no-untyped-def]
    return {v.claim.kind: v for v in run_claims(tmp, store, rows, reg)[1]}


def claim_row(id_: str, date: str, targets: str, claim: str, offer: str = "", time: str = "10:00",
              notes: str = "") -> str:
    certainty = "uncertain" if notes else "confirmed"
    return (f'{id_},{date},{time},America/New_York,title {id_},https://example.com/{id_},{targets},{offer},'
            f'"{claim}",{certainty},{notes}')


def answers(v: claims.Verdict) -> tuple[str, ...]:
    return tuple(s.answer for s in v.statements)


# -- the rule itself --------------------------------------------------------------------------------
@pytest.mark.parametrize(("fact", "cause", "outcome"), [
    (A.NO_DATA, A.NO_DATA, claims.CANNOT_TELL),
    (A.NO_DATA, A.NOT_APPLICABLE, claims.CANNOT_TELL),
    (A.FALSE, A.YES, claims.NOT_SUPPORTED),
    (A.FALSE, A.UNCLEAR, claims.NOT_SUPPORTED),
    (A.TRUE, A.NO, claims.NOT_SUPPORTED),
    (A.UNCLEAR, A.NO, claims.NOT_SUPPORTED),
    (A.TRUE, A.YES, claims.SUPPORTED),
    (A.TRUE, A.NOT_APPLICABLE, claims.SUPPORTED),
    (A.TRUE, A.UNCLEAR, claims.INCONCLUSIVE),
    (A.UNCLEAR, A.YES, claims.INCONCLUSIVE),
    (A.TRUE, A.NO_DATA, claims.INCONCLUSIVE),
])
def test_the_verdict_combines_the_two_answers(fact: str, cause: str, outcome: str) -> None:
    assert A.verdict(fact, cause) == outcome


@pytest.mark.parametrize(("op", "threshold", "measured", "fact"), [
    (">", 0.17, 0.1881, A.TRUE), (">", 0.17, 0.16, A.FALSE), (">", 0.17, 0.1703, A.UNCLEAR),
    ("<", -0.05, -0.08, A.TRUE), ("<", -0.05, 0.01, A.FALSE), (">=", 1.0, 1.2, A.TRUE),
    ("~", 0.17, 0.165, A.TRUE), ("~", 0.17, 0.18, A.UNCLEAR), ("~", 0.17, 0.19, A.FALSE),
    (">", 0.17, float("nan"), A.NO_DATA),
])
def test_fact_reads_the_wording(op: str, threshold: float, measured: float, fact: str) -> None:
    assert A.fact(op, threshold, measured) == fact


def test_cause_needs_time_and_no_confounder_for_a_yes_and_an_interval_for_a_no() -> None:
    sig = A.Evidence(A.YES, 0.2, 0.01, 0.1, 0.3)
    clean = A.Context(day0_claim=True, time_known=True)
    assert A.cause(sig, clean) == (A.YES, ())
    assert A.cause(sig, A.Context(day0_claim=True, time_known=False)) == (A.UNCLEAR, (A.UNCERTAIN_TIMING,))
    # The time of day does not bear on a claim that is not about day 0.
    assert A.cause(sig, A.Context(day0_claim=False, time_known=False)) == (A.YES, ())
    got = A.cause(sig, A.Context(day0_claim=True, time_known=True, confounders=("x",)))
    assert got == (A.UNCLEAR, (A.CONFOUNDED,))
    assert A.cause(None, clean) == (A.NOT_APPLICABLE, ())
    # A non-significant test alone is never a no: only an interval that excludes the claimed size.
    est = np.random.default_rng(1).standard_t(4, 240) * 0.02
    wide = A.single(0.01, 0.6, est, ">", 0.17)
    assert wide.answer == A.NO and wide.high < 0.17
    near = A.single(0.12, 0.03, est, ">", 0.17)
    assert near.answer == A.YES
    few = A.single(0.01, 0.6, est[:30], ">", 0.17)
    assert few.answer == A.UNCLEAR and few.reasons == (A.SHORT_HISTORY,)
    assert not np.isfinite(few.high)


def test_a_group_with_one_dominant_member_is_never_a_no() -> None:
    # Six of six up, one member +20%: the lead test is not significant, the rank test is.
    ars = np.array([0.20, 0.03, 0.025, 0.02, 0.03, 0.035])
    ev = A.group(ars, lead_p=0.38, rank_p=0.03, rank_value=2.2, r=0.4, op=">", threshold=0.0)
    assert ev.answer == A.UNCLEAR and A.TESTS_DISAGREE in ev.reasons
    # Even a claimed size the interval excludes is not a no while the rank test finds the move.
    ev = A.group(ars, lead_p=0.38, rank_p=0.03, rank_value=2.2, r=0.4, op=">", threshold=0.5)
    assert ev.answer == A.UNCLEAR
    ev = A.group(ars, lead_p=0.38, rank_p=0.5, rank_value=0.2, r=0.4, op=">", threshold=0.5)
    assert ev.answer == A.NO


def test_group_lead_matches_the_batterys_kp_bmp(tmp_path: Path) -> None:
    rally = {s: {"2024-06-04": 0.03} for s in ("AAA", "BBB", "CCC")}
    store = make_store(tmp_path / "home", rally, idio=0.01)
    run, _ = run_claims(tmp_path, store, [claim_row("e", "2024-06-04", "tech", 'group_rally(tech) > 0% ""rallied""')])
    res = run.analyses[0].sample("tech").result
    day0 = res.ar[res.ar["day"] == 0]
    stat, p = A.group_lead((day0["abnormal_return"] / day0["sd"]).to_numpy()[None, :], res.mean_correlation)
    lead = res.tests[(res.tests["scope"] == "day") & (res.tests["day"] == 0)].iloc[0]
    assert lead["statistic"] == "KP-adjusted BMP"
    assert stat[0] == pytest.approx(lead["value"], rel=1e-9) and p[0] == pytest.approx(lead["p_value"], rel=1e-9)


# -- each outcome on data ------------------------------------------------------------------------------
def test_supported_when_the_move_happened_was_unusual_and_is_attributable(tmp_path: Path) -> None:
    store = make_store(tmp_path / "home", {"AAA": {"2024-06-04": 0.15}})
    close = store.read("AAA")["close"]
    expected = close.loc["2024-06-04"] / close.loc["2024-06-03"] - 1
    v = evaluate(tmp_path, store, [claim_row("e", "2024-06-04", "AAA",
                                             'session_return(AAA) > 10% ""rose more than 10%""')])["session_return"]
    assert v.measured == pytest.approx(expected, rel=1e-12)
    assert v.verdict == claims.SUPPORTED and answers(v) == (YES, YES, YES) and v.badges == ()
    # The SQ test leads: the jump lies above all 240 estimation-window abnormal returns.
    assert v.extra["statistic"] == "SQ" and v.extra["sq_days"] == 240
    assert v.extra["p_value"] == pytest.approx(2 / 241)
    assert "SQ test p = 0.0083" in v.statements[1].text and "240 days" in v.statements[1].text
    assert v.extra["abnormal_return"] > 0.1


def test_not_supported_when_the_move_did_not_happen(tmp_path: Path) -> None:
    store = make_store(tmp_path / "home", {"AAA": {"2024-06-04": 0.15}})
    v = evaluate(tmp_path, store, [claim_row("e", "2024-06-04", "AAA",
                                             'session_return(AAA) > 30% ""rose more than 30%""')])["session_return"]
    assert v.verdict == claims.NOT_SUPPORTED and answers(v)[0] == NO and "does not meet" in v.reason


def _market_moves(store: PriceStore, day: str, size: float) -> None:
    """The whole market (benchmark and stocks by their beta) jumps on ``day``: no abnormal return."""
    for k, sym in enumerate(("^BM", "AAA", "BBB", "CCC")):
        frame = store.read(sym).copy()
        beta = 1.0 if sym == "^BM" else 1.0 + 0.2 * (k - 1)
        after = frame.index >= pd.Timestamp(day)
        for col in ("open", "high", "low", "close", "adj_close"):
            frame.loc[after, col] *= 1 + beta * size
        store.write(sym, frame, {"source": "test"})


def test_not_supported_when_a_market_move_explains_it_and_the_test_could_see_it(tmp_path: Path) -> None:
    store = make_store(tmp_path / "home")
    _market_moves(store, "2024-06-04", 0.08)
    got = evaluate(tmp_path, store, [
        claim_row("e", "2024-06-04", "AAA;tech",
                  'session_return(AAA) > 5% ""jumped""; group_rally(tech) > 0% ""rallied""')])
    single, group = got["session_return"], got["group_rally"]
    assert single.measured > 0.05 and answers(single)[:2] == (YES, NO)
    assert single.fact == A.TRUE and single.cause == A.NO and single.verdict == claims.NOT_SUPPORTED
    assert "ordinary" in single.reason and single.extra["effect_high"] < 0.05  # the interval excludes 5%
    # "Rallied" names no size: an abnormal move near zero is not evidence against it, so the
    # cause stays unclear (never a no from a non-significant test).
    assert group.fact == A.TRUE and group.cause == A.UNCLEAR and group.verdict == claims.INCONCLUSIVE
    assert group.extra["up"] == 3 and group.extra["coverage"] == 1.0


def test_group_rally_supported_under_the_robust_test(tmp_path: Path) -> None:
    rally = {s: {"2024-06-04": 0.08} for s in ("AAA", "BBB", "CCC")}
    store = make_store(tmp_path / "home", rally, idio=0.01)
    v = evaluate(tmp_path, store, [claim_row("e", "2024-06-04", "tech", 'group_rally(tech) > 0% ""rallied""')])
    v = v["group_rally"]
    assert v.verdict == claims.SUPPORTED, v.reason
    assert v.measured > 0.06 and v.extra["statistic"] == "KP-adjusted BMP" and v.extra["p_value"] < 0.05
    assert v.extra["n"] == 3 and "3 of 3 members" in v.statements[0].text
    assert "minimum detectable mean abnormal return" in v.statements[1].text


def test_inconclusive_with_too_few_members(tmp_path: Path) -> None:
    store = make_store(tmp_path / "home", {"AAA": {"2024-06-04": 0.15}}, symbols=("AAA",))
    v = evaluate(tmp_path, store, [claim_row("e", "2024-06-04", "tech", 'group_rally(tech) > 0% ""rallied""')])
    v = v["group_rally"]
    assert v.verdict == claims.INCONCLUSIVE and "too few members" in v.reason
    assert "low coverage" in v.badges and "1 of 3 members" in v.statements[0].text


def test_inconclusive_with_too_little_power_on_a_short_history(tmp_path: Path) -> None:
    """Listed four sessions before: the fallback's volatility rests on the ~35 post-event days
    the data have, too few for the SQ test to reach 5%; the verdict says so."""
    store = make_store(tmp_path / "home", {"AAA": {"2024-06-04": 0.15}})
    frame = store.read("AAA")
    store.write("AAA", frame[frame.index >= "2024-05-29"], {"source": "test"})
    v = evaluate(tmp_path, store, [claim_row("e", "2024-06-04", "AAA", 'session_return(AAA) > 10% ""up""')])
    v = v["session_return"]
    assert v.extra["sq_days"] < 39
    assert answers(v) == (YES, UNCLEAR, YES) and v.verdict == claims.INCONCLUSIVE
    assert "too little history" in v.reason and "low power" in v.badges
    assert "market-adjusted (fallback)" in v.statements[1].text


def test_no_fallback_leaves_no_abnormal_return_and_says_so(tmp_path: Path) -> None:
    """--fallback none on a stock listed four sessions before: no model can be fitted, so there is no
    abnormal return (never the raw return in disguise) and the verdict is inconclusive for data."""
    store = make_store(tmp_path / "home", {"AAA": {"2024-06-04": 0.15}})
    frame = store.read("AAA")
    store.write("AAA", frame[frame.index >= "2024-05-29"], {"source": "test"})
    reg = registry(tmp_path)
    path = tmp_path / "events.csv"
    path.write_text(EVENTS_HEADER + claim_row("e", "2024-06-04", "AAA", 'session_return(AAA) > 10% ""up""') + "\n",
                    encoding="utf-8")
    run = pipeline.run(load_events(path, reg), store, reg, pipeline.Settings(bootstrap=99, fallback="none"))
    res = run.results_frame()
    assert (res["model"] == "market").all() and res["abnormal_return"].isna().all()
    assert res["note"].str.contains("--fallback none").all()
    v = claims.evaluate(run, store)[0]
    assert answers(v) == (YES, NO_DATA, YES) and v.verdict == claims.INCONCLUSIVE and "no abnormal return" in v.reason
    assert v.fact == "true" and v.cause == "no data"


def test_inconclusive_when_confounded_and_identical_studies_are_shared(tmp_path: Path) -> None:
    store = make_store(tmp_path / "home", {"AAA": {"2024-06-04": 0.15}})
    run, verdicts = run_claims(tmp_path, store, [
        claim_row("e", "2024-06-04", "AAA", 'session_return(AAA) > 10% ""up""'),
        claim_row("other", "2024-06-04", "AAA", "", time="11:00"),
    ])
    v = verdicts[0]
    assert answers(v) == (YES, YES, UNCLEAR) and v.verdict == claims.INCONCLUSIVE
    assert v.reason.startswith("confounded by other") and "other (title other)" in v.statements[2].text
    assert v.extra["confounders"] == "other"
    first, second = (a.samples[0] for a in run.analyses)
    assert first.result is second.result  # computed once
    assert [e.id for e in first.same_study] == ["other"] and [e.id for e in second.same_study] == ["e"]
    # ... and presented once: the second event's section points to the first instead of repeating it.
    from eventstudy.report import write_reports

    write_reports(run, verdicts, tmp_path / "out")
    pages = sorted(p.name for p in (tmp_path / "out" / "events").glob("*.md"))
    assert pages == ["e.md"]  # one page for the one study, naming both announcements
    md = (tmp_path / "out" / "events" / "e.md").read_text(encoding="utf-8")
    assert "title e" in md and "title other" in md
    assert md.count("Returns by window") == 1


def test_inconclusive_with_uncertain_timing(tmp_path: Path) -> None:
    store = make_store(tmp_path / "home", {"AAA": {"2024-06-04": 0.15}})
    v = evaluate(tmp_path, store, [claim_row("e", "2024-06-04", "AAA", 'session_return(AAA) > 10% ""up""',
                                             time="", notes="time of day not stated")])["session_return"]
    assert v.verdict == claims.INCONCLUSIVE and v.reason.startswith("uncertain timing")
    assert "time of day not stated" in v.statements[2].text


def test_inconclusive_with_data_problems_on_day_zero(tmp_path: Path) -> None:
    store = make_store(tmp_path / "home", {"AAA": {"2024-06-04": 0.15}})
    issue = {"kind": "unit_jump", "date": "2024-06-04T00:00:00", "detail": "x100", "severity": "warning"}
    store.write("AAA", store.read("AAA"), {"source": "test", "issues": [issue]})
    v = evaluate(tmp_path, store, [claim_row("e", "2024-06-04", "AAA", 'session_return(AAA) > 10% ""up""')])
    v = v["session_return"]
    assert v.verdict == claims.INCONCLUSIVE and v.reason.startswith("data problems")
    assert "Alpha | Corp (AAA) unit_jump on 2024-06-04" in v.statements[2].text


def test_cannot_tell_without_prices(tmp_path: Path) -> None:
    store = make_store(tmp_path / "home")
    v = evaluate(tmp_path, store, [claim_row("e", "2024-06-04", "DDD", 'session_return(DDD) > 1% ""up""')])
    v = v["session_return"]
    assert v.verdict == claims.CANNOT_TELL and answers(v) == (NO_DATA, NO_DATA, NO_DATA)


def test_since_listing_from_offer_price_and_first_close(tmp_path: Path) -> None:
    store = make_store(tmp_path / "home")
    listing = claim_row("ipo", "2024-01-02", "AAA", "", offer="40")
    news = claim_row("news", "2024-06-04", "AAA", 'since_listing(AAA) > 20% ""up more than 20% since listing""')
    v = evaluate(tmp_path, store, [listing, news])["since_listing"]
    close = store.read("AAA")["close"]
    assert v.measured == pytest.approx(close.loc["2024-06-04"] / 40 - 1, rel=1e-12)
    assert v.extra["from_first_close"] == pytest.approx(close.loc["2024-06-04"] / close.loc["2024-01-02"] - 1)
    assert answers(v)[0] == (YES if v.measured > 0.2 else NO)
    assert "offer price 40.00" in v.statements[0].text and "first close" in v.statements[0].text
    assert "beyond ^BM" in v.statements[1].text
    assert v.robustness is not None and list(v.robustness["variant"]) == ["own benchmark", "alternative benchmark"]
    assert v.robustness["p_value"].iloc[0] == pytest.approx(v.extra["p_value"])
    assert "no prices stored for the benchmark (none)" in v.robustness["note"].iloc[1]  # US: no alternative
    assert len(v.statements) == 3 and v.verdict in claims.OUTCOMES


# -- price limits in the verdict --------------------------------------------------------------------
STAR_REGISTRY = """symbol,name,exchange,currency,benchmark,sector_index,groups,kind,calendar
000300.SS,CSI 300,SSE,CNY,,,,index,
688001.SS,Star One,SSE,CNY,000300.SS,,,stock,
"""


def test_a_limit_up_close_is_flagged_in_results_and_in_the_verdict(tmp_path: Path) -> None:
    from eventstudy.data import calendars

    dates = calendars.sessions("SSE", "2023-01-03", "2024-07-31")
    rng = np.random.default_rng(5)
    m = rng.normal(0, 0.01, len(dates))
    r = m + rng.normal(0, 0.015, len(dates))
    k = int(dates.searchsorted(pd.Timestamp("2024-06-04")))
    store = PriceStore(tmp_path / "home")
    close = np.round(50 * np.cumprod(1 + r), 2)
    close[k:] = np.round(close[k - 1] * 1.2, 2) * close[k:] / close[k]  # day 0 closes exactly at +20%
    store.write_many({"000300.SS": (bars(3000 * np.cumprod(1 + m), dates), {"source": "test"}),
                      "688001.SS": (bars(close, dates), {"source": "test"})})
    (tmp_path / "securities.csv").write_text(STAR_REGISTRY, encoding="utf-8")
    reg = load_registry(tmp_path / "securities.csv")
    row = ('e,2024-06-04,10:00,Asia/Shanghai,t,https://example.com/x,688001.SS,,'
           '"session_return(688001.SS) > 10% ""hit the limit""",confirmed,')
    run, verdicts = run_claims(tmp_path, store, [row], reg)
    res = run.results_frame().set_index("window")
    assert res.loc["[0,0]", "price_limit"] == "2024-06-04 limit up"
    assert res.loc["[0,+5]", "price_limit"] == "2024-06-04 limit up"
    assert res.loc["[-1,+1]", "price_limit"] == "2024-06-04 limit up"
    v = verdicts[0]
    assert "price limit" in v.badges and "censors the move" in v.reason
    assert v.extra["price_limit"] == "Star One (688001.SS) closed limit up on 2024-06-04"
    # The robustness table tries the STAR board's alternative benchmark, the STAR 50 (not stored here).
    assert v.robustness is not None
    alt = v.robustness.set_index("variant").loc["alternative benchmark"]
    assert alt["benchmark"] == "000688.SS" and "no prices stored for its benchmark 000688.SS" in alt["note"]


def test_robustness_stability_judges_sign_and_significance() -> None:
    from eventstudy.news.robustness import stability

    def table(values: list[float], ps: list[float]) -> pd.DataFrame:
        return pd.DataFrame({"value": values, "p_value": ps})

    assert stability(table([0.05, 0.04, np.nan], [0.01, 0.03, np.nan]))[0] is True
    assert stability(table([0.05, 0.04], [0.01, 0.20]))[0] is False
    ok, text = stability(table([0.05, -0.01], [0.40, 0.90]))
    assert ok is False and "sign" in text
    assert stability(table([0.05], [0.01]))[0] is None


# -- across claims and machine-readable output --------------------------------------------------------
def test_p_values_adjusted_across_claims(tmp_path: Path) -> None:
    store = make_store(tmp_path / "home", {"AAA": {"2024-06-04": 0.15}})
    _, verdicts = run_claims(tmp_path, store, [claim_row(
        "e", "2024-06-04", "AAA;tech", 'session_return(AAA) > 10% ""up""; group_rally(tech) > 0% ""rallied""')])
    raw = np.array([v.extra["p_value"] for v in verdicts], dtype=float)
    holm = multipletests(raw, method="holm")[1]
    bh = multipletests(raw, method="fdr_bh")[1]
    np.testing.assert_allclose([v.extra["p_holm"] for v in verdicts], holm)
    np.testing.assert_allclose([v.extra["p_bh"] for v in verdicts], bh)
    assert all(v.extra["p_holm"] >= v.extra["p_value"] for v in verdicts)  # type: ignore[operator]


def test_claims_json_is_valid_against_its_schema(tmp_path: Path) -> None:
    import jsonschema

    from eventstudy.report import claims_json, write_reports

    store = make_store(tmp_path / "home", {"AAA": {"2024-06-04": 0.15}})
    listing = claim_row("ipo", "2024-01-02", "AAA", "", offer="40")
    news = claim_row("e", "2024-06-04", "AAA;tech;DDD", 'session_return(AAA) > 10% ""up""; '
                     'since_listing(AAA) > 20% ""since listing""; group_rally(tech) > 0% ""rallied""; '
                     'session_return(DDD) > 1% ""no prices""')
    run, verdicts = run_claims(tmp_path, store, [listing, news])
    write_reports(run, verdicts, tmp_path / "out")
    doc = json.loads((tmp_path / "out" / "claims.json").read_text(encoding="utf-8"))
    jsonschema.validate(doc, claims_json.schema())
    first = doc["claims"][0]
    assert first["quote"] == "up" and first["source"] == "https://example.com/e"
    assert [s["question"] for s in first["statements"]] == ["happened", "unusual", "attributable"]
    assert first["provenance"]["securities"]["AAA"]["last_price_date"] == str(sessions()[-1].date())
    assert doc["settings"]["fallback"] == "post-event" and doc["tool"]["version"]
    assert doc["claims"][3]["verdict"] == "cannot tell" and doc["claims"][3]["measured"] is None
    assert len(first["robustness"]) >= 4
    broken = json.loads(json.dumps(doc))
    broken["claims"][0]["statements"][0]["answer"] = "maybe"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, claims_json.schema())
    frame = pd.read_csv(tmp_path / "out" / "claims.csv")
    assert {"happened", "unusual", "attributable", "badges", "p_holm", "p_bh"} <= set(frame.columns)


def test_a_group_day_all_up_with_one_outlier_is_never_ruled_out(tmp_path: Path) -> None:
    """Six of six members up, one +20%: the outlier makes the lead test's spread large, which is
    no evidence that the move was ordinary; and the outlier's own claim gets its own robustness."""
    from synthetic import SECURITIES

    members = [f"S{k}" for k in range(1, 7)]
    text = SECURITIES + "".join(f"{m},Member {m},NYSE,USD,^BM,,chips,stock,\n" for m in members)
    (tmp_path / "securities.csv").write_text(text, encoding="utf-8")
    reg = load_registry(tmp_path / "securities.csv")
    jumps = {m: {"2024-06-04": size} for m, size in zip(members, (0.20, 0.03, 0.04, 0.05, 0.035, 0.045),
                                                          strict=True)}
    store = make_store(tmp_path / "home", jumps, symbols=tuple(members))
    got = evaluate(tmp_path, store, [claim_row(
        "e", "2024-06-04", "chips",
        'group_rally(chips) > 0% ""chip stocks rallied""; session_return(S1) > 15% ""S1 jumped 15%""')], reg)
    group, own = got["group_rally"], got["session_return"]
    assert group.extra["up"] == 6 and group.fact == A.TRUE
    assert group.cause != A.NO and group.verdict != claims.NOT_SUPPORTED
    assert "GRANK" in group.statements[1].text  # the rank test is reported beside the lead test
    assert own.robustness is not None and group.robustness is not None
    own_run = own.robustness.iloc[0]
    assert own_run["value"] == pytest.approx(own.extra["abnormal_return"])  # S1's own AR, not the group mean
    assert own_run["statistic"] == "SQ" and group.robustness.iloc[0]["statistic"] == "KP-adjusted BMP"


def test_a_debut_day_gain_is_measured_from_the_offer_price(tmp_path: Path) -> None:
    """"Closed up 40% on its debut": a since-listing claim on the listing day itself, where no
    session return exists; the fact is the first close against the offer price."""
    store = make_store(tmp_path / "home")
    frame = store.read("AAA")
    listed = frame[frame.index >= "2024-06-03"]
    store.write("AAA", listed, {"source": "test"})
    first_close = float(listed["close"].iloc[0])
    offer = first_close / 1.4
    got = evaluate(tmp_path, store, [claim_row("ipo", "2024-06-03", "AAA",
                                               'since_listing(AAA) > 30% ""closed up more than 30% on its debut""',
                                               offer=f"{offer:.6f}", time="09:30")])
    v = got["since_listing"]
    assert v.fact == A.TRUE and v.measured == pytest.approx(first_close / round(offer, 6) - 1, rel=1e-9)
    assert v.cause == A.NOT_APPLICABLE and v.verdict == claims.SUPPORTED
    assert v.extra["sessions"] == 1 and "debut day" in v.statements[1].text
