"""The announcement's time of day for events built from an article: the phrases an article states
("after the close", 收盘后, "tras el cierre"), --time and --timezone, and check's exit codes. Every
text here is written for the tests."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from synthetic import make_store, registry
from test_cli import run_cli

from eventstudy.data.securities import default_registry
from eventstudy.news.events import load_events
from eventstudy.news.extract import propose
from eventstudy.news.extract.event_time import clock
from eventstudy.news.extract.timing import stated_time, stated_times
from eventstudy.news.extract.to_events import build_events


def slots(text: str) -> list[tuple[str, str, str]]:
    return [(t.slot, t.phrase, t.day) for t in stated_times(text)]


# -- phrases ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "slot", "phrase", "day"), [
    ("Alpha Corp reported results after the close on Wednesday, and its shares rose 10% on Thursday.",
     "after_close", "after the close", "on Wednesday"),
    ("The chip maker released its quarterly figures after the bell.", "after_close", "after the bell", ""),
    ("Alpha announced the merger after-hours.", "after_close", "after-hours", ""),
    ("Alpha released its new model before the market opened.", "before_open", "before the market opened", ""),
    ("The results came out premarket.", "before_open", "premarket", ""),
    ("Alpha unveiled the product during trading on Tuesday.", "during", "during trading", "on Tuesday"),
    ("The company announced the deal at midday.", "midday", "midday", ""),
    ("阿尔法公司周三收盘后发布财报，股价次日大涨10%。", "after_close", "收盘后", "周三"),
    ("阿尔法公司盘前公布了业绩。", "before_open", "盘前", ""),
    ("该公司开盘前宣布收购。", "before_open", "开盘前", ""),
    ("智谱午间发布新模型。", "midday", "午间", ""),
    ("La società ha pubblicato i conti dopo la chiusura di mercoledì.", "after_close", "dopo la chiusura",
     "mercoledì"),
    ("Alfa ha annunciato l'accordo prima dell'apertura.", "before_open", "prima dell'apertura", ""),
    ("La empresa presentó resultados tras el cierre del miércoles.", "after_close", "tras el cierre", "miércoles"),
    ("La empresa anunció la compra antes de la apertura.", "before_open", "antes de la apertura", ""),
    ("Компания опубликовала отчёт после закрытия торгов в среду.", "after_close", "после закрытия торгов",
     "в среду"),
    ("Компания объявила о сделке до открытия.", "before_open", "до открытия", ""),
])
def test_a_stated_time_of_the_announcement(text: str, slot: str, phrase: str, day: str) -> None:
    assert slots(text) == [(slot, phrase, day)]


@pytest.mark.parametrize("text", [
    "Alpha Corp shares fell 5% after hours following the results.",  # a price move, not the release
    "Shares of Alpha rose 8% in after-hours trading after the company reported results.",
    "Alpha announced the deal. Shares fell 3% after hours.",  # the sentence before does not reach a move
    "阿尔法公司股价盘后大涨10%，此前公司发布了财报。",
    "阿尔法公司股价盘中一度涨超10%。",
    "Alpha shares traded lower before the open.",  # no announcement at all
    "Le azioni di Alfa sono salite del 4% dopo la chiusura.",
    "Las acciones de Alfa cayeron un 3% tras el cierre.",
    "Акции Альфы подорожали на 5% после закрытия торгов.",
])
def test_a_time_said_of_a_price_move_is_not_the_announcement(text: str) -> None:
    assert slots(text) == []


def test_the_sentence_before_may_hold_the_announcement() -> None:
    found = stated_times("Alpha announced the deal. The news came after the bell.")
    assert [(t.slot, t.announcement) for t in found] == [("after_close", "(the sentence before)")]


def test_phrases_that_disagree_give_no_time() -> None:
    stated, found = stated_time("Alpha reported results after the close. Beta released figures before the open.")
    assert stated is None and [t.slot for t in found] == ["after_close", "before_open"]
    stated, _ = stated_time("Alpha reported results after the bell. The results came after the close on Monday.")
    assert stated is not None and stated.day == "on Monday"  # the one naming its day says more


def test_matching_stays_linear_on_long_hostile_text() -> None:
    import time

    # One "sentence" of thousands of cues (no full stop) and runs that almost match a phrase.
    text = ("after the close reported rose 5% on Monday " * 3000) + ("after the " * 20000) + ("收盘" * 20000)
    started = time.perf_counter()
    found = stated_times(text)
    assert time.perf_counter() - started < 10
    assert len(found) == 3000 and found[1].day == "on Monday"


# -- clock times on the exchange's calendar ---------------------------------------------------------
def test_slots_become_times_on_the_exchange_clock() -> None:
    assert clock("HKEX", dt.date(2026, 1, 14), "after_close")[0] == dt.time(16, 30)
    assert clock("NYSE", dt.date(2024, 6, 4), "before_open")[0] == dt.time(8, 30)
    assert clock("NYSE", dt.date(2024, 6, 4), "midday")[0] == dt.time(12, 0)
    assert clock("SSE", dt.date(2026, 1, 14), "during")[0] == dt.time(12, 0)
    # A half day that closes at noon: its close, and the middle of the morning for "midday".
    assert clock("HKEX", dt.date(2024, 12, 24), "after_close")[0] == dt.time(12, 30)
    assert clock("HKEX", dt.date(2024, 12, 24), "midday")[0] == dt.time(10, 45)
    # A Saturday takes the next session's hours (day 0 is that session either way).
    assert clock("NYSE", dt.date(2024, 6, 8), "after_close")[0] == dt.time(16, 30)


def test_a_stated_time_places_day_zero_and_confirms_the_event() -> None:
    reg = default_registry()
    text = "Zhipu released GLM-Test after the close on Tuesday. Zhipu shares rose more than 17% in one session."
    art = propose(text, source="/tmp/news.txt", date=dt.date(2026, 1, 14))
    assert art.stated_day == dt.date(2026, 1, 13)
    [event], _ = build_events([art], reg)
    # Released Tuesday after the close: day 0 is Wednesday, the claim's day, so the event is Tuesday's.
    assert (event.date, event.time, event.timezone) == (dt.date(2026, 1, 13), dt.time(16, 30), "Asia/Hong_Kong")
    assert event.certainty == "confirmed"
    assert "read from the article: 'after the close on Tuesday'" in event.notes and "day 0 2026-01-14" in event.notes


def test_without_a_stated_time_the_note_says_how_to_give_one() -> None:
    art = propose("Zhipu shares rose more than 17% in one session.", source="/tmp/n.txt", date=dt.date(2026, 1, 14))
    [event], _ = build_events([art], default_registry())
    assert event.certainty == "uncertain" and event.time is None and "--time HH:MM" in event.notes


def test_a_stated_day_whose_day_zero_misses_the_claims_leaves_the_time_unknown() -> None:
    text = "Zhipu released GLM-Test after the close on Monday. Zhipu shares rose more than 17% in one session."
    art = propose(text, source="/tmp/n.txt", date=dt.date(2026, 1, 14))
    [event], _ = build_events([art], default_registry())
    assert event.date == dt.date(2026, 1, 14) and event.time is None
    assert "puts day 0 on 2026-01-13, not on 2026-01-14" in event.notes


# -- the commands ----------------------------------------------------------------------------------
@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Synthetic NYSE prices: AAA jumps +15% on 2024-06-04, BBB falls 15% on 2024-06-05; DDD is
    registered but has no prices; the aliases name all three and an unregistered ZZZ."""
    monkeypatch.chdir(tmp_path)  # no events.csv here: no reference events
    (tmp_path / "reg").mkdir()
    registry(tmp_path / "reg")
    make_store(tmp_path / "home", {"AAA": {"2024-06-04": 0.15}, "BBB": {"2024-06-05": -0.15}})
    (tmp_path / "aliases.csv").write_text("alias,target\nAlpha Corp,AAA\nBeta Inc,BBB\nDelta Ltd,DDD\nZeta Co,ZZZ\n",
                                          encoding="utf-8")
    return tmp_path


