"""Bounded time and memory on huge and hostile inputs: claim extraction grows linearly with the
article, a sentence without an end is read in pieces with a warning, and an article, an events file,
an alias file or a price file beyond its documented limit is refused up front in one line (exit 2).

Times are CPU times of this process (``time.process_time``), the best of a few runs, so that other
work on a loaded CI machine does not count; the bounds are loose (a linear cost doubles when the text
doubles; the allowance is 3x, and a quadratic cost gives 4x and more).
"""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_cli import run_cli

from eventstudy.data.admission import MAX_ROWS
from eventstudy.data.bounds import MAX_ALIAS_ROWS, MAX_ARTICLE_BYTES, MAX_EVENT_ROWS, MAX_SENTENCE_CHARS
from eventstudy.news.extract import load_aliases, propose
from eventstudy.news.extract.text import bounded_sentences, sentences

DATE = dt.date(2026, 1, 14)
SIZE = 40_000  # characters: large enough that a quadratic part shows, small enough to stay quick
MAX_RATIO = 3.0  # the time of 2 x SIZE over the time of SIZE
# Seconds of CPU for 2 x SIZE characters: about ten times what this machine needs for the worst shape.
HARD_BOUND = 4.0
REPEATS = 3

# Each shape repeated to the size wanted: a list of numbers, claims in every sentence, a name list,
# stops and digits without end, mixed scripts on one line.
SHAPES = {
    "million percent": ("Zhipu shares rose ", "17% "),
    "a claim per number": ("", "Zhipu shares rose more than 17% "),
    "a claim per sentence": ("", "Zhipu shares rose 17%. "),
    "names": ("", "Zhipu MiniMax 智谱 Cambricon 寒武纪 the company "),
    "mixed scripts, no stop": ("", "Акции Zhipu выросли на 17% 智谱股价上涨17% le azioni di Zhipu in rialzo del 17% "),
    "names on lines without stops": ("", "Zhipu 涨超\n"),  # "the company" looked back over every name
    "dots": ("", "......"),
    "digits": ("", "1,111,111,111.11 "),
    "distinct claims": ("", ""),  # "Zhipu rose 1% yesterday. Zhipu rose 2% yesterday. ..."
}

# Pieces the property test strings together: numbers, names, directions, vetoes, horizons, stops that
# are not stops, in the five languages.
PIECES = ["17%", "17,5 %", "+3%", "-8.2%", "80 per cento", "1,234,567", "rose", "fell more than", "shares",
          "Zhipu", "智谱", "MiniMax", "寒武纪", "Cambricon", "Knowledge Atlas", "the company", "la società",
          "компания", "акции", "подорожали", "上涨", "股价", "涨超", "from", "to", "as much as", "did not",
          "since listing", "yesterday", "ieri", "el lunes", "market share", "Ltd.", "e.g.", "—", "\u00a0", "«»",
          "production of chips", "12 January 2026", "2026年1月12日"]
SEPARATORS = [" ", ". ", "\n", "，", "。", "", "; ", "..."]


