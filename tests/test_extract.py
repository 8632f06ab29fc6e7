"""Claims read from articles: numbers, dates, names, the labelled set's precision and recall, the
events they become, and the commands. Every text here is written for the tests."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from claims_scoring import load_examples, score
from hypothesis import given
from hypothesis import strategies as st
from synthetic import make_store, registry
from test_cli import run_cli

from eventstudy.data.securities import default_registry
from eventstudy.errors import UserError
from eventstudy.news.events import load_events
from eventstudy.news.extract import default_lexicon, load_aliases, propose, propose_file
from eventstudy.news.extract.dates import article_date, relative_date
from eventstudy.news.extract.language import detect
from eventstudy.news.extract.text import percents, sentences
from eventstudy.news.extract.to_events import build_events, write_events

# Thresholds documented in README ("Claims read from articles"): precision comes first.
MIN_PRECISION = 0.95
MIN_RECALL = 0.85
MIN_RECALL_PER_LANGUAGE = 0.75
REPO = Path(__file__).resolve().parents[1]


# -- the labelled set --------------------------------------------------------------------------------
def test_labelled_set_precision_and_recall() -> None:
    examples = load_examples()
    assert len(examples) >= 60
    assert {e.lang for e in examples} == {"en", "it", "es", "ru", "zh"}
    assert sum(1 for e in examples if not e.expected) >= 25  # hard negatives
    total, by_lang, _ = score(examples)
    assert total.precision >= MIN_PRECISION, total
    assert total.recall >= MIN_RECALL, total
    for lang, s in by_lang.items():
        assert s.recall >= MIN_RECALL_PER_LANGUAGE, (lang, s)


def test_every_quote_is_the_text_at_its_offsets() -> None:
    for ex in load_examples():
        for c in propose(ex.text).claims:
            assert ex.text[c.start:c.end] == c.quote
            assert c.sentence[0] <= c.start < c.end <= c.sentence[1]
            assert 0 < c.confidence <= 1


# -- numbers ---------------------------------------------------------------------------------------
@given(st.integers(min_value=0, max_value=999), st.integers(min_value=0, max_value=99),
       st.sampled_from(["", "+", "-"]), st.sampled_from([",", "."]), st.sampled_from(["%", " %", "\u00a0%", "％"]),
       st.booleans())
def test_percentages_read_back_as_written(whole: int, frac: int, sign: str, mark: str, unit: str,
                                          has_frac: bool) -> None:
    digits = f"{frac:02d}" if has_frac else ""
    written = f"{sign}{whole}{mark + digits if digits else ''}{unit}"
    found = percents(f"azioni in rialzo del {written} oggi")
    assert len(found) == 1
    p = found[0]
    assert p.value == Decimal(f"{whole}.{digits}" if digits else str(whole))
    assert p.sign == {"": 0, "+": 1, "-": -1}[sign]
    assert p.unit == (Decimal("0.01") if digits else Decimal(1))


@pytest.mark.parametrize(("text", "value"), [
    ("более чем на 80 %", "80"), ("涨超17%", "17"), ("di oltre l'80%", "80"), ("17,5 per cento", "17.5"),
    ("80 процентов", "80"), ("1,000%", "1000"), ("tra il 10-15%", "15"),
])
def test_percentage_formats(text: str, value: str) -> None:
    assert [p.value for p in percents(text)] == [Decimal(value)]


def test_no_percentage_in_plain_numbers() -> None:
    assert percents("9.000 millones de parámetros, GLM-4, 2026, 910B") == []


def test_sentences_skip_abbreviations_and_decimals() -> None:
    text = "Alpha Corp. rose 17.5% today. Then it fell! 智谱大涨。寒武纪下跌"
    assert [text[s.start:s.end] for s in sentences(text)] == [
        "Alpha Corp. rose 17.5% today.", "Then it fell!", "智谱大涨。", "寒武纪下跌"]


# -- what each rule reads ----------------------------------------------------------------------------
def only(text: str, **kwargs):  # type: ignore[no-untyped-def]
    claims = propose(text, **kwargs).claims
    assert len(claims) == 1, claims
    return claims[0]


@pytest.mark.parametrize(("text", "op", "threshold"), [
    ("Zhipu shares rose more than 17% in one session.", ">", 0.17),
    ("Zhipu shares rose 17% in one session.", ">=", 0.165),  # the smallest value that rounds to 17%
    ("Zhipu shares rose 17.5% in one session.", ">=", 0.1745),
    ("Zhipu shares fell more than 10% in one session.", "<", -0.10),
    ("Zhipu shares fell 10% in one session.", "<=", -0.095),
    ("Zhipu shares rose less than 2% in one session.", "<", 0.02),
    ("Zhipu shares fell less than 2% in one session.", ">", -0.02),
    ("Zhipu shares moved +3% in one session.", ">=", 0.025),
    ("Zhipu shares moved -3% in one session.", "<=", -0.025),
])
def test_operator_and_threshold(text: str, op: str, threshold: float) -> None:
    c = only(text)
    assert (c.kind, c.target, c.op) == ("session_return", "2513.HK", op)
    assert c.threshold == pytest.approx(threshold, abs=1e-12)


def test_horizon_nearest_the_number_decides_the_kind() -> None:
    c = only("Zhipu, whose shares are up 80% since listing, said nothing else.")
    assert c.kind == "since_listing" and c.horizon == "listing"
    c = only("Zhipu shares have gained 40% this year.")
    assert c.kind == "period_return" and c.evaluable and c.period is not None and c.period.label == "ytd"


def test_the_company_points_back_to_the_last_company_named() -> None:
    c = only("Zhipu released a model. The company's shares rose 5% in one session.")
    assert c.target == "2513.HK" and "->" in c.subject
    # An unlisted company named in between stops it: the claim would be about Huawei.
    assert propose("Zhipu used Huawei chips. Huawei said the company's shares rose 5% in one session.").claims == []


def test_user_aliases_extend_the_table(tmp_path: Path) -> None:
    path = tmp_path / "aliases.csv"
    path.write_text("alias,target\nKnowledge Atlas Tech*,2513.HK\nMy Chip Basket,china-ai-chips\n", encoding="utf-8")
    table = load_aliases(path)
    assert only("My Chip Basket rallied in one session.", aliases=table).target == "china-ai-chips"
    assert only("Knowledge Atlas Technologies shares fell 4% today.", aliases=table).target == "2513.HK"
    assert propose("My Chip Basket rallied in one session.").claims == []  # not in the shipped table


def test_bad_aliases_file_is_a_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "aliases.csv"
    path.write_text("alias,target\nZhipu,\n", encoding="utf-8")
    with pytest.raises(UserError) as exc:
        load_aliases(path)
    assert exc.value.line == 2 and exc.value.field == "target"
    with pytest.raises(UserError):
        load_aliases(tmp_path / "missing.csv")


@pytest.mark.parametrize(("text", "target"), [
    ("Акции Камбрикона подешевели на 5% за одну сессию.", "688256.SS"),
    ("Акции производителей чипов подешевели на 5% за одну сессию.", "china-ai-chips"),
    ("Le azioni di Zhipu AI sono salite del 5% in una sola seduta.", "2513.HK"),
    ("寒武纪股价单日下跌5%。", "688256.SS"),
])
def test_names_in_every_script(text: str, target: str) -> None:
    assert only(text).target == target


def test_shipped_aliases_name_registry_targets() -> None:
    reg = default_registry()
    for alias, target in load_aliases():
        assert target in ("-", "~", "=") or reg.knows(target), alias


# -- language and dates --------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "lang"), [
    ("Le azioni della società sono salite in una sola seduta dopo l'annuncio del modello.", "it"),
    ("Las acciones de la compañía subieron en una sola sesión tras el anuncio.", "es"),
    ("Акции компании подорожали за одну сессию после выхода модели.", "ru"),
    ("The company's shares rose in a single session after the model was released.", "en"),
    ("公司股价在模型发布后单日大涨。", "zh"),
])
def test_language(text: str, lang: str) -> None:
    assert detect(text)[0] == lang


@pytest.mark.parametrize(("words", "lang", "expected"), [
    ("ieri il titolo è salito", "it", "2026-01-14"),
    ("el lunes cayó", "es", "2026-01-12"),
    ("В минувший четверг акции выросли", "ru", "2026-01-08"),
    ("last Thursday it rose", "en", "2026-01-08"),
    ("上周三股价大涨", "zh", "2026-01-07"),
    ("周三股价大涨", "zh", "2026-01-14"),
])
def test_relative_dates(words: str, lang: str, expected: str) -> None:
    found = relative_date(default_lexicon(), words, lang, dt.date(2026, 1, 15))  # a Thursday
    assert found is not None and found[0] == dt.date.fromisoformat(expected)


def test_article_date_from_the_text_and_claim_dates() -> None:
    assert article_date("Milano, 15 gennaio 2026. Il titolo...", "it") == (dt.date(2026, 1, 15), "15 gennaio 2026")
    assert article_date("Москва, 14 января 2026 г.", "ru") == (dt.date(2026, 1, 14), "14 января 2026")
    assert article_date("2026年1月14日电", "zh") == (dt.date(2026, 1, 14), "2026年1月14日")
    # Not a date in full: nothing may be filled in from today's date.
    assert article_date("il modello 9, 2026 e la versione 20 2024", "it") is None
    art = propose("Milano, 15 gennaio 2026. Ieri le azioni di Zhipu sono salite del 17% in una sola seduta.")
    assert art.date == dt.date(2026, 1, 15) and "15 gennaio 2026" in art.date_note
    assert art.claims[0].date == dt.date(2026, 1, 14)
    art = propose("Ieri le azioni di Zhipu sono salite del 17%.", date=dt.date(2026, 1, 20))
    assert art.claims[0].date == dt.date(2026, 1, 19)
    # A since-listing claim is measured as of the article's date, not the listing day it mentions.
    art = propose("Zhipu si è quotata giovedì scorso e da allora il titolo è salito del 60% dalla quotazione.",
                  date=dt.date(2026, 1, 15))
    assert art.claims[0].kind == "since_listing" and art.claims[0].date == dt.date(2026, 1, 15)
    assert propose("Le azioni di Zhipu sono salite del 17% in una sola seduta.").claims[0].date is None


# -- events -----------------------------------------------------------------------------------------
ZHIPU_LISTING = ("zhipu-ipo,2026-01-08,09:30,Asia/Hong_Kong,Zhipu lists,https://example.com/ipo,2513.HK,116.20,,"
                 "confirmed,\n")
HEADER = "id,date,time,timezone,title,source,targets,offer_price,claims,certainty,notes\n"


def write_article(folder: Path, text: str, name: str = "news.txt") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


ARTICLE = ("Zhipu ha presentato un nuovo modello. Il titolo della società è salito di oltre il 17% in una sola "
           "seduta e le azioni sono salite di oltre l'80% dalla quotazione. Giornata di rally per i titoli dei chip. "
           "Le azioni di Zhipu sono salite del 30% quest'anno.")


def test_to_events_rows_load_and_copy_the_listing_row(tmp_path: Path) -> None:
    reg = default_registry()
    ref_path = tmp_path / "mine.csv"
    ref_path.write_text(HEADER + ZHIPU_LISTING, encoding="utf-8")
    reference = load_events(ref_path, reg)
    art = propose_file(write_article(tmp_path, ARTICLE), date=dt.date(2026, 1, 14))
    assert [c.kind for c in art.claims] == ["session_return", "since_listing", "group_rally", "period_return"]
    events, skipped = build_events([art], reg, reference=reference)
    assert skipped == []
    out = tmp_path / "proposed.csv"
    write_events(out, events, reg, reference)
    loaded = {e.id: e for e in load_events(out, reg)}
    assert set(loaded) == {"zhipu-ipo", "news"}
    news = loaded["news"]
    assert news.source == (tmp_path / "news.txt").resolve().as_uri()
    assert news.date == dt.date(2026, 1, 14) and news.time is None and news.timezone == "Asia/Hong_Kong"
    assert news.certainty == "uncertain"
    assert [c.format().split(' "')[0] for c in news.claims] == [
        "session_return(2513.HK) > 17%", "since_listing(2513.HK) > 80%", "group_rally(china-ai-chips) > 0%",
        "period_return(2513.HK, ytd) >= 29.5%"]
    assert all(c.text in ARTICLE for c in news.claims)
    # Appending again keeps what is there and takes a new id.
    write_events(out, events, reg, reference)
    assert [e.id for e in load_events(out, reg)] == ["zhipu-ipo", "news", "news-2"]


def test_since_listing_without_a_listing_event_is_not_written(tmp_path: Path) -> None:
    reg = default_registry()
    art = propose_file(write_article(tmp_path, ARTICLE), date=dt.date(2026, 1, 14))
    events, skipped = build_events([art], reg, reference=[], min_confidence=0.0)
    assert any(s.claim.kind == "since_listing" and "listing event" in s.why for s in skipped)
    out = write_events(tmp_path / "new.csv", events, reg)
    assert [c.kind for c in load_events(out, reg)[0].claims] == ["session_return", "group_rally", "period_return"]


def test_without_a_date_nothing_is_written(tmp_path: Path) -> None:
    art = propose_file(write_article(tmp_path, ARTICLE))
    events, skipped = build_events([art], default_registry())
    assert events == [] and all("--date" in s.why or "evaluates" in s.why for s in skipped)


# -- the commands ----------------------------------------------------------------------------------
def test_claims_extract_table_json_and_errors(tmp_path: Path, capsys) -> None:
    path = write_article(tmp_path, ARTICLE)
    code, out, err = run_cli(["claims", "extract", str(path), "--date", "2026-01-14"], capsys)
    assert code == 0, err
    assert "language it" in out and "session_return(2513.HK) > 17%" in out and "period_return(2513.HK, ytd)" in out
    code, out, err = run_cli(["claims", "extract", str(path), "--json"], capsys)
    assert code == 0, err
    [doc] = json.loads(out)
    assert doc["language"] == "it" and doc["date"] is None
    first = doc["claims"][0]
    assert ARTICLE[first["start"]:first["end"]] == first["quote"]
    code, _, err = run_cli(["claims", "extract", str(path), "--date", "14/01/2026"], capsys)
    assert code == 2 and "--date" in err
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("Le azioni sono salite del 5% è".encode("latin-1"))
    code, _, err = run_cli(["claims", "extract", str(bad)], capsys)
    assert code == 2 and "not UTF-8" in err


def test_claims_extract_to_events_with_the_repo_events(tmp_path: Path, capsys) -> None:
    path = write_article(tmp_path, ARTICLE)
    out = tmp_path / "out.csv"
    code, _, err = run_cli(["claims", "extract", str(path), "--date", "2026-01-14",
                            "--events", str(REPO / "events.csv"), "--to-events", str(out),
                            "--source", "https://example.com/news/1"], capsys)
    assert code == 0, err
    assert "not written" not in err  # the period claim too: its period is read ("quest'anno": the year to date)
    loaded = load_events(out, default_registry())
    assert [e.id for e in loaded] == ["zhipu-ipo", "news"]
    assert loaded[1].claims[-1].format().startswith("period_return(2513.HK, ytd) >= 29.5%")
    assert loaded[1].source == "https://example.com/news/1"


def test_check_gives_each_claim_its_verdict(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # no events.csv here: no reference events
    reg_dir = tmp_path / "reg"
    reg_dir.mkdir()
    registry(reg_dir)
    make_store(Path(tmp_path / "home"), {"AAA": {"2024-06-04": 0.15}})
    aliases = tmp_path / "aliases.csv"
    aliases.write_text("alias,target\nAlpha Corp,AAA\nBeta Inc,BBB\n", encoding="utf-8")
    article = write_article(tmp_path, "Alpha Corp shares rose more than 10% in one session. "
                                      "Beta Inc shares fell more than 10% in one session. "
                                      "Alpha Corp's market share rose to 40%.")
    code, out, err = run_cli(["--home", str(tmp_path / "home"), "--securities", str(reg_dir / "securities.csv"),
                              "check", str(article), "--date", "2024-06-04", "--aliases", str(aliases)], capsys)
    assert code == 0, err
    lines = [line for line in out.splitlines() if line.startswith("[")]
    # The move happened and was unusual, but an article gives no time of day: the rule says inconclusive.
    assert lines[0].startswith("[inconclusive] session_return(AAA) > 10%")
    assert "uncertain timing" in out
    assert lines[1].startswith("[not supported] session_return(BBB) < -10%")
    assert len(lines) == 2


def test_check_with_an_empty_store_says_how_to_fill_it(tmp_path: Path, capsys) -> None:
    article = write_article(tmp_path, "Zhipu shares rose more than 17% in one session.")
    code, _, err = run_cli(["check", str(article), "--date", "2026-01-14"], capsys)
    assert code == 2 and "prices import" in err


# -- the real articles (../shared) -----------------------------------------------------------------
def _article_claims(articles_dir: Path) -> dict[str, list[tuple[str, str, str, float]]]:
    out = {}
    for path in sorted(articles_dir.glob("*.txt")):
        art = propose_file(path, date=dt.date(2026, 1, 14))
        out[path.name[:3]] = [(c.kind, c.target, c.op, round(c.threshold, 6)) for c in art.claims]
    return out


@pytest.mark.shared
def test_real_articles_give_the_three_claims_and_nothing_from_percent_of_efficiency(articles_dir: Path) -> None:
    found = _article_claims(articles_dir)
    session = ("session_return", "2513.HK", ">", 0.17)
    listing = ("since_listing", "2513.HK", ">", 0.8)
    rally = ("group_rally", "china-ai-chips", ">", 0.0)
    every = [c for claims in found.values() for c in claims]
    assert session in every and listing in every and rally in every
    assert session in found["001"] and rally in found["001"]
    assert listing in found["000"] and listing in found["002"]
    assert found["004"] == []  # the iFlytek article's efficiency percentages are not market moves
    assert found["003"] == []
    assert set(every) <= {session, listing, rally}


@pytest.mark.shared
def test_check_on_the_real_article_prints_its_verdict(articles_dir: Path, real_dir: Path, capsys) -> None:
    code, _, err = run_cli(["prices", "import", *sorted(str(p) for p in real_dir.glob("*.csv"))], capsys)
    assert code == 0, err
    code, out, err = run_cli(["check", str(articles_dir / "001_92a04379c671d3c9.txt"), "--date", "2026-01-14",
                              "--events", str(REPO / "events.csv")], capsys)
    assert code == 0, err
    session = next(line for line in out.splitlines() if line.startswith("[") and "session_return(2513.HK)" in line)
    assert session.startswith("[inconclusive] session_return(2513.HK) > 17%")
    assert "+18.81%" in out
    assert any(line.startswith("[") and "group_rally(china-ai-chips)" in line for line in out.splitlines())