def check(world: Path, capsys: pytest.CaptureFixture[str], text: str, *args: str) -> tuple[int, str, str]:
    article = world / "news.txt"
    article.write_text(text, encoding="utf-8")
    return run_cli(["--home", str(world / "home"), "--securities", str(world / "reg" / "securities.csv"),
                    "check", str(article), "--aliases", str(world / "aliases.csv"), *args], capsys)


def verdicts(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith("[")]


ALPHA = "Alpha Corp shares rose more than 10% in one session."


def test_check_with_time_reaches_a_verdict(world: Path, capsys) -> None:
    code, out, err = check(world, capsys, ALPHA, "--date", "2024-06-04")
    assert code == 0, err
    assert verdicts(out)[0].startswith("[inconclusive] session_return(AAA) > 10%")
    assert "--time HH:MM" in out  # says how to give the time
    code, out, err = check(world, capsys, ALPHA, "--date", "2024-06-04", "--time", "09:00")
    assert code == 0, err
    assert verdicts(out)[0].startswith("[supported] session_return(AAA) > 10%")
    assert "confirmed: time given with --time 09:00 America/New_York" in out
    assert out.splitlines()[-1] == "checked 1 of 1 claims"


def test_check_time_after_the_close_moves_day_zero(world: Path, capsys) -> None:
    # 16:30 New York on 2024-06-04 is after that session: day 0 is 2024-06-05, when AAA did nothing.
    code, out, err = check(world, capsys, ALPHA, "--date", "2024-06-04", "--time", "16:30")
    assert code == 0, err
    assert "day 0 2024-06-05" in out
    assert verdicts(out)[0].startswith("[not supported]")
    # The same wall time read in Hong Kong is 04:30 in New York: before the open, day 0 2024-06-04.
    code, out, err = check(world, capsys, ALPHA, "--date", "2024-06-04", "--time", "16:30", "--timezone",
                           "Asia/Hong_Kong")
    assert code == 0, err
    assert "2024-06-04 16:30 Asia/Hong_Kong, confirmed" in out and "day 0 2024-06-04" in out
    assert verdicts(out)[0].startswith("[supported]")