def _text(head: str, unit: str, size: int) -> str:
    if not unit:
        out, i = [], 0
        while sum(map(len, out)) < size:
            i += 1
            out.append(f"Zhipu rose {i}% yesterday. ")
        return "".join(out)
    return head + unit * max(1, (size - len(head)) // len(unit))


def _cpu(text: str, aliases) -> float:
    best = float("inf")
    for _ in range(REPEATS):
        start = time.process_time()
        propose(text, aliases=aliases, date=DATE)
        best = min(best, time.process_time() - start)
    return best


def _assert_linear(small: str, large: str, aliases) -> None:
    # Interleaved, so that a slower stretch of the machine falls on both sizes.
    t_small, t_large = _cpu(small, aliases), _cpu(large, aliases)
    t_small = min(t_small, _cpu(small, aliases))
    # A floor of 20 ms: below it the ratio is noise of the clock, not of the algorithm.
    ratio = t_large / max(t_small, 0.02)
    assert t_large < HARD_BOUND, f"{len(large):,} characters took {t_large:.2f} s of CPU"
    assert ratio < MAX_RATIO, f"doubling the text from {len(small):,} characters took {ratio:.1f}x the time"


@pytest.fixture(scope="module")
def aliases():
    table = load_aliases()
    propose("Zhipu shares rose 17% today.", aliases=table, date=DATE)  # models and patterns loaded
    return table


@pytest.mark.parametrize("shape", list(SHAPES))
def test_extraction_time_grows_linearly(shape: str, aliases) -> None:
    head, unit = SHAPES[shape]
    _assert_linear(_text(head, unit, SIZE), _text(head, unit, 2 * SIZE), aliases)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(pieces=st.lists(st.sampled_from(PIECES), min_size=1, max_size=8), separator=st.sampled_from(SEPARATORS))
def test_adversarial_text_time_grows_linearly(pieces: list[str], separator: str, aliases) -> None:
    unit = " ".join(pieces) + separator
    _assert_linear(_text("", unit, SIZE // 2), _text("", unit, SIZE), aliases)


def test_repeats_of_one_claim_give_one_claim(aliases) -> None:
    found = propose(_text("", "Zhipu shares rose more than 17%. ", 200_000), aliases=aliases, date=DATE)
    assert [(c.kind, c.target, c.op, c.start) for c in found.claims] == [("session_return", "2513.HK", ">", 0)]


# -- sentences without an end ----------------------------------------------------------------------
@given(st.text(alphabet=st.sampled_from("ab 1%.\n智。"), max_size=300), st.integers(min_value=5, max_value=40))
def test_sentence_pieces_cover_the_sentence_within_the_limit(text: str, limit: int) -> None:
    spans, cut = bounded_sentences(text, limit)
    assert all(0 < s.end - s.start <= limit for s in spans)
    assert all(text[s.start:s.end] == text[s.start:s.end].strip() for s in spans)
    # Every character of every sentence is in a piece, in order; only spaces are dropped between them.
    whole = "".join(text[s.start:s.end] for s in sentences(text))
    assert "".join(text[s.start:s.end] for s in spans).replace(" ", "") == whole.replace(" ", "")
    assert [s for s in sentences(text) if s.end - s.start > limit] == cut


def test_a_long_line_is_cut_at_a_space_and_still_read(aliases) -> None:
    line = "Zhipu shares rose 17% " + "and then some more words " * 200
    found = propose("Title\n\n" + line, aliases=aliases, date=DATE, source="a.txt")
    assert [c.threshold for c in found.claims] == [pytest.approx(0.165)]
    spans, cut = bounded_sentences(line, MAX_SENTENCE_CHARS)
    assert len(cut) == 1 and all(line[s.end] == " " for s in spans[:-1])
    assert len(found.warnings) == 1
    assert found.warnings[0].startswith(f"a.txt:3: a sentence of {len(line.strip()):,} characters")


def test_extract_warns_on_a_long_sentence(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    article = tmp_path / "long.txt"
    article.write_text("Zhipu shares rose 17% today.\n" + "word " * 1000 + "\n" + "1% " * 2000, encoding="utf-8")
    code, out, err = run_cli(["claims", "extract", str(article), "--date", "2026-01-14"], capsys)
    assert code == 0, err
    assert "session_return(2513.HK) >= 16.5%" in out
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"warning: {article}:2: a sentence of 4,999 characters")
    assert "1 more such sentence(s)" in lines[0]


# -- documented limits: refused up front, one line, exit 2 -----------------------------------------
def _refused(code: int, out: str, err: str, where: str, what: str) -> None:
    assert code == 2, err
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"eventstudy: error: {where}: "), lines[0]
    assert what in lines[0] and "(" in lines[0], lines[0]  # what is wrong, and how to fix it
    assert "Traceback" not in err


@pytest.mark.parametrize("command", [["claims", "extract"], ["check"]])
def test_an_article_over_the_limit_is_refused_before_it_is_read(tmp_path: Path, command: list[str],
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    article = tmp_path / "huge.txt"
    with open(article, "wb") as fh:
        fh.truncate(50 * 10**9)  # a sparse 50 GB file: reading it would not end in time
    start = time.perf_counter()
    code, out, err = run_cli(["--home", str(tmp_path / "home"), *command, str(article)], capsys)
    assert time.perf_counter() - start < 5
    _refused(code, out, err, str(article), f"article of 50,000,000,000 bytes is larger than the limit of "
                                           f"{MAX_ARTICLE_BYTES // 1_000_000} MB")


def test_an_article_at_the_limit_is_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    article = tmp_path / "edge.txt"
    head = "Zhipu shares rose 17% today.\n"
    article.write_text(head + "x" * (MAX_ARTICLE_BYTES - len(head)), encoding="utf-8")
    assert article.stat().st_size == MAX_ARTICLE_BYTES
    code, out, err = run_cli(["claims", "extract", str(article), "--date", "2026-01-14"], capsys)
    assert code == 0, err
    assert "1 claim(s)" in out


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_an_endless_stream_is_refused_at_the_limit(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["claims", "extract", "/dev/zero"], capsys)
    _refused(code, out, err, "/dev/zero", f"article of more than {MAX_ARTICLE_BYTES // 1_000_000} MB")


def test_an_events_file_over_the_size_limit_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    events = tmp_path / "events.csv"
    with open(events, "wb") as fh:
        fh.truncate(10**9)
    code, out, err = run_cli(["events", "--events", str(events)], capsys)
    _refused(code, out, err, str(events), "events file of 1,000,000,000 bytes is larger than the limit of 50 MB")
    assert "eventstudy study" in err


def test_an_events_file_over_the_row_limit_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    events = tmp_path / "events.csv"
    rows = "".join(f"e{i},2026-01-14,2513.HK\n" for i in range(MAX_EVENT_ROWS + 1))
    events.write_text("id,date,targets\n" + rows, encoding="utf-8")
    code, out, err = run_cli(["events", "--events", str(events)], capsys)
    _refused(code, out, err, f"{events}:{MAX_EVENT_ROWS + 2}", f"more than {MAX_EVENT_ROWS:,} rows in the events file")
    assert "eventstudy study" in err


def test_an_alias_file_over_the_row_limit_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    article = tmp_path / "a.txt"
    article.write_text("Zhipu shares rose 17% today.", encoding="utf-8")
    names = tmp_path / "aliases.csv"
    names.write_text("alias,target\n" + "".join(f"Name{i},2513.HK\n" for i in range(MAX_ALIAS_ROWS + 1)),
                     encoding="utf-8")
    code, out, err = run_cli(["claims", "extract", str(article), "--aliases", str(names)], capsys)
    _refused(code, out, err, f"{names}:{MAX_ALIAS_ROWS + 2}", f"more than {MAX_ALIAS_ROWS:,} rows in the aliases file")


def test_a_price_file_over_the_row_limit_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    prices = tmp_path / "AAA.csv"
    day = dt.date(1800, 1, 1)
    lines = [f"{day + dt.timedelta(days=i)},1.0\n" for i in range(MAX_ROWS + 5)]
    prices.write_text("Date,Close\n" + "".join(lines), encoding="utf-8")
    code, out, err = run_cli(["--home", str(tmp_path / "home"), "prices", "import", str(prices)], capsys)
    _refused(code, out, err, f"{prices}:{MAX_ROWS + 4}", f"more than {MAX_ROWS:,} rows")
