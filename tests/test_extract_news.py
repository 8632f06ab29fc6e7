"""Claim extraction on the phenomena of real published news (issue 23), one rule per test, on
sentences written for these tests (the real text is measured by benchmarks/score_news_dev.py on
../shared/data/news-dev, asserted at the end of this file)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

from eventstudy.news.extract import propose

REPO = Path(__file__).resolve().parents[1]


def claims(text: str, date: dt.date | None = None) -> set[tuple[str, str, str, float]]:
    return {(c.kind, c.target, c.op, round(c.threshold * 100, 4)) for c in propose(text, date=date).claims}


def test_traditional_chinese_is_read_and_quoted_as_written() -> None:
    found = propose("寒武紀股價週一收漲5.2%。")
    assert [(c.kind, c.target, c.op, round(c.threshold * 100, 2)) for c in found.claims] == [
        ("session_return", "688256.SS", ">=", 5.15)]
    assert "寒武紀" in found.claims[0].quote  # the original characters, not the converted ones


def test_the_registry_indices_are_found_in_several_languages() -> None:
    assert ("session_return", "^HSI", "<=", -1.15) in claims("The Hang Seng Index closed down 1.2% on Monday.")
    assert ("session_return", "000688.SS", ">=", 2.5) in claims("科创50指数收涨3%。")
    assert ("session_return", "^GSPC", ">=", 0.75) in claims("L'indice S&P 500 ha chiuso in rialzo dello 0,8%.")


@pytest.mark.parametrize("text", [
    "At the midday close, the Hang Seng Index rose 2.4%.",
    "Cambricon opened 5% higher on Monday.",
    "The Hang Seng Index rose 0.3 per cent as of 10am.",
    "寒武纪早盘涨超5%。",
    "Il titolo Cambricon in apertura guadagna il 4%.",
    "Las acciones de Cambricon subían un 4% a media sesión.",
    "Акции Cambricon на открытии торгов выросли на 4%.",
])
def test_moves_at_another_time_of_day_are_not_proposed_as_closes(text: str) -> None:
    assert claims(text) == set()


def test_a_close_nearer_than_the_open_keeps_the_move() -> None:
    assert ("session_return", "688256.SS", ">=", 2.5) in claims("Cambricon opened lower but closed up 3% on Monday.")


def test_a_number_binds_to_the_subject_of_its_own_clause() -> None:
    found = claims("Among single stocks, Acme Robotics rose 9.1%, Cambricon gained 4.2%, and Foo Bar Ltd added 2.3%.")
    assert found == {("session_return", "688256.SS", ">=", 4.15)}


def test_an_exchange_code_names_its_company() -> None:
    # The code of a registry symbol names it; any other code names a company the tool does not know.
    found = claims("Hua Hong Semi Ltd (HK:1347) closed 8% higher, while Foo Corp (02390.HK) rose 5%.")
    assert found == {("session_return", "1347.HK", ">=", 7.5)}
    assert claims("知乎(02390.HK)收涨8.99%。") == set()


def test_a_chinese_subject_carries_across_clauses_unless_another_company_is_named() -> None:
    assert ("session_return", "2513.HK", ">", 13.0) in claims("智谱今日在香港上市,股价随后快速拉升,最终收涨超13%。")
    assert claims("寒武纪收涨2%,山东黄金与某某科技涨超7%。") == {("session_return", "688256.SS", ">=", 1.5)}


@pytest.mark.parametrize(("text", "lang_date"), [
    ("Nvidia shares rose more than 24% on Thursday.", dt.date(2023, 5, 25)),
    ("Le azioni di Nvidia sono salite di oltre il 24% giovedì.", dt.date(2023, 5, 25)),
    ("Las acciones de Nvidia subieron más de un 24% el jueves.", dt.date(2023, 5, 25)),
    ("Акции Nvidia в четверг выросли более чем на 24%.", dt.date(2023, 5, 25)),
    ("英伟达股价周四收涨超24%。", dt.date(2023, 5, 25)),
])
def test_the_article_weekday_is_the_article_day(text: str, lang_date: dt.date) -> None:
    found = [c for c in propose(text, date=lang_date).claims if c.target == "NVDA"]
    assert found and found[0].date == lang_date


def test_an_earlier_weekday_is_the_most_recent_one_and_last_means_the_week_before() -> None:
    base = dt.date(2023, 5, 25)  # a Thursday
    assert propose("Nvidia shares rose 5% on Tuesday.", date=base).claims[0].date == dt.date(2023, 5, 23)
    assert propose("Nvidia shares rose 5% last Thursday.", date=base).claims[0].date == dt.date(2023, 5, 18)


@pytest.mark.parametrize(("text", "target"), [
    ("MiniMax closed up 109% on its debut.", "0100.HK"),
    ("Moore Threads shares jumped 425% in their Shanghai trading debut.", "688795.SS"),
    ("摩尔线程上市首日收涨425%。", "688795.SS"),
    ("Il titolo MiniMax ha chiuso il primo giorno di quotazione in rialzo del 109%.", "0100.HK"),
])
def test_a_debut_day_gain_is_a_since_listing_claim(text: str, target: str) -> None:
    kinds = {(c.kind, c.target) for c in propose(text).claims}
    assert kinds == {("since_listing", target)}


def test_a_company_moving_without_a_number_is_no_claim_but_a_group_is() -> None:
    assert claims("Cambricon shares climbed on Monday.") == set()
    assert claims("Chinese chipmakers rallied on Monday.") == {("group_rally", "china-ai-chips", ">", 0.0)}
    # "a chipmaker" is one company, not the group
    assert claims("Acme, a Chinese chipmaker, closed 10% higher.") == set()


def test_cumulative_moves_over_several_sessions_are_period_claims() -> None:
    found = claims("寒武纪周一单日涨幅达11.4%,近5个交易日累计涨逾45%。")
    assert ("period_return", "688256.SS", ">", 45.0) in found
    assert not any(k == "session_return" and t == 45.0 for k, _, _, t in found)


@pytest.mark.parametrize(("text", "op"), [
    ("Las acciones de Cambricon subían un 2,1% al cierre.", ">="),
    ("Las acciones de Cambricon cerraron con pérdidas del 2,1%.", "<="),
    ("Entre los valores destacados figuró el fabricante Cambricon (+2,1 %).", ">="),
])
def test_spanish_forms_of_rising_and_falling(text: str, op: str) -> None:
    assert {(k, t, o) for k, t, o, _ in claims(text)} == {("session_return", "688256.SS", op)}


def test_a_name_outside_the_registry_between_name_and_number_takes_the_number() -> None:
    found = claims("L'indice S&P 500 è sceso dell'1,6% e il Nasdaq del 2,3%.")
    assert {(k, t) for k, t, _, _ in found} == {("session_return", "^GSPC")}
    assert all(thr > -2 for _, _, _, thr in found)
    # a name's own ticker in brackets is no other name
    assert ("session_return", "^HSI", "<=", -0.755) in claims("恒生指数(HSI)收盘下跌0.76%。")


@pytest.mark.shared
def test_precision_and_recall_on_real_published_news() -> None:
    """The development set of real excerpts (../shared/data/news-dev), scored by the set's own rules.
    Issue 23's targets are precision 0.95 and recall 0.75 (0.60 in each language); the recall floors
    are a little under what the extractor reaches today (0.825, 0.72 in its weakest language), so that
    no change slips back."""
    from conftest import _shared_path

    _shared_path("data", "news-dev", "items.csv")
    sys.path.insert(0, str(REPO / "benchmarks"))
    import score_news_dev as scoring

    items = scoring.load()
    scoring.extract(items)
    s = scoring.score(items)
    assert s.total.precision >= 0.95 and s.total.recall >= 0.80, scoring.report(s)
    assert min(t.recall for t in s.by_lang.values()) >= 0.70, scoring.report(s)
    # the confidence is calibrated (benchmarks/calibrate_confidence.py): of the proposals at 0.8 or
    # more, at least 90% are right
    at_08 = next((ok, n) for floor, ok, n in s.calibration if abs(floor - 0.8) < 1e-9)
    assert at_08[1] and at_08[0] / at_08[1] >= 0.90, scoring.report(s)


@pytest.mark.parametrize(("text", "expected"), [
    ("Cambricon shares have more than doubled this year.", ("period_return", "688256.SS", ">", 100.0)),
    ("寒武纪股价今年以来涨了3倍。", ("period_return", "688256.SS", ">=", 299.5)),
    ("Акции Moore Threads в первый день торгов выросли в 5 раз.", ("since_listing", "688795.SS", ">=", 399.5)),
    ("Las acciones de Moore Threads se multiplicaron por cinco en su debut.",
     ("since_listing", "688795.SS", ">=", 399.5)),
])
def test_multiples_are_read_as_percentages(text: str, expected: tuple) -> None:
    assert expected in claims(text)


def test_an_epithet_is_not_the_company_it_names() -> None:
    found = claims("Moore Threads, dubbed China's Nvidia, closed up 425% on its debut.")
    assert {t for _, t, _, _ in found} == {"688795.SS"}


def test_moves_of_companies_outside_the_registry_are_reported_not_dropped() -> None:
    found = propose("Among single stocks, WuXi AppTec rose 6.09%, Cambricon gained 4.2% and 知乎(02390.HK)涨近9%。")
    assert [c.target for c in found.claims] == ["688256.SS"]
    names = {u.name: u.stated for u in found.unknown}
    assert names.get("WuXi AppTec") == "+6.09%" and names.get("(02390.HK)") == "+9%"


def test_claims_extract_names_the_unknown_companies(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from clirun import run_cli

    article = tmp_path / "a.txt"
    article.write_text("Shares of WuXi AppTec rose 6.1% on Monday.", encoding="utf-8")
    code, out, _ = run_cli(["claims", "extract", str(article)], capsys)
    assert code == 0 and "not proposed: +6.1% of 'WuXi AppTec', not in the registry" in out and "--aliases" in out


def test_a_group_number_stays_in_the_group_clause_and_amplitudes_are_levels() -> None:
    # the second clause has a subject of its own (a company the registry does not know)
    assert not any(t == "china-ai-chips" and thr == -17.0 for _, t, _, thr in claims("芯片板块全线下跌,博通跌超17%。"))
    assert claims("科创50指数收盘涨幅2.81%,指数振幅为3.96%。") == {("session_return", "000688.SS", ">=", 2.805)}