def test_check_reads_the_time_the_article_states(world: Path, capsys) -> None:
    text = "Beta Inc reported results after the close on Tuesday. Beta Inc shares fell more than 10% in one session."
    code, out, err = check(world, capsys, text, "--date", "2024-06-05")
    assert code == 0, err
    assert "event news: 2024-06-04 16:30 America/New_York, confirmed" in out
    assert "read from the article: 'after the close on Tuesday'" in out
    assert verdicts(out)[0].startswith("[supported] session_return(BBB) < -10%")


def test_check_reads_a_chinese_stated_time(world: Path, capsys) -> None:
    (world / "aliases.csv").write_text("alias,target\n阿尔法,AAA\n", encoding="utf-8")
    code, out, err = check(world, capsys, "阿尔法盘前发布财报。阿尔法股价单日上涨超过10%。", "--date", "2024-06-04")
    assert code == 0, err
    assert "2024-06-04 08:30 America/New_York, confirmed" in out and "'盘前'" in out
    assert verdicts(out)[0].startswith("[supported] session_return(AAA) > 10%")


@pytest.mark.parametrize(("args", "words"), [
    (["--time", "25:00"], ["--time", "'25:00'", "hour is out of range", "HH:MM"]),
    (["--time", "16:75"], ["--time", "minute is out of range"]),
    (["--time", "4pm"], ["--time", "bad time '4pm'", "HH:MM"]),
    (["--time", "16:30", "--timezone", "Mars/Olympus"], ["--timezone", "unknown time zone 'Mars/Olympus'"]),
    (["--time", "16:30", "--timezone", "EST"], ["unknown time zone 'EST'"]),
    (["--timezone", "America/New_York"], ["--timezone", "no --time was given"]),
    (["--time", "02:30", "--timezone", "America/New_York", "--date", "2024-03-10"], ["daylight-saving gap"]),
])
def test_bad_time_or_zone_is_one_line_and_exit_2(world: Path, capsys, args: list[str], words: list[str]) -> None:
    if "--date" not in args:
        args = [*args, "--date", "2024-06-04"]
    code, out, err = check(world, capsys, ALPHA, *args)
    assert code == 2 and out == ""
    assert err.startswith("eventstudy: error: ") and len(err.strip().splitlines()) == 1
    assert all(w in err for w in words), err


def test_check_exits_1_when_a_claim_cannot_be_checked(world: Path, capsys) -> None:
    text = (f"{ALPHA} Delta Ltd shares rose more than 10% in one session. "
            "Zeta Co shares fell more than 10% in one session.")
    code, out, err = check(world, capsys, text, "--date", "2024-06-04", "--time", "09:00")
    assert code == 1, err
    lines = out.splitlines()
    assert any(line.startswith("[not checked] session_return(ZZZ)") and "not in the securities registry" in line
               for line in lines)
    assert any(line.startswith("[cannot tell] session_return(DDD)") for line in lines)
    assert "no prices for DDD" in out
    assert lines[-1] == "checked 1 of 3 claims"


def test_check_exit_codes_with_few_or_no_claims(world: Path, capsys) -> None:
    code, out, _ = check(world, capsys, "Alpha Corp opened a new office in Lisbon.", "--date", "2024-06-04")
    assert code == 0 and "no market claim found" in out
    # Below --min-confidence: shown, but never proposed for checking, so nothing is missing.
    code, out, _ = check(world, capsys, ALPHA, "--date", "2024-06-04", "--min-confidence", "0.99")
    assert code == 0 and "[not checked]" in out and not out.splitlines()[-1].startswith("checked ")
    # Proposed but not checkable (no date): exit 1.
    code, out, _ = check(world, capsys, ALPHA)
    assert code == 1 and "--date" in out and out.splitlines()[-1] == "checked 0 of 1 claims"


def test_check_help_documents_time_and_exit_codes(capsys) -> None:
    code, out, _ = run_cli(["check", "--help"], capsys)
    assert code == 0
    for words in ("--time HH:MM", "--timezone ZONE", "after the close", "checked N of M claims", "Exit codes"):
        assert words in " ".join(out.split()), words


def test_claims_extract_writes_a_timed_event(world: Path, capsys) -> None:
    article = world / "news.txt"
    article.write_text(ALPHA, encoding="utf-8")
    out_csv = world / "proposed.csv"
    base = ["--securities", str(world / "reg" / "securities.csv"), "claims", "extract", str(article),
            "--aliases", str(world / "aliases.csv"), "--date", "2024-06-04"]
    code, _, err = run_cli([*base, "--to-events", str(out_csv), "--time", "09:15"], capsys)
    assert code == 0, err
    from eventstudy.data.securities import load_registry

    [event] = load_events(out_csv, load_registry(world / "reg" / "securities.csv"))
    assert (event.time, event.timezone, event.certainty) == (dt.time(9, 15), "America/New_York", "confirmed")
    assert "time given with --time 09:15 America/New_York" in event.notes
    code, _, err = run_cli([*base, "--time", "09:15"], capsys)
    assert code == 2 and "--to-events" in err
    stated = world / "stated.txt"
    stated.write_text("Alpha Corp reported results before the open. " + ALPHA, encoding="utf-8")
    code, out, err = run_cli([*base[:4], str(stated), *base[5:], "--json"], capsys)
    assert code == 0, err
    assert json.loads(out)[0]["stated_time"]["slot"] == "before_open"


def test_check_shows_a_move_at_another_moment_without_counting_it(world: Path, capsys) -> None:
    text = f"{ALPHA} Beta Inc shares rose as much as 9% in early trading."
    code, out, err = check(world, capsys, text, "--date", "2024-06-04", "--time", "09:00")
    lines = out.splitlines()
    assert any(line.startswith("[not checkable] +9% of BBB") and "daily prices cannot check" in line
               for line in lines), out
    assert lines[-1] == "checked 1 of 1 claims" and code == 0, err
